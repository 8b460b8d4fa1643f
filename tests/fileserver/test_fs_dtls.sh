#!/usr/bin/env bash
# coaps:// (DTLS with pre-shared keys, issue 18) or coaps+tcp:// (TLS with
# them: the same "dtls" entries) between oscore-client and
# oscore-fileserver, (D)TLS alone and with OSCORE inside ("all-of",
# double encryption): listing, 1 MiB GET and PUT byte for byte, Observe;
# the caller's identity from the handshake (the "dtls" entry's key) in
# --access rules and the log; a wrong key and an unknown identity refused
# with exit 7 and a message naming the handshake; plain coap:// to the
# same server gets nothing the (D)TLS identity may read.
# Usage: test_fs_dtls.sh OSCORE-FILESERVER OSCORE-CLIENT [coaps|coaps+tcp]
set -u
FS=$(realpath "$1") CLIENT=$(realpath "$2") scheme=${3:-coaps}
case $scheme in
  coaps) sec=DTLS ;;
  coaps+tcp) sec=TLS ;;
  *) echo "unknown scheme $scheme" >&2; exit 2 ;;
esac
client_program=$CLIENT   # the program itself, even under --valgrind
. "$(dirname "$0")/../lib/server.sh"
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/contexts.sh"
. "$(dirname "$0")/../lib/observe.sh"
server_pid= obs_pid=
harness_begin "fs-$(echo "$sec" | tr A-Z a-z)"
harness_wrap FS CLIENT
umask 077
mkdir -p root/pub
make_context_pair
psk=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
dtls() {  # dtls PSK-HEX IDENTITY: a "dtls" credential
  printf '{"dtls": {"psk": {"hex": "%s"}, "client-identity": {"ascii": "%s"}}}' \
    "$1" "$2"
}
cat > server.json <<EOF
{":dtls1": $(dtls "$psk" client-one),
 ":dtls2": $(dtls "$psk" client-two),
 ":client1": {"oscore": {"basedir": "ctx/server/"}}}
EOF
echo "{\"$scheme://127.0.0.1:*\": $(dtls "$psk" client-one)}" > dtls.json
echo "{\"$scheme://127.0.0.1:*\": $(dtls "$psk" client-two)}" > dtls2.json
cat > both.json <<EOF
{"$scheme://127.0.0.1:*": {"all-of": [":d", ":o"]},
 ":d": $(dtls "$psk" client-one),
 ":o": {"oscore": {"basedir": "ctx/client/"}}}
EOF
echo "{\"$scheme://127.0.0.1:*\": $(dtls "${psk%??}00" client-one)}" > wrong.json
echo "{\"$scheme://127.0.0.1:*\": $(dtls "$psk" nobody)}" > unknown.json
# :dtls1 and :client1 may do everything, :dtls2 nothing, callers without
# an identity may read /pub/ only.
cat > access.json <<'EOF'
{":dtls1": {"/": "rw"}, ":client1": {"/": "rw"}, "anonymous": {"/pub/": "r"}}
EOF
head -c 1048576 /dev/urandom > root/big.bin
echo hello > root/a.txt
echo public > root/pub/p.txt

"$FS" --bind "$scheme://127.0.0.1:0" --bind 127.0.0.1:0 \
  --credentials server.json --access access.json --write -v root \
  2>server.log &
server_pid=$!
server_wait_port "$server_pid" server.log 'listening on' || {
  echo "server did not start" >&2; cat server.log >&2; exit 1; }
udp_port=$PORT
dtls_port=$(grep -F "listening on $scheme://127.0.0.1:" server.log |
  sed -n 's|.*:\([0-9]*\)$|\1|p')
[ -n "$dtls_port" ] || {
  echo "server did not start on $scheme://" >&2; cat server.log >&2; exit 1; }
base=$scheme://127.0.0.1:$dtls_port

for map in dtls both; do
  c() { "$CLIENT" -q --timeout 10 --credentials $map.json "$@"; }
  who=:dtls1
  [ $map = both ] && who=:client1
  before=$(grep -c " $who " server.log)
  out=$(c "$base/")
  check "$map: listing" [ "$out" = '</a.txt>,</big.bin>,</pub/>;ct=40' ]
  rm -f got.bin
  c -o got.bin "$base/big.bin"
  check "$map: 1 MiB GET exit 0" [ $? -eq 0 ]
  check "$map: 1 MiB GET byte-identical" cmp -s got.bin root/big.bin
  rm -f root/up.bin
  c -m PUT --payload @root/big.bin "$base/up.bin"
  check "$map: 1 MiB PUT exit 0" [ $? -eq 0 ]
  check "$map: 1 MiB PUT byte-identical" cmp -s root/up.bin root/big.bin
  rm -f root/up.bin
  after=$(grep -c " $who " server.log)
  check "$map: the server named the caller $who" [ "$after" -gt "$before" ]

  observe_file_roundtrip "$map" root/obs.txt c "$base/obs.txt"
done

# OSCORE inside (D)TLS really is OSCORE: the server's log marks it.
check "$sec+OSCORE requests were OSCORE-protected" \
  grep -q ":client1 GET /big.bin" server.log

# Refused handshakes: exit 7, the message names the (D)TLS handshake.
"$CLIENT" --timeout 3 --credentials wrong.json "$base/a.txt" >out 2>err; rc=$?
check "wrong PSK: exit 7 (rc $rc)" [ $rc -eq 7 ]
check "wrong PSK: says the $sec handshake failed" \
  grep -q "the $sec handshake.*wrong pre-shared key" err
check "wrong PSK: nothing served" [ ! -s out ]
"$CLIENT" --timeout 3 --credentials unknown.json "$base/a.txt" >out 2>err
rc=$?
check "unknown identity: exit 7 (rc $rc)" [ $rc -eq 7 ]
check "unknown identity: says the $sec handshake failed" \
  grep -q "the $sec handshake" err

# --access with (D)TLS identities: :dtls2 is identified (4.03, exit 4),
# plain coap:// is anonymous (4.01) and reaches /pub/ only.
"$CLIENT" --timeout 5 --credentials dtls2.json "$base/a.txt" >out 2>err; rc=$?
check ":dtls2 refused by the rules (rc $rc)" [ $rc -eq 4 ]
check ":dtls2 gets 4.03 (identified)" grep -q "4.03" err
"$CLIENT" -q --timeout 5 "coap://127.0.0.1:$udp_port/a.txt" >out 2>err; rc=$?
check "plain coap:// gets nothing of :dtls1's (rc $rc)" [ $rc -eq 4 ]
check "plain coap:// asked to authenticate (4.01)" grep -q "4.01" err
check "plain coap:// reads /pub/" \
  [ "$("$CLIENT" -q --timeout 5 "coap://127.0.0.1:$udp_port/pub/p.txt")" = public ]

# DTLS credentials are for coaps:// and coaps+tcp:// only, and those
# need them.
echo "{\"coap://127.0.0.1:*\": $(dtls "$psk" client-one)}" > udp.json
"$CLIENT" --timeout 5 --credentials udp.json "coap://127.0.0.1:$udp_port/a.txt" \
  >out 2>err; rc=$?
check "dtls entry for coap://: exit 3 (rc $rc)" [ $rc -eq 3 ]
check "dtls entry for coap://: says coaps" \
  grep -q "only a coaps:// or coaps+tcp://" err
"$CLIENT" --timeout 5 "$base/a.txt" >out 2>err; rc=$?
check "$scheme:// without credentials: exit 3 (rc $rc)" [ $rc -eq 3 ]
check "$scheme:// without credentials: asks for a dtls entry" \
  grep -q '"dtls" entry' err
# oscore-client alone (no oscore-client-full beside it, none installed
# where this build would look): exit 1 naming where it looked. (Not under
# the --valgrind wrapper, a script that runs the build tree's program.)
mkdir -p alone
cp "$client_program" alone/oscore-client
alone/oscore-client --timeout 5 --credentials dtls.json "$base/a.txt" \
  >out 2>err; rc=$?
installed=$(grep -ao '/[[:print:]]*/oscore-client-full' alone/oscore-client |
  head -n 1)
if [ -n "${OSCORE_TEST_WRAP:-}" ] || [ -z "$installed" ] || [ -e "$installed" ]
then
  echo "skipped the missing oscore-client-full case ($installed)" >&2
else
  check "no oscore-client-full: exit 1 (rc $rc)" [ $rc -eq 1 ]
  check "no oscore-client-full: names the file beside the program" \
    grep -q "$tmp/alone/oscore-client-full" err
fi

# No PSK in any message of the server or the client.
check "the PSK is never printed" bash -c "! grep -qi '$psk' server.log err"

kill "$server_pid"; wait "$server_pid" 2>/dev/null; server_pid=

# A coaps:// or coaps+tcp:// server needs "dtls" entries.
printf '{":client1": {"oscore": {"basedir": "ctx/server/"}}}\n' > oscore.json
"$FS" --bind "$scheme://127.0.0.1:0" --credentials oscore.json root 2>err; rc=$?
check "$scheme:// bind without dtls entries: exit 3 (rc $rc)" [ $rc -eq 3 ]
check "$scheme:// bind without dtls entries: says so" \
  grep -q '"dtls" entries' err

echo "$checks checks, $fails failed"
harness_result
