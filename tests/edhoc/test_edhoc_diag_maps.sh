#!/usr/bin/env bash
# aiocoap's EDHOC example (doc/stateofedhoc.rst) done with our tools: keys
# from oscore-keygen (fileserver.cosekey --kid 0a, client.cosekey --kid
# 01), the two .diag maps in the document's layout, oscore-fileserver on
# [::1] with fileserver.cred.diag, and oscore-client listing "coap://[::1]/"
# with client.cred.diag: EDHOC (method 3, suite 2, by key ID), then the
# listing under OSCORE, the server knowing the client as :ourclient. The
# one change: the document's default port 5683 becomes a free port, in the
# client map's pattern and URI. Also: an oscore entry of the same .diag
# map still works; a syntax error names file, line and column; a broken
# EDHOC entry is refused at load.
# Usage: test_edhoc_diag_maps.sh OSCORE-FILESERVER OSCORE-CLIENT OSCORE-KEYGEN
set -u
FS=$(realpath "$1") CLIENT=$(realpath "$2") KEYGEN=$(realpath "$3")
. "$(dirname "$0")/../lib/server.sh"
. "$(dirname "$0")/../lib/harness.sh"
HARNESS_PIDS="server_pid"
harness_begin edhoc-diag
harness_wrap FS CLIENT
server_pid=

mkctx() {  # mkctx DIR SENDER-HEX RECIPIENT-HEX SECRET-HEX
  mkdir -p "$1"
  printf '{"sender-id_hex": "%s", "recipient-id_hex": "%s"}\n' "$2" "$3" \
    > "$1/settings.json"
  (umask 077; printf '{"secret_hex": "%s"}\n' "$4" > "$1/secret.json")
}
secret=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
mkctx ctx/client1 01 "" "$secret"
mkctx ctx/server1 "" 01 "$secret"

server_cred=$("$KEYGEN" generate fileserver.cosekey --kid 0a) || exit 1
client_cred=$("$KEYGEN" generate client.cosekey --kid 01) || exit 1
mkdir root && echo hello > root/a.txt

cat > fileserver.cred.diag <<EOF_MAP
{
  "coap://[::1]/*": {                   # replace with own pubic address
    "edhoc-oscore": {                   # or leave for local testing
      "suite": 2,
      "method": 3,
      "own_cred_style": "by-key-id",
      "own_cred": $server_cred,
      "private_key_file": "fileserver.cosekey",
    }
  },
  ":client1": { "oscore": { "basedir": "ctx/server1/" } },
  ":ourclient": { "edhoc-oscore": {
      "suite": 2,
      "method": 3,
      "peer_cred": $client_cred,         # the client's own_cred
  }}
}
EOF_MAP
start_server() {  # start_server LOG BIND: sets PORT (any address family)
  "$FS" --bind "$2" --credentials fileserver.cred.diag -v root 2>"$1" &
  server_pid=$!
  for _ in $(seq 1 500); do
    PORT=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$1" | tail -n 1)
    [ -n "$PORT" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.02
  done
  echo "server did not start" >&2; cat "$1" >&2; exit 1
}
start_server server6.log '[::1]:0'
PORT6=$PORT

cat > client.cred.diag <<EOF_MAP
{
  "coap://[::1]:$PORT6/*": {
    "edhoc-oscore": {
      "suite": 2,
      "method": 3,
      "own_cred_style": "by-key-id",
      "own_cred": $client_cred,
      "private_key_file": "client.cosekey",
      "peer_cred": $server_cred,
    }
  },
  "coap://127.0.0.1:*": { "oscore": { "basedir": "ctx/client1/" } },
}
EOF_MAP

out=$("$CLIENT" -v --timeout 10 --credentials client.cred.diag \
        "coap://[::1]:$PORT6/" 2>edhoc.err)
check "the example: the client lists the directory over EDHOC + OSCORE" \
  grep -q '</a.txt>' <<<"$out"
check "... after EDHOC" grep -q 'EDHOC done' edhoc.err
check "... as :ourclient" grep -q ':ourclient GET / -> 2.05' server6.log
check "the server warns about no entry of the map" [ "$(grep -c 'ignoring' server6.log)" = 0 ]
kill "$server_pid"; wait "$server_pid" 2>/dev/null

start_server server.log 127.0.0.1:0
out=$("$CLIENT" -q --timeout 10 --credentials client.cred.diag \
        "coap://127.0.0.1:$PORT/a.txt" 2>client.err)
check "client: the oscore entry of the .diag map works" [ "$out" = hello ]
check "... the server knows it as :client1" grep -q ':client1 GET /a.txt -> 2.05' server.log

printf '{\n  "coap://*": {"oscore": {"basedir": "ctx/client1/"}\n' > broken.diag
"$CLIENT" -q --credentials broken.diag "coap://127.0.0.1:$PORT/a.txt" \
  >/dev/null 2>broken.err
check "a syntax error names file, line and column" \
  grep -q 'broken.diag:3:1: not valid diagnostic notation' broken.err

sed 's/"suite": 2,/"suite": 9,/' client.cred.diag > badsuite.diag
"$CLIENT" -q --credentials badsuite.diag "coap://127.0.0.1:$PORT/a.txt" \
  >/dev/null 2>badsuite.err
check "a broken EDHOC entry is refused at load, naming entry and member" \
  grep -q 'badsuite.diag: entry "coap://\[::1\]:[0-9]*/\*": suite must be' badsuite.err

"$FS" --bind 127.0.0.1:0 --credentials badsuite.diag root 2>fsbad.err &
bad_pid=$!
wait "$bad_pid"
check "... by the fileserver too" \
  grep -q 'badsuite.diag: entry "coap://\[::1\]:[0-9]*/\*": suite must be' fsbad.err

echo "edhoc_diag_maps: $checks checks, $fails failed"
harness_result
