#!/usr/bin/env bash
# Smoke run of oscore-load against the two peers that bench/compare.sh
# measures (seconds, exact counts, no timing assertions): aiocoap-fileserver
# and libcoap 4.3.5's coap-server -E, both with OSCORE (each on a fresh
# context; the first request meets the B.1.2 Echo challenge, which the
# load's warm-up answers), and coap-server plain.
#   test_bench_smoke_peers.sh OSCORE-LOAD
# Needs AIOCOAP_* and LIBCOAP_OSCORE_BIN (tests/interop/peers.sh): skips
# without them, fails when peers.sh prepared them.
. "$(dirname "$0")/../interop/lib.sh"
load=$(realpath "$1")
interop_need AIOCOAP_DIR AIOCOAP_PYTHON AIOCOAP_PYTHONPATH LIBCOAP_OSCORE_BIN
[ -f "$AIOCOAP_DIR/aiocoap-fileserver" ] || interop_skip "no aiocoap-fileserver in AIOCOAP_DIR"
[ -x "$LIBCOAP_OSCORE_BIN/coap-server" ] || interop_skip "no coap-server in LIBCOAP_OSCORE_BIN"
interop_init
W=$INTEROP_TMP
fail=0
check() {   # check DESCRIPTION COMMAND...
  if "${@:2}"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi
}
kv() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }

# ready URI ARGS... : the server answers one request (at most ~15 s).
ready() {
  local uri=$1 i
  shift
  for i in $(seq 1 50); do
    "$load" -q -n 1 -k 1 --timeout 300 -t 5 "$@" "$uri" > /dev/null 2>&1 && return 0
    sleep 0.3
  done
  return 1
}
# counts NAME N : oscore-load's report NAME says N sent and ok, 0 errors.
counts() { [ "$(kv "$W/$1" ok)/$(kv "$W/$1" errors)" = "$2/0" ]; }

# ---- aiocoap-fileserver, OSCORE ----------------------------------------------
mkdir -p "$W/root"
printf 'hello bench\n' > "$W/root/small"
interop_pair "$W/aio" 0c 0d
printf '{ ":load": { "oscore": { "basedir": "%s/aio/peer/" } } }\n' "$W" > "$W/aio.json"
port=$(interop_free_port)
PYTHONPATH="$AIOCOAP_PYTHONPATH" "$AIOCOAP_PYTHON" "$AIOCOAP_DIR/aiocoap-fileserver" \
  "$W/root" --bind "127.0.0.1:$port" --credentials "$W/aio.json" > "$W/aio.log" 2>&1 &
pid=$!
interop_track "$pid"
if ready "coap://127.0.0.1:$port/small" --contexts "$W/aio/ours"; then
  "$load" --kv -q -n 100 -k 4 -t 60 --server-pid "$pid" --contexts "$W/aio/ours" \
    "coap://127.0.0.1:$port/small" > "$W/aio.kv" 2>&1
  check "aiocoap-fileserver OSCORE: exit 0" test $? -eq 0
  check "aiocoap-fileserver OSCORE: 100 ok, 0 errors" counts aio.kv 100
  check "aiocoap-fileserver OSCORE: security reported" test "$(kv "$W/aio.kv" security)" = oscore
else
  check "aiocoap-fileserver answers OSCORE: $(tail -n 2 "$W/aio.log" | tr '\n' ' ')" false
fi
interop_stop "$pid"

# ---- libcoap 4.3.5 coap-server -E, OSCORE and plain --------------------------
interop_pair "$W/lc" 0c 0e
port=$(interop_free_port)
"$LIBCOAP_OSCORE_BIN/coap-server" -A 127.0.0.1 -p "$port" -v 0 \
  -E "$W/lc/libcoap.conf,$W/lc/server.seq" > "$W/lc.log" 2>&1 &
pid=$!
interop_track "$pid"
if ready "coap://127.0.0.1:$port/" --contexts "$W/lc/ours"; then
  "$load" --kv -q -n 300 -k 8 -t 60 --server-pid "$pid" --contexts "$W/lc/ours" \
    "coap://127.0.0.1:$port/" > "$W/lc.kv" 2>&1
  check "coap-server -E OSCORE: exit 0" test $? -eq 0
  check "coap-server -E OSCORE: 300 ok, 0 errors" counts lc.kv 300
  check "coap-server -E OSCORE: security reported" test "$(kv "$W/lc.kv" security)" = oscore
  "$load" --kv -q -n 300 -k 8 -t 60 "coap://127.0.0.1:$port/" > "$W/lcp.kv" 2>&1
  check "coap-server -E plain: 300 ok, 0 errors" counts lcp.kv 300
else
  check "coap-server -E answers OSCORE: $(tail -n 2 "$W/lc.log" | tr '\n' ' ')" false
fi
exit $fail
