#!/usr/bin/env bash
# Directory listings of a large directory from oscore-fileserver (plain
# CoAP over loopback): the server's CPU per block request, and the wall
# time and server CPU of downloading the whole listing block by block
# with oscore-client.
#
#   bench/listing.sh [-b BUILDDIR] [-s SERVER] [-n ENTRIES] [-r REQUESTS]
#
# SERVER defaults to BUILDDIR/src/fileserver/oscore-fileserver (give an
# older build's binary to compare). ENTRIES files (default 100000) named
# f000000... go into a fresh directory whose mtime is then set a minute
# back: a directory being written into is listed afresh every time, and
# the point here is the steady state. The whole listing is fetched first
# (the server has not listed the directory yet), then block requests are
# timed: oscore-load's (block 0 of the listing, one at a time, REQUESTS of
# them, default 200; its warm-up request is not counted).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
server=
entries=100000
requests=200
while getopts b:s:n:r: opt; do
  case $opt in
  b) build=$OPTARG ;;
  s) server=$OPTARG ;;
  n) entries=$OPTARG ;;
  r) requests=$OPTARG ;;
  *) echo "usage: $0 [-b BUILDDIR] [-s SERVER] [-n ENTRIES] [-r REQUESTS]" >&2
     exit 2 ;;
  esac
done
server=${server:-$build/src/fileserver/oscore-fileserver}
client=$build/src/client/oscore-client
load=$build/bench/oscore-load
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

mkdir -p "$tmp/root/big"
/usr/bin/python3 - "$tmp/root/big" "$entries" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    os.close(os.open(os.path.join(d, "f%06d" % i), os.O_CREAT | os.O_WRONLY, 0o644))
PY
touch -d "@$(( $(date +%s) - 60 ))" "$tmp/root/big"

"$server" --bind 127.0.0.1:0 "$tmp/root" 2>"$tmp/server.err" &
pid=$!
port=
for _ in $(seq 1 200); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/server.err" | head -1)
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { echo "fileserver did not start"; cat "$tmp/server.err"; exit 1; }
uri=coap://127.0.0.1:$port/big/

# utime + stime of the server in seconds.
cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$pid/stat"
}

echo "listing of $entries entries, $(nproc) CPUs, $(uname -r)"
echo "server: $server"
c0=$(cpu)
t0=$(date +%s%N)
"$client" -q --timeout 600 -o "$tmp/listing" "$uri"
t1=$(date +%s%N)
c1=$(cpu)
links=$(tr ',' '\n' <"$tmp/listing" | grep -c '^</big/f')
[ "$links" -eq "$entries" ] || { echo "listing has $links links"; exit 1; }
blocks=$(( ($(stat -c %s "$tmp/listing") + 1023) / 1024 ))
awk -v w="$(( (t1 - t0) / 1000000 ))" -v c0="$c0" -v c1="$c1" -v b="$blocks" \
  'BEGIN { printf "  whole listing: %d blocks, %.2f s wall, %.2f s server CPU\n",
           b, w / 1000, c1 - c0 }'
"$load" -q --kv -n "$requests" -k 1 --timeout 30000 -t 3600 \
  --server-pid "$pid" "$uri" >"$tmp/load.kv"
awk '/^(ok|server_cpu_us_per_req|p50_us) /' "$tmp/load.kv" |
  sed 's/^/  block requests: /'

