#!/usr/bin/env bash
# oscore-fileserver with oscore-client over loopback, through OSCORE:
# listing, a 50 MB file byte for byte (one block at a time and with
# --window 8), a write then a GET seeing the write, hostile paths (dot segments, links
# out of the root, a FIFO, hidden files), PUT of a large file, writes racing
# reads (a read is one version or refused, never a mix), observe
# notifications after a write and the end on DELETE, restarts after SIGTERM
# and SIGKILL (the client's Echo retry makes the second one transparent).
# Usage: test_fs_client.sh OSCORE-FILESERVER OSCORE-CLIENT
set -u
FS=$(realpath "$1") CLIENT=$(realpath "$2")
. "$(dirname "$0")/../lib/harness.sh"
harness_begin fs-client
# Under tests/run-all.sh --valgrind both programs run through the wrapper.
harness_wrap FS CLIENT
server_pid= obs_pid=
mkdir -p ctx root/sub outside
# Two clients, since a context is locked by the process using it; fresh
# random secrets (aiocoap's file format, COMPAT.md §1).
mkctx() {  # mkctx DIR SENDER-HEX RECIPIENT-HEX SECRET-HEX
  mkdir -p "$1"
  printf '{"sender-id_hex": "%s", "recipient-id_hex": "%s"}\n' "$2" "$3" \
    > "$1/settings.json"
  (umask 077; printf '{"secret_hex": "%s"}\n' "$4" > "$1/secret.json")
}
for n in 1 2; do
  secret=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
  mkctx ctx/client$n 0$n "" "$secret"
  mkctx ctx/server$n "" 0$n "$secret"
  printf '{"coap://127.0.0.1:*": {"oscore": {"basedir": "ctx/client%s/"}}}\n' \
    "$n" > client$n.json
done
# Entries of types this build cannot use (any-of) are ignored with one
# warning; the oscore ones work, and so do a dtls one (for coaps://, not
# bound here), a tlscert one (a client's) and an edhoc-oscore one.
cat > server.json <<'JSON'
{ ":client1": { "oscore": { "basedir": "ctx/server1/" } },
  "coaps://*": { "dtls": { "psk": { "ascii": "x" },
                           "client-identity": { "ascii": "y" } } },
  "coaps+tcp://*": { "tlscert": { "certfile": "x.pem" } },
  ":any": { "any-of": [ ":client1" ] },
  ":edhoc": { "edhoc-oscore": { "suite": 2, "method": 3 } },
  ":client2": { "oscore": { "basedir": "ctx/server2/" } } }
JSON

head -c 50000000 /dev/urandom > root/big50.bin
echo hello > root/a.txt
echo secret > outside/secret.txt
ln -s ../outside/secret.txt root/escape
ln -s /etc/passwd root/passwd
ln -s a.txt root/alias
mkfifo root/fifo
echo hidden > root/.hidden

start_server() {
  rm -f server.log
  "$FS" --bind 127.0.0.1:0 --credentials server.json --write -v root \
    2>server.log &
  server_pid=$!
  port=
  for _ in $(seq 1 500); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' server.log)
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.02
  done
  [ -n "$port" ] || { echo "server did not start" >&2; cat server.log >&2; exit 1; }
  base=coap://127.0.0.1:$port
}

stop_server() {  # stop_server SIGNAL -> sets $stop_status
  kill -"$1" "$server_pid"
  { wait "$server_pid"; } 2>/dev/null  # no "Killed" note from bash
  stop_status=$?
  server_pid=
}

c1() { "$CLIENT" -q --timeout 10 --credentials client1.json "$@"; }
c2() { "$CLIENT" -q --timeout 10 --credentials client2.json "$@"; }

start_server

# --- listing and identities
out=$(c1 "$base/")
check "listing" [ "$out" = '</a.txt>,</alias>,</big50.bin>,</sub/>;ct=40' ]
check "identity in the log" grep -q ':client1 GET / -> 2.05' server.log
check "one warning, about the any-of entry only (dtls, tlscert and edhoc-oscore are usable)" \
  [ "$(grep -c 'ignoring 1 entry of credential types this build cannot use.*":any" (any-of)' server.log)" = 1 ]

# --- 50 MB byte for byte
t0=$(date +%s.%N)
c1 -o got50.bin "$base/big50.bin"
check "50 MB GET exit 0" [ $? -eq 0 ]
t1=$(date +%s.%N)
check "50 MB byte-identical" cmp -s got50.bin root/big50.bin
echo "50 MB GET over OSCORE: $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s" >&2
rm -f got50.bin
c1 --window 8 -o got50.bin "$base/big50.bin"
check "50 MB GET, --window 8: exit 0" [ $? -eq 0 ]
check "50 MB, --window 8: byte-identical" cmp -s got50.bin root/big50.bin
rm -f got50.bin

# --- kept lookups (fs_lookup_cache): a write, then a GET, sees the write,
# every time, rewritten in place or replaced by rename
out=
for i in 1 2 3 4 5 6; do
  if [ $((i % 2)) = 1 ]; then
    printf 'version %s' "$i" > root/w.txt
  else
    printf 'version %s' "$i" > root/.w.new && mv root/.w.new root/w.txt
  fi
  out=$(c1 "$base/w.txt")
  [ "$out" = "version $i" ] || break
done
check "write then GET sees the write each time (got '$out')" [ "$out" = "version 6" ]
rm -f root/w.txt
out=$(c1 "$base/w.txt" 2>&1)
check "removed, then GET: 4.04" bash -c "case '$out' in *4.04*) true ;; *) false ;; esac"

# --- hostile paths: nothing outside the root, nothing hidden, no hang
c1 "$base/%2E%2E/outside/secret.txt" >got 2>err; rc=$?
check "dot-dot segment refused (4.xx exit 4)" [ $rc -eq 4 ]
check "dot-dot: no secret" bash -c "! grep -q secret got"
c1 "$base/sub/%2E%2E/%2E%2E/outside/secret.txt" >got 2>err; rc=$?
check "nested dot-dot refused" [ $rc -eq 4 ]
c1 "$base/..%2Foutside%2Fsecret.txt" >got 2>err; rc=$?
check "slash inside a segment refused" [ $rc -eq 4 ]
for p in escape passwd; do
  c1 "$base/$p" >got 2>err; rc=$?
  check "link out of the root ($p) refused" [ $rc -eq 4 ]
  check "link out of the root ($p): nothing served" [ ! -s got ]
done
check "link inside the root served" [ "$(c1 "$base/alias")" = hello ]
t0=$(date +%s)
c1 "$base/fifo" >got 2>err; rc=$?
t1=$(date +%s)
check "FIFO refused" [ $rc -eq 4 ]
check "FIFO answered at once" [ $((t1 - t0)) -le 2 ]
c1 "$base/.hidden" >got 2>err; rc=$?
check "hidden file not served" [ $rc -eq 4 ]
check "hidden file: not found text" grep -q "File not found" err
c1 -m PUT --payload x "$base/%2E%2E/outside/new.txt" >/dev/null 2>&1
check "PUT with dot-dot refused" [ ! -e outside/new.txt ]
c1 -m PUT --payload x "$base/escape" >/dev/null 2>&1
check "PUT on a link replaces the link, not its target" \
  [ "$(cat outside/secret.txt)" = secret ]

# --- PUT of a large file, then GET
head -c 3000000 /dev/urandom > up.bin
c1 -m PUT --payload @up.bin "$base/sub/up.bin"
check "3 MB PUT exit 0" [ $? -eq 0 ]
check "3 MB PUT stored byte-identical" cmp -s up.bin root/sub/up.bin
check "no temporary files left" bash -c '! ls -A root/sub | grep -q oscore-fs-upload'
c2 -o back.bin "$base/sub/up.bin"
check "3 MB GET back identical" cmp -s up.bin back.bin

# --- writes racing reads: every successful read is one whole version
head -c 300000 /dev/zero | tr '\0' A > vA
head -c 300000 /dev/zero | tr '\0' B > vB
cp vA root/race.bin
(
  for i in $(seq 1 8); do
    if [ $((i % 2)) -eq 0 ]; then v=vA; else v=vB; fi
    c1 -m PUT --payload @$v "$base/race.bin" >/dev/null 2>&1
  done
) &
writer=$!
ok=0 changed=0 mixed=0
for i in $(seq 1 12); do
  c2 -o read.bin "$base/race.bin" 2>/dev/null; rc=$?
  if [ $rc -eq 0 ]; then
    if cmp -s read.bin vA || cmp -s read.bin vB; then ok=$((ok + 1));
    else mixed=$((mixed + 1)); fi
  elif [ $rc -eq 8 ]; then
    changed=$((changed + 1))
  else
    mixed=$((mixed + 1))
  fi
  rm -f read.bin
done
wait $writer
echo "racing reads: $ok whole, $changed refused as changed, $mixed bad" >&2
check "racing reads: none mixed or failed otherwise" [ $mixed -eq 0 ]
check "racing reads: some succeeded" [ $ok -gt 0 ]

# --- observe: a notification after a write, the end after DELETE
echo one > root/obs.txt
"$CLIENT" -q --credentials client2.json --observe "$base/obs.txt" \
  >obs.out 2>obs.err &
obs_pid=$!
for _ in $(seq 1 250); do grep -q one obs.out 2>/dev/null && break; sleep 0.02; done
check "observe: first representation" grep -q one obs.out
c1 -m PUT --payload two-after-put "$base/obs.txt"
for _ in $(seq 1 250); do grep -q two-after-put obs.out && break; sleep 0.02; done
check "observe: notification after PUT" grep -q two-after-put obs.out
echo three-local > root/obs.txt
for _ in $(seq 1 250); do grep -q three-local obs.out && break; sleep 0.02; done
check "observe: notification after a local write" grep -q three-local obs.out
c1 -m DELETE "$base/obs.txt"
check "DELETE" [ ! -e root/obs.txt ]
for _ in $(seq 1 250); do kill -0 $obs_pid 2>/dev/null || break; sleep 0.02; done
check "observe: ended by the deletion" bash -c "! kill -0 $obs_pid 2>/dev/null"
wait $obs_pid; obs_rc=$?
obs_pid=
check "observe: final 4.04 (exit 4)" [ $obs_rc -eq 4 ]

# --- clean restart: exact state written, locks released
stop_server TERM
check "SIGTERM: exit 0" [ $stop_status -eq 0 ]
check "SIGTERM: window written" bash -c '! grep -q unknown ctx/server1/sequence.json'
check "SIGTERM: lock released" [ ! -e ctx/server1/lock ]
start_server
check "after SIGTERM: served" [ "$(c1 "$base/a.txt")" = hello ]
check "after SIGTERM: no Echo challenge" bash -c '! grep -q " -> 4.01" server.log'

# --- crash: B.1.2 Echo recovery, transparent to the client
c1 "$base/a.txt" >/dev/null
stop_server KILL
check "SIGKILL leaves 'unknown'" grep -q unknown ctx/server1/sequence.json
start_server
check "after SIGKILL: served" [ "$(c1 "$base/a.txt")" = hello ]
check "after SIGKILL: challenged once" grep -q ':client1 GET /a.txt -> 4.01' server.log
check "after SIGKILL: then served" grep -q ':client1 GET /a.txt -> 2.05' server.log
stop_server TERM

echo "test_fs_client: $checks checks, $fails failed" >&2
harness_result
