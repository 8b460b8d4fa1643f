#!/usr/bin/env bash
# draft-08 mode (LwM2M 1.1, ../shared/spec/DRAFT08.md) end to end over
# loopback: contexts imported from Anjay's documented example OSCORE object
# with oscore-context-import (device side for oscore-client, peer side for
# oscore-fileserver), then GET, a block-wise 1 MiB GET and PUT, observe with
# notifications, -vv naming the version; once on option 21 with the
# empty-id Common IV and once on option 9 with the null id. A draft-08
# client against an RFC 8613 server fails cleanly with a code and a text,
# and the same object imported for RFC 8613 works too.
# Usage: test_fs_draft08.sh OSCORE-FILESERVER OSCORE-CLIENT OSCORE-CONTEXT-IMPORT
set -u
. "$(dirname "$0")/../lib/server.sh"
FS=$(realpath "$1") CLIENT=$(realpath "$2") IMPORT=$(realpath "$3")
. "$(dirname "$0")/../lib/harness.sh"
harness_begin fs-draft08
harness_wrap FS CLIENT
server_pid= obs_pid=
mkdir root
echo hello > root/a.txt
head -c 1048576 /dev/urandom > root/big.bin
head -c 1048576 /dev/urandom > up.bin

# Anjay's example instance of the LwM2M OSCORE object (DRAFT08.md).
object=(--master-secret 'Ma$T3Rs3CR3t' --master-salt 'Ma$T3Rs4LT'
        --sender-id 15 --recipient-id 25)

start_server() {  # start_server SERVER-CONTEXT-DIR
  printf '{":device1": {"oscore": {"basedir": "%s/"}}}\n' "$1" > server.json
  rm -f server.log
  "$FS" --bind 127.0.0.1:0 --credentials server.json --write -vv root \
    2>server.log &
  server_pid=$!
  server_wait_port "$server_pid" server.log ||
    { echo "server did not start" >&2; cat server.log >&2; exit 1; }
  base=coap://127.0.0.1:$PORT
}

stop_server() {
  kill -TERM "$server_pid"
  wait "$server_pid" 2>/dev/null
  server_pid=
}

use_client() {  # use_client CLIENT-CONTEXT-DIR
  printf '{"coap://127.0.0.1:*": {"oscore": {"basedir": "%s/"}}}\n' "$1" \
    > client.json
}
cl() { "$CLIENT" -q --timeout 10 --credentials client.json "$@"; }

# One full round in draft-08 mode; $1 names it, the rest are import options.
round() {
  local name=$1; shift
  "$IMPORT" "${object[@]}" --draft08 "$@" "dev-$name" >/dev/null
  check "$name: import device context" [ $? -eq 0 ]
  "$IMPORT" "${object[@]}" --draft08 --peer "$@" "srv-$name" >/dev/null
  check "$name: import server context" [ $? -eq 0 ]
  start_server "srv-$name"
  use_client "dev-$name"
  check "$name: server -vv names the version" \
    grep -q "context srv-$name: OSCORE as in draft-08" server.log

  "$CLIENT" -vv --timeout 10 --credentials client.json "$base/a.txt" \
    >get.out 2>get.err
  check "$name: GET exit 0" [ $? -eq 0 ]
  check "$name: GET payload" [ "$(cat get.out)" = hello ]
  check "$name: client -vv names the version" \
    grep -q "speaks OSCORE as in draft-08" get.err
  check "$name: outer code 2.04" grep -q "on the wire: 2.04 Changed, OSCORE draft-08" get.err
  check "$name: authenticated as the object's device" \
    grep -q ':device1 GET /a.txt -> 2.05' server.log

  cl -o big.got "$base/big.bin"
  check "$name: 1 MiB block-wise GET exit 0" [ $? -eq 0 ]
  check "$name: 1 MiB GET byte-identical" cmp -s big.got root/big.bin
  rm -f big.got
  cl -m PUT --payload @up.bin "$base/up-$name.bin"
  check "$name: 1 MiB block-wise PUT exit 0" [ $? -eq 0 ]
  check "$name: 1 MiB PUT stored byte-identical" cmp -s up.bin "root/up-$name.bin"

  echo one > root/obs.txt
  "$CLIENT" -vv --credentials client.json --observe "$base/obs.txt" \
    >obs.out 2>obs.err &
  obs_pid=$!
  for _ in $(seq 1 250); do grep -q one obs.out 2>/dev/null && break; sleep 0.02; done
  check "$name: observe: first representation" grep -q one obs.out
  echo two > root/obs.txt
  for _ in $(seq 1 250); do grep -q two obs.out && break; sleep 0.02; done
  check "$name: observe: notification after a local write" grep -q two obs.out
  echo three > root/obs.txt
  for _ in $(seq 1 250); do grep -q three obs.out && break; sleep 0.02; done
  check "$name: observe: a second notification" grep -q three obs.out
  kill "$obs_pid"; wait "$obs_pid" 2>/dev/null; obs_pid=
  # draft-08: every notification carries its own partial IV, the first too.
  check "$name: observe: no notification reused the request's nonce" \
    bash -c "! grep -q \"request's partial IV\" obs.err"
  check "$name: observe: notifications carry a partial IV" \
    grep -q "OSCORE draft-08 (option [0-9]*) partial IV" obs.err
  stop_server
}

round opt21
round opt9 --option-number 9 --common-iv-id null

# --- a draft-08 client against an RFC 8613 server: a clear refusal.
"$IMPORT" "${object[@]}" --peer srv-rfc >/dev/null
start_server srv-rfc
use_client dev-opt21
cl "$base/a.txt" >bad.out 2>bad.err; rc=$?
check "option 21 to an RFC 8613 server: refused" [ $rc -ne 0 ]
check "option 21 to an RFC 8613 server: 4.02 named" \
  grep -Eq "(answered without|refused) OSCORE.*4.02 Bad Option" bad.err
check "option 21 to an RFC 8613 server: nothing delivered" [ ! -s bad.out ]
use_client dev-opt9
cl "$base/a.txt" >bad.out 2>bad.err; rc=$?
check "option 9 to an RFC 8613 server: refused" [ $rc -ne 0 ]
check "option 9 to an RFC 8613 server: code and text named" \
  grep -Eq "(answered without|refused) OSCORE.*4.00 Decryption failed" bad.err
check "option 9 to an RFC 8613 server: nothing delivered" [ ! -s bad.out ]

# --- the same object imported for RFC 8613 works against that server.
"$IMPORT" "${object[@]}" dev-rfc >/dev/null
use_client dev-rfc
check "RFC 8613 import: GET" [ "$(cl "$base/a.txt")" = hello ]
check "RFC 8613 server -vv names the version" \
  grep -q "context srv-rfc: OSCORE as in RFC 8613, option 9" server.log
stop_server

# --- an RFC 8613 client against a draft-08 server on 21: context not found.
start_server srv-opt21
cl "$base/a.txt" >bad.out 2>bad.err; rc=$?
check "RFC 8613 client to a draft-08 server: refused" [ $rc -ne 0 ]
check "RFC 8613 client to a draft-08 server: 4.01 named" \
  grep -q "4.01 Security context not found" bad.err
stop_server

echo "$checks checks, $fails failed" >&2
harness_result
