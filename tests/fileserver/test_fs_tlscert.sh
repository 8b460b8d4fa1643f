#!/usr/bin/env bash
# X.509 on coaps+tcp:// (TLS) and coaps:// (DTLS) between oscore-client and
# oscore-fileserver: the server presents --tls-server-certificate and
# --tls-server-key, the client trusts a "tlscert" entry's certfile
# (aiocoap's credentials format) and checks that the certificate names the
# host. The certificates are made here by `openssl req` (no private key is
# ever committed). Checked: listing, 1 MiB GET and PUT byte for byte, OSCORE
# inside ("all-of" of a tlscert and an oscore entry, the server logging the
# OSCORE identity), PSK clients still served beside; a certificate from
# another authority and one that names another host refused with exit 7
# naming why; a key file others may read warned about, never quoted; the
# options and entries misused refused.
# Usage: test_fs_tlscert.sh OSCORE-FILESERVER OSCORE-CLIENT
set -u
FS=$(realpath "$1") CLIENT=$(realpath "$2")
. "$(dirname "$0")/../lib/server.sh"
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/contexts.sh"
server_pid= other_pid=
harness_begin fs-tlscert
harness_wrap FS CLIENT
umask 077
command -v openssl >/dev/null || { echo "no openssl command" >&2; exit 77; }
mkcert() {  # mkcert NAME SUBJECT-ALT-NAMES: NAME.pem and NAME.key
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$1.key" -out "$1.pem" -days 2 -subj "/CN=${2%%,*}" \
    -addext "subjectAltName=$2" 2>/dev/null
}
mkcert server "DNS:localhost,IP:127.0.0.1" || { echo "openssl req failed" >&2; exit 1; }
mkcert stranger "DNS:localhost,IP:127.0.0.1"
mkcert other "DNS:other.example"
mkdir -p root
make_context_pair
psk=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
cat > server.json <<EOF
{":client1": {"oscore": {"basedir": "ctx/server/"}},
 ":psk1": {"dtls": {"psk": {"hex": "$psk"}, "client-identity": {"ascii": "one"}}}}
EOF
tlscert() { printf '{"tlscert": {"certfile": "%s"}}' "$1"; }
echo "{\"coaps*://*\": $(tlscert server.pem)}" > cert.json
echo "{\"coaps*://*\": $(tlscert stranger.pem)}" > stranger.json
echo "{\"coaps*://*\": $(tlscert other.pem)}" > other.json
echo "{\"coaps*://*\": $(tlscert missing.pem)}" > missing.json
echo "{\"coap://*\": $(tlscert server.pem)}" > plain.json
cat > both.json <<EOF
{"coaps*://*": {"all-of": [":t", ":o"]},
 ":t": $(tlscert server.pem),
 ":o": {"oscore": {"basedir": "ctx/client/"}}}
EOF
echo "{\"coaps+tcp://*\": {\"dtls\": {\"psk\": {\"hex\": \"$psk\"}, \"client-identity\": {\"ascii\": \"one\"}}}}" > psk.json
head -c 1048576 /dev/urandom > root/big.bin
echo hello > root/a.txt
chmod 640 server.key   # readable by the group: warned about

"$FS" --bind 'coaps+tcp://127.0.0.1:0' --bind 'coaps://127.0.0.1:0' \
  --bind 127.0.0.1:0 --tls-server-certificate server.pem \
  --tls-server-key server.key --credentials server.json --write -v root \
  2>server.log &
server_pid=$!
server_wait_port "$server_pid" server.log 'listening on' || {
  echo "server did not start" >&2; cat server.log >&2; exit 1; }
port_of() { grep -F "listening on $1://127.0.0.1:" server.log |
  sed -n 's|.*:\([0-9]*\)$|\1|p'; }
tls_port=$(port_of coaps+tcp) dtls_port=$(port_of coaps)
check "server key readable by the group: warned" \
  grep -q "server.key holds a private key and is readable by group" server.log

for base in "coaps+tcp://127.0.0.1:$tls_port" "coaps://127.0.0.1:$dtls_port" \
            "coaps+tcp://localhost:$tls_port"; do
  c() { "$CLIENT" -q --timeout 10 --credentials cert.json "$@"; }
  check "$base: GET" [ "$(c "$base/a.txt")" = hello ]
  rm -f got.bin root/up.bin
  c -o got.bin "$base/big.bin"
  check "$base: 1 MiB GET byte-identical" cmp -s got.bin root/big.bin
  c -m PUT --payload @root/big.bin "$base/up.bin"
  check "$base: 1 MiB PUT byte-identical" cmp -s root/up.bin root/big.bin
done
check "certificate clients are anonymous" \
  grep -q " anonymous GET /big.bin" server.log

# OSCORE inside TLS with a certificate: the server names the OSCORE peer.
out=$("$CLIENT" -q --timeout 10 --credentials both.json \
  "coaps+tcp://127.0.0.1:$tls_port/a.txt")
check "TLS (X.509) + OSCORE: GET" [ "$out" = hello ]
check "TLS (X.509) + OSCORE: the server logged :client1" \
  grep -q " :client1 GET /a.txt" server.log
# The same endpoint still serves pre-shared keys.
out=$("$CLIENT" -q --timeout 10 --credentials psk.json \
  "coaps+tcp://127.0.0.1:$tls_port/a.txt")
check "PSK client beside: GET" [ "$out" = hello ]
check "PSK client beside: named :psk1" grep -q " :psk1 GET /a.txt" server.log

# Refused: a certificate of another authority, over TLS and DTLS.
for base in "coaps+tcp://127.0.0.1:$tls_port" "coaps://127.0.0.1:$dtls_port"; do
  "$CLIENT" --timeout 3 --credentials stranger.json "$base/a.txt" >out 2>err
  rc=$?
  check "$base: untrusted certificate: exit 7 (rc $rc)" [ $rc -eq 7 ]
  check "$base: untrusted certificate: says so" \
    grep -q "certificate does not verify against .*stranger.pem" err
  check "$base: untrusted certificate: nothing served" [ ! -s out ]
done

# Refused: a trusted certificate that names another host.
"$FS" --bind 'coaps+tcp://127.0.0.1:0' --bind 127.0.0.1:0 \
  --tls-server-certificate other.pem --tls-server-key other.key root \
  2>other.log &
other_pid=$!
server_wait_port "$other_pid" other.log 'listening on' || {
  echo "second server did not start" >&2; cat other.log >&2; exit 1; }
other_port=$(grep -F "listening on coaps+tcp://" other.log |
  sed -n 's|.*:\([0-9]*\)$|\1|p')
"$CLIENT" --timeout 3 --credentials other.json \
  "coaps+tcp://127.0.0.1:$other_port/a.txt" >out 2>err; rc=$?
check "certificate for another host: exit 7 (rc $rc)" [ $rc -eq 7 ]
check "certificate for another host: says which host" \
  grep -q "certificate does not name 127.0.0.1" err
check "key of a 0600 file: no warning" bash -c "! grep -q 'readable by' other.log"
kill "$other_pid"; wait "$other_pid" 2>/dev/null; other_pid=

# Entries misused: a tlscert for coap://, a certfile that is not there.
"$CLIENT" --timeout 3 --credentials plain.json \
  "coap://127.0.0.1:$PORT/a.txt" >out 2>err; rc=$?
check "tlscert for coap://: exit 3 (rc $rc)" [ $rc -eq 3 ]
check "tlscert for coap://: says coaps" grep -q '"tlscert".*only a coaps://' err
"$CLIENT" --timeout 3 --credentials missing.json \
  "coaps+tcp://127.0.0.1:$tls_port/a.txt" >out 2>err; rc=$?
check "missing certfile: exit 3 (rc $rc)" [ $rc -eq 3 ]
check "missing certfile: names it" grep -q "missing.pem" err

# The private key never appears in a message.
keyline=$(sed -n 2p server.key)
check "the private key is never printed" \
  bash -c "! grep -qF '$keyline' server.log err other.log"
kill "$server_pid"; wait "$server_pid" 2>/dev/null; server_pid=

# Server options misused: one without the other (usage), a key that
# cannot be read, a key that does not match the certificate (config).
# (Bounded: a server that wrongly starts is stopped after 10 s.)
timeout 10 "$FS" --bind 'coaps+tcp://127.0.0.1:0' --tls-server-certificate server.pem \
  root 2>err; rc=$?
check "certificate without key: exit 2 (rc $rc)" [ $rc -eq 2 ]
check "certificate without key: says so" grep -q "needs --tls-server-key" err
timeout 10 "$FS" --bind 'coaps+tcp://127.0.0.1:0' --tls-server-certificate server.pem \
  --tls-server-key nothere.key root 2>err; rc=$?
check "unreadable key: exit 3 (rc $rc)" [ $rc -eq 3 ]
check "unreadable key: names the file" grep -q "nothere.key" err
timeout 10 "$FS" --bind 'coaps+tcp://127.0.0.1:0' --tls-server-certificate server.pem \
  --tls-server-key other.key root 2>err; rc=$?
check "key of another certificate: exit 3 (rc $rc)" [ $rc -eq 3 ]
check "key of another certificate: says so" grep -q "certificate or its private key" err

echo "$checks checks, $fails failed"
harness_result
