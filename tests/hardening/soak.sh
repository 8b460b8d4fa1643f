#!/usr/bin/env bash
# Load soak (issue 8; not part of the default suite): oscore-fileserver
# under bench/oscore-load with OSCORE for SECONDS (default 60), bounded by
# time and by a request count. Passes when the load generator reports no
# error of any kind and the server's RSS, sampled from /proc every few
# seconds, stays within 10 % of its post-warm-up median.
#
#   bash tests/hardening/soak.sh [BUILDDIR] [SECONDS]
#
# BUILDDIR (default build) holds src/fileserver/oscore-fileserver and
# bench/oscore-load. SOAK_CONCURRENCY (default 16), SOAK_INTERVAL (seconds
# between RSS samples, default 3), SOAK_WARMUP (seconds, default 10).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$top/build}" && pwd) || exit 2
seconds=${2:-60}
conc=${SOAK_CONCURRENCY:-16}
interval=${SOAK_INTERVAL:-3}
warmup=${SOAK_WARMUP:-10}
FS=$build/src/fileserver/oscore-fileserver
LOAD=$build/bench/oscore-load
for p in "$FS" "$LOAD"; do
  [ -x "$p" ] || { echo "soak: $p missing (ninja -C $build)" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/soak-XXXXXX")
fs_pid= load_pid=
cleanup() {
  [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null
  [ -n "$fs_pid" ] && kill "$fs_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1

secret=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
mkdir -p ctx/client ctx/server root
printf '{"sender-id_hex": "01", "recipient-id_hex": ""}\n' >ctx/client/settings.json
printf '{"sender-id_hex": "", "recipient-id_hex": "01"}\n' >ctx/server/settings.json
for d in client server; do
  (umask 077; printf '{"secret_hex": "%s"}\n' "$secret" >ctx/$d/secret.json)
done
printf '{"coap://127.0.0.1:*": {"oscore": {"basedir": "ctx/client/"}}}\n' >client.json
printf '{":client1": {"oscore": {"basedir": "ctx/server/"}}}\n' >server.json
echo "hello, soak" >root/small.txt

"$FS" --bind 127.0.0.1:0 --credentials server.json --require-oscore root \
  2>fs.log &
fs_pid=$!
port=
for _ in $(seq 1 200); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' fs.log)
  [ -n "$port" ] && break
  kill -0 "$fs_pid" 2>/dev/null || break
  sleep 0.05
done
[ -n "$port" ] || { echo "soak: server did not start:" >&2; cat fs.log >&2; exit 1; }

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$fs_pid/status" 2>/dev/null; }
echo "soak: ${seconds} s of OSCORE GETs, $conc in flight, server pid $fs_pid"
"$LOAD" -q -n 10000000 -k "$conc" -t "$seconds" --credentials client.json \
  --server-pid "$fs_pid" --kv "coap://127.0.0.1:$port/small.txt" \
  >load.kv 2>load.err &
load_pid=$!
start=$(date +%s.%N)
: >rss.log
# Sampling ends with the load, and at most 30 s after its planned end.
limit=$((seconds + 30))
while kill -0 "$load_pid" 2>/dev/null; do
  t=$(awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN {printf "%.1f", n - s}')
  r=$(rss)
  [ -n "$r" ] && echo "$t $r" >>rss.log
  [ "${t%.*}" -ge "$limit" ] && { echo "soak: the load did not stop" >&2; kill "$load_pid"; break; }
  sleep "$interval"
done
wait "$load_pid"
load_status=$?
load_pid=
kill -0 "$fs_pid" 2>/dev/null || { echo "soak: FAIL: the server died" >&2; cat fs.log >&2; exit 1; }
echo "$(awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN {printf "%.1f", n - s}') $(rss)" >>rss.log

kv() { awk -v k="$1" '$1 == k {print $2}' load.kv; }
fails=0
[ "$load_status" = 0 ] || { echo "soak: FAIL: oscore-load exit $load_status: $(cat load.err)"; fails=1; }
for k in errors code_4xx code_5xx unprotected verify_failed lost reset send_failed stray; do
  v=$(kv "$k")
  [ "${v:-x}" = 0 ] || { echo "soak: FAIL: $k = ${v:-missing}"; fails=1; }
done
echo "soak: $(kv ok) requests OK in $(kv elapsed_s) s: $(kv rps) req/s," \
  "p50 $(kv p50_us) us, p99 $(kv p99_us) us, server CPU $(kv server_cpu_us_per_req) us/req"

# RSS: every sample after the warm-up within 10 % of their median.
python3 - "$warmup" rss.log <<'PY' || fails=1
import statistics, sys
warm = float(sys.argv[1])
rows = [l.split() for l in open(sys.argv[2]) if len(l.split()) == 2]
all_kb = [int(r[1]) for r in rows]
after = [int(r[1]) for r in rows if float(r[0]) >= warm]
print("soak: RSS samples (kB): " + " ".join(str(v) for v in all_kb))
if len(after) < 3:
    print("soak: FAIL: only %d RSS samples after the warm-up" % len(after))
    sys.exit(1)
med = statistics.median(after)
lo, hi = min(after), max(after)
spread = max(hi - med, med - lo) / med * 100
print("soak: RSS after %.0f s warm-up: min %d kB, median %d kB, max %d kB "
      "(%.1f %% from the median, limit 10 %%)" % (warm, lo, med, hi, spread))
sys.exit(0 if spread <= 10 else 1)
PY
[ "$fails" = 0 ] && echo "soak: PASS" || echo "soak: FAIL"
exit "$fails"
