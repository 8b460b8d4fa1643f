#!/usr/bin/env bash
# Smoke run of the benchmark programs (seconds, no timing assertions):
# oscore-load against oscore-fileserver over loopback, plain and OSCORE,
# with exact counts in its --kv report; its refusal of non-loopback
# targets and bad arguments; and compare.sh's --help.
#   test_bench_smoke.sh OSCORE-LOAD OSCORE-FILESERVER COMPARE.SH
set -uo pipefail
load=$(realpath "$1") fileserver=$(realpath "$2") compare=$(realpath "$3")
src=${SRCDIR:?run through meson test}
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
check() {   # check DESCRIPTION COMMAND...
  if "${@:2}"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi
}
kv() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }

cp -r "$src/credentials-examples/." "$tmp/"
chmod 600 "$tmp"/*/*/secret.json
mkdir "$tmp/root"
printf 'hello bench\n' >"$tmp/root/small"
"$fileserver" --bind 127.0.0.1:0 --credentials "$tmp/server.json" "$tmp/root" 2>"$tmp/fs.err" &
pid=$!
port=
for _ in $(seq 1 100); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/fs.err" | head -1)
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { echo "fileserver did not start"; cat "$tmp/fs.err"; exit 1; }
uri=coap://127.0.0.1:$port/small

"$load" --kv -q -n 300 -k 8 -t 20 --server-pid "$pid" "$uri" >"$tmp/plain" 2>&1
check "plain: exit 0" test $? -eq 0
check "plain: 300 sent, 300 ok, 0 errors" test "$(kv "$tmp/plain" sent)/$(kv "$tmp/plain" ok)/$(kv "$tmp/plain" errors)" = 300/300/0
check "plain: security reported" test "$(kv "$tmp/plain" security)" = plain
check "plain: server CPU reported" grep -q '^server_cpu_s ' "$tmp/plain"

# The first request after the server started gets the B.1.2 Echo
# challenge, handled by the warm-up; then every request verifies.
(cd "$tmp" && "$load" --kv -q -n 500 -k 16 -t 20 --credentials client1-anyport.json "$uri") >"$tmp/osc" 2>&1
check "OSCORE: exit 0" test $? -eq 0
check "OSCORE: 500 ok, 0 errors" test "$(kv "$tmp/osc" ok)/$(kv "$tmp/osc" errors)" = 500/0
check "OSCORE: security reported" test "$(kv "$tmp/osc" security)" = oscore
check "OSCORE: latency percentiles ordered" test "$(kv "$tmp/osc" p50_us)" -le "$(kv "$tmp/osc" p99_us)"
# B.1.1: the context was used before (warm-up); 500 more numbers need
# a few reservations, never one per request.
w=$(kv "$tmp/osc" store_writes)
check "OSCORE: a few sequence.json writes ($w)" test "$w" -ge 1 -a "$w" -le 10

# The same context given as a directory, with the human-readable report.
"$load" -n 50 -k 4 --contexts "$tmp/client1/for-fileserver" "$uri" >"$tmp/human" 2>&1
check "--contexts: exit 0 and a report" grep -q '^throughput ' "$tmp/human"

# A wrong path is an error answer, counted, exit 1.
"$load" --kv -q -n 20 -k 4 "coap://127.0.0.1:$port/nope" >"$tmp/404" 2>&1
st=$?
check "4.04: exit 1 with 20 errors" test "$st/$(kv "$tmp/404" code_4xx)" = 1/20

# Never anything but loopback; nothing is sent (TEST-NET-1 and a name).
"$load" -n 1 coap://192.0.2.1/x >"$tmp/far" 2>&1
check "non-loopback address refused with status 6" test $? -eq 6
check "non-loopback refusal says why" grep -q 'not a loopback address' "$tmp/far"
"$load" -n 1 'coap://[2001:db8::1]/x' >/dev/null 2>&1
check "non-loopback IPv6 refused" test $? -eq 6
"$load" -n 0 "$uri" >/dev/null 2>&1
check "-n 0 is a usage error" test $? -eq 2
"$load" -k 5000 "$uri" >/dev/null 2>&1
check "-k above 1024 is a usage error" test $? -eq 2
"$load" --credentials "$tmp/none.json" "$uri" >/dev/null 2>&1
check "missing credentials file: status 3" test $? -eq 3

check "compare.sh --help" bash -c '"$1" --help | grep -q "latest.csv"' _ "$compare"
check "compare.sh is valid bash" bash -n "$compare"
exit $fail
