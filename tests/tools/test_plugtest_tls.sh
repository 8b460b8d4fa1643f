#!/usr/bin/env bash
# oscore-plugtest-server on coaps+tcp:// and coaps:// (issue 18): the hello
# resource through oscore-client over TLS and DTLS, each with a pre-shared
# key (a "dtls" entry, the identity in the log) and with X.509 (the
# server's --tls-server-certificate, the client's "tlscert" entry; the
# certificate made here by `openssl req`); the two TLS options only
# together.
# Usage: test_plugtest_tls.sh PLUGTEST-SERVER OSCORE-CLIENT
set -u
. "$(dirname "$0")/../lib/server.sh"
PT=$(realpath "$1") CLIENT=$(realpath "$2")
. "$(dirname "$0")/../lib/harness.sh"
harness_begin pt-tls
pid=
umask 077
command -v openssl >/dev/null || { echo "no openssl command" >&2; exit 77; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout server.key -out server.pem -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null ||
  { echo "openssl req failed" >&2; exit 1; }
echo '{":psk": {"dtls": {"psk": {"ascii": "plugtest key"}, "client-identity": {"ascii": "pt"}}}}' \
  > server.json
echo '{"coaps*://*": {"dtls": {"psk": {"ascii": "plugtest key"}, "client-identity": {"ascii": "pt"}}}}' \
  > psk.json
echo '{"coaps*://*": {"tlscert": {"certfile": "server.pem"}}}' > cert.json

# The plain endpoint first: the ready line starts with it.
"$PT" --bind 127.0.0.1:0 --bind 'coaps+tcp://127.0.0.1:0' \
  --bind 'coaps://127.0.0.1:0' --credentials server.json \
  --tls-server-certificate server.pem --tls-server-key server.key -v \
  >pt.out 2>pt.err &
pid=$!
server_wait_port "$pid" pt.out "ready on" ||
  { echo "plugtest server did not start" >&2; cat pt.err >&2; exit 1; }
port_of() { sed -n "s|.*$1://127\\.0\\.0\\.1:\\([0-9]*\\).*|\\1|p" pt.out | head -n 1; }
tls=$(port_of 'coaps+tcp') dtls=$(port_of 'coaps')
for base in "coaps+tcp://127.0.0.1:$tls" "coaps://127.0.0.1:$dtls"; do
  for map in psk cert; do
    out=$("$CLIENT" --timeout 10 --credentials $map.json \
      "$base/oscore/hello/coap" 2>err)
    check "$base with $map: hello (rc $?)" [ "$out" = "Hello World!" ]
  done
done
check "PSK callers named by their entry" \
  grep -q ":psk plain GET /oscore/hello/coap" pt.err
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
check "server stops cleanly" [ $rc -eq 0 ]

timeout 10 "$PT" --bind 'coaps+tcp://127.0.0.1:0' --tls-server-key server.key \
  >/dev/null 2>err; rc=$?
check "key without certificate: exit 2 (rc $rc)" [ $rc -eq 2 ]
check "key without certificate: says so" \
  grep -q "needs --tls-server-certificate" err
echo "$checks checks, $fails failed" >&2
harness_result
