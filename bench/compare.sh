#!/usr/bin/env bash
# bench/compare.sh: oscore-tools against libcoap and aiocoap on this
# machine, in one go (bench/README.md says what each row means).
#
#   bench/compare.sh [-b BUILDDIR] [-r RUNS] [-n REQUESTS] [-k INFLIGHT]
#                    [-o OUTDIR] [--quick]
#
# Prints one table and writes OUTDIR/latest.csv and OUTDIR/latest.json
# (default OUTDIR: bench/results). Every figure is the median of RUNS
# runs (default 5); throughput runs of the servers are interleaved, so
# that a change in the machine's load hits all of them alike.
#
# Peers are found only through the environment; rows whose peer is not
# configured are printed as "skipped" with the reason:
#   LIBCOAP_PLAIN_SERVER  libcoap 4.3.1 coap-server (default: coap-server-openssl
#                         or coap-server on PATH, Debian package libcoap3-bin)
#   LIBCOAP_OSCORE_BIN    directory with a libcoap >= 4.3.5 coap-server built with
#                         OSCORE (-E)
#   AIOCOAP_DIR           aiocoap source tree (aiocoap-client, aiocoap-fileserver)
#   AIOCOAP_PYTHON        its interpreter (default python3)
#   AIOCOAP_PYTHONPATH    PYTHONPATH for it (default AIOCOAP_DIR)
#   BENCH_AIOCOAP_50MB=1  also time aiocoap-client on 50 MB (minutes)
#
# Everything runs on 127.0.0.1 with ports picked free; every load is
# bounded in count and time; only the processes started here are stopped,
# by PID. Keys are generated fresh for the run and never printed.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
runs=5
requests=50000
inflight=32
outdir=$top/bench/results
aio_requests=3000
while [ $# -gt 0 ]; do
  case $1 in
    -b) build=$(cd "$2" && pwd); shift 2 ;;
    -r) runs=$2; shift 2 ;;
    -n) requests=$2; shift 2 ;;
    -k) inflight=$2; shift 2 ;;
    -o) outdir=$2; shift 2 ;;
    --quick) runs=3; requests=20000; aio_requests=1000; shift ;;
    -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done
case $runs$requests$inflight in *[!0-9]*) echo "compare.sh: -r/-n/-k take numbers" >&2; exit 2 ;; esac
[ "$runs" -ge 1 ] && [ "$requests" -ge 1 ] && [ "$inflight" -ge 1 ] || { echo "compare.sh: -r/-n/-k must be at least 1" >&2; exit 2; }

load=$build/bench/oscore-load
client=$build/src/client/oscore-client
fileserver=$build/src/fileserver/oscore-fileserver
pairgen=$build/tools/oscore-context-pair
for p in "$load" "$client" "$fileserver" "$pairgen"; do
  [ -x "$p" ] || { echo "compare.sh: $p missing; build first (meson setup $build --buildtype=release && ninja -C $build)" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/oscore-bench.XXXXXX")
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1,000 contexts need 1,000 lock descriptors in the server and the load.
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 4096 ]; then
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fi

note() { printf '  %s\n' "$*" >&2; }

# ---- results ------------------------------------------------------------
# One row: section, label, value, unit, detail. CSV and JSON are written
# from these at the end, the table as they come.
rows=()
row() {
  rows+=("$1|$2|$3|$4|$5")
  printf '%-4s %-50s %14s %-8s %s\n' "$1" "$2" "$3" "$4" "$5"
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.6g\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b + 0 == 0) print "n/a"; else printf "%.2f\n", a / b }'; }
fmt() { awk -v v="$1" -v f="$2" 'BEGIN { if (v == "nan") print "nan"; else printf f "\n", v }'; }

# A UDP and TCP port on 127.0.0.1 that is free, with the next one free too
# (libcoap's coap-server also opens port+1 for DTLS/TLS).
free_port() {
  python3 - <<'EOF'
import random, socket
for _ in range(200):
    p = random.randint(20000, 60000)
    socks = []
    try:
        for port in (p, p + 1):
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                s = socket.socket(socket.AF_INET, kind)
                socks.append(s)
                s.bind(("127.0.0.1", port))
        print(p)
        break
    except OSError:
        pass
    finally:
        for s in socks:
            s.close()
EOF
}

# Start a server in the background; its PID in $started.
start() {
  local log=$1; shift
  : >"$log"
  "$@" >"$log" 2>&1 &
  started=$!
  pids+=("$started")
}

stop() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# oscore-fileserver on a free port: PID in $started, port in $port.
start_fileserver() {
  local name=$1; shift
  start "$tmp/$name.log" "$fileserver" --bind 127.0.0.1:0 "$@"
  port=
  local i
  for i in $(seq 1 100); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/$name.log" | head -1)
    [ -n "$port" ] && return 0
    kill -0 "$started" 2>/dev/null || break
    sleep 0.05
  done
  echo "compare.sh: oscore-fileserver ($name) did not start:" >&2
  cat "$tmp/$name.log" >&2
  exit 1
}

# Wait (at most ~15 s) until URI answers a request; extra args go to
# oscore-load (credentials).
wait_ready() {
  local uri=$1; shift
  local i
  for i in $(seq 1 50); do
    "$load" -q -n 1 -k 1 --timeout 300 -t 5 "$@" "$uri" >/dev/null 2>&1 && return 0
    sleep 0.3
  done
  return 1
}

# A fresh context pair DIR/client, DIR/server with client ID $2.
pair() { "$pairgen" --client-id "$2" "$1/client" "$1/server" >/dev/null; }

kv() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }

# ---- set-up -----------------------------------------------------------------
mkdir -p "$tmp/root" "$tmp/ctx"
# The small resource: as long as libcoap coap-server's index text (GET /),
# so that every server answers a similar payload.
head -c 131 /dev/zero | tr '\0' 'x' >"$tmp/root/small"
head -c 1048576 /dev/urandom >"$tmp/root/1mb.bin"
head -c 52428800 /dev/urandom >"$tmp/root/50mb.bin"

pair "$tmp/ctx/load" 0a01          # oscore-load -> oscore-fileserver
pair "$tmp/ctx/oneshot" 0a02       # oscore-client
pair "$tmp/ctx/aioclient" 0a03     # aiocoap-client -> oscore-fileserver
cat >"$tmp/server.json" <<EOF
{
  ":load": { "oscore": { "basedir": "ctx/load/server" } },
  ":oscore-client": { "oscore": { "basedir": "ctx/oneshot/server" } },
  ":aiocoap-client": { "oscore": { "basedir": "ctx/aioclient/server" } }
}
EOF
cat >"$tmp/client.json" <<EOF
{ "coap://127.0.0.1:*": { "oscore": { "basedir": "ctx/oneshot/client" } },
  "coap+tcp://127.0.0.1:*": { "oscore": { "basedir": "ctx/oneshot/client" } } }
EOF
cat >"$tmp/aioclient.json" <<EOF
{ "coap://127.0.0.1:*": { "oscore": { "basedir": "$tmp/ctx/aioclient/client" } } }
EOF

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "oscore-tools benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) CPUs, ${cpu_model:-unknown CPU}, Linux $(uname -r)"
echo "load average before: $load_before; runs: $runs (median), requests: $requests, in flight: $inflight"
echo
printf '%-4s %-50s %14s %-8s %s\n' "row" "what" "value" "unit" "detail"

# ---- 1-2: small-file GET throughput -------------------------------------
start_fileserver fs --credentials "$tmp/server.json" \
  --bind coap+tcp://127.0.0.1:0 "$tmp/root"
fs_pid=$started fs_port=$port
fs_tcp_port=
for _ in $(seq 1 40); do   # printed just after the UDP line
  fs_tcp_port=$(sed -n 's/.*listening on coap+tcp:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/fs.log" | head -1)
  [ -n "$fs_tcp_port" ] && break
  sleep 0.05
done
ours_uri=coap://127.0.0.1:$fs_port/small
wait_ready "$ours_uri" --contexts "$tmp/ctx/load/client" || { echo "compare.sh: oscore-fileserver does not answer" >&2; exit 1; }

# Each target: name|label|pid|uri|requests|extra oscore-load arguments
targets=("fs_oscore|oscore-fileserver, OSCORE|$fs_pid|$ours_uri|$requests|--contexts $tmp/ctx/load/client"
         "fs_plain|oscore-fileserver, plain CoAP|$fs_pid|$ours_uri|$requests|")
skipped=()

plain_server=${LIBCOAP_PLAIN_SERVER:-$(command -v coap-server-openssl || command -v coap-server || true)}
if [ -n "$plain_server" ] && [ -x "$plain_server" ]; then
  lp=$(free_port)
  start "$tmp/libcoap431.log" "$plain_server" -A 127.0.0.1 -p "$lp" -v 0
  lc_pid=$started
  if wait_ready "coap://127.0.0.1:$lp/"; then
    ver=$({ "$plain_server" -? 2>&1 || true; } | sed -n 's/.* v\([0-9.]*\) .*/\1/p' | head -1)
    targets+=("libcoap_plain|libcoap ${ver:-?} coap-server, plain CoAP (GET /)|$lc_pid|coap://127.0.0.1:$lp/|$requests|")
  else
    skipped+=("libcoap_plain|libcoap coap-server, plain CoAP|did not answer on port $lp")
  fi
elif [ -n "${LIBCOAP_PLAIN_SERVER:-}" ]; then
  skipped+=("libcoap_plain|libcoap 4.3.1 coap-server, plain CoAP|LIBCOAP_PLAIN_SERVER=$LIBCOAP_PLAIN_SERVER is not executable")
else
  skipped+=("libcoap_plain|libcoap 4.3.1 coap-server, plain CoAP|no coap-server-openssl on PATH (apt-get install libcoap3-bin) and LIBCOAP_PLAIN_SERVER unset")
fi

if [ -n "${LIBCOAP_OSCORE_BIN:-}" ] && [ -x "$LIBCOAP_OSCORE_BIN/coap-server" ]; then
  # One context for libcoap's OSCORE server: its conf file and our client
  # directory hold the same fresh secret.
  secret=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
  salt=$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')
  mkdir -p "$tmp/ctx/libcoap/client" && chmod 700 "$tmp/ctx/libcoap/client"
  (umask 077
   printf 'master_secret,hex,"%s"\nmaster_salt,hex,"%s"\nsender_id,hex,"01"\nrecipient_id,hex,"0a04"\nreplay_window,integer,32\naead_alg,integer,10\nhkdf_alg,integer,-10\n' \
     "$secret" "$salt" >"$tmp/ctx/libcoap/server.conf"
   printf '{"sender-id_hex": "0a04", "recipient-id_hex": "01"}' >"$tmp/ctx/libcoap/client/settings.json"
   printf '{"secret_hex": "%s", "salt_hex": "%s"}' "$secret" "$salt" >"$tmp/ctx/libcoap/client/secret.json")
  unset secret salt
  lp=$(free_port)
  start "$tmp/libcoap435.log" "$LIBCOAP_OSCORE_BIN/coap-server" -A 127.0.0.1 -p "$lp" -v 0 \
    -E "$tmp/ctx/libcoap/server.conf,$tmp/ctx/libcoap/server.seq"
  l5_pid=$started
  if wait_ready "coap://127.0.0.1:$lp/" --contexts "$tmp/ctx/libcoap/client"; then
    targets+=("libcoap435_oscore|libcoap 4.3.5 coap-server -E, OSCORE (GET /)|$l5_pid|coap://127.0.0.1:$lp/|$requests|--contexts $tmp/ctx/libcoap/client"
              "libcoap435_plain|libcoap 4.3.5 coap-server -E, plain CoAP (GET /)|$l5_pid|coap://127.0.0.1:$lp/|$requests|")
  else
    skipped+=("libcoap435_oscore|libcoap 4.3.5 coap-server, OSCORE|did not answer on port $lp")
  fi
else
  skipped+=("libcoap435_oscore|libcoap 4.3.5 coap-server, OSCORE|LIBCOAP_OSCORE_BIN unset (a libcoap >= 4.3.5 built with --enable-oscore)")
fi

aio_py=${AIOCOAP_PYTHON:-python3}
aio_path=${AIOCOAP_PYTHONPATH:-${AIOCOAP_DIR:-}}
have_aiocoap=
if [ -n "${AIOCOAP_DIR:-}" ] && [ -f "$AIOCOAP_DIR/aiocoap-fileserver" ]; then
  pair "$tmp/ctx/aioserver" 0a05
  printf '{ ":load": { "oscore": { "basedir": "%s" } } }\n' "$tmp/ctx/aioserver/server" >"$tmp/aioserver.json"
  ap=$(free_port)
  start "$tmp/aiocoap-fileserver.log" env PYTHONPATH="$aio_path" "$aio_py" "$AIOCOAP_DIR/aiocoap-fileserver" \
    "$tmp/root" --bind "127.0.0.1:$ap" --credentials "$tmp/aioserver.json"
  af_pid=$started
  if wait_ready "coap://127.0.0.1:$ap/small" --contexts "$tmp/ctx/aioserver/client"; then
    have_aiocoap=1
    targets+=("aiocoap_oscore|aiocoap-fileserver, OSCORE|$af_pid|coap://127.0.0.1:$ap/small|$aio_requests|--contexts $tmp/ctx/aioserver/client")
  else
    skipped+=("aiocoap_oscore|aiocoap-fileserver, OSCORE|did not answer on port $ap (see its log)")
  fi
else
  skipped+=("aiocoap_oscore|aiocoap-fileserver, OSCORE|AIOCOAP_DIR unset")
fi

declare -A rps p50 p99 cpu errs
for t in "${targets[@]}"; do
  IFS='|' read -r name _ _ _ _ _ <<<"$t"
  : >"$tmp/$name.rps"; : >"$tmp/$name.p50"; : >"$tmp/$name.p99"; : >"$tmp/$name.cpu"
  errs[$name]=0
done
for r in $(seq 1 "$runs"); do
  for t in "${targets[@]}"; do
    IFS='|' read -r name label pid uri n extra <<<"$t"
    # shellcheck disable=SC2086  # extra holds separate arguments
    "$load" --kv -q -n "$n" -k "$inflight" -t 60 --server-pid "$pid" $extra "$uri" >"$tmp/out" 2>"$tmp/err" || true
    if ! grep -q '^rps ' "$tmp/out"; then
      note "$label: run $r failed: $(head -c 300 "$tmp/err")"
      errs[$name]=$(( ${errs[$name]} + n ))
      continue
    fi
    kv "$tmp/out" rps >>"$tmp/$name.rps"
    kv "$tmp/out" p50_us >>"$tmp/$name.p50"
    kv "$tmp/out" p99_us >>"$tmp/$name.p99"
    kv "$tmp/out" server_cpu_us_per_req >>"$tmp/$name.cpu"
    errs[$name]=$(( ${errs[$name]} + $(kv "$tmp/out" errors) ))
  done
done
for t in "${targets[@]}"; do
  IFS='|' read -r name label pid uri n extra <<<"$t"
  rps[$name]=$(median <"$tmp/$name.rps")
  p50[$name]=$(median <"$tmp/$name.p50")
  p99[$name]=$(median <"$tmp/$name.p99")
  cpu[$name]=$(median <"$tmp/$name.cpu")
  row 1 "$label" "$(fmt "${rps[$name]}" %.0f)" "req/s" \
      "p50 $(fmt "${p50[$name]}" %.0f) us, p99 $(fmt "${p99[$name]}" %.0f) us, server CPU $(fmt "${cpu[$name]}" %.1f) us/req, errors ${errs[$name]} of $((n * runs))"
done
for s in "${skipped[@]}"; do
  IFS='|' read -r name label why <<<"$s"
  row 1 "$label" "skipped" "" "$why"
done
get() { local v=${1:-}; echo "${v:-nan}"; }
row 1 "ratio OSCORE fileserver / libcoap 4.3.1 plain" "$(ratio "$(get "${rps[fs_oscore]:-}")" "$(get "${rps[libcoap_plain]:-}")")" "x" "target >= 0.8"
row 1 "ratio plain fileserver / libcoap 4.3.1 plain" "$(ratio "$(get "${rps[fs_plain]:-}")" "$(get "${rps[libcoap_plain]:-}")")" "x" ""
row 2 "ratio OSCORE fileserver / aiocoap-fileserver OSCORE" "$(ratio "$(get "${rps[fs_oscore]:-}")" "$(get "${rps[aiocoap_oscore]:-}")")" "x" "target >= 30"
row 2 "ratio OSCORE fileserver / libcoap 4.3.5 OSCORE" "$(ratio "$(get "${rps[fs_oscore]:-}")" "$(get "${rps[libcoap435_oscore]:-}")")" "x" "target > 1"
# Issue 19's server targets, on the servers' CPU per request (less noisy
# than requests/s on a shared machine: the load generator's own CPU and
# the scheduler do not enter it).
cpu_of() { fmt "$(get "${cpu[$1]:-}")" %.1f; }
row T "server CPU/req: OSCORE fileserver / libcoap 4.3.1 plain" \
    "$(ratio "$(get "${cpu[fs_oscore]:-}")" "$(get "${cpu[libcoap_plain]:-}")")" "x" \
    "target <= 1.1 ($(cpu_of fs_oscore) vs $(cpu_of libcoap_plain) us/req)"
row T "server CPU/req: OSCORE fileserver / libcoap 4.3.5 OSCORE" \
    "$(ratio "$(get "${cpu[fs_oscore]:-}")" "$(get "${cpu[libcoap435_oscore]:-}")")" "x" \
    "target <= 0.5 ($(cpu_of fs_oscore) vs $(cpu_of libcoap435_oscore) us/req)"
[ -n "${l5_pid:-}" ] && stop "$l5_pid"
[ -n "${lc_pid:-}" ] && stop "$lc_pid"

# ---- 3: one-shot latency --------------------------------------------------
# Process start to exit of one protected GET of the small file.
time_cmd() {   # time_cmd RUNS OUT CMD...: median wall seconds into OUT
  local n=$1 out=$2; shift 2
  if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 2 --runs "$n" --output null --export-json "$tmp/hf.json" \
      -- "$(printf '%q ' "$@")" >/dev/null 2>"$tmp/hf.err" || { cat "$tmp/hf.err" >&2; echo nan >"$out"; return; }
    sed -n 's/.*"median": *\([0-9.e-]*\).*/\1/p' "$tmp/hf.json" | head -1 >"$out"
  else
    local i t0 t1
    : >"$tmp/times"
    for i in $(seq 1 "$((n + 2))"); do
      t0=$EPOCHREALTIME
      "$@" >/dev/null 2>&1 || { echo nan >"$out"; return; }
      t1=$EPOCHREALTIME
      [ "$i" -gt 2 ] && awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }' >>"$tmp/times"
    done
    median <"$tmp/times" >"$out"
  fi
}
# Without hyperfine: the client and /bin/true (the floor: starting any
# process at all) alternate, run by run, so that a change in the
# machine's load hits both alike, as for the throughput rows.
time_alternating() {   # time_alternating RUNS OUT_A OUT_B: CMD_A / CMD_B arrays
  local n=$1 i t0 t1 t2
  : >"$tmp/times_a"; : >"$tmp/times_b"
  for i in $(seq 1 "$((n + 2))"); do
    t0=$EPOCHREALTIME
    "${cmd_a[@]}" >/dev/null 2>&1 || { echo nan >"$2"; echo nan >"$3"; return; }
    t1=$EPOCHREALTIME
    "${cmd_b[@]}" >/dev/null 2>&1
    t2=$EPOCHREALTIME
    [ "$i" -le 2 ] && continue
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }' >>"$tmp/times_a"
    awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.6f\n", b - a }' >>"$tmp/times_b"
  done
  median <"$tmp/times_a" >"$2"
  median <"$tmp/times_b" >"$3"
}
if command -v hyperfine >/dev/null; then
  how="hyperfine -N"
  (cd "$tmp" && time_cmd 30 "$tmp/oneshot" "$client" -q --credentials client.json "$ours_uri")
  time_cmd 30 "$tmp/trueshot" /bin/true
else
  how="bash EPOCHREALTIME loop, alternating with /bin/true"
  cmd_a=("$client" -q --credentials client.json "$ours_uri") cmd_b=(/bin/true)
  (cd "$tmp" && time_alternating 30 "$tmp/oneshot" "$tmp/trueshot")
fi
one=$(cat "$tmp/oneshot")
ms() { awk -v v="$1" -v f="$2" 'BEGIN { if (v == "nan") print v; else printf f "\n", v * 1000 }'; }
row 3 "oscore-client one-shot GET, OSCORE" "$(ms "$one" %.2f)" "ms" "median of 30, $how"
tru=$(cat "$tmp/trueshot")
row 3 "/bin/true, same timing" "$(ms "$tru" %.2f)" "ms" "median of 30, $how"
row T "one-shot: oscore-client GET / /bin/true" "$(ratio "$one" "$tru")" "x" \
    "target <= 2 ($(ms "$one" %.2f) vs $(ms "$tru" %.2f) ms)"
if [ -n "$have_aiocoap" ]; then
  (cd "$tmp" && time_cmd 10 "$tmp/aioshot" env PYTHONPATH="$aio_path" "$aio_py" "$AIOCOAP_DIR/aiocoap-client" \
     --credentials "$tmp/aioclient.json" "$ours_uri")
  aone=$(cat "$tmp/aioshot")
  row 3 "aiocoap-client one-shot GET, OSCORE" "$(ms "$aone" %.1f)" "ms" "median of 10, same server"
  row 3 "ratio aiocoap-client / oscore-client" "$(ratio "$aone" "$one")" "x" "target >= 30"
else
  row 3 "aiocoap-client one-shot GET, OSCORE" "skipped" "" "AIOCOAP_DIR unset"
fi

# ---- 4: protected downloads -----------------------------------------------
download() {   # download N FILE LABEL CMD...: median seconds, checked bytes
  local n=$1 file=$2 label=$3; shift 3
  local i t0 t1
  : >"$tmp/times"
  for i in $(seq 1 "$n"); do
    rm -f "$tmp/got"
    t0=$EPOCHREALTIME
    if ! (cd "$tmp" && "$@" >"$tmp/got" 2>"$tmp/dl.err"); then
      note "$label: failed: $(head -c 300 "$tmp/dl.err")"; echo nan; return
    fi
    t1=$EPOCHREALTIME
    cmp -s "$tmp/got" "$tmp/root/$file" || { note "$label: wrong bytes"; echo nan; return; }
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }' >>"$tmp/times"
  done
  median <"$tmp/times"
}
dl_row() {   # dl_row LABEL BYTES SECONDS RUNS
  local mbs
  mbs=$(awk -v b="$2" -v s="$3" 'BEGIN { if (s == "nan") print "nan"; else printf "%.1f\n", b / 1048576 / s }')
  row 4 "$1" "$(awk -v s="$3" 'BEGIN { if (s == "nan") print s; else printf "%.3f\n", s }')" "s" "$mbs MiB/s, median of $4, bytes checked"
}
s1=$(download "$runs" 1mb.bin "oscore-client 1 MiB" "$client" -q --credentials client.json "coap://127.0.0.1:$fs_port/1mb.bin")
dl_row "oscore-client 1 MiB download, OSCORE" 1048576 "$s1" "$runs"
# The same 1 MiB over coap+tcp:// (RFC 8323; same server, same context).
if [ -n "$fs_tcp_port" ]; then
  s1t=$(download "$runs" 1mb.bin "oscore-client 1 MiB coap+tcp" "$client" -q --credentials client.json "coap+tcp://127.0.0.1:$fs_tcp_port/1mb.bin")
  dl_row "oscore-client 1 MiB download, OSCORE, coap+tcp://" 1048576 "$s1t" "$runs"
  row 4 "ratio 1 MiB download coap+tcp:// / coap:// (UDP)" "$(ratio "$s1t" "$s1")" "x" "one block in flight each"
else
  row 4 "oscore-client 1 MiB download, OSCORE, coap+tcp://" "skipped" "" "the fileserver did not report a coap+tcp:// port"
fi
s50=$(download 3 50mb.bin "oscore-client 50 MiB" "$client" -q --credentials client.json "coap://127.0.0.1:$fs_port/50mb.bin")
dl_row "oscore-client 50 MiB download, OSCORE" 52428800 "$s50" 3
# Several Block2 requests in flight (--window, coapx_window.c).
s50w=$(download 3 50mb.bin "oscore-client 50 MiB --window 8" "$client" -q --window 8 --credentials client.json "coap://127.0.0.1:$fs_port/50mb.bin")
dl_row "oscore-client 50 MiB download, OSCORE, --window 8" 52428800 "$s50w" 3
row T "bulk: 50 MiB OSCORE download, --window 8" \
    "$(awk -v s="$s50w" 'BEGIN { if (s == "nan") print s; else printf "%.1f\n", 50 / s }')" "MiB/s" \
    "target >= 30 (one block at a time: $(awk -v s="$s50" 'BEGIN { if (s == "nan") print s; else printf "%.1f\n", 50 / s }') MiB/s)"
if [ -n "$have_aiocoap" ]; then
  a1=$(download 3 1mb.bin "aiocoap-client 1 MiB" env PYTHONPATH="$aio_path" "$aio_py" "$AIOCOAP_DIR/aiocoap-client" \
       --credentials "$tmp/aioclient.json" "coap://127.0.0.1:$fs_port/1mb.bin")
  dl_row "aiocoap-client 1 MiB download, OSCORE" 1048576 "$a1" 3
  row 4 "ratio aiocoap-client / oscore-client, 1 MiB" "$(ratio "$a1" "$s1")" "x" "target >= 15 (and <= 0.15 s for ours)"
  if [ "${BENCH_AIOCOAP_50MB:-}" = 1 ]; then
    a50=$(download 1 50mb.bin "aiocoap-client 50 MiB" env PYTHONPATH="$aio_path" "$aio_py" "$AIOCOAP_DIR/aiocoap-client" \
          --credentials "$tmp/aioclient.json" "coap://127.0.0.1:$fs_port/50mb.bin")
    dl_row "aiocoap-client 50 MiB download, OSCORE" 52428800 "$a50" 1
  else
    row 4 "aiocoap-client 50 MiB download, OSCORE" "skipped" "" "takes minutes at its 1 MiB rate; BENCH_AIOCOAP_50MB=1 runs it once"
  fi
else
  row 4 "aiocoap-client downloads" "skipped" "" "AIOCOAP_DIR unset"
fi
stop "$fs_pid"
[ -n "${af_pid:-}" ] && stop "$af_pid"

# ---- 5: sequence.json writes and memory -------------------------------------
# 100,000 protected requests on one fresh context pair. The client's
# writes are counted by the store (oscore-load reports them); the
# server's by tracing its renames of sequence.json, when strace exists.
pair "$tmp/ctx/seq" 0a06
printf '{ ":seq": { "oscore": { "basedir": "ctx/seq/server" } } }\n' >"$tmp/seq.json"
strace_ok=
if command -v strace >/dev/null && strace -f --seccomp-bpf -e trace=none true 2>/dev/null; then
  strace_ok=1
  start "$tmp/seqfs.log" strace -f --seccomp-bpf -e trace=rename,renameat,renameat2 -o "$tmp/seq.strace" \
    "$fileserver" --bind 127.0.0.1:0 --credentials "$tmp/seq.json" "$tmp/root"
  seq_pid=$started
  for _ in $(seq 1 100); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/seqfs.log" | head -1)
    [ -n "$port" ] && break
    sleep 0.05
  done
else
  start_fileserver seqfs --credentials "$tmp/seq.json" "$tmp/root"
  seq_pid=$started
fi
"$load" --kv -q -n 100000 -k "$inflight" -t 120 --contexts "$tmp/ctx/seq/client" \
  "coap://127.0.0.1:$port/small" >"$tmp/seq.out" 2>"$tmp/seq.err" || true
cw=$(kv "$tmp/seq.out" store_writes)
row 5 "sequence.json writes, client, per 100,000 requests" "${cw:-nan}" "writes" \
    "oscore-load's context ($(kv "$tmp/seq.out" ok) ok; +1 at close); target <= 20"
# SIGTERM: the server writes its exact state once more at shutdown. With
# strace in front, the signal goes to the fileserver itself.
if [ -n "$strace_ok" ]; then
  for child in $(cat "/proc/$seq_pid/task/$seq_pid/children" 2>/dev/null); do
    kill -TERM "$child" 2>/dev/null || true
  done
  wait "$seq_pid" 2>/dev/null || true
  sw=$(grep -c 'sequence\.json' "$tmp/seq.strace" || true)
  row 5 "sequence.json writes, server, per 100,000 requests" "$(( sw > 0 ? sw - 1 : 0 ))" "writes" \
      "strace of renames, the shutdown write not counted; target <= 20"
else
  stop "$seq_pid"
  row 5 "sequence.json writes, server, per 100,000 requests" "skipped" "" "strace with --seccomp-bpf not available"
fi

rss_run() {   # rss_run NAME MAP CONTEXT-DIRS: sets rss_kb, rss_rps, rss_cpu
  start_fileserver "$1" --credentials "$2" "$tmp/root"
  local pid=$started
  "$load" --kv -q -n 20000 -k "$inflight" -t 60 --server-pid "$pid" --contexts "$3" \
    "coap://127.0.0.1:$port/small" >"$tmp/rss.out" 2>"$tmp/rss.err" || note "$1: $(head -c 300 "$tmp/rss.err")"
  rss_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
  rss_rps=$(kv "$tmp/rss.out" rps); rss_cpu=$(kv "$tmp/rss.out" server_cpu_us_per_req)
  stop "$pid"
}
pair "$tmp/ctx/one" 0a07
printf '{ ":one": { "oscore": { "basedir": "ctx/one/server" } } }\n' >"$tmp/one.json"
rss_run rss1 "$tmp/one.json" "$tmp/ctx/one/client"
row 5 "fileserver peak RSS, 1 client context" "$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f\n", k / 1024 }')" "MiB" \
    "VmHWM after 20,000 requests: $(fmt "${rss_rps:-nan}" %.0f) req/s, $(fmt "${rss_cpu:-nan}" %.1f) us/req"
mkdir -p "$tmp/ctx/k"
dirs=
{
  echo "{"
  for i in $(seq 0 999); do
    id=$(printf 'b%03x' "$i")
    pair "$tmp/ctx/k/$i" "$id"
    printf '%s ":c%d": { "oscore": { "basedir": "ctx/k/%d/server" } }\n' "$([ "$i" -gt 0 ] && echo ,)" "$i" "$i"
    dirs=$dirs${dirs:+,}$tmp/ctx/k/$i/client
  done
  echo "}"
} >"$tmp/k.json"
rss_run rss1000 "$tmp/k.json" "$dirs"
row 5 "fileserver peak RSS, 1,000 client contexts" "$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f\n", k / 1024 }')" "MiB" \
    "VmHWM after 20,000 requests spread over all: $(fmt "${rss_rps:-nan}" %.0f) req/s, $(fmt "${rss_cpu:-nan}" %.1f) us/req; target <= 16"

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo
echo "load average after: $load_after"
echo
echo "Targets of issue 19 (rows T above):"
for r in "${rows[@]}"; do
  IFS='|' read -r s w v u d <<<"$r"
  [ "$s" = T ] && printf '  %-58s %8s %-6s %s\n' "$w" "$v" "$u" "$d"
done

# ---- files --------------------------------------------------------------
mkdir -p "$outdir"
{
  echo "section,what,value,unit,detail"
  for r in "${rows[@]}"; do
    IFS='|' read -r s w v u d <<<"$r"
    printf '%s,"%s",%s,%s,"%s"\n' "$s" "${w//\"/\'}" "$v" "$u" "${d//\"/\'}"
  done
} >"$outdir/latest.csv"
jstr() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }
{
  printf '{\n  "date": %s,\n  "machine": {"cpus": %s, "cpu": %s, "kernel": %s},\n' \
    "$(jstr "$(date -u +%Y-%m-%dT%H:%M:%SZ)")" "$(nproc)" "$(jstr "$cpu_model")" "$(jstr "$(uname -r)")"
  printf '  "load_average": {"before": %s, "after": %s},\n' "$(jstr "$load_before")" "$(jstr "$load_after")"
  printf '  "settings": {"runs": %s, "requests": %s, "in_flight": %s, "aiocoap_requests": %s},\n' \
    "$runs" "$requests" "$inflight" "$aio_requests"
  printf '  "rows": [\n'
  n=0
  for r in "${rows[@]}"; do
    IFS='|' read -r s w v u d <<<"$r"
    n=$((n + 1))
    case $v in ''|*[!0-9.]*|*.*.*) jv=$(jstr "$v") ;; *) jv=$v ;; esac
    printf '    {"section": %s, "what": %s, "value": %s, "unit": %s, "detail": %s}%s\n' \
      "$(case $s in *[!0-9]*) jstr "$s" ;; *) echo "$s" ;; esac)" "$(jstr "$w")" "$jv" "$(jstr "$u")" "$(jstr "$d")" "$([ "$n" -lt "${#rows[@]}" ] && echo ,)"
  done
  printf '  ]\n}\n'
} >"$outdir/latest.json"
echo "written: $outdir/latest.csv, $outdir/latest.json"
