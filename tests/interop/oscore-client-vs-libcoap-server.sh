#!/bin/bash
# oscore-client against libcoap 4.3.5's OSCORE servers:
#
# coap-server -E (one fresh context, -d for resources created by PUT):
#   get           GET / : libcoap's index text
#   put-1MiB      block-wise PUT creates /upload (2.01)
#   get-1MiB      block-wise GET of it: byte-identical (cmp)
#   post          POST replaces it; GET reads the new body back
#   delete        DELETE: 2.02, then GET: 4.04 (exit 4)
# oscore-interop-server -E interop/b_server.conf (test-spec5 context A):
#   hello         GET /oscore/hello/1 : Hello World!
#   observe-error /oscore/observe1 sends one, two, then the final 5.00
#                 "Terminate Observe": the observation must end with exit
#                 status 5 (RFC 7641 §3.2: a non-2.xx notification ends it).
#
# The timeout bounds the run should the client ever wait on after the
# final error again (it did before issue 13 item 11).
#
# INTEROP_TRANSPORT=tcp runs the same over coap+tcp:// (issue 18): the
# libcoap servers listen on TCP on the same port as on UDP.
#
# INTEROP_TRANSPORT=dtls runs the coap-server part over coaps:// with a
# pre-shared key (coap-server -k, which listens on the port after the UDP
# one) and OSCORE inside: the credentials map's "all-of" entry.
# INTEROP_TRANSPORT=tls the same over coaps+tcp:// (TLS with that key;
# coap-server -k listens for it on the port after the TCP one).
#
# Needs LIBCOAP_OSCORE_BIN, LIBCOAP_OSCORE_SRC (skips otherwise) and
# OSCORE_CLIENT.
. "$(dirname "$0")/lib.sh"

interop_transport oscore-client-vs-libcoap-server
# The probe for the server being up: plain, over the unsecured transport
# the secured one sits on.
case "$SCHEME" in coaps) PROBE=coap ;; coaps+tcp) PROBE=coap+tcp ;; *) PROBE=$SCHEME ;; esac
PSK=interop-psk-$$
interop_need LIBCOAP_OSCORE_BIN LIBCOAP_OSCORE_SRC OSCORE_CLIENT
for p in coap-server oscore-interop-server; do
  [ -x "$LIBCOAP_OSCORE_BIN/$p" ] || interop_skip "no $p in LIBCOAP_OSCORE_BIN"
done
B_CONF="$LIBCOAP_OSCORE_SRC/examples/interop/b_server.conf"
[ -f "$B_CONF" ] || interop_skip "no examples/interop/b_server.conf in LIBCOAP_OSCORE_SRC"
interop_need_file "$OSCORE_CLIENT" oscore-client
interop_init
interop_reset_results "$SUITE"

W=$INTEROP_TMP

# libserver NAME ARGS... : start a libcoap server (ARGS without -A/-p) on
# a free port of 127.0.0.1, retrying when the port was taken meanwhile;
# waits until a plain GET of a missing path gets any answer. Sets LS_PORT.
libserver() {
  local name=$1 try pid i
  shift
  for try in 1 2 3; do
    LS_PORT=$(interop_free_port)
    "$LIBCOAP_OSCORE_BIN/$name" -A 127.0.0.1 -p "$LS_PORT" "$@" > "$W/$name.log" 2>&1 &
    pid=$!
    interop_track "$pid"
    for i in $(seq 1 50); do
      kill -0 "$pid" 2> /dev/null || break
      "$OSCORE_CLIENT" -q --timeout 1 "$PROBE://127.0.0.1:$LS_PORT/.well-known/core" \
        > /dev/null 2>&1
      [ $? -ne 6 ] && return 0   # 6: no answer (yet)
      sleep 0.2
    done
    interop_stop "$pid"
  done
  echo "$name did not start:" >&2
  cat "$W/$name.log" >&2
  return 1
}

# ours CREDS ARGS... : oscore-client -v, at most 30 s; RC, $W/out, $W/err.
ours() {
  local creds=$1
  shift
  timeout 30 "$OSCORE_CLIENT" -v --credentials "$creds" "$@" > "$W/out" 2> "$W/err"
  RC=$?
}
verified() { grep -q 'OSCORE-verified' "$W/err"; }
result() {  # result TEST DESCRIPTION CONDITION
  if eval "$3"; then
    interop_record "$SUITE" "$1" pass "$2"
  else
    interop_record "$SUITE" "$1" fail "$2: exit $RC, '$(head -c 80 "$W/out" | tr '\n' ' ')', $(grep -v '^-' "$W/err" | tail -n 2 | tr '\n' ' ')"
  fi
}

# ---- coap-server -E ----------------------------------------------------------
interop_pair "$W/cs" 01 0a
printf '{ "%s://127.0.0.1:*": { "oscore": { "basedir": "cs/ours/" } } }\n' "$SCHEME" > "$W/cs.json"
DTLS_ARGS=()
SECURE=false
[ "$SCHEME" = coaps ] || [ "$SCHEME" = coaps+tcp ] && SECURE=true
if $SECURE; then
  DTLS_ARGS=(-k "$PSK")
  (umask 077
   printf '{ "%s://127.0.0.1:*": { "all-of": [":d", ":o"] },
  ":d": { "dtls": { "psk": { "ascii": "%s" }, "client-identity": { "ascii": "ours" } } },
  ":o": { "oscore": { "basedir": "cs/ours/" } } }\n' "$SCHEME" "$PSK" > "$W/cs.json")
fi
if libserver coap-server -d 4 -v 0 "${DTLS_ARGS[@]}" -E "$W/cs/libcoap.conf,$W/cs/server.seq"; then
  U="$SCHEME://127.0.0.1:$LS_PORT"
  # coap-server listens for DTLS (TLS) on the port after the UDP (TCP) one.
  $SECURE && U="$SCHEME://127.0.0.1:$((LS_PORT + 1))"
  ours "$W/cs.json" "$U/"
  result get "GET /: libcoap's index" '[ $RC = 0 ] && verified && grep -q libcoap "$W/out"'

  head -c 1048576 /dev/urandom > "$W/up.bin"
  # -vv: every block's answer, the last one 2.01
  ours "$W/cs.json" -vv -m PUT --payload "@$W/up.bin" "$U/upload"
  result put-1MiB "PUT 1 MiB: 2.01 Created" '[ $RC = 0 ] && verified && grep -q "2\.01" "$W/err"'

  ours "$W/cs.json" -o "$W/back.bin" "$U/upload"
  result get-1MiB "GET 1 MiB back: byte-identical" '[ $RC = 0 ] && verified && cmp -s "$W/back.bin" "$W/up.bin"'

  ours "$W/cs.json" -m POST --payload 'posted' "$U/upload"
  post_rc=$RC
  ours "$W/cs.json" "$U/upload"
  result post "POST replaced the body; GET reads it back" '[ $post_rc = 0 ] && [ $RC = 0 ] && verified && [ "$(cat "$W/out")" = posted ]'

  ours "$W/cs.json" -m DELETE "$U/upload"
  delete_rc=$RC
  ours "$W/cs.json" "$U/upload"
  result delete "DELETE: 2.02; then GET: 4.04 (exit 4)" '[ $delete_rc = 0 ] && [ $RC = 4 ] && verified && grep -q "4\.04" "$W/err"'
else
  interop_record "$SUITE" get fail "coap-server -E did not start"
fi

# ---- oscore-interop-server (context B; we play A) ----------------------------
# (UDP and TCP only: it has no DTLS keys.)
$SECURE && interop_exit
mkdir -p "$W/a"
cp "$INTEROP_SRC/../data/plugtest-contexts/a/settings.json" \
   "$INTEROP_SRC/../data/plugtest-contexts/a/secret.json" "$W/a/"
chmod 600 "$W/a/secret.json"
printf '{ "%s://127.0.0.1:*": { "oscore": { "basedir": "a/" } } }\n' "$SCHEME" > "$W/a.json"
# Its observe1 counts requests for the life of the process: this server
# serves hello then the one observation.
if libserver oscore-interop-server -v 3 -E "$B_CONF"; then
  U="$SCHEME://127.0.0.1:$LS_PORT"
  ours "$W/a.json" "$U/oscore/hello/1"
  result hello "GET /oscore/hello/1: Hello World!" '[ $RC = 0 ] && verified && [ "$(cat "$W/out")" = "Hello World!" ]'

  timeout 20 "$OSCORE_CLIENT" -v --credentials "$W/a.json" --observe "$U/oscore/observe1" \
    > "$W/out" 2> "$W/err"
  RC=$?
  what="one, two, then 5.00 Terminate Observe ends it (exit 5)"
  if [ $RC = 5 ] && grep -qx one "$W/out" && grep -qx two "$W/out" &&
     grep -q 'Terminate Observe' "$W/err"; then
    interop_record "$SUITE" observe-error pass "$what"
  else
    interop_record "$SUITE" observe-error fail "$what: exit $RC, '$(tr '\n' ' ' < "$W/out")'"
  fi
else
  interop_record "$SUITE" hello fail "oscore-interop-server did not start"
fi
interop_exit
