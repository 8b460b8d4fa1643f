#!/usr/bin/env bash
# Run the libFuzzer harnesses of tests/fuzz for a while.
#
#   bash tests/fuzz/run.sh [TARGET|all] [SECONDS]
#
# TARGET is one of option codec unprotect_request unprotect_response
# roundtrip credentials context server edhoc (default: all, one after the other);
# SECONDS per target (default 60). Builds with clang, -Dfuzzing=true (ASan,
# UBSan, libFuzzer) in build-fuzz/ (FUZZ_BUILDDIR to change), one fuzzing
# process at a time under nice. The corpus each run grows is kept in
# build-fuzz/fuzz-corpus/TARGET (so the next run goes on from there; the
# seeds in tests/fuzz/corpus/TARGET are read, never written). A crash
# leaves its input in build-fuzz/fuzz-artifacts/ and makes the script exit
# 1; turn it into a regression input with
#   cp build-fuzz/fuzz-artifacts/TARGET-crash-... tests/fuzz/corpus/TARGET/regress-NAME
# so that the ordinary test suite runs it from then on. Ends with one line
# per target: executions, new corpus entries, result.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
all=(option codec unprotect_request unprotect_response roundtrip credentials
     context server edhoc)
want=${1:-all}
secs=${2:-60}
case "$want" in
  all) targets=("${all[@]}") ;;
  *)
    targets=()
    for t in "${all[@]}"; do [ "$t" = "$want" ] && targets=("$t"); done
    if [ "${#targets[@]}" -eq 0 ]; then
      echo "Usage: bash tests/fuzz/run.sh [TARGET|all] [SECONDS]" >&2
      echo "targets: ${all[*]}" >&2
      exit 2
    fi
    ;;
esac
case "$secs" in ''|*[!0-9]*) echo "run.sh: SECONDS must be a number" >&2; exit 2 ;; esac

builddir=${FUZZ_BUILDDIR:-$top/build-fuzz}
# libFuzzer and the sanitizer runtimes are in libclang-rt-14-dev, which
# clang only recommends.
if ! command -v clang >/dev/null ||
   ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a \
       >/dev/null 2>&1; then
  echo "run.sh: needs clang and libFuzzer (Debian 12:" \
       "apt-get install clang libclang-rt-14-dev)" >&2
  exit 1
fi
if [ ! -f "$builddir/build.ninja" ]; then
  CC=clang meson setup "$builddir" "$top" -Dfuzzing=true -Db_lundef=false \
    >/dev/null
fi
if ! ninja -C "$builddir" $(printf 'tests/fuzz/fuzz_%s ' "${targets[@]}") \
     >"$builddir/fuzz-build.log" 2>&1; then
  tail -30 "$builddir/fuzz-build.log" >&2
  echo "run.sh: build failed (log: $builddir/fuzz-build.log)" >&2
  exit 1
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
mkdir -p "$builddir/fuzz-artifacts"

status=0
summary=()
total=0
for t in "${targets[@]}"; do
  corpus="$builddir/fuzz-corpus/$t"
  mkdir -p "$corpus"
  log="$builddir/fuzz-artifacts/$t.log"
  before=$(find "$corpus" -type f | wc -l)
  echo "fuzzing $t for ${secs}s (log: $log)" >&2
  extra=()
  # The server keeps state across inputs (retransmission cache, libcoap
  # sessions), so libFuzzer's per-input leak check would fire on nearly
  # every input and cost 15x the speed; LeakSanitizer still runs at exit,
  # and the sanitizer test suite runs this harness with leak checking.
  [ "$t" = server ] && extra=(-detect_leaks=0)
  set +e
  nice -n 10 "$builddir/tests/fuzz/fuzz_$t" "${extra[@]}" \
    -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$builddir/fuzz-artifacts/$t-" \
    "$corpus" "$top/tests/fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  runs=${runs:-0}
  total=$((total + runs))
  after=$(find "$corpus" -type f | wc -l)
  if [ "$rc" -eq 0 ]; then
    result=ok
  else
    result="FAILED (exit $rc, see $log)"
    status=1
  fi
  summary+=("$t: $runs executions, $((after - before)) new corpus entries, $result")
done
printf '%s\n' "${summary[@]}"
echo "total: $total executions"
exit $status
