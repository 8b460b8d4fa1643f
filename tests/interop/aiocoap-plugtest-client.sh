#!/bin/bash
# aiocoap's OSCORE plugtest client (contrib/oscore-plugtest/plugtest-client,
# tests 0-17) against oscore-plugtest-server.
#
# The client expects contexts B and D on one server (it picks A or C by the
# test), so tests 0-15 and 17 go to one server with tools/plugtest-
# credentials/server.json. Test 16 needs an OSCORE-unaware server
# (test-spec5 §1): it goes to a second instance without credentials
# ("server N").
#
# The client prints its checks and exits 0 even when one fails, so each
# test passes when its output has a passed check and no failed one.
#
# Needs AIOCOAP_DIR, AIOCOAP_PYTHON, AIOCOAP_PYTHONPATH (skips otherwise)
# and PLUGTEST_SERVER.
. "$(dirname "$0")/lib.sh"

SUITE=aiocoap-plugtest-client
interop_need AIOCOAP_DIR AIOCOAP_PYTHON AIOCOAP_PYTHONPATH PLUGTEST_SERVER
CLIENT="$AIOCOAP_DIR/contrib/oscore-plugtest/plugtest-client"
[ -f "$CLIENT" ] || interop_skip "no plugtest-client in AIOCOAP_DIR ($CLIENT)"
interop_need_file "$PLUGTEST_SERVER" oscore-plugtest-server
interop_init
interop_reset_results "$SUITE"

interop_plugtest_credentials "$INTEROP_TMP/pt"
interop_plugtest_start bd 127.0.0.1:0 --credentials "$INTEROP_TMP/pt/server.json" ||
  exit 1
PORT_BD=$PT_PORT
interop_plugtest_start n 127.0.0.1:0 || exit 1
PORT_N=$PT_PORT

# The client copies contexts A and C into this directory on first use and
# keeps its sequence numbers there across the tests.
CTX="$INTEROP_TMP/client-ctx"
LOGS="$INTEROP_TMP/logs"
mkdir -p "$LOGS"

for t in $(seq 0 17); do
  port=$PORT_BD
  [ "$t" = 16 ] && port=$PORT_N
  log="$LOGS/test-$t.log"
  PYTHONPATH="$AIOCOAP_PYTHONPATH" timeout 30 \
    "$AIOCOAP_PYTHON" "$CLIENT" "127.0.0.1:$port" "$CTX" "$t" > "$log" 2>&1
  rc=$?
  bad=$(grep -E 'verify failed|^Failed|Expectation failed|Test failed|Dubious|Traceback' "$log" | head -n 1)
  good=$(grep -Ec 'verify passed|Check passed|^Passed' "$log")
  if [ $rc -ne 0 ]; then
    interop_record "$SUITE" "$t" fail "client exit status $rc: $(tail -n 1 "$log")"
  elif [ -n "$bad" ]; then
    interop_record "$SUITE" "$t" fail "$bad"
  elif [ "$good" -eq 0 ]; then
    interop_record "$SUITE" "$t" fail "no check passed"
  else
    interop_record "$SUITE" "$t" pass "$good checks passed"
  fi
  if [ -n "${INTEROP_VERBOSE:-}" ]; then
    grep -v 'External AAD' "$log"
  fi
done

# The servers must stop cleanly and leave exact state behind.
interop_stop_all
for c in b d; do
  if grep -q '"unknown"' "$INTEROP_TMP/pt/$c/sequence.json" 2>/dev/null ||
     [ -e "$INTEROP_TMP/pt/$c/lock" ]; then
    echo "context $c: state not written back cleanly" >&2
    INTEROP_FAILED=$((INTEROP_FAILED + 1))
  fi
done
interop_exit
