#!/usr/bin/env bash
# oscore-client against aiocoap-fileserver (the reference implementation)
# through OSCORE with the example credentials: a directory listing and a
# 1 MB file, byte for byte, and a PUT read back.
#
# Needs aiocoap: AIOCOAP_DIR is a source tree of aiocoap (the directory
# holding the aiocoap package), AIOCOAP_PYTHON the interpreter that has its
# dependencies (cbor2, cryptography, filelock; default python3). Skipped
# (exit 77) with a message when they are not there; a failure when
# tests/interop/peers.sh prepared aiocoap (OSCORE_PEERS_REQUIRED).
source "$(dirname "$0")/lib.sh" "$@"

. "$(dirname "$0")/../interop/peer-skip.sh"
PY=${AIOCOAP_PYTHON:-python3}
if [ -z "${AIOCOAP_DIR:-}" ]; then
  peer_skip aiocoap "AIOCOAP_DIR is not set (point it at an aiocoap source tree, or eval \"\$(bash tests/interop/peers.sh)\")"
fi
# Recent aiocoap imports lakers (EDHOC) with its OSCORE server side even
# when EDHOC is not used; without it a stub stands in (said below).
AIOPATH=$AIOCOAP_DIR
if ! PYTHONPATH="$AIOPATH" "$PY" -c 'import lakers' 2>/dev/null; then
  mkdir -p "$TMP/shim"
  printf 'def __getattr__(name):\n    return type(name, (), {})\n' >"$TMP/shim/lakers.py"
  AIOPATH=$AIOCOAP_DIR:$TMP/shim
  echo "# lakers (EDHOC) is not installed: a stub module stands in; EDHOC is not used here"
fi
if ! PYTHONPATH="$AIOPATH" "$PY" -c 'import aiocoap.oscore, aiocoap.oscore_sitewrapper, aiocoap.cli.fileserver' 2>"$TMP/import.err"; then
  peer_skip aiocoap "aiocoap from AIOCOAP_DIR=$AIOCOAP_DIR does not import with $PY: $(tail -1 "$TMP/import.err")"
fi

make_creds
mkdir -p "$TMP/root/sub"
printf 'hello from aiocoap\n' >"$TMP/root/hello.txt"
head -c 1048576 /dev/urandom >"$TMP/root/big.bin"
C="$TMP/creds/client1-anyport.json"

# aiocoap resolves basedir against the current directory: run it in creds/.
FSPORT=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$TMP/creds" && PYTHONPATH="$AIOPATH" exec "$PY" -m aiocoap.cli.fileserver \
   --bind "127.0.0.1:$FSPORT" --credentials server.json --write "$TMP/root") \
   >"$TMP/aiocoap.out" 2>"$TMP/aiocoap.err" &
FSPID=$!
PIDS+=("$FSPID")
S=coap://127.0.0.1:$FSPORT
up=no
for i in $(seq 1 60); do
  if "$CLIENT" -q --timeout 0.5 --credentials "$C" "$S/.well-known/core" >/dev/null 2>&1; then
    up=yes
    break
  fi
  kill -0 "$FSPID" 2>/dev/null || break
  sleep 0.25
done
if [ $up != yes ]; then
  echo "Bail out! aiocoap-fileserver did not come up:"
  cat "$TMP/aiocoap.err"
  exit 1
fi

run listing --credentials "$C" "$S/"
check "OSCORE GET of aiocoap's directory listing" \
  eval 'rc_is listing 0 && grep -q "</hello.txt>" "$TMP/listing.out" && grep -q "</big.bin>" "$TMP/listing.out" && grep -q "</sub/>;ct=40" "$TMP/listing.out"'

start=$(date +%s%N)
run big --credentials "$C" -o "$TMP/big.got" "$S/big.bin"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "OSCORE GET of a 1 MB file from aiocoap byte-identical (${ms} ms)" \
  eval 'rc_is big 0 && same_file "$TMP/big.got" "$TMP/root/big.bin"'

run hello --credentials "$C" "$S/hello.txt"
check "small file" eval 'rc_is hello 0 && out_is hello "hello from aiocoap"'

head -c 200000 /dev/urandom >"$TMP/up.bin"
run put --credentials "$C" -m PUT --payload "@$TMP/up.bin" "$S/up.bin"
check "OSCORE Block1 PUT accepted by aiocoap and stored byte-identical" \
  eval 'rc_is put 0 && same_file "$TMP/root/up.bin" "$TMP/up.bin"'

run missing --credentials "$C" "$S/nothing"
check "aiocoap's 4.04 with its diagnostic: exit 4" \
  eval 'rc_is missing 4 && err_has missing "4.04 Not Found" && err_has missing "File not found"'

finish
