#!/usr/bin/env bash
# Wall time of one oscore-client run that establishes its OSCORE context by
# EDHOC (RFC 9528) and then fetches a small file, against the same fetch
# with a copied context directory: issue 16's target is EDHOC + first
# request at most twice the plain OSCORE run. Three rows: OSCORE with the
# example context directory, EDHOC with message_3 combined with the
# request (RFC 9668, one extra round trip), EDHOC with message_3 POSTed on
# its own (two extra). Suite 2 (P-256), method 3, keys from oscore-keygen,
# one oscore-fileserver on 127.0.0.1 serving all three. RUNS runs each,
# interleaved; median and fastest printed, and the ratios of the medians.
#
#   bench/edhoc_request.sh [BUILDDIR] [RUNS]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
runs=${2:-21}
client=$build/src/client/oscore-client
server=$build/src/fileserver/oscore-fileserver
keygen=$build/tools/oscore-keygen
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

cp -r "$top/credentials-examples/." "$tmp/"
chmod 600 "$tmp"/*/*/secret.json
cd "$tmp"
s_cred=$("$keygen" generate server.cosekey --kid 0a)
c_cred=$("$keygen" generate client.cosekey --kid 01)
mkdir root && echo hello >root/hello.txt
cat >server.diag <<EOF
{ ":client1": { "oscore": { "basedir": "server/from-client1/" } },
  "coap://*": { "edhoc-oscore": { "suite": 2, "method": 3,
      "own_cred_style": "by-key-id", "own_cred": $s_cred,
      "private_key_file": "server.cosekey" } },
  ":ourclient": { "edhoc-oscore": { "suite": 2, "method": 3,
      "peer_cred": $c_cred } } }
EOF
edhoc_map() {  # edhoc_map FILE COMBINED
  cat >"$1" <<EOF
{ "coap://127.0.0.1:*": { "edhoc-oscore": { "suite": 2, "method": 3,
    "own_cred_style": "by-key-id", "own_cred": $c_cred,
    "private_key_file": "client.cosekey", "peer_cred": $s_cred,
    "use_combined_edhoc": $2 } } }
EOF
}
edhoc_map combined.diag true
edhoc_map separate.diag false

"$server" --bind 127.0.0.1:0 --credentials server.diag root 2>server.err &
pid=$!
port=
for _ in $(seq 1 100); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' server.err | head -1)
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { echo "fileserver did not start"; cat server.err; exit 1; }
uri=coap://127.0.0.1:$port/hello.txt

# One run of map $1, its wall time in microseconds appended to file $2.
one() {
  local t0 t1
  t0=$(date +%s%N)
  "$client" -q --credentials "$1" "$uri" >got 2>err || {
    echo "$1: failed"; cat err; exit 1; }
  t1=$(date +%s%N)
  [ "$(cat got)" = hello ] || { echo "$1: wrong answer"; exit 1; }
  echo $(( (t1 - t0) / 1000 )) >>"$2"
}
# Warm the caches (binary, key files) once, then interleave the three.
one client1-anyport.json /dev/null
one combined.diag /dev/null
for _ in $(seq 1 "$runs"); do
  one client1-anyport.json oscore.t
  one combined.diag combined.t
  one separate.diag separate.t
done
median() { sort -n "$1" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
fastest() { sort -n "$1" | head -1; }
echo "one oscore-client run, GET of 6 bytes over loopback, $(nproc) CPUs, $(uname -r), $runs runs"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
base=$(median oscore.t)
for row in "oscore.t:OSCORE, copied context (client1-anyport.json)" \
           "combined.t:EDHOC + request, combined (RFC 9668)" \
           "separate.t:EDHOC + request, message_3 on its own"; do
  f=${row%%:*} label=${row#*:}
  m=$(median "$f")
  awk -v l="$label" -v m="$m" -v f="$(fastest "$f")" -v b="$base" 'BEGIN {
    printf "%-46s median %6.1f ms  fastest %6.1f ms  %.2fx\n", l, m / 1000,
           f / 1000, m / b }'
done
