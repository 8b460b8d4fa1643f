#!/usr/bin/env bash
# -o FILE against what FILE may be (issue 13 item 10): a character device
# and a FIFO are written in place, never renamed over; symbolic links are
# followed (the link stays) except dangling ones and foreign links in a
# sticky world-writable directory; "-" is standard output; a replaced file
# keeps its permission bits; temporaries of a SIGKILLed run are removed by
# the next run writing the same name. Nothing outside $TMP is touched (the
# device is a scratch node made with mknod).
source "$(dirname "$0")/lib.sh" "$@"

start_server outfile
S=coap://127.0.0.1:$PORT
D=$TMP/scratch
mkdir "$D"

no_tmp_left() { [ -z "$(ls -A "$D" | grep -- '\.oscore-client-')" ] || { echo "  left: $(ls -A "$D")"; return 1; }; }

# A character device: the same major/minor as /dev/null, in our scratch
# directory (root only; the suite runs as root, elsewhere this is skipped).
if mknod "$D/null" c 1 3 2>/dev/null; then
  run chr -o "$D/null" "$S/hello"
  check "-o on a character device: written in place, still a device" \
    eval 'rc_is chr 0 && [ -c "$D/null" ] && no_tmp_left'
else
  echo "# SKIP character device: mknod not permitted"
fi

mkfifo "$D/fifo"
# The reader is bounded: if the FIFO were renamed over it would wait forever.
timeout 60 cat "$D/fifo" >"$TMP/fifo.got" &
READER=$!
PIDS+=("$READER")
run fifo -o "$D/fifo" "$S/hello"
[ -p "$D/fifo" ] || kill "$READER" 2>/dev/null
wait "$READER"
check "-o on a FIFO: the reader gets the body, the FIFO stays a FIFO" \
  eval 'rc_is fifo 0 && [ -p "$D/fifo" ] && [ "$(cat "$TMP/fifo.got")" = "Hello world" ] && no_tmp_left'

mkdir "$D/real"
echo old >"$D/real/target.txt"
ln -s real/target.txt "$D/link.txt"
run link -o "$D/link.txt" "$S/hello"
check "-o on a symbolic link: the link stays, its target gets the body" \
  eval 'rc_is link 0 && [ -L "$D/link.txt" ] && [ "$(cat "$D/real/target.txt")" = "Hello world" ] && no_tmp_left && [ -z "$(ls -A "$D/real" | grep -v "^target.txt$")" ]'

# /dev/stdout is a link to /proc/self/fd/1, here a pipe without a path.
"$CLIENT" -o /dev/stdout "$S/hello" 2>"$TMP/stdout-link.err" | cat >"$TMP/stdout-link.out"
echo "${PIPESTATUS[0]}" >"$TMP/stdout-link.rc"
check "-o /dev/stdout into a pipe: written through the link" \
  eval 'rc_is stdout-link 0 && out_is stdout-link "Hello world"'

ln -s nowhere/none.txt "$D/dangling"
run dangling -o "$D/dangling" "$S/hello"
check "-o on a dangling link: exit 1, one line naming it, link unchanged" \
  eval 'rc_is dangling 1 && one_line dangling && err_has dangling "$D/dangling" && [ "$(readlink "$D/dangling")" = nowhere/none.txt ]'

# Someone else's link in a sticky world-writable directory (as in /tmp)
# is not followed: they could point it at any file of ours.
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
  mkdir -m 1777 "$D/sticky"
  echo keep >"$D/victim"
  ln -s ../victim "$D/sticky/planted"
  chown -h nobody "$D/sticky/planted"
  run planted -o "$D/sticky/planted" "$S/hello"
  check "-o on a foreign link in a sticky directory: refused, target kept" \
    eval 'rc_is planted 1 && err_has planted "sticky" && [ "$(cat "$D/victim")" = keep ] && [ -L "$D/sticky/planted" ]'
else
  echo "# SKIP foreign link: needs root and user nobody"
fi

run dir -o "$D/real" "$S/hello"
check "-o on a directory: exit 1 naming it" \
  eval 'rc_is dir 1 && err_has dir "$D/real" && [ -d "$D/real" ]'

ABS_CLIENT=$(realpath "$CLIENT")
(cd "$D" && "$ABS_CLIENT" -o - "$S/hello" >"$TMP/dash.out" 2>"$TMP/dash.err"; echo $? >"$TMP/dash.rc")
check "-o - writes to standard output, no file named -" \
  eval 'rc_is dash 0 && out_is dash "Hello world" && [ ! -e "$D/-" ]'

echo secret >"$D/private.txt"
chmod 600 "$D/private.txt"
run mode -o "$D/private.txt" "$S/hello"
check "-o over a 0600 file: body replaced, mode still 0600" \
  eval 'rc_is mode 0 && [ "$(cat "$D/private.txt")" = "Hello world" ] && [ "$(stat -c %a "$D/private.txt")" = 600 ]'

# SIGKILL mid-download leaves a temporary no one removes; the next run to
# the same name removes it. A temporary of a live process is kept.
"$CLIENT" -o "$D/part.bin" "$S/big/200000000" >/dev/null 2>&1 &
CPID=$!
PIDS+=("$CPID")
for _ in $(seq 1 600); do
  [ -n "$(find "$D" -maxdepth 1 -name '.part.bin.oscore-client-*' -size +0 2>/dev/null)" ] && break
  sleep 0.1
done
kill -KILL "$CPID"
wait "$CPID" 2>/dev/null
check "SIGKILL mid-download: a temporary named after the run is left" \
  eval '[ -n "$(ls -A "$D" | grep "^\.part\.bin\.oscore-client-$CPID\.")" ] && [ ! -e "$D/part.bin" ]'
sleep 300 &
LIVE=$!
PIDS+=("$LIVE")
echo live >"$D/.part.bin.oscore-client-$LIVE.abcdef"
echo other >"$D/.part.bin.unrelated"
run sweep -o "$D/part.bin" "$S/hello"
check "the next run removes the dead run's temporary, keeps a live one's" \
  eval 'rc_is sweep 0 && [ "$(cat "$D/part.bin")" = "Hello world" ] && [ -z "$(ls -A "$D" | grep "oscore-client-$CPID\.")" ] && [ -e "$D/.part.bin.oscore-client-$LIVE.abcdef" ] && [ -e "$D/.part.bin.unrelated" ]'
kill "$LIVE"

finish
