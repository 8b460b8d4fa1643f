#!/usr/bin/env bash
# --window N: several Block2 requests in flight (coapx_window.c). Through a
# relay that loses the first copy of one request and hands answers back in
# swapped pairs, the body still arrives byte-identical and in order, under
# OSCORE and in plain CoAP; the relay counts how many requests were
# outstanding at once (more than one only with a window); an ETag change
# mid-transfer still ends it (exit 8); bodies shorter than the window, of
# exactly whole blocks, and a block size asked smaller work; bad values of
# --window are refused.
source "$(dirname "$0")/lib.sh" "$@"

make_creds
C="$TMP/creds/client1-anyport.json"
start_server window --credentials "$TMP/creds/server.json"
S=coap://127.0.0.1:$PORT

# The relay: client <-> relay <-> server. Drops the 6th request datagram
# it sees (once: libcoap's retransmission of it passes), holds each answer
# until a second one comes (or 30 ms pass) and then sends the two in the
# opposite order. Writes the largest number of requests forwarded but not
# yet answered to RELAYLOG after every answer.
relay() {   # relay LOGFILE: sets RELAY (URI prefix)
  python3 -c '
import select, socket, sys, time
up = ("127.0.0.1", int(sys.argv[1]))
log = sys.argv[2]
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.bind(("127.0.0.1", 0))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(up)
print(c.getsockname()[1], flush=True)
peer, seen, outstanding, most, held = None, 0, set(), 0, None
def answer(d):
    global most
    c.sendto(d, peer)
    # Match by message ID: piggybacked answers carry the request MID.
    outstanding.discard(d[2:4])
    with open(log, "w") as f:
        f.write("%d\n" % most)
end = time.time() + 120
while time.time() < end:
    r, _, _ = select.select([c, s], [], [], 0.03)
    if not r and held is not None:
        answer(held)
        held = None
    if c in r:
        d, peer = c.recvfrom(2048)
        seen += 1
        if seen == 6:
            continue
        if len(d) >= 4 and (d[0] >> 4) & 3 == 0:
            outstanding.add(d[2:4])
            most = max(most, len(outstanding))
        s.send(d)
    if s in r:
        d = s.recv(2048)
        if held is None:
            held = d
        else:
            answer(d)
            answer(held)
            held = None
' "$PORT" "$1" >"$TMP/relay.port" &
  PIDS+=($!)
  local i
  for i in $(seq 1 100); do [ -s "$TMP/relay.port" ] && break; sleep 0.05; done
  RELAY=coap://127.0.0.1:$(cat "$TMP/relay.port")
}

pattern_file 300000 "$TMP/b300k"
relay "$TMP/relay1.log"
run win-oscore --window 8 --timeout 20 --credentials "$C" -o "$TMP/w1.bin" "$RELAY/big/300000"
check "OSCORE, window 8, lossy reordering relay: 300 kB byte-identical" \
  eval 'rc_is win-oscore 0 && same_file "$TMP/w1.bin" "$TMP/b300k"'
check "window 8: several requests were in flight at once" \
  eval '[ "$(cat "$TMP/relay1.log")" -ge 2 ] || { echo "  at most $(cat "$TMP/relay1.log") in flight"; false; }'

pattern_file 30000 "$TMP/b30k"
relay "$TMP/relay2.log"
run win-one --timeout 20 --credentials "$C" -o "$TMP/w2.bin" "$RELAY/big/30000"
check "no --window: one request at a time (the relay saw at most 1)" \
  eval 'rc_is win-one 0 && same_file "$TMP/w2.bin" "$TMP/b30k" && [ "$(cat "$TMP/relay2.log")" = 1 ]'

relay "$TMP/relay3.log"
run win-plain --window 16 --timeout 20 -o "$TMP/w3.bin" "$RELAY/big/300000"
check "plain CoAP, window 16, lossy reordering relay: byte-identical" \
  eval 'rc_is win-plain 0 && same_file "$TMP/w3.bin" "$TMP/b300k"'

echo old >"$TMP/w4.bin"
run win-etag --window 8 --credentials "$C" -o "$TMP/w4.bin" "$S/changing/20000"
check "window 8: ETag change mid-transfer still exits 8, file untouched" \
  eval 'rc_is win-etag 8 && err_has win-etag "ETag changed" && [ "$(cat "$TMP/w4.bin")" = old ]'

pattern_file 3000 "$TMP/b3000"
run win-short --window 16 --credentials "$C" "$S/big/3000"
check "window 16 on a 3-block body: exactly the body" \
  eval 'rc_is win-short 0 && same_file "$TMP/win-short.out" "$TMP/b3000"'

pattern_file 8192 "$TMP/b8192"
run win-whole --window 3 --credentials "$C" "$S/big/8192"
check "window 3 on a body of whole blocks (8 x 1024)" \
  eval 'rc_is win-whole 0 && same_file "$TMP/win-whole.out" "$TMP/b8192"'

run win-small --window 4 --payload-initial-szx 2 --credentials "$C" "$S/big/5000"
pattern_file 5000 "$TMP/b5000"
check "window 4 with 64-byte blocks" \
  eval 'rc_is win-small 0 && same_file "$TMP/win-small.out" "$TMP/b5000"'

run win-zero --window 0 "$S/hello"
run win-big --window 17 "$S/hello"
check "--window 0 and 17 are refused (exit 2)" \
  eval 'rc_is win-zero 2 && rc_is win-big 2 && err_has win-big "1-16"'

finish
