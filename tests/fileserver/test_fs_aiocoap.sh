#!/usr/bin/env bash
# oscore-fileserver with aiocoap-client, all through OSCORE, with the
# credentials layout of aiocoap's documentation (client1.json with
# client1/for-fileserver/, server.json with server/from-client1/):
# directory listing, a 1 MB GET, a PUT then GET (block-wise both ways).
# Needs an aiocoap source tree: AIOCOAP_DIR (its aiocoap-client is run with
# AIOCOAP_PYTHON, default python3). Skipped (77) when AIOCOAP_DIR is unset,
# failed instead when tests/interop/peers.sh prepared aiocoap.
# Usage: test_fs_aiocoap.sh OSCORE-FILESERVER
set -u
FS=$(realpath "$1")
. "$(dirname "$0")/../interop/peer-skip.sh"
if [ -z "${AIOCOAP_DIR:-}" ]; then
  peer_skip aiocoap "AIOCOAP_DIR not set (an aiocoap source tree for aiocoap-client; eval \"\$(bash tests/interop/peers.sh)\")"
fi
PY=${AIOCOAP_PYTHON:-python3}
AIOCOAP_DIR=$(realpath "$AIOCOAP_DIR")
. "$(dirname "$0")/../lib/harness.sh"
harness_begin fs-aiocoap
server_pid=

# aiocoap refuses OSCORE unless the EDHOC modules (ge25519, lakers-python)
# import too, though plain OSCORE never uses them. Where only those are
# missing (they are not in Debian), empty stand-ins let it start.
missing=$(PYTHONPATH=$AIOCOAP_DIR "$PY" -c \
  'import aiocoap.defaults as d; print(" ".join(d.oscore_missing_modules()))' 2>&1) || {
  peer_skip aiocoap "aiocoap not importable from $AIOCOAP_DIR with $PY: $missing"; }
stubs=
for m in $missing; do
  case $m in
    ge25519|lakers-python)
      mkdir -p stubs
      printf 'def __getattr__(name):\n    return type(name, (), {})\n' \
        > "stubs/${m%-python}.py"
      stubs=$tmp/stubs ;;
    *) peer_skip aiocoap "aiocoap lacks OSCORE modules: $missing" ;;
  esac
done
aio() { PYTHONPATH=$AIOCOAP_DIR${stubs:+:$stubs} timeout 120 "$PY" \
          "$AIOCOAP_DIR/aiocoap-client" --credentials client1.json "$@"; }

# The documentation's contexts, with a fresh secret, and its maps (the URI
# pattern names our loopback address and any port).
secret=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
mkdir -p client1/for-fileserver server/from-client1 data/sub
printf '{"sender-id_hex": "01", "recipient-id_ascii": "file", "secret_hex": "%s"}\n' \
  "$secret" > client1/for-fileserver/settings.json
printf '{"recipient-id_hex": "01", "sender-id_ascii": "file", "secret_hex": "%s"}\n' \
  "$secret" > server/from-client1/settings.json
echo '{"coap://127.0.0.1:*": {"oscore": {"basedir": "client1/for-fileserver/"}}}' \
  > client1.json
echo '{":client1": {"oscore": {"basedir": "server/from-client1/"}}}' > server.json
head -c 1048576 /dev/urandom > data/one-mb.bin
echo hello > data/hello.txt

"$FS" data --credentials server.json --write --bind 127.0.0.1:0 -v \
  2>server.log &
server_pid=$!
port=
for _ in $(seq 1 500); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' server.log)
  [ -n "$port" ] && break
  sleep 0.02
done
[ -n "$port" ] || { echo "server did not start" >&2; cat server.log >&2; exit 1; }
base=coap://127.0.0.1:$port

out=$(aio "$base/")
check "listing" [ "$out" = '</hello.txt>,</one-mb.bin>,</sub/>;ct=40' ]
check "listing came through OSCORE" grep -q ':client1 GET / -> 2.05' server.log

aio "$base/one-mb.bin" > got.bin
check "1 MB GET exit 0" [ $? -eq 0 ]
check "1 MB GET byte-identical" cmp -s got.bin data/one-mb.bin
check "1 MB GET through OSCORE" grep -q ':client1 GET /one-mb.bin -> 2.05 1024 bytes' server.log

head -c 20000 /dev/urandom > up.bin
aio -m PUT --payload @up.bin "$base/sub/up.bin"
check "PUT exit 0" [ $? -eq 0 ]
check "PUT stored byte-identical" cmp -s up.bin data/sub/up.bin
check "PUT went block-wise through OSCORE" grep -q ':client1 PUT /sub/up.bin -> 2.31' server.log
aio "$base/sub/up.bin" > back.bin
check "GET after PUT identical" cmp -s up.bin back.bin

aio "$base/nothing-here" >/dev/null 2>err.txt
check "missing file: aiocoap sees 4.04 and the text" grep -q "File not found" err.txt

kill -TERM "$server_pid"; wait "$server_pid"; rc=$?; server_pid=
check "SIGTERM: exit 0" [ $rc -eq 0 ]
echo "test_fs_aiocoap: $checks checks, $fails failed" >&2
harness_result
