#!/bin/bash
# libcoap 4.3.5's coap-client with OSCORE (-E) against oscore-fileserver:
#
#   listing       GET / : the same bytes oscore-client gets
#   get-1MiB      block-wise GET, byte-identical (cmp)
#   put-1MiB      block-wise PUT, byte-identical on the server's disk
#   observe       a change is notified; deleting the file sends the final
#                 4.04 and coap-client stops observing (long before its -s)
#   restart-echo  the server is killed with SIGKILL and restarted: its
#                 sequence.json says "received": "unknown", it answers the
#                 next request with 4.01 + Echo (RFC 8613 Appendix B.1.2),
#                 and coap-client repeats it with the Echo and gets the file
#
# One fresh context: our side in aiocoap's directory format, libcoap's in
# its coap-oscore-conf(5) file (interop_pair). Every request the server
# logs must come from the OSCORE identity ":libcoap".
#
# INTEROP_TRANSPORT=tcp runs the same over coap+tcp:// (RFC 8323: the
# server binds coap+tcp://, coap-client gets coap+tcp:// URIs; issue 18).
#
# INTEROP_TRANSPORT=dtls runs it over coaps:// with a pre-shared key
# (coap-client -k/-u, the server's map a "dtls" entry) and OSCORE inside:
# double encryption; OSCORE's identity is the one the server logs.
# INTEROP_TRANSPORT=tls runs the same over coaps+tcp:// (TLS with the
# same pre-shared key, RFC 8323 §9).
#
# Needs LIBCOAP_OSCORE_BIN (skips otherwise), OSCORE_CLIENT and
# OSCORE_FILESERVER.
. "$(dirname "$0")/lib.sh"

interop_transport libcoap-client-vs-oscore-fileserver
PSK=interop-psk-$$
interop_need LIBCOAP_OSCORE_BIN OSCORE_CLIENT OSCORE_FILESERVER
[ -x "$LIBCOAP_OSCORE_BIN/coap-client" ] || interop_skip "no coap-client in LIBCOAP_OSCORE_BIN"
interop_need_file "$OSCORE_CLIENT" oscore-client
interop_need_file "$OSCORE_FILESERVER" oscore-fileserver
interop_init
interop_reset_results "$SUITE"

W=$INTEROP_TMP
interop_pair "$W/ctx" 02 01
(umask 077
 printf '{ ":libcoap": { "oscore": { "basedir": "ctx/ours/" } },
  ":libcoap-dtls": { "dtls": { "psk": { "ascii": "%s" }, "client-identity": { "ascii": "libcoap" } } } }\n' \
   "$PSK" > "$W/server.json"
 # oscore-client's own runs (the reference listing) over coaps(+tcp)://.
 printf '{ "%s://127.0.0.1:*": { "dtls": { "psk": { "ascii": "%s" }, "client-identity": { "ascii": "libcoap" } } } }\n' \
   "$SCHEME" "$PSK" > "$W/ours.json")
mkdir -p "$W/data/sub"
printf 'This is the README of the interop tree.\n' > "$W/data/README"
printf 'small\n' > "$W/data/sub/small.txt"
head -c 1048576 /dev/urandom > "$W/data/1mb.bin"
head -c 1048576 /dev/urandom > "$W/upload.bin"
LOG=$W/oscore-fileserver.err
# coap-client keeps its sequence number in this file across the runs.
CLIENT=("$LIBCOAP_OSCORE_BIN/coap-client" -E "$W/ctx/libcoap.conf,$W/client.seq")
OURS=("$OSCORE_CLIENT")
if [ "$SCHEME" = coaps ] || [ "$SCHEME" = coaps+tcp ]; then
  CLIENT+=(-k "$PSK" -u libcoap)
  OURS+=(--credentials "$W/ours.json")
fi

start_server() {  # start_server HOST:PORT
  interop_fileserver_start "$LOG" "$SCHEME://$1" --write --credentials "$W/server.json" "$W/data"
}

# run NAME ARGS... : coap-client, at most 60 s; RC, output in $W/NAME.err.
run() {
  local name=$1
  shift
  timeout 60 "${CLIENT[@]}" "$@" > "$W/$name.out" 2> "$W/$name.err"
  RC=$?
}

start_server 127.0.0.1:0 || { cat "$LOG" >&2; exit 1; }
URL="$SCHEME://127.0.0.1:$FS_PORT"

interop_log_mark "$LOG"
run listing -o "$W/listing" "$URL/"
interop_log_all_from :libcoap
protected=$?
# (unprotected: the server lets anyone read; the bytes are the same)
"${OURS[@]}" -o "$W/listing-ours" "$URL/" 2> /dev/null
if [ "$RC" = 0 ] && [ $protected = 0 ] && cmp -s "$W/listing" "$W/listing-ours" &&
   grep -q '</1mb.bin>' "$W/listing"; then
  interop_record "$SUITE" listing pass "same bytes as oscore-client gets"
else
  interop_record "$SUITE" listing fail "exit $RC: '$(head -c 120 "$W/listing" 2>&1)' vs '$(head -c 120 "$W/listing-ours")'"
fi

interop_log_mark "$LOG"
run get -o "$W/got.bin" "$URL/1mb.bin"
if [ "$RC" = 0 ] && interop_log_all_from :libcoap && cmp -s "$W/got.bin" "$W/data/1mb.bin"; then
  interop_record "$SUITE" get-1MiB pass "byte-identical"
else
  interop_record "$SUITE" get-1MiB fail "exit $RC $(head -c 200 "$W/get.err" | tr '\n' ' ')"
fi

interop_log_mark "$LOG"
run put -m put -f "$W/upload.bin" "$URL/uploaded.bin"
if [ "$RC" = 0 ] && interop_log_all_from :libcoap && cmp -s "$W/data/uploaded.bin" "$W/upload.bin"; then
  interop_record "$SUITE" put-1MiB pass "byte-identical on the server's disk"
else
  interop_record "$SUITE" put-1MiB fail "exit $RC $(head -c 200 "$W/put.err" | tr '\n' ' ')"
fi

# Observe for at most 60 s (-s): the deletion must end it much sooner.
interop_log_mark "$LOG"
"${CLIENT[@]}" -s 60 "$URL/README" > "$W/observe.out" 2>&1 &
obs=$!
interop_track "$obs"
if ! interop_wait_line "$W/observe.out" 'README of the interop tree' 20; then
  interop_record "$SUITE" observe fail "no first representation: $(head -c 200 "$W/observe.out" | tr '\n' ' ')"
elif printf 'A second line, written while observed.\n' >> "$W/data/README" &&
     ! interop_wait_line "$W/observe.out" 'written while observed' 30; then
  interop_record "$SUITE" observe fail "no notification after the change"
else
  rm "$W/data/README"
  ended=no
  for i in $(seq 1 200); do
    kill -0 "$obs" 2> /dev/null || { ended=yes; break; }
    sleep 0.1
  done
  wait "$obs" 2> /dev/null
  rc=$?
  if [ $ended = yes ] && grep -q '4\.04' "$W/observe.out" && interop_log_all_from :libcoap &&
     interop_log_requests | grep -q -- '-> 4\.04.*(notification)'; then
    interop_record "$SUITE" observe pass "change notified; deletion sent 4.04 and ended the observation (exit $rc)"
  else
    interop_record "$SUITE" observe fail "after the deletion: ended $ended, $(tail -n 2 "$W/observe.out" | tr '\n' ' ')"
  fi
fi
interop_stop "$obs"

kill -KILL "$FS_PID"
wait "$FS_PID" 2> /dev/null
if grep -q '"unknown"' "$W/ctx/ours/sequence.json" 2> /dev/null && start_server "127.0.0.1:$FS_PORT"; then
  interop_log_mark "$LOG"
  run restart -o "$W/restart" "$URL/sub/small.txt"
  if [ "$RC" = 0 ] && [ "$(cat "$W/restart")" = small ] && interop_log_all_from :libcoap &&
     interop_log_requests | grep -q -- '-> 4\.01'; then
    interop_record "$SUITE" restart-echo pass "4.01 + Echo answered, request repeated"
  else
    interop_record "$SUITE" restart-echo fail "exit $RC; server log: $(interop_log_requests | tail -n 3 | tr '\n' ' ')"
  fi
else
  interop_record "$SUITE" restart-echo fail "server state after SIGKILL: $(cat "$W/ctx/ours/sequence.json" 2>&1)"
fi
interop_exit
