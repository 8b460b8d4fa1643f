#!/usr/bin/env bash
# Wall time of a 1 MB OSCORE-protected download over loopback with
# oscore-client from oscore-fileserver (the example credentials, copied),
# RUNS times; the median and the fastest are printed, plus, for scale,
# the same file over plain CoAP, both again over coap+tcp:// (RFC 8323;
# the server listens on UDP and TCP), and aiocoap-client when AIOCOAP_DIR
# is set (AIOCOAP_PYTHON: its interpreter).
#
#   bench/client_download.sh [BUILDDIR] [RUNS]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
runs=${2:-10}
client=$build/src/client/oscore-client
server=$build/src/fileserver/oscore-fileserver
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

cp -r "$top/credentials-examples/." "$tmp/"
chmod 600 "$tmp"/*/*/secret.json
mkdir "$tmp/root"
head -c 1048576 /dev/urandom >"$tmp/root/1mb.bin"
"$server" --bind 127.0.0.1:0 --bind 'coap+tcp://127.0.0.1:0' --credentials "$tmp/server.json" "$tmp/root" \
  2>"$tmp/server.err" &
pid=$!
port=
for _ in $(seq 1 100); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/server.err" | head -1)
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { echo "fileserver did not start"; cat "$tmp/server.err"; exit 1; }
uri=coap://127.0.0.1:$port/1mb.bin
tcp_port=$(sed -n 's|.*listening on coap+tcp://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$tmp/server.err")
tcp_uri=coap+tcp://127.0.0.1:$tcp_port/1mb.bin
sed 's|"coap://|"coap+tcp://|' "$tmp/client1-anyport.json" >"$tmp/client1-tcp.json"

# time_runs LABEL COMMAND...: runs it $runs times, checks the bytes, prints.
time_runs() {
  local label=$1
  shift
  local times=()
  for _ in $(seq 1 "$runs"); do
    rm -f "$tmp/got"
    local t0 t1
    t0=$(date +%s%N)
    "$@" >"$tmp/got" 2>"$tmp/err" || { echo "$label: failed"; cat "$tmp/err"; return 1; }
    t1=$(date +%s%N)
    cmp -s "$tmp/got" "$tmp/root/1mb.bin" || { echo "$label: wrong bytes"; return 1; }
    times+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v l="$label" -v n="$runs" '
    { a[NR] = $1 }
    END { printf "%-44s median %7.1f ms  fastest %7.1f ms  (%d runs)\n", l,
          a[int((n + 1) / 2)] / 1000, a[1] / 1000, n }'
}

echo "1 MiB over loopback, $(nproc) CPUs, $(uname -r)"
echo "command: $client --credentials client1-anyport.json $uri"
time_runs "oscore-client, OSCORE (1024 blocks)" \
  "$client" -q --credentials "$tmp/client1-anyport.json" "$uri"
time_runs "oscore-client, plain CoAP" "$client" -q "$uri"
time_runs "oscore-client, OSCORE over coap+tcp" \
  "$client" -q --credentials "$tmp/client1-tcp.json" "$tcp_uri"
time_runs "oscore-client, plain CoAP over coap+tcp" "$client" -q "$tcp_uri"
if [ -n "${AIOCOAP_DIR:-}" ]; then
  py=${AIOCOAP_PYTHON:-python3}
  (cd "$tmp" && time_runs "aiocoap-client, OSCORE" \
     env PYTHONPATH="$AIOCOAP_DIR${AIOCOAP_EXTRA_PATH:+:$AIOCOAP_EXTRA_PATH}" \
     "$py" -m aiocoap.cli.client --credentials client1-anyport.json "$uri") || true
fi
