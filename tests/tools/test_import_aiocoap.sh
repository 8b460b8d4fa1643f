#!/usr/bin/env bash
# oscore-context-import writes RFC 8613 directories that aiocoap reads:
# Anjay's example OSCORE object imported for both sides, aiocoap-client
# with the device's side against oscore-fileserver with the peer's side.
# Needs an aiocoap source tree (AIOCOAP_DIR, run with AIOCOAP_PYTHON,
# default python3); skipped (77) without it.
# Usage: test_import_aiocoap.sh OSCORE-CONTEXT-IMPORT OSCORE-FILESERVER
set -u
. "$(dirname "$0")/../lib/server.sh"
IMPORT=$(realpath "$1") FS=$(realpath "$2")
if [ -z "${AIOCOAP_DIR:-}" ]; then
  echo "SKIP: AIOCOAP_DIR not set (an aiocoap source tree for aiocoap-client)"
  exit 77
fi
PY=${AIOCOAP_PYTHON:-python3}
AIOCOAP_DIR=$(realpath "$AIOCOAP_DIR")
. "$(dirname "$0")/../lib/harness.sh"
harness_begin import-aiocoap
server_pid=

# As in test_fs_aiocoap.sh: stand-ins for the EDHOC modules aiocoap wants
# imported although plain OSCORE never uses them.
missing=$(PYTHONPATH=$AIOCOAP_DIR "$PY" -c \
  'import aiocoap.defaults as d; print(" ".join(d.oscore_missing_modules()))' 2>&1) || {
  echo "SKIP: aiocoap not importable from $AIOCOAP_DIR with $PY: $missing"; exit 77; }
stubs=
for m in $missing; do
  case $m in
    ge25519|lakers-python)
      mkdir -p stubs
      printf 'def __getattr__(name):\n    return type(name, (), {})\n' \
        > "stubs/${m%-python}.py"
      stubs=$tmp/stubs ;;
    *) echo "SKIP: aiocoap lacks OSCORE modules: $missing"; exit 77 ;;
  esac
done

object=(--master-secret 'Ma$T3Rs3CR3t' --master-salt 'Ma$T3Rs4LT'
        --sender-id 15 --recipient-id 25)
"$IMPORT" "${object[@]}" dev >/dev/null && "$IMPORT" "${object[@]}" --peer srv >/dev/null
check "import both sides" [ $? -eq 0 ]
echo '{":device1": {"oscore": {"basedir": "srv/"}}}' > server.json
echo '{"coap://127.0.0.1:*": {"oscore": {"basedir": "dev/"}}}' > client.json
mkdir root
echo hello > root/a.txt

"$FS" --bind 127.0.0.1:0 --credentials server.json -v root 2>server.log &
server_pid=$!
server_wait_port "$server_pid" server.log ||
  { echo "server did not start" >&2; cat server.log >&2; exit 1; }

out=$(PYTHONPATH=$AIOCOAP_DIR${stubs:+:$stubs} timeout 120 "$PY" \
        "$AIOCOAP_DIR/aiocoap-client" --credentials client.json \
        "coap://127.0.0.1:$PORT/a.txt" 2>aio.err)
check "aiocoap-client GET with the imported context" [ "$out" = hello ]
check "authenticated as the object's device" \
  grep -q ':device1 GET /a.txt -> 2.05' server.log
[ "$fails" -eq 0 ] || cat aio.err >&2
echo "$checks checks, $fails failed" >&2
harness_result
