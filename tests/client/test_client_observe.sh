#!/usr/bin/env bash
# oscore-client --observe, plain and OSCORE-protected: every notification
# delivered in order, a final 4.04 ends it (exit 4), Ctrl-C ends it cleanly
# (exit 0, security context saved and unlocked), --observe-exec, block-wise
# notifications, unobservable resources.
source "$(dirname "$0")/lib.sh" "$@"

make_creds
C="$TMP/creds/client1-anyport.json"
CTX="$TMP/creds/client1/for-fileserver"
start_server observe --credentials "$TMP/creds/server.json"
S=coap://127.0.0.1:$PORT

# Wait until FILE has at least N lines "---" (bounded: 10 s).
wait_notifications() {
  local i
  for i in $(seq 1 200); do
    [ "$(grep -c '^---$' "$1" 2>/dev/null)" -ge "$2" ] && return 0
    sleep 0.05
  done
  return 1
}

# FILE is "n=K\n---\nn=K+1\n---\nn=K+2": three representations in order.
three_in_a_row() {
  python3 - "$1" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
m = re.fullmatch(r"n=(\d+)\n---\nn=(\d+)\n---\nn=(\d+)", t)
ok = m and [int(x) for x in m.groups()] == [int(m[1]) + i for i in range(3)]
if not ok:
    print("  unexpected output: %r" % t[:200])
sys.exit(0 if ok else 1)
PY
}

for mode in plain oscore; do
  if [ $mode = oscore ]; then SEC=(--credentials "$C"); else SEC=(); fi

  run final-$mode "${SEC[@]}" --observe "$S/obs-final"
  check "$mode: notifications in order, final 4.04 ends it with exit 4" \
    eval 'rc_is final-'$mode' 4 && three_in_a_row "$TMP/final-'$mode'.out" && err_has final-'$mode' "4.04 Not Found" && err_has final-'$mode' gone'

  "$CLIENT" "${SEC[@]}" --observe "$S/obs" >"$TMP/int-$mode.out" 2>"$TMP/int-$mode.err" &
  CPID=$!
  PIDS+=("$CPID")
  wait_notifications "$TMP/int-$mode.out" 3
  kill -INT "$CPID"
  start=$(date +%s%N)
  wait "$CPID"
  echo $? >"$TMP/int-$mode.rc"
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  check "$mode: Ctrl-C ends the observation at once with exit 0 (${ms} ms)" \
    eval 'rc_is int-'$mode' 0 && [ "$ms" -lt 2000 ] && [ "$(grep -c "^n=" "$TMP/int-'$mode'.out")" -ge 4 ]'
  check "$mode: notification numbers strictly increase" \
    eval 'grep "^n=" "$TMP/int-'$mode'.out" | cut -d= -f2 | sort -n -c -u'

  run exec-$mode "${SEC[@]}" --observe-exec "cat >>'$TMP/exec-$mode.log'; echo >>'$TMP/exec-$mode.log'" "$S/obs-final"
  check "$mode: --observe-exec gets every representation on its stdin" \
    eval 'rc_is exec-'$mode' 4 && [ "$(grep -c "^n=" "$TMP/exec-'$mode'.log")" = 3 ] && [ ! -s "$TMP/exec-'$mode'.out" ]'

  # Block-wise notifications (3000 bytes): -o keeps the latest complete one.
  "$CLIENT" "${SEC[@]}" -v --observe -o "$TMP/big-$mode.bin" "$S/obs-big" \
    >/dev/null 2>"$TMP/big-$mode.err" &
  CPID=$!
  PIDS+=("$CPID")
  for i in $(seq 1 200); do
    [ "$(grep -c "^Received response:" "$TMP/big-$mode.err")" -ge 4 ] && break
    sleep 0.05
  done
  kill -INT "$CPID"
  wait "$CPID"
  echo $? >"$TMP/big-$mode.rc"
  check "$mode: block-wise notifications keep coming and are assembled (3000 bytes, pattern intact)" \
    eval 'rc_is big-'$mode' 0 && [ "$(grep -c "^Received response:" "$TMP/big-'$mode'.err")" -ge 4 ] && err_lacks big-'$mode' "not observable" && python3 -c "
import sys
d = open(sys.argv[1], \"rb\").read()
exp = bytes(((i * 7 + i // 251) & 0xff) for i in range(3000))
sys.exit(0 if len(d) == 3000 and d[:2] == b\"n=\" and d[11:] == exp[11:] else 1)
" "$TMP/big-'$mode'.bin"'

  run unobservable "${SEC[@]}" --observe "$S/hello"
  check "$mode: resource not observable: body, note, exit 0" \
    eval 'rc_is unobservable 0 && out_is unobservable "Hello world" && err_has unobservable "not observable"'
done

# A relay that, after each notification, sends the previous one again
# under a new message ID (a replay that libcoap's duplicate detection does
# not catch): the client must drop it, by partial IV under OSCORE and by
# the Observe value in plain CoAP.
python3 -c '
import os, select, socket, sys
up = ("127.0.0.1", int(sys.argv[1]))
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.bind(("127.0.0.1", 0))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(up)
print(c.getsockname()[1], flush=True)
peer, prev = None, None
while True:
    r, _, _ = select.select([c, s], [], [], 120)
    if not r:
        break
    if c in r:
        d, peer = c.recvfrom(2048)
        s.send(d)
    if s in r:
        d = s.recv(2048)
        if not peer:
            continue
        c.sendto(d, peer)
        if len(d) >= 4 and (d[0] >> 4) & 3 in (0, 1):   # CON/NON: a notification
            if prev:
                c.sendto(prev[:2] + os.urandom(2) + prev[4:], peer)
            prev = d
' "$PORT" >"$TMP/replay.port" &
PIDS+=($!)
for i in $(seq 1 100); do [ -s "$TMP/replay.port" ] && break; sleep 0.05; done
R=coap://127.0.0.1:$(cat "$TMP/replay.port")
for mode in plain oscore; do
  if [ $mode = oscore ]; then SEC=(--credentials "$C"); else SEC=(); fi
  run replay-$mode -v "${SEC[@]}" --observe "$R/obs-final"
  check "$mode: replayed notifications are dropped, the rest in order" \
    eval 'rc_is replay-'$mode' 4 && three_in_a_row "$TMP/replay-'$mode'.out" && err_has replay-'$mode' "stale notification dropped"'
done

check "oscore: after Ctrl-C the context is saved and unlocked" \
  eval '[ ! -e "$CTX/lock" ] && grep -q next-to-send "$CTX/sequence.json"'
run after --credentials "$C" "$S/hello"
check "oscore: the next run after Ctrl-C works (no replay, no lock)" \
  eval 'rc_is after 0 && out_is after "Hello world"'

finish
