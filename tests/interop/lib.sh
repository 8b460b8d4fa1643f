# Shared helpers of the interop scripts (sourced, not run).
#
# Peers are found only through environment variables (see DEVELOPERS.md and
# docs/INTEROP.md); a script whose peer is not configured skips with 77.
# Our programs come from $PLUGTEST_SERVER, $OSCORE_CLIENT and
# $OSCORE_FILESERVER (meson sets them; run-all.sh derives them from
# $BUILDDIR). Results go to $INTEROP_RESULTS (a directory), one
# tab-separated file per suite: suite, test, result, note; result is pass,
# fail, deviation (fails the peer's own check for a documented reason, the
# behaviour the specification asks for was verified instead) or skip.

set -u

INTEROP_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
INTEROP_PIDS=()
INTEROP_TMP=""
INTEROP_FAILED=0

interop_skip() {
  echo "SKIP: $*" >&2
  exit 77
}

# interop_need VAR... : skip unless every variable is set and non-empty.
interop_need() {
  local missing=()
  local v
  for v in "$@"; do
    [ -n "${!v:-}" ] || missing+=("$v")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    interop_skip "${missing[*]} not set (peer not configured; e.g." \
      "'source /opt/peers/env.sh' on a machine that has the peers)"
  fi
}

# interop_need_file PATH WHAT : skip when one of our programs is not built.
interop_need_file() {
  [ -x "$1" ] || interop_skip "$2 not found at '$1' (not built yet?)"
}

interop_cleanup() {
  interop_stop_all
  if [ -n "$INTEROP_TMP" ] && [ -d "$INTEROP_TMP" ] && [ -z "${INTEROP_KEEP:-}" ]; then
    rm -rf "$INTEROP_TMP"
  fi
}

# Make $INTEROP_TMP and stop our servers / remove it on exit.
interop_init() {
  INTEROP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/oscore-interop-XXXXXX")
  trap interop_cleanup EXIT
  trap 'exit 130' INT TERM
  : "${INTEROP_RESULTS:=${INTEROP_TMP}/results}"
  mkdir -p "$INTEROP_RESULTS"
}

# interop_record SUITE TEST RESULT [NOTE]
interop_record() {
  local suite=$1 test=$2 result=$3 note=${4:-}
  printf '%s\t%s\t%s\t%s\n' "$suite" "$test" "$result" "$note" \
    >> "$INTEROP_RESULTS/$suite.tsv"
  printf '%-28s %-6s %-9s %s\n' "$suite" "$test" "$result" "$note"
  [ "$result" = fail ] && INTEROP_FAILED=$((INTEROP_FAILED + 1))
  return 0
}

# interop_reset_results SUITE : forget an earlier run of SUITE.
interop_reset_results() {
  rm -f "$INTEROP_RESULTS/$1.tsv"
}

# interop_track PID : remember a process we started (stopped on exit).
interop_track() {
  INTEROP_PIDS+=("$1")
}

# interop_stop PID : SIGTERM one of our processes, wait at most 10 s, then
# SIGKILL. Only PIDs we started are ever signalled.
interop_stop() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

interop_stop_all() {
  local pid
  for pid in "${INTEROP_PIDS[@]+"${INTEROP_PIDS[@]}"}"; do
    interop_stop "$pid"
  done
  INTEROP_PIDS=()
}

# interop_wait_line FILE REGEX SECONDS : wait until FILE has a line matching
# REGEX (grep -E); false on timeout.
interop_wait_line() {
  local file=$1 re=$2 limit=$3 i
  for i in $(seq 1 $((limit * 20))); do
    grep -Eq "$re" "$file" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# A fresh copy of our plugtest credentials (contexts B and D) in DIR.
interop_plugtest_credentials() {
  local dir=$1
  mkdir -p "$dir"
  cp -r "$INTEROP_SRC/../../tools/plugtest-credentials/." "$dir/"
  rm -f "$dir"/*/sequence.json "$dir"/*/lock
  chmod 600 "$dir"/*/secret.json
}

# interop_plugtest_start NAME BIND [ARGS...] : start our plugtest server,
# wait for its ready line, set PT_PORT (the first endpoint's port) and
# PT_PID. Output in $INTEROP_TMP/NAME.out / NAME.err.
interop_plugtest_start() {
  local name=$1 bind=$2
  shift 2
  "$PLUGTEST_SERVER" --bind "$bind" -v "$@" \
    > "$INTEROP_TMP/$name.out" 2> "$INTEROP_TMP/$name.err" &
  PT_PID=$!
  interop_track "$PT_PID"
  if ! interop_wait_line "$INTEROP_TMP/$name.out" ': ready on ' 10; then
    echo "oscore-plugtest-server ($name) did not become ready:" >&2
    cat "$INTEROP_TMP/$name.err" >&2
    return 1
  fi
  PT_PORT=$(sed -n 's/.*: ready on [^ ]*:\([0-9][0-9]*\)[ ].*/\1/p' \
    "$INTEROP_TMP/$name.out" | head -n 1)
  [ -n "$PT_PORT" ]
}

# The exit status of a suite: 1 when a test failed, else 0.
interop_exit() {
  if [ "$INTEROP_FAILED" -gt 0 ]; then
    echo "$INTEROP_FAILED test(s) failed" >&2
    exit 1
  fi
  exit 0
}
