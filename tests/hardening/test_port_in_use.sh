#!/usr/bin/env bash
# A second server on a port that is in use must refuse to start (issue 13
# item 7): libcoap binds with SO_REUSEADDR, so without our probe a second
# oscore-fileserver started silently and took the traffic. For each
# program that binds, and for 127.0.0.1 and ::1 (when the host has it):
# start one, start another on its port, expect exit status 6 and one line
# naming the address and "already in use"; the first keeps serving.
# Usage: test_port_in_use.sh OSCORE-FILESERVER OSCORE-PLUGTEST-SERVER
set -u
FS=$(realpath "$1") PT=$(realpath "$2")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/port-in-use-XXXXXX")
fails=0 checks=0 first=""
cleanup() {
  if [ -n "$first" ]; then kill "$first" 2>/dev/null; wait "$first" 2>/dev/null; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/dir"

fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# run_pair NAME PROG HOST: first PROG on HOST port 0, second on its port.
run_pair() {
  local name=$1 prog=$2 host=$3 port="" i rc
  local args=(--bind "$host:0")
  [ "$prog" = "$FS" ] && args+=("$tmp/dir")
  # The fileserver says "listening on H:P" on stderr, the plugtest server
  # "ready on H:P (...)" on stdout.
  "$prog" "${args[@]}" >"$tmp/$name.first" 2>&1 &
  first=$!
  for i in $(seq 100); do
    port=$(grep -oE ' on [^ ]*:[0-9]+' "$tmp/$name.first" | head -1 |
           sed 's/.*://')
    [ -n "$port" ] && break
    sleep 0.1
  done
  checks=$((checks + 1))
  if [ -z "$port" ]; then
    fail "$name: the first server did not start"; kill "$first"; wait "$first"
    first=""; return
  fi
  args=(--bind "$host:$port")
  [ "$prog" = "$FS" ] && args+=("$tmp/dir")
  timeout 10 "$prog" "${args[@]}" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null
  rc=$?
  if [ "$rc" != 6 ]; then
    fail "$name: second server on $host:$port: exit $rc, expected 6"
  elif [ "$(wc -l <"$tmp/$name.err")" != 1 ]; then
    fail "$name: expected one error line, got: $(cat "$tmp/$name.err")"
  elif ! grep -qF -- "$host:$port" "$tmp/$name.err" ||
       ! grep -qF "already in use" "$tmp/$name.err"; then
    fail "$name: the error does not name $host:$port: $(cat "$tmp/$name.err")"
  elif ! kill -0 "$first" 2>/dev/null; then
    fail "$name: the first server died"
  else
    echo "ok $name: $(cat "$tmp/$name.err")"
  fi
  kill "$first"; wait "$first" 2>/dev/null; first=""
}

have_v6=yes
python3 -c 'import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::1", 0))' \
  2>/dev/null || have_v6=no
for p in fileserver:"$FS" plugtest:"$PT"; do
  run_pair "${p%%:*}-v4" "${p#*:}" 127.0.0.1
  if [ "$have_v6" = yes ]; then
    run_pair "${p%%:*}-v6" "${p#*:}" "[::1]"
  else
    echo "skip ${p%%:*}-v6: no ::1 on this host"
  fi
done
echo "$((checks - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
