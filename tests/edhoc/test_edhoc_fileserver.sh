#!/usr/bin/env bash
# EDHOC over CoAP between oscore-client and oscore-fileserver (RFC 9528
# Appendix A.2, RFC 9668): every method 0-3 with suites 0 and 2, our
# credential by key ID and by value, message_3 combined with the first
# OSCORE request and sent on its own; the server's log names the identity
# (the label of the map entry holding the client's credential). Then the
# refusals (unknown client, client not trusting the server: nothing
# served), suite negotiation, an unauthenticated peer, --access on the
# EDHOC identity, and the bound on derived contexts (the oldest dropped:
# its observation ends).
# Last, the plugtest server answers EDHOC from the same map.
# Usage: test_edhoc_fileserver.sh OSCORE-FILESERVER OSCORE-CLIENT OSCORE-KEYGEN
#        OSCORE-PLUGTEST-SERVER
set -u
FS=$(realpath "$1") CLIENT=$(realpath "$2") KEYGEN=$(realpath "$3")
PLUGTEST=$(realpath "$4")
. "$(dirname "$0")/../lib/server.sh"
. "$(dirname "$0")/../lib/harness.sh"
HARNESS_PIDS="pid1 pid2 pid3 pid4 pid5 obs_pid plug_pid tcp_pid"
harness_begin edhoc-fs
harness_wrap FS CLIENT
n_started=0
mkdir root && echo hello > root/a.txt && echo v1 > root/obs.txt

key() {  # key NAME CURVE KID: NAME.cosekey, its credential in NAME.cred
  "$KEYGEN" generate "$1.cosekey" --curve "$2" --kid "$3" > "$1.cred" || exit 1
}
key s_p256 P-256 0a; key s_ed Ed25519 0b; key s_x X25519 0c
key c_p256 P-256 01; key c_ed Ed25519 02; key c_x X25519 03
key stranger P-256 09; key other P-256 0d

# The server: one own credential per curve (it answers with the one that
# fits the suite and method), one entry per known client.
server_map() {  # server_map STYLE [EXTRA-ENTRIES]
  cat <<EOF
{
  "coap://p256/*": { "edhoc-oscore": { "suite": 2, "method": 3,
      "own_cred_style": "$1", "own_cred": $(cat s_p256.cred),
      "private_key_file": "s_p256.cosekey" } },
  "coap://ed/*": { "edhoc-oscore": { "suite": 0, "method": 0,
      "own_cred_style": "$1", "own_cred": $(cat s_ed.cred),
      "private_key_file": "s_ed.cosekey" } },
  "coap://x/*": { "edhoc-oscore": { "suite": 0, "method": 3,
      "own_cred_style": "$1", "own_cred": $(cat s_x.cred),
      "private_key_file": "s_x.cosekey" } },
  ":p256client": { "edhoc-oscore": { "suite": 2, "method": 3,
      "peer_cred": $(cat c_p256.cred) } },
  ":edclient": { "edhoc-oscore": { "suite": 0, "method": 0,
      "peer_cred": $(cat c_ed.cred) } },
  ":xclient": { "edhoc-oscore": { "suite": 0, "method": 3,
      "peer_cred": $(cat c_x.cred) } }${2:-}
}
EOF
}

start_server() {  # start_server NAME MAP [OPTIONS...]: sets PORT
  local name=$1 map=$2; shift 2
  "$FS" --bind 127.0.0.1:0 --credentials "$map" -v "$@" root \
    2> "$name.log" &
  n_started=$((n_started + 1))
  printf -v "pid$n_started" '%s' "$!"
  server_wait_port "$!" "$name.log" || {
    echo "server $name did not start" >&2; cat "$name.log" >&2; exit 1; }
}

client_map() {  # client_map FILE SUITE METHOD OWN STYLE PEER COMBINED
  cat > "$1" <<EOF
{ "coap://127.0.0.1:*": { "edhoc-oscore": {
    "suite": $2, "method": $3, "own_cred_style": "$5",
    "own_cred": $(cat "$4.cred"), "private_key_file": "$4.cosekey",
    "peer_cred": $(cat "$6.cred"), "use_combined_edhoc": $7 } } }
EOF
}

# Which keys a suite and method need: suite 2 P-256 throughout; suite 0
# Ed25519 where that side signs, X25519 where it uses static DH.
own_key() {  # own_key SIDE(c|s) SUITE METHOD
  if [ "$2" = 2 ]; then echo "$1_p256"; return; fi
  local signs
  if [ "$1" = c ]; then signs=$([ "$3" -le 1 ] && echo y)
  else signs=$([ "$3" = 0 ] || [ "$3" = 2 ] && echo y); fi
  if [ -n "$signs" ]; then echo "$1_ed"; else echo "$1_x"; fi
}
identity_of() {
  case $1 in c_p256) echo :p256client;; c_ed) echo :edclient;;
    c_x) echo :xclient;; esac
}

for style in by-key-id by-value; do
  server_map "$style" > "server-$style.diag"
  start_server "$style" "server-$style.diag" --write
  for suite in 0 2; do
    for method in 0 1 2 3; do
      for combined in true false; do
        own=$(own_key c $suite $method) peer=$(own_key s $suite $method)
        client_map c.diag $suite $method "$own" "$style" "$peer" $combined
        what="method $method suite $suite $style combined=$combined"
        out=$("$CLIENT" -v --timeout 10 --credentials c.diag \
                "coap://127.0.0.1:$PORT/a.txt" 2>client.err)
        check "$what: the file comes back" [ "$out" = hello ]
        [ "$out" = hello ] || cat client.err >&2
        if [ $combined = true ]; then
          check "$what: message_3 rides on the OSCORE request" \
            grep -q 'sent with the first OSCORE request' client.err
        else
          check "$what: message_3 POSTed on its own" \
            grep -q 'POSTed on its own' client.err
          check "$what: message_4 came back and verified" \
            grep -q 'message_4: [0-9]* bytes, verified' client.err
        fi
        check "$what: the server knows the client as $(identity_of "$own")" \
          [ "$(grep -c "$(identity_of "$own") GET /a.txt -> 2.05" "$style.log")" -ge 1 ]
      done
    done
  done
done
# By-value requests the server saw: 16 EDHOC runs, each its own line.
check "every by-value run reached the server" \
  [ "$(grep -c 'GET /a.txt -> 2.05' by-value.log)" = 16 ]

# ---- block-wise both ways under an EDHOC context ----
head -c 5000 /dev/urandom > big.bin
client_map c.diag 0 3 c_x by-key-id s_x true
"$CLIENT" --timeout 10 --credentials c.diag -m PUT --payload @big.bin \
  "coap://127.0.0.1:$PORT/big.bin" >/dev/null 2>put.err
check "PUT of 5000 bytes (Block1) after EDHOC" cmp -s big.bin root/big.bin
"$CLIENT" --timeout 10 --credentials c.diag -o got.bin \
  "coap://127.0.0.1:$PORT/big.bin" 2>get.err
check "... and GET (Block2) of it" cmp -s big.bin got.bin
check "... both as :xclient" [ "$(grep -c ':xclient [PG][UE]T /big.bin' by-value.log)" -ge 2 ]

# ---- -vv: credential and suite; never a key ----
client_map c.diag 2 3 c_p256 by-key-id s_p256 true
"$CLIENT" -vv --timeout 10 --credentials c.diag \
  "coap://127.0.0.1:$PORT/a.txt" >/dev/null 2>vv.err
check "-vv names entry, method, suite and credential styles" \
  grep -q 'EDHOC credentials entry "coap://127.0.0.1:\*": method 3, suite 2 (.*), own credential by key ID, peer credential the entry.s peer_cred' vv.err
check "-v shows message sizes and connection identifiers" \
  grep -q 'EDHOC message_2: [0-9]* bytes, C_R ' vv.err
# The private key: the 32 bytes after -4 (0x23, then h'..' head 58 20).
d=$(od -An -tx1 -v c_p256.cosekey | tr -d ' \n' | sed -n 's/.*235820\(.\{64\}\).*/\1/p')
check "the key file's private value was found" [ ${#d} = 64 ]
check "... and appears nowhere in -vv output" \
  bash -c '! grep -qi -- "$1" vv.err && ! tr -d " :\n" <vv.err | grep -qi -- "$1"' _ "$d"

# ---- refusals: nothing is served ----
logged_gets() { grep -c 'GET /a.txt' "$1" || true; }
before=$(logged_gets by-key-id.log)
client_map c.diag 2 3 stranger by-key-id s_p256 true
out=$("$CLIENT" --timeout 10 --credentials c.diag \
        "coap://127.0.0.1:$PORT/a.txt" 2>stranger.err)
rc=$?
check "unknown client: refused (exit 7)" [ "$rc" = 7 ]
check "... no content" [ -z "$out" ]
check "... the message says the server does not know our credential" \
  grep -q 'the server refused EDHOC at message_3.*does not know our credential' stranger.err
client_map c.diag 2 3 stranger by-key-id s_p256 false
"$CLIENT" --timeout 10 --credentials c.diag "coap://127.0.0.1:$PORT/a.txt" \
  >/dev/null 2>stranger2.err
check "unknown client, separate message_3: refused too" \
  grep -q 'does not know our credential' stranger2.err
check "... and the server served nothing" [ "$(logged_gets by-key-id.log)" = "$before" ]

client_map c.diag 2 3 c_p256 by-key-id other true
out=$("$CLIENT" --timeout 10 --credentials c.diag \
        "coap://127.0.0.1:$PORT/a.txt" 2>wrongpeer.err)
rc=$?
check "server not the one in peer_cred: the client refuses (exit 7)" [ "$rc" = 7 ]
check "... naming message_2 and peer_cred" \
  grep -q "message_2 from the server refused.*peer_cred" wrongpeer.err
check "... no content" [ -z "$out" ]

# ---- malformed EDHOC requests: an EDHOC error, the server lives on ----
edhoc_post() {  # edhoc_post NAME PAYLOAD-FILE [OPTIONS...]: exit status
  "$CLIENT" --timeout 10 -m POST --payload "@$2" "${@:3}" \
    "coap://127.0.0.1:$PORT/.well-known/edhoc" >"$1.out" 2>"$1.err"
}
{ printf '\xff'; head -c 300 /dev/urandom; } > junk.bin   # no CBOR item
printf '\xf5' > true-only.bin
printf '\xf5\x03\x02\x58\x20' > short-m1.bin       # true, method 3, suite 2, G_X cut
printf '\x41\x77\x58\x05abcde' > unknown-cr.bin     # C_R h'77', 5 bytes
for f in junk true-only short-m1 unknown-cr; do
  edhoc_post "$f" "$f.bin" -v
  rc=$?
  check "malformed EDHOC request ($f): 4.xx (exit 4)" [ "$rc" = 4 ]
done
check "... answered with an EDHOC error message (content format 64)" \
  grep -q 'Content-Format (12): 64' short-m1.err
check "... naming what went wrong" grep -q 'EDHOC message malformed' short-m1.err
printf '\x41\x77\x01\x60' > gave-up.bin   # C_R h'77', error 1, ""
edhoc_post gave-up gave-up.bin
check "an initiator's error message (it gives up) is taken: 2.04" [ $? = 0 ]
printf '\x41\x77\x01\x01' > bad-error.bin  # error 1 with an int as text
edhoc_post bad-error bad-error.bin
check "... a malformed one is not: 4.00" [ $? = 4 ]
edhoc_post cf0 true-only.bin --content-format 0
check "a content format other than 65 is 4.15" grep -q '4.15' cf0.err
client_map c.diag 2 3 c_p256 by-key-id s_p256 true
out=$("$CLIENT" --timeout 10 --credentials c.diag \
        "coap://127.0.0.1:$PORT/a.txt" 2>/dev/null)
check "... and the server still serves EDHOC clients" [ "$out" = hello ]

# ---- suite negotiation: suite 3 first, the server takes 2 ----
client_map c.diag 3 3 c_p256 by-key-id s_p256 true
out=$("$CLIENT" -v --timeout 10 --credentials c.diag \
        "coap://127.0.0.1:$PORT/a.txt" 2>suite.err)
check "suite negotiation: the file comes back" [ "$out" = hello ]
check "... after the server refused suite 3" \
  grep -q 'does not take suite 3; again with suite 2' suite.err

# ---- an unauthenticated peer entry, and --access on EDHOC identities ----
server_map by-key-id ',
  ":anyone": { "edhoc-oscore": { "suite": 2, "method": 3,
      "peer_cred": {"unauthenticated": true} } }' > open.diag
cat > access.json <<'EOF'
{ ":p256client": { "/": "r" }, "*": { "/": "" } }
EOF
start_server open open.diag --access access.json --require-oscore
client_map c.diag 2 3 c_p256 by-key-id s_p256 true
out=$("$CLIENT" --timeout 10 --credentials c.diag \
        "coap://127.0.0.1:$PORT/a.txt" 2>/dev/null)
check "--access and --require-oscore: :p256client may read" [ "$out" = hello ]
"$CLIENT" --timeout 10 "coap://127.0.0.1:$PORT/a.txt" >/dev/null 2>&1
check "--require-oscore: a plain GET is 4.01 (exit 4) while EDHOC works" [ $? = 4 ]
client_map c.diag 0 3 c_x by-key-id s_x true
out=$("$CLIENT" --timeout 10 --credentials c.diag \
        "coap://127.0.0.1:$PORT/a.txt" 2>/dev/null)
rc=$?
check "--access: :xclient may not (4.xx, exit 4)" [ "$rc" = 4 ]
check "... and gets no content" [ "$out" != hello ]
check "... the server saw :xclient" grep -q ':xclient GET /a.txt -> 4.03' open.log
client_map c.diag 2 3 stranger by-value s_p256 true
"$CLIENT" --timeout 10 --credentials c.diag "coap://127.0.0.1:$PORT/a.txt" \
  >/dev/null 2>/dev/null
check "an unknown client sending its credential by value is :anyone" \
  grep -q ':anyone GET /a.txt -> 4.03' open.log

# ---- the bound on derived contexts: the oldest leaves ----
observe_case() {  # observe_case NAME MAX: sets GOT (the observer's output)
  echo v1 > root/obs.txt
  start_server "$1" "server-by-key-id.diag" --max-edhoc-sessions "$2"
  client_map c.diag 2 3 c_p256 by-key-id s_p256 true
  "$CLIENT" --observe --timeout 4 --credentials c.diag \
    "coap://127.0.0.1:$PORT/obs.txt" > "$1.obs" 2>/dev/null &
  obs_pid=$!
  for _ in $(seq 1 200); do
    grep -q 'GET /obs.txt -> 2.05' "$1.log" && break; sleep 0.02
  done
  for _ in 1 2; do
    "$CLIENT" --timeout 10 --credentials c.diag \
      "coap://127.0.0.1:$PORT/a.txt" >/dev/null 2>&1
  done
  echo v2 > root/obs.txt
  wait "$obs_pid"
  obs_pid=
  GOT=$(cat "$1.obs")
}
observe_case keepall 3
check "3 contexts kept: the first client's observation gets the change" \
  grep -q v2 keepall.obs
observe_case bounded 2
check "2 contexts kept: the first (oldest) is gone with its observation" \
  [ "$GOT" = v1 ]

# ---- over TCP (RFC 8323): the same EDHOC exchange, combined and separate
"$FS" --bind 'coap+tcp://127.0.0.1:0' --credentials server-by-key-id.diag \
  -v root 2> tcp.log &
tcp_pid=$!
for _ in $(seq 1 500); do
  tcp_port=$(sed -n 's|.*listening on coap+tcp://127\.0\.0\.1:\([0-9]*\).*|\1|p' tcp.log)
  [ -n "$tcp_port" ] && break
  kill -0 "$tcp_pid" 2>/dev/null || break
  sleep 0.02
done
for combined in true false; do
  client_map c.diag 2 3 c_p256 by-key-id s_p256 "$combined"
  sed -i 's|"coap://127.0.0.1:\*"|"coap+tcp://127.0.0.1:*"|' c.diag
  out=$("$CLIENT" --timeout 10 --credentials c.diag \
          "coap+tcp://127.0.0.1:${tcp_port:-1}/a.txt" 2>/dev/null)
  check "EDHOC over coap+tcp (combined $combined): the file comes back" \
    [ "$out" = hello ]
done
check "... both times as :p256client" \
  [ "$(grep -c ':p256client GET /a.txt -> 2.05' tcp.log)" = 2 ]
check "... once with message_3 on its own (separate)" \
  grep -q ':p256client POST /.well-known/edhoc' tcp.log
kill "$tcp_pid"; wait "$tcp_pid" 2>/dev/null; tcp_pid=

# ---- the plugtest server: the same dispatcher, so EDHOC too ----
"$PLUGTEST" --bind 127.0.0.1:0 --credentials server-by-key-id.diag -v \
  > plug.out 2> plug.err &
plug_pid=$!
server_wait_port "$plug_pid" plug.out "ready on" || {
  echo "plugtest server did not start" >&2; cat plug.err >&2; exit 1; }
client_map c.diag 2 0 c_p256 by-key-id s_p256 true
out=$("$CLIENT" --timeout 10 --credentials c.diag \
        "coap://127.0.0.1:$PORT/oscore/hello/1" 2>/dev/null)
check "plugtest server: EDHOC, then /oscore/hello/1" [ "$out" = "Hello World!" ]
check "... for :p256client" grep -q ':p256client OSCORE GET /oscore/hello/1 -> 2.05' plug.err

echo "edhoc_fileserver: $checks checks, $fails failed"
harness_result
