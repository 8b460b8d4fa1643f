#!/bin/bash
# coaps+tcp:// with X.509 between our programs and aiocoap's, both ways:
# aiocoap's "tlscert" credential (certfile: the trust anchor) and its
# --tls-server-certificate/--tls-server-key options, which ours take as
# aiocoap names them.
#
#   aiocoap-client → oscore-fileserver   get          README, same bytes
#                                         untrusted    another authority's
#                                                      certificate: refused
#   oscore-client → aiocoap-fileserver   get-1MiB     byte-identical
#                                         untrusted    exit 7
#
# The certificates are made here with `openssl req` (a self-signed server
# certificate naming 127.0.0.1 and localhost, used as its own anchor).
# aiocoap finds a tlscert entry by the exact key coaps+tcp://HOST:PORT/*
# (no patterns), so the maps are written once the ports are known.
# aiocoap-fileserver serves TLS on the port after its UDP one.
#
# Needs AIOCOAP_DIR, AIOCOAP_PYTHON, AIOCOAP_PYTHONPATH (skips otherwise),
# OSCORE_CLIENT and OSCORE_FILESERVER.
. "$(dirname "$0")/lib.sh"

S1=tls-cert-aiocoap-client-vs-oscore
S2=tls-cert-oscore-client-vs-aiocoap
interop_need AIOCOAP_DIR AIOCOAP_PYTHON AIOCOAP_PYTHONPATH OSCORE_CLIENT OSCORE_FILESERVER
[ -f "$AIOCOAP_DIR/aiocoap-fileserver" ] || interop_skip "no aiocoap-fileserver in AIOCOAP_DIR"
interop_need_file "$OSCORE_CLIENT" oscore-client
interop_need_file "$OSCORE_FILESERVER" oscore-fileserver
command -v openssl > /dev/null || interop_skip "no openssl command"
interop_init
interop_reset_results "$S1"
interop_reset_results "$S2"

W=$INTEROP_TMP
(umask 077
 for name in server stranger; do
   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
     -keyout "$W/$name.key" -out "$W/$name.pem" -days 2 -subj /CN=localhost \
     -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2> /dev/null
 done)
mkdir -p "$W/data"
printf 'This is the README of the interop tree.\n' > "$W/data/README"
head -c 1048576 /dev/urandom > "$W/data/1mb.bin"
tlscert() {  # tlscert MAP KEY CERTFILE
  printf '{ "%s": { "tlscert": { "certfile": "%s" } } }\n' "$2" "$3" > "$1"
}
AIO=(env "PYTHONPATH=$AIOCOAP_PYTHONPATH" "$AIOCOAP_PYTHON")

# ---- aiocoap-client → oscore-fileserver ---------------------------------
LOG=$W/oscore-fileserver.err
if interop_fileserver_start "$LOG" "coaps+tcp://127.0.0.1:0" \
     --tls-server-certificate "$W/server.pem" \
     --tls-server-key "$W/server.key" "$W/data"; then
  U="coaps+tcp://127.0.0.1:$FS_PORT"
  tlscert "$W/aio.json" "$U/*" "$W/server.pem"
  tlscert "$W/aio-stranger.json" "$U/*" "$W/stranger.pem"
  timeout 30 "${AIO[@]}" "$AIOCOAP_DIR/aiocoap-client" --credentials "$W/aio.json" \
    "$U/README" > "$W/get.out" 2> "$W/get.err"
  rc=$?
  if [ $rc = 0 ] && cmp -s "$W/get.out" "$W/data/README"; then
    interop_record "$S1" get pass "README, same bytes"
  else
    interop_record "$S1" get fail "exit $rc: $(tail -n 2 "$W/get.err" | tr '\n' ' ')"
  fi
  timeout 30 "${AIO[@]}" "$AIOCOAP_DIR/aiocoap-client" \
    --credentials "$W/aio-stranger.json" "$U/README" > "$W/bad.out" 2> "$W/bad.err"
  if ! cmp -s "$W/bad.out" "$W/data/README"; then
    interop_record "$S1" untrusted pass "refused: $(tail -n 1 "$W/bad.err" | head -c 80)"
  else
    interop_record "$S1" untrusted fail "served despite an untrusted anchor"
  fi
  interop_stop "$FS_PID"
else
  interop_record "$S1" get fail "oscore-fileserver did not start: $(tail -n 1 "$LOG")"
fi

# ---- oscore-client → aiocoap-fileserver ---------------------------------
P=$(interop_free_port)
"${AIO[@]}" "$AIOCOAP_DIR/aiocoap-fileserver" --bind "127.0.0.1:$P" \
  --tls-server-certificate "$W/server.pem" --tls-server-key "$W/server.key" \
  "$W/data" > "$W/aiocoap-fileserver.log" 2>&1 &
AIO_PID=$!
interop_track "$AIO_PID"
U="coaps+tcp://127.0.0.1:$((P + 1))"
tlscert "$W/ours.json" "coaps+tcp://*" "$W/server.pem"
tlscert "$W/ours-stranger.json" "coaps+tcp://*" "$W/stranger.pem"
for _ in $(seq 1 75); do
  "$OSCORE_CLIENT" --timeout 1 --credentials "$W/ours.json" "$U/README" \
    > /dev/null 2>&1 && break
  sleep 0.2
done
timeout 60 "$OSCORE_CLIENT" --timeout 10 --credentials "$W/ours.json" \
  -o "$W/got.bin" "$U/1mb.bin" 2> "$W/ours.err"
rc=$?
if [ $rc = 0 ] && cmp -s "$W/got.bin" "$W/data/1mb.bin"; then
  interop_record "$S2" get-1MiB pass "byte-identical"
else
  interop_record "$S2" get-1MiB fail "exit $rc: $(tail -n 1 "$W/ours.err")"
fi
timeout 30 "$OSCORE_CLIENT" --timeout 5 --credentials "$W/ours-stranger.json" \
  "$U/README" > /dev/null 2> "$W/ours-bad.err"
rc=$?
if [ $rc = 7 ] && grep -q "does not verify" "$W/ours-bad.err"; then
  interop_record "$S2" untrusted pass "exit 7, the certificate does not verify"
else
  interop_record "$S2" untrusted fail "exit $rc: $(tail -n 1 "$W/ours-bad.err")"
fi
interop_exit
