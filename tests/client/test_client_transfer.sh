#!/usr/bin/env bash
# The harder corners of a transfer: an RST injected before every answer
# (ignored under OSCORE, a reset in plain CoAP), the Echo retry on the first
# block of an upload, Ctrl-C in the middle of a download, memory use of a
# 50 MB download, and what a terminal gets (progress line, pretty-printing).
source "$(dirname "$0")/lib.sh" "$@"

make_creds
C="$TMP/creds/client1-anyport.json"
CTX="$TMP/creds/client1/for-fileserver"
start_server transfer --credentials "$TMP/creds/server.json"
SRV=$SPID
S=coap://127.0.0.1:$PORT

# A relay that answers every CON it forwards with an RST first (what an
# off-path attacker can do: an RST is never protected), then passes the
# real answer back. Sets RELAYPORT.
python3 -c '
import select, socket, sys
up = ("127.0.0.1", int(sys.argv[1]))
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.bind(("127.0.0.1", 0))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(up)
print(c.getsockname()[1], flush=True)
peer = None
while True:
    r, _, _ = select.select([c, s], [], [], 120)
    if not r:
        break
    if c in r:
        d, peer = c.recvfrom(2048)
        if len(d) >= 4 and (d[0] >> 4) & 3 == 0:
            c.sendto(bytes([0x70, 0, d[2], d[3]]), peer)
        s.send(d)
    if s in r:
        d = s.recv(2048)
        if peer:
            c.sendto(d, peer)
' "$PORT" >"$TMP/relay.port" &
PIDS+=($!)
for i in $(seq 1 100); do [ -s "$TMP/relay.port" ] && break; sleep 0.05; done
RELAY=coap://127.0.0.1:$(cat "$TMP/relay.port")

run rst-oscore -v --timeout 5 --credentials "$C" "$RELAY/hello"
check "OSCORE: an RST before the answer is ignored, the answer taken" \
  eval 'rc_is rst-oscore 0 && out_is rst-oscore "Hello world" && err_has rst-oscore "RST from .* ignored"'
pattern_file 20000 "$TMP/b20k"
run rst-oscore-big --timeout 5 --credentials "$C" "$RELAY/big/20000"
check "OSCORE: RSTs before every block do not disturb a block-wise transfer" \
  eval 'rc_is rst-oscore-big 0 && same_file "$TMP/rst-oscore-big.out" "$TMP/b20k"'
run rst-plain --timeout 5 "$RELAY/hello"
check "plain CoAP: the RST is a reset by the peer, exit 6, no body" \
  eval 'rc_is rst-plain 6 && err_has rst-plain "reset (RST)" && [ ! -s "$TMP/rst-plain.out" ]'

# Echo on the first block of a Block1 upload: block 0 is sent again with
# Echo, under a new number; the body arrives whole.
stop_server "$SRV"
python3 - "$TMP/creds/server/from-client1/sequence.json" <<'PY'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
d["received"] = "unknown"
json.dump(d, open(p, "w"))
PY
start_server transfer2 --credentials "$TMP/creds/server.json"
SRV=$SPID
S=coap://127.0.0.1:$PORT
head -c 5000 /dev/urandom >"$TMP/up.bin"
run echo-put -v --credentials "$C" -m PUT --payload "@$TMP/up.bin" "$S/store"
run echo-get --credentials "$C" -o "$TMP/echo-get.bin" "$S/store"
check "Echo on block 0 of an upload: retried once, body stored whole" \
  eval 'rc_is echo-put 0 && err_has echo-put "4.01 with Echo" && rc_is echo-get 0 && same_file "$TMP/echo-get.bin" "$TMP/up.bin"'

# Ctrl-C in the middle of a download to -o: exit 130, no file, no
# temporary file, the context saved and unlocked.
"$CLIENT" --credentials "$C" -o "$TMP/part.bin" "$S/big/200000000" \
  >/dev/null 2>"$TMP/int.err" &
CPID=$!
PIDS+=("$CPID")
# Until the first bytes are in (the signal handler is in place by then: a
# background job starts with SIGINT ignored, and under valgrind getting
# there takes seconds); at most 60 s.
for _ in $(seq 1 600); do
  [ -n "$(find "$TMP" -maxdepth 1 -name '.part*' -size +0 2>/dev/null)" ] && break
  sleep 0.1
done
sleep 0.2
kill -INT "$CPID"
wait "$CPID"
echo $? >"$TMP/int.rc"
check "Ctrl-C mid-download: exit 130, no output file, no temporary left" \
  eval 'rc_is int 130 && err_has int interrupted && [ ! -e "$TMP/part.bin" ] && [ -z "$(ls -A "$TMP" | grep "^\.part")" ]'
check "Ctrl-C mid-download: context unlocked and saved" \
  eval '[ ! -e "$CTX/lock" ] && grep -q next-to-send "$CTX/sequence.json"'
run after-int --credentials "$C" "$S/hello"
check "the next run after Ctrl-C works" rc_is after-int 0

# 50 MB through OSCORE to -o: the body streams, it is never held whole.
pattern_file 52428800 "$TMP/b50m"
# Peak RSS: the kernel's high-water mark (VmHWM) of the running client,
# read until it exits (it only grows, so the last reading is the peak).
"$CLIENT" -q --credentials "$C" -o "$TMP/got50m" "$S/big/52428800" \
  2>"$TMP/b50.err" &
CPID=$!
PIDS+=("$CPID")
echo 0 >"$TMP/rss"
while kill -0 "$CPID" 2>/dev/null; do
  hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$CPID/status" 2>/dev/null)
  [ -n "$hwm" ] && echo "$hwm" >"$TMP/rss"
  sleep 0.05
done
wait "$CPID"
echo $? >"$TMP/b50.rc"
rss=$(tail -1 "$TMP/rss")
# In a sanitizer build (OSCORE_SANITIZE from tests/meson.build) shadow memory
# and ASan's quarantine of freed blocks make the peak meaningless.
rss_mib=20
[ "${OSCORE_SANITIZE:-none}" = none ] || rss_mib=1024
# Under valgrind (OSCORE_TEST_WRAP) the peak is valgrind's own.
[ -z "${OSCORE_TEST_WRAP:-}" ] || rss_mib=1024
check "50 MB protected download byte-identical with max RSS ${rss} KiB (< $rss_mib MiB)" \
  eval 'rc_is b50 0 && same_file "$TMP/got50m" "$TMP/b50m" && [ "$rss" -lt $((rss_mib * 1024)) ]'
rm -f "$TMP/got50m" "$TMP/b50m"

# A terminal: progress on stderr for a large body going to a file; pretty
# printing by default when stdout is the terminal. script(1) provides one.
if command -v script >/dev/null; then
  script -qec "'$CLIENT' --credentials '$C' -o '$TMP/tty.bin' '$S/big/3000000'" \
    "$TMP/tty.log" >/dev/null 2>&1 </dev/null
  check "terminal: a progress line for a large download to a file" \
    eval 'grep -aq "MiB of 2.9 MiB" "$TMP/tty.log" && grep -aq "%" "$TMP/tty.log"'
  script -qec "'$CLIENT' '$S/json'" "$TMP/tty-json.log" >/dev/null 2>&1 </dev/null
  check "terminal: JSON pretty-printed by default" \
    eval 'grep -aq "^  \"a\": \[" "$TMP/tty-json.log"'
  script -qec "'$CLIENT' --no-pretty-print '$S/json'" "$TMP/tty-raw.log" >/dev/null 2>&1 </dev/null
  check "terminal: --no-pretty-print keeps the body raw" \
    eval 'grep -aq "{\"a\":\[1,2\],\"b\":\"x\"}" "$TMP/tty-raw.log"'
  script -qec "'$CLIENT' -q --credentials '$C' -o '$TMP/tty2.bin' '$S/big/3000000'" \
    "$TMP/tty-q.log" >/dev/null 2>&1 </dev/null
  check "terminal: -q hides the progress line" \
    eval '! grep -aq "MiB of" "$TMP/tty-q.log"'
else
  echo "# SKIP terminal checks: script(1) not installed"
fi

finish
