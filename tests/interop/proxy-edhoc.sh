#!/bin/bash
# EDHOC end to end through a forward proxy that speaks neither EDHOC nor
# OSCORE: aiocoap-proxy --forward in front of oscore-fileserver, with
# oscore-client --proxy and an edhoc-oscore credentials entry.
#
#   edhoc-separate        message_1 and message_3 POSTed to the origin's
#                         /.well-known/edhoc in proxy form (RFC 9528 A.2),
#                         message_4 verified, then the OSCORE GET
#   edhoc-combined        message_3 in the first OSCORE request (RFC 9668):
#                         the EDHOC option 21 is Safe-to-Forward and of
#                         class U, so the proxy passes it on unread
#   edhoc-combined-1MiB   the same for 1 MiB (Block2 under the new context)
#   edhoc-unknown-client  a credential the server does not know: refused
#                         at message_3 (exit 7), nothing served
#
# Every file request the server logs must carry the EDHOC identity
# (":edhocclient", the label of the server's entry holding the client's
# credential): the request was really EDHOC + OSCORE end to end, not
# answered by the proxy nor sent in the clear. The client's -v says which
# way message_3 went; the server's log counts the EDHOC POSTs it got.
#
# libcoap 4.3.5's coap-server -P is no stand-in for the proxy: in its
# forward mode it rebuilds a Proxy-Scheme request from Uri-Host and
# Uri-Port only and drops Uri-Path and Content-Format, so even a plain GET
# of /a.txt reaches the server as GET / (docs/INTEROP.md).
#
# Needs AIOCOAP_DIR, AIOCOAP_PYTHON, AIOCOAP_PYTHONPATH (skips otherwise),
# OSCORE_CLIENT, OSCORE_FILESERVER and OSCORE_KEYGEN.
. "$(dirname "$0")/lib.sh"

SUITE=proxy-edhoc
interop_need AIOCOAP_DIR AIOCOAP_PYTHON AIOCOAP_PYTHONPATH OSCORE_CLIENT \
  OSCORE_FILESERVER OSCORE_KEYGEN
[ -f "$AIOCOAP_DIR/aiocoap-proxy" ] || interop_skip "no aiocoap-proxy in AIOCOAP_DIR"
interop_need_file "$OSCORE_CLIENT" oscore-client
interop_need_file "$OSCORE_FILESERVER" oscore-fileserver
interop_need_file "$OSCORE_KEYGEN" oscore-keygen
interop_init
interop_reset_results "$SUITE"

W=$INTEROP_TMP
cd "$W" || exit 1
for k in server:0a client:01 stranger:09; do
  "$OSCORE_KEYGEN" generate "${k%:*}.cosekey" --curve P-256 --kid "${k#*:}" \
    > "${k%:*}.cred" || exit 1
done
cat > server.diag <<EOF
{ "coap://server/*": { "edhoc-oscore": { "suite": 2, "method": 3,
    "own_cred_style": "by-key-id", "own_cred": $(cat server.cred), "private_key_file": "server.cosekey" } },
  ":edhocclient": { "edhoc-oscore": { "suite": 2, "method": 3,
    "peer_cred": $(cat client.cred) } } }
EOF
client_map() {  # client_map FILE OWN COMBINED
  cat > "$1" <<EOF
{ "coap://127.0.0.1:*": { "edhoc-oscore": { "suite": 2, "method": 3,
    "own_cred_style": "by-key-id", "own_cred": $(cat "$2.cred"), "private_key_file": "$2.cosekey",
    "peer_cred": $(cat server.cred), "use_combined_edhoc": $3 } } }
EOF
}
client_map separate.diag client false
client_map combined.diag client true
client_map stranger.diag stranger true
mkdir -p data
printf 'small, EDHOC through the proxy\n' > data/small.txt
head -c 1048576 /dev/urandom > data/1mb.bin
LOG=$W/oscore-fileserver.err

interop_fileserver_start "$LOG" 127.0.0.1:0 --credentials server.diag data ||
  { cat "$LOG" >&2; exit 1; }
URL="coap://127.0.0.1:$FS_PORT"
if ! interop_aiocoap_proxy_start proxy.log "$URL/small.txt"; then
  interop_record "$SUITE" edhoc-separate fail "aiocoap-proxy did not forward: $(tail -n 2 proxy.log | tr '\n' ' ')"
  interop_exit
fi

# logged REGEX : how many request lines since the mark match REGEX.
logged() { interop_log_requests | grep -Ec -- "$1"; }
# fetch NAME MAP FILE : oscore-client -v through the proxy; NAME.out,
# NAME.err, RC.
fetch() {
  interop_log_mark "$LOG"
  timeout 60 "$OSCORE_CLIENT" -v --timeout 10 --proxy "$PROXY" \
    --credentials "$2" -o "$1.out" "$URL/$3" 2> "$1.err"
  RC=$?
}
# verdict TEST WHAT CONDITION... : pass when the condition holds.
verdict() {
  local t=$1 what=$2
  shift 2
  if "$@"; then
    interop_record "$SUITE" "$t" pass "$what"
  else
    interop_record "$SUITE" "$t" fail "$what: exit $RC; client: $(grep -v '^[-#]' "$t.err" | tail -n 2 | tr '\n' ' ') server: $(interop_log_requests | tail -n 3 | tr '\n' ' ')"
  fi
}

fetch edhoc-separate separate.diag small.txt
verdict edhoc-separate "message_1, message_3 POSTed through the proxy, message_4 verified, GET as :edhocclient" \
  eval '[ $RC = 0 ] && cmp -s edhoc-separate.out data/small.txt &&
    grep -q "POSTed on its own" edhoc-separate.err &&
    grep -q "message_4: [0-9]* bytes, verified" edhoc-separate.err &&
    [ "$(logged " POST /.well-known/edhoc -> 2.04")" = 2 ] &&
    [ "$(logged " :edhocclient GET /small.txt -> 2.05")" = 1 ] &&
    [ "$(logged " GET ")" = 1 ]'

fetch edhoc-combined combined.diag small.txt
verdict edhoc-combined "message_3 in the OSCORE GET (option 21 forwarded), served to :edhocclient" \
  eval '[ $RC = 0 ] && cmp -s edhoc-combined.out data/small.txt &&
    grep -q "sent with the first OSCORE request" edhoc-combined.err &&
    [ "$(logged " anonymous POST /.well-known/edhoc -> 2.04")" = 1 ] &&
    [ "$(logged " POST ")" = 1 ] &&
    [ "$(logged " :edhocclient GET /small.txt -> 2.05")" = 1 ] &&
    [ "$(logged " GET ")" = 1 ]'

fetch edhoc-combined-1MiB combined.diag 1mb.bin
verdict edhoc-combined-1MiB "1 MiB byte-identical, every block as :edhocclient" \
  eval '[ $RC = 0 ] && cmp -s edhoc-combined-1MiB.out data/1mb.bin &&
    [ "$(logged " :edhocclient GET /1mb.bin -> 2.05")" -ge 1 ] &&
    [ "$(logged " GET ")" = "$(logged " :edhocclient GET /1mb.bin -> 2.05")" ]'

fetch edhoc-unknown-client stranger.diag small.txt
verdict edhoc-unknown-client "refused at message_3 (exit 7), nothing served" \
  eval '[ $RC = 7 ] && [ ! -s edhoc-unknown-client.out ] &&
    grep -q "the server refused EDHOC at message_3.*does not know our credential" edhoc-unknown-client.err &&
    [ "$(logged " GET ")" = 0 ]'
interop_exit
