# Sourced by the shell tests: a scratch directory, check(), the --valgrind
# wrapper, and clean-up of the processes a test started.
#
# harness_begin NAME   makes $tmp (a fresh directory named after NAME),
#                      sets fails=0 checks=0, cds into it and arranges
#                      the clean-up: the processes whose PIDs are in the
#                      variables named by HARNESS_PIDS (default
#                      "server_pid obs_pid pid") are killed and waited
#                      for; $tmp is removed, or kept and named when a
#                      check failed.
# check DESCRIPTION COMMAND...
#                      runs COMMAND; when it fails, prints "FAIL:
#                      DESCRIPTION" and counts it.
# harness_wrap VAR...  under tests/run-all.sh --valgrind (OSCORE_TEST_WRAP
#                      set), points each program variable at a script
#                      that execs the program through the wrapper (the
#                      same PID, so kill still reaches it).
# harness_result       the test's final status: 0 when no check failed.

harness_cleanup() {
  local v
  for v in ${HARNESS_PIDS:-server_pid obs_pid pid}; do
    [ -n "${!v:-}" ] && kill "${!v}" 2>/dev/null
  done
  wait 2>/dev/null
  if [ "${fails:-0}" -eq 0 ]; then rm -rf "$tmp"; else echo "kept $tmp" >&2; fi
}

harness_begin() {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1-XXXXXX") || exit 1
  fails=0 checks=0
  trap harness_cleanup EXIT
  cd "$tmp" || exit 1
}

check() {
  checks=$((checks + 1))
  local what=$1; shift
  if "$@"; then :; else echo "FAIL: $what" >&2; fails=$((fails + 1)); fi
}

harness_wrap() {
  [ -n "${OSCORE_TEST_WRAP:-}" ] || return 0
  local wrap prog
  read -ra wrap <<<"$OSCORE_TEST_WRAP"
  for prog in "$@"; do
    { echo '#!/bin/sh'; printf 'exec'; printf ' %q' "${wrap[@]}" "${!prog}"
      echo ' "$@"'; } >"$tmp/wrap-$prog"
    chmod +x "$tmp/wrap-$prog"
    printf -v "$prog" '%s' "$tmp/wrap-$prog"
  done
}

harness_result() { [ "$fails" -eq 0 ]; }
