#!/bin/bash
# OSCORE end to end through a forward proxy that is no OSCORE endpoint
# (RFC 8613 §4.1.3.3: Uri-Host, Uri-Port and Proxy-Scheme stay outer, so
# the proxy can forward what it cannot read): aiocoap-proxy --forward in
# front of oscore-fileserver, with
#
#   oscore-client --proxy          GET of a small file and of 1 MiB (cmp)
#   libcoap coap-client -E -P -U   the same
#
# Each client has its own context with the server (identities ":ours",
# ":libcoap"), and every request the server logs must come from it: the
# proxy forwarded the protected request, it did not answer itself.
#
# coap-client needs -U: without it, it puts the proxy's port in a Uri-Port
# and then the target's in a second one, drops that, and cannot protect
# the request ("PDU could not be encrypted"). aiocoap-client --proxy with
# OSCORE is not played: its request has no Uri-Host for the proxy, which
# answers 4.00 (docs/INTEROP.md).
#
# Needs AIOCOAP_DIR, AIOCOAP_PYTHON, AIOCOAP_PYTHONPATH, LIBCOAP_OSCORE_BIN
# (skips otherwise), OSCORE_CLIENT and OSCORE_FILESERVER.
. "$(dirname "$0")/lib.sh"

SUITE=proxy-forward
interop_need AIOCOAP_DIR AIOCOAP_PYTHON AIOCOAP_PYTHONPATH LIBCOAP_OSCORE_BIN \
  OSCORE_CLIENT OSCORE_FILESERVER
[ -f "$AIOCOAP_DIR/aiocoap-proxy" ] || interop_skip "no aiocoap-proxy in AIOCOAP_DIR"
[ -x "$LIBCOAP_OSCORE_BIN/coap-client" ] || interop_skip "no coap-client in LIBCOAP_OSCORE_BIN"
interop_need_file "$OSCORE_CLIENT" oscore-client
interop_need_file "$OSCORE_FILESERVER" oscore-fileserver
interop_init
interop_reset_results "$SUITE"

W=$INTEROP_TMP
interop_pair "$W/ours" 0b 0c
interop_pair "$W/lc" 0b 0d
cat > "$W/server.json" <<'EOF'
{ ":ours": { "oscore": { "basedir": "ours/ours/" } },
  ":libcoap": { "oscore": { "basedir": "lc/ours/" } } }
EOF
printf '{ "coap://127.0.0.1:*": { "oscore": { "basedir": "ours/peer/" } } }\n' > "$W/ours.json"
mkdir -p "$W/data"
printf 'small, through the proxy\n' > "$W/data/small.txt"
head -c 1048576 /dev/urandom > "$W/data/1mb.bin"
LOG=$W/oscore-fileserver.err

interop_fileserver_start "$LOG" 127.0.0.1:0 --credentials "$W/server.json" "$W/data" ||
  { cat "$LOG" >&2; exit 1; }
URL="coap://127.0.0.1:$FS_PORT"

if ! interop_aiocoap_proxy_start "$W/proxy.log" "$URL/small.txt"; then
  interop_record "$SUITE" oscore-client-get fail "aiocoap-proxy did not forward: $(tail -n 2 "$W/proxy.log" | tr '\n' ' ')"
  interop_exit
fi

# check TEST IDENTITY RC OUT FILE-IN-DATA WHAT
check() {
  if [ "$3" = 0 ] && cmp -s "$4" "$W/data/$5" && interop_log_all_from "$2"; then
    interop_record "$SUITE" "$1" pass "$6"
  else
    interop_record "$SUITE" "$1" fail "$6: exit $3; server log: $(interop_log_requests | tail -n 2 | tr '\n' ' ')"
  fi
}

for f in small.txt 1mb.bin; do
  t=get; [ $f = 1mb.bin ] && t=get-1MiB
  interop_log_mark "$LOG"
  timeout 60 "$OSCORE_CLIENT" --proxy "$PROXY" --credentials "$W/ours.json" \
    -o "$W/ours-$f" "$URL/$f" 2> "$W/ours-$f.err"
  check "oscore-client-$t" :ours $? "$W/ours-$f" $f "byte-identical, protected end to end"

  interop_log_mark "$LOG"
  timeout 60 "$LIBCOAP_OSCORE_BIN/coap-client" -U -P "$PROXY" \
    -E "$W/lc/libcoap.conf,$W/lc.seq" -o "$W/lc-$f" "$URL/$f" > "$W/lc-$f.err" 2>&1
  check "libcoap-client-$t" :libcoap $? "$W/lc-$f" $f "byte-identical, protected end to end"
done
interop_exit
