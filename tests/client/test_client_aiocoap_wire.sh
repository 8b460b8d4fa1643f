#!/usr/bin/env bash
# The aiocoap-client command lines of aiocoap's documentation (doc/*.rst:
# the state of OSCORE, the guided tour, the FAQ) and of its --help
# (payloads, content formats, accept, CBOR diagnostic notation) run
# unchanged with oscore-client and put the same request on the wire: code,
# options and payload as wire_capture.py records them (message ID and
# token are random in both), under OSCORE the same OSCORE option and
# ciphertext from the same fresh context.
#
# Needs aiocoap: AIOCOAP_DIR is a source tree of aiocoap, AIOCOAP_PYTHON
# the interpreter with its dependencies (default /usr/bin/python3). Without
# it: skipped (77), saying so. aiocoap converts CBOR diagnostic notation
# only with the cbor_diag module (not in Debian); without it those cases
# are compared with cbor2's canonical encoding of the same (JSON) value.
source "$(dirname "$0")/lib.sh" "$@"

PY=${AIOCOAP_PYTHON:-/usr/bin/python3}
if [ -z "${AIOCOAP_DIR:-}" ]; then
  echo "SKIP: AIOCOAP_DIR is not set (point it at an aiocoap source tree to compare with aiocoap-client)"
  exit 77
fi
# aiocoap enables OSCORE only when the EDHOC modules (lakers, ge25519)
# import, though OSCORE never uses them; they are not in Debian, so empty
# stand-ins take their place where missing.
AIOPATH=$AIOCOAP_DIR
for m in lakers ge25519; do
  if ! PYTHONPATH="$AIOPATH" "$PY" -c "import $m" 2>/dev/null; then
    mkdir -p "$TMP/shim"
    printf 'def __getattr__(name):\n    return type(name, (), {})\n' >"$TMP/shim/$m.py"
    AIOPATH=$AIOCOAP_DIR:$TMP/shim
  fi
done
if ! PYTHONPATH="$AIOPATH" "$PY" -c 'import aiocoap.cli.client' 2>"$TMP/import.err"; then
  echo "SKIP: aiocoap from AIOCOAP_DIR=$AIOCOAP_DIR does not import with $PY: $(tail -1 "$TMP/import.err")"
  exit 77
fi
HAS_DIAG=0
PYTHONPATH="$AIOPATH" "$PY" -c 'import cbor_diag' 2>/dev/null && HAS_DIAG=1

start_capture
U=coap://127.0.0.1:$CAPPORT
printf 'file body\n' >"$TMP/body.txt"
printf '\xa1\x61\x61\x01' >"$TMP/body.cbor"

# One request with each program; the two captured lines must be equal.
same_wire() {  # same_wire NAME ARGS... (the URI among them)
  local name=$1
  shift
  : >"$TMP/capture.log"
  PYTHONPATH="$AIOPATH" "$PY" -m aiocoap.cli.client "$@" \
    >"$TMP/$name.aio.out" 2>"$TMP/$name.aio.err" </dev/null
  local aio
  aio=$(last_capture)
  : >"$TMP/capture.log"
  run "$name" "$@"
  local ours
  ours=$(last_capture)
  [ -n "$aio" ] && [ "$aio" = "$ours" ] || {
    echo "  aiocoap: '$aio' ($(tail -1 "$TMP/$name.aio.err"))"
    echo "  ours:    '$ours'"
    return 1
  }
}

# Like same_wire for CBOR payloads; without cbor_diag aiocoap refuses, and
# the reference is cbor2's canonical encoding of the text as JSON.
same_cbor_wire() {  # same_cbor_wire NAME PAYLOAD ARGS...
  local name=$1 payload=$2
  shift 2
  if [ "$HAS_DIAG" = 1 ]; then
    same_wire "$name" --payload "$payload" "$@"
    return
  fi
  run "$name" --payload "$payload" "$@"
  local want ours
  want=$("$PY" -c 'import cbor2, json, sys; print(cbor2.dumps(json.loads(sys.argv[1]), canonical=True).hex())' "$payload")
  ours=$(last_capture)
  [ "${ours##* }" = "$want" ] || { echo "  ours: '$ours', cbor2: $want"; return 1; }
}

# Under OSCORE: each program with its own fresh copy of the example
# context (sequence number 0), so the protected request is the same bytes:
# OSCORE option and ciphertext. The capture's answer is not protected, so
# both fail after sending; only the request matters here.
same_oscore_wire() {  # same_oscore_wire NAME ARGS... (the URI among them)
  local name=$1 aio ours
  shift
  make_creds
  rm -rf "$TMP/aio-creds"
  cp -r "$TMP/creds" "$TMP/aio-creds"
  : >"$TMP/capture.log"
  # aiocoap reads basedir against the current directory.
  (cd "$TMP/aio-creds" && PYTHONPATH="$AIOPATH" "$PY" -m aiocoap.cli.client \
     --credentials client1-anyport.json "$@" >/dev/null 2>&1 </dev/null)
  aio=$(last_capture)
  : >"$TMP/capture.log"
  run "$name" --credentials "$TMP/creds/client1-anyport.json" "$@"
  ours=$(last_capture)
  [ -n "$aio" ] && [ "$aio" = "$ours" ] && [ "${ours#* 9=}" != "$ours" ] || {
    echo "  aiocoap: '$aio'"
    echo "  ours:    '$ours'"
    return 1
  }
}

# doc/stateofoscore.rst (there against aiocoap-fileserver on localhost)
check "state of OSCORE: GET / with --credentials, same protected bytes" \
  same_oscore_wire oscore-root "$U/"
check "... and a protected PUT with a JSON payload" \
  same_oscore_wire oscore-put -m PUT --payload '{"a": 1}' \
    --content-format application/json "$U/x"

# doc/guidedtour.rst
check "guided tour: GET /.well-known/core" same_wire wk "$U/.well-known/core"
check "guided tour: GET /time" same_wire time "$U/time"
check "guided tour: GET /other/separate" same_wire sep "$U/other/separate"
# doc/faq.rst (there to a multicast address)
check "faq: --non" same_wire non "$U/.well-known/core" --non
# aiocoap-client --help: methods, payloads, content formats, accept
check "PUT text/plain;charset=utf-8 payload" \
  same_wire put -m PUT --payload hello --content-format "text/plain;charset=utf-8" "$U/x"
check "POST JSON payload (sent as text)" \
  same_wire json -m POST --payload '{"a": [1, "x"]}' --content-format application/json "$U/x"
check "PUT @FILE" same_wire file -m PUT --payload "@$TMP/body.txt" "$U/x"
check "@FILE with a CBOR content format is sent as it is" \
  same_wire cborfile -m PUT --payload "@$TMP/body.cbor" --content-format application/cbor "$U/x"
check "--accept by media type" same_wire accept --accept application/cbor "$U/x"
check "--accept by number" same_wire acceptnum --accept 50 "$U/x"
check "--content-format by number" \
  same_wire cfnum -m POST --payload abc --content-format 0 "$U/x"
check "query and percent-encoding" same_wire query "$U/a%20b?x=1&y=%26"
check "method by number" same_wire methodnum -m 2 "$U/x"
check "FETCH with a payload" \
  same_wire fetch -m FETCH --payload q --content-format application/link-format "$U/x"
[ "$HAS_DIAG" = 1 ] || echo "# cbor_diag is not installed: CBOR payloads are compared with cbor2's encoding"
check "CBOR payload from JSON text" \
  same_cbor_wire cbor '{"a": 1, "b": [true, null, "x"]}' -m POST --content-format application/cbor "$U/x"
check "CBOR payload, negative and large integers" \
  same_cbor_wire cborint '[-1, -1000, 4294967296, 18446744073709551615]' -m PUT --content-format application/cbor "$U/x"
check "CBOR payload, floats" \
  same_cbor_wire cborfloat '[1.5, 0.1, 100000.0, -0.0]' -m PUT --content-format application/cbor "$U/x"

finish
