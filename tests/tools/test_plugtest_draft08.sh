#!/usr/bin/env bash
# oscore-plugtest-server in draft-08 mode (DRAFT08.md): a context imported
# with oscore-context-import --draft08 (LwM2M OSCORE object values), and
# oscore-client with the device's side: the protected hello resource and
# both notifications of observe1, all under draft-08 (option 21), and -vv
# naming the version on both sides.
# Usage: test_plugtest_draft08.sh PLUGTEST-SERVER OSCORE-CLIENT CONTEXT-IMPORT
set -u
. "$(dirname "$0")/../lib/server.sh"
PT=$(realpath "$1") CLIENT=$(realpath "$2") IMPORT=$(realpath "$3")
. "$(dirname "$0")/../lib/harness.sh"
harness_begin pt-draft08
pid=

object=(--master-secret hex:0102030405060708090a0b0c0d0e0f10
        --master-salt hex:9e7ca92223786340 --sender-id hex:
        --recipient-id hex:01 --draft08)
"$IMPORT" "${object[@]}" dev >/dev/null && "$IMPORT" "${object[@]}" --peer srv >/dev/null
check "import" [ $? -eq 0 ]
echo '{":b": {"oscore": {"basedir": "srv/"}}}' > server.json
echo '{"coap://127.0.0.1:*": {"oscore": {"basedir": "dev/"}}}' > client.json

"$PT" --bind 127.0.0.1:0 --credentials server.json --observe-interval 300 -vv \
  >pt.out 2>pt.err &
pid=$!
server_wait_port "$pid" pt.out "ready on" ||
  { echo "plugtest server did not start" >&2; cat pt.err >&2; exit 1; }
base=coap://127.0.0.1:$PORT
check "server -vv names the version" \
  grep -q "context srv: OSCORE as in draft-08, option 21" pt.err

"$CLIENT" -vv --timeout 10 --credentials client.json "$base/oscore/hello/1" \
  >hello.out 2>hello.err
check "hello/1 exit 0" [ $? -eq 0 ]
check "hello/1 payload" [ "$(cat hello.out)" = "Hello World!" ]
check "hello/1 under draft-08" grep -q "OSCORE draft-08 (option 21)" hello.err
check "server logged :b" grep -q ":b OSCORE GET /oscore/hello/1 -> 2.05" pt.err

timeout 20 "$CLIENT" -vv --timeout 10 --credentials client.json --observe \
  "$base/oscore/observe1" >obs.out 2>obs.err
check "observe1 ends with the server's 5.00 (exit 5)" [ $? -eq 5 ]
check "observe1: one, then two" \
  [ "$(grep -x -e one -e two obs.out | tr '\n' ' ')" = "one two " ]
check "observe1: every notification with its own partial IV" \
  bash -c "! grep -q \"request's partial IV\" obs.err"

kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
check "server stops cleanly" [ $rc -eq 0 ]
echo "$checks checks, $fails failed" >&2
harness_result
