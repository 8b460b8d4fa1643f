#!/usr/bin/env bash
# The whole test suite: installs what it needs (Debian 12, as root), builds
# and runs every test. Ends with "N passed, N failed, N skipped".
#
#   bash tests/run-all.sh [--sanitize | --valgrind] [meson test arguments]
#
#   (none)      build in build/ and run everything.
#   --sanitize  the same with AddressSanitizer and UndefinedBehaviorSanitizer,
#               in build-asan/ (-Db_sanitize=address,undefined
#               -Db_lundef=false); any sanitizer report fails its test.
#   --valgrind  build in build-valgrind/ and run the C test programs (not
#               the scripts) under valgrind --leak-check=full; an invalid
#               access or a definite/indirect leak fails the test.
#               OSCORE_TEST_WRAP holds the valgrind command, for scripts
#               that start our programs themselves: the client's and the
#               fileserver's script tests then run too (natively, their
#               programs under valgrind).
#
# The interop peers (aiocoap, libcoap 4.3.5 with OSCORE) are prepared first
# by tests/interop/peers.sh (from ../shared/peers or a git clone; built once
# and cached outside the tree): the peer tests then run, and fail rather
# than skip if they cannot. On a machine without any source they skip,
# saying why. OSCORE_PEERS=none leaves the peers out; a peer that could not
# be prepared counts as one failure.
#
# Extra arguments go to `meson test` (e.g. a suite or test name). BUILDDIR
# and MESON_SETUP_ARGS override the build directory and the meson setup
# options of any mode. ASAN_OPTIONS and UBSAN_OPTIONS are set unless the
# caller set them (UB halts, with a stack trace); reports are written to
# BUILDDIR/sanitizer-logs/ too, and each one there counts as a failure
# (it may come from a process whose exit status no test looks at).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

mode=plain
case "${1:-}" in
  --sanitize) mode=sanitize; shift ;;
  --valgrind) mode=valgrind; shift ;;
esac

bash tools/deps.sh

peers_failed=0
if [ "${OSCORE_PEERS:-}" != none ]; then
  set +e
  peers_env=$(bash tests/interop/peers.sh)
  peers_rc=$?
  set -e
  eval "$peers_env"
  case $peers_rc in
    0) ;;
    77) echo "run-all.sh: no interop peers on this machine: the peer tests skip" >&2 ;;
    *) echo "run-all.sh: preparing the interop peers failed (counted as a failure)" >&2
       peers_failed=1 ;;
  esac
fi

case "$mode" in
  sanitize)
    builddir=${BUILDDIR:-build-asan}
    setup_args=${MESON_SETUP_ARGS:--Db_sanitize=address,undefined -Db_lundef=false}
    ;;
  valgrind)
    if ! command -v valgrind >/dev/null; then
      echo "run-all.sh: --valgrind needs valgrind (apt-get install valgrind)" >&2
      exit 1
    fi
    builddir=${BUILDDIR:-build-valgrind}
    setup_args=${MESON_SETUP_ARGS:-}
    ;;
  *)
    builddir=${BUILDDIR:-build}
    setup_args=${MESON_SETUP_ARGS:-}
    ;;
esac

# Sanitizer reports also go to files, so that one from a process whose exit
# status a script does not look at (a server stopped at the end, leaking)
# still fails the run.
san_logs="$top/$builddir/sanitizer-logs"
rm -rf "$san_logs"
mkdir -p "$san_logs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:print_summary=1:log_path=$san_logs/asan}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:print_summary=1:log_path=$san_logs/ubsan}

if [ -f "$builddir/build.ninja" ]; then
  meson setup --reconfigure "$builddir" $setup_args >/dev/null
else
  meson setup "$builddir" $setup_args >/dev/null
fi
ninja -C "$builddir" >/dev/null

# A whole run starts with no interop results of an earlier one.
[ "$#" -gt 0 ] || rm -rf "$builddir/interop-results"

test_args=(--print-errorlogs --num-processes 2)
vg_scripts=()
if [ "$mode" = valgrind ]; then
  vg="valgrind --error-exitcode=101 --leak-check=full"
  vg="$vg --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect"
  vg="$vg --track-origins=yes --quiet"
  # Our programs that a test starts run under valgrind too; system ones
  # (python3, sh, cp...) natively.
  vg="$vg --trace-children=yes --trace-children-skip=/usr/*,/bin/*,/sbin/*"
  export OSCORE_TEST_WRAP="$vg"
  test_args+=(--wrap="$vg" --timeout-multiplier 10)
  if [ "$#" -eq 0 ]; then
    # The C programs only: valgrind on python3 or bash would report the
    # interpreter, and their children run natively anyway.
    mapfile -t c_tests < <(meson introspect --tests "$builddir" |
      python3 -c '
import json, os, sys
build = os.path.realpath(sys.argv[1]) + os.sep
for t in json.load(sys.stdin):
    if os.path.realpath(t["cmd"][0]).startswith(build):
        print(t["name"])' "$builddir")
    set -- "${c_tests[@]}"
    # The integration scripts that honour OSCORE_TEST_WRAP, without --wrap.
    mapfile -t vg_scripts < <(meson introspect --tests "$builddir" |
      python3 -c '
import json, os, sys
build = os.path.realpath(sys.argv[1]) + os.sep
for t in json.load(sys.stdin):
    if (not os.path.realpath(t["cmd"][0]).startswith(build)
            and set(t["suite"]) & {"oscore-tools:client", "oscore-tools:fileserver",
                                   "client", "fileserver"}):
        print(t["name"])' "$builddir")
  fi
fi

set +e
meson test -C "$builddir" "${test_args[@]}" "$@"
status=$?
if [ "${#vg_scripts[@]}" -gt 0 ]; then
  meson test -C "$builddir" --print-errorlogs --num-processes 2 \
    --timeout-multiplier 10 "${vg_scripts[@]}" || status=1
fi
set -e

[ "$peers_failed" -eq 0 ] || status=1
reports=0
for f in "$san_logs"/*; do
  [ -e "$f" ] || continue
  echo "== sanitizer report $f:" >&2
  head -60 "$f" >&2
  reports=$((reports + 1))
  status=1
done
[ "$reports" -eq 0 ] || echo "run-all.sh: $reports sanitizer report(s), counted as failures" >&2

# With --wrap meson names its log after the wrapper.
testlog="$builddir/meson-logs/testlog.json"
[ "$mode" = valgrind ] && testlog="$builddir/meson-logs/testlog-valgrind.json"
logs=("$testlog")
[ "${#vg_scripts[@]}" -gt 0 ] && logs+=("$builddir/meson-logs/testlog.json")
python3 - "$((reports + peers_failed))" "${logs[@]}" <<'PY'
import json, sys
counts = {"passed": 0, "failed": int(sys.argv[1]), "skipped": 0}
for log in sys.argv[2:]:
  with open(log) as f:
    for line in f:
        r = json.loads(line).get("result", "")
        if r in ("OK", "EXPECTEDFAIL"):
            counts["passed"] += 1
        elif r == "SKIP":
            counts["skipped"] += 1
            # A skip says why (meson's table does not show it).
            t = json.loads(line)
            why = [l for l in ((t.get("stdout") or "") + (t.get("stderr") or "")).splitlines()
                   if l.startswith("SKIP")]
            print(f'skipped: {t.get("name")}: {why[0] if why else "(no reason given)"}')
        else:
            counts["failed"] += 1
print(f'{counts["passed"]} passed, {counts["failed"]} failed, {counts["skipped"]} skipped')
PY
exit $status
