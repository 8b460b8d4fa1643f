#!/usr/bin/env bash
# EDHOC through a forward proxy, without peers: oscore-client --proxy with
# an edhoc-oscore entry -> fwd_proxy.py (a proxy that knows neither EDHOC
# nor OSCORE, written for this test) -> oscore-fileserver.
#
# * message_3 POSTed on its own: both EDHOC POSTs reach the server through
#   the proxy in proxy form (Proxy-Scheme, Uri-Host, Uri-Port, Uri-Path
#   .well-known/edhoc), message_4 verifies, the GET is served to the
#   client's EDHOC identity;
# * combined (RFC 9668): the proxy forwards the EDHOC option 21 it does
#   not know (critical, Safe-to-Forward, OSCORE class U), and the server
#   serves the GET to the EDHOC identity without a message_3 POST;
# * a proxy that drops option 21: the server cannot verify the request,
#   and the client says the EDHOC option may have been lost on the way;
# The server's log naming the EDHOC identity is what shows the request
# was EDHOC + OSCORE end to end (not sent in the clear, not refused).
# Usage: test_edhoc_proxy.sh OSCORE-FILESERVER OSCORE-CLIENT OSCORE-KEYGEN
set -u
FS=$(realpath "$1") CLIENT=$(realpath "$2") KEYGEN=$(realpath "$3")
PROXY_PY=$(realpath "$(dirname "$0")/fwd_proxy.py")
. "$(dirname "$0")/../lib/server.sh"
. "$(dirname "$0")/../lib/harness.sh"
HARNESS_PIDS="fs_pid proxy_pid drop_pid"
harness_begin edhoc-proxy
harness_wrap FS CLIENT
mkdir root && echo hello > root/a.txt

"$KEYGEN" generate s.cosekey --curve P-256 --kid 0a > s.cred || exit 1
"$KEYGEN" generate c.cosekey --curve P-256 --kid 01 > c.cred || exit 1
cat > server.diag <<EOF
{ "coap://server/*": { "edhoc-oscore": { "suite": 2, "method": 3,
    "own_cred_style": "by-key-id", "own_cred": $(cat s.cred),
    "private_key_file": "s.cosekey" } },
  ":proxied": { "edhoc-oscore": { "suite": 2, "method": 3,
    "peer_cred": $(cat c.cred) } } }
EOF
for combined in true false; do
  cat > "c-$combined.diag" <<EOF
{ "coap://127.0.0.1:*": { "edhoc-oscore": { "suite": 2, "method": 3,
    "own_cred_style": "by-key-id", "own_cred": $(cat c.cred),
    "private_key_file": "c.cosekey", "peer_cred": $(cat s.cred),
    "use_combined_edhoc": $combined } } }
EOF
done

"$FS" --bind 127.0.0.1:0 --credentials server.diag -v root 2> fs.log &
fs_pid=$!
server_wait_port "$fs_pid" fs.log || {
  echo "server did not start" >&2; cat fs.log >&2; exit 1; }
URL="coap://127.0.0.1:$PORT/a.txt"

start_proxy() {  # start_proxy VAR LOG [--drop N]: the proxy's port in VAR
  local var=$1 log=$2 pid
  shift 2
  /usr/bin/python3 "$PROXY_PY" "$log" "$@" > "$log.port" &
  pid=$!
  printf -v "${var}_pid" '%s' "$pid"
  for _ in $(seq 1 200); do [ -s "$log.port" ] && break; sleep 0.02; done
  printf -v "$var" '%s' "$(cat "$log.port")"
  [ -n "${!var}" ] || { echo "fwd_proxy.py did not start" >&2; exit 1; }
}
start_proxy proxy proxy.log
start_proxy drop drop.log --drop 21

# fetch NAME PROXY-PORT MAP: the client through the proxy (-v); NAME.out,
# NAME.err, RC; MARK is the server log's length before.
fetch() {
  MARK=$(wc -l < fs.log)
  "$CLIENT" -v --timeout 10 --proxy "coap://127.0.0.1:$2" --credentials "$3" \
    "$URL" > "$1.out" 2> "$1.err"
  RC=$?
}
since() { tail -n +"$((MARK + 1))" fs.log | grep -c -- "$1"; }

# ---- message_3 on its own ----
fetch separate "$proxy" c-false.diag
check "separate: the file comes back through the proxy" \
  eval '[ "$RC" = 0 ] && [ "$(cat separate.out)" = hello ]'
[ "$RC" = 0 ] || cat separate.err >&2
check "... message_3 POSTed, message_4 verified" \
  grep -q 'message_4: [0-9]* bytes, verified' separate.err
check "... both EDHOC POSTs reached the server" \
  [ "$(since 'POST /.well-known/edhoc -> 2.04')" = 2 ]
check "... and the GET was served to the EDHOC identity :proxied" \
  [ "$(since ':proxied GET /a.txt -> 2.05')" = 1 ]
# Proxy-Scheme (39), Uri-Host (3), Uri-Port (7) were taken off by the
# proxy; Uri-Path (11) x2 and Content-Format (12) came with the POSTs
# (and Hop-Limit, 16, which libcoap adds to a proxied request).
check "... the proxy forwarded the POSTs with their path and format" \
  [ "$(grep -Ec '^0.02 11,11,12(,16)? ' proxy.log)" = 2 ]

# ---- combined: option 21 forwarded unread ----
: > proxy.log
fetch combined "$proxy" c-true.diag
check "combined: the file comes back through the proxy" \
  eval '[ "$RC" = 0 ] && [ "$(cat combined.out)" = hello ]'
[ "$RC" = 0 ] || cat combined.err >&2
check "... message_3 rode on the OSCORE request" \
  grep -q 'sent with the first OSCORE request' combined.err
check "... the proxy forwarded OSCORE (9) and EDHOC (21) options" \
  grep -Eq '^0.02 9,(16,)?21 ' proxy.log
check "... one EDHOC POST (message_1) at the server, no message_3 POST" \
  [ "$(since 'POST ')" = 1 ]
check "... the GET served to :proxied" \
  [ "$(since ':proxied GET /a.txt -> 2.05')" = 1 ]

# ---- a proxy that drops option 21 ----
fetch dropped "$drop" c-true.diag
check "option 21 dropped on the way: refused (exit 7), no content" \
  eval '[ "$RC" = 7 ] && [ ! -s dropped.out ]'
check "... the client names the EDHOC option and the way around" \
  grep -q 'proxy may have dropped the EDHOC option (21).*"use_combined_edhoc": false' dropped.err
check "... nothing served" [ "$(since ' GET ')" = 0 ]
fetch dropped-separate "$drop" c-false.diag
check "... the same proxy with message_3 POSTed on its own: served" \
  eval '[ "$RC" = 0 ] && [ "$(cat dropped-separate.out)" = hello ]'

echo "edhoc_proxy: $checks checks, $fails failed"
harness_result
