#!/usr/bin/env bash
# oscore-client through OSCORE (RFC 8613) against client_testserver with
# the example credentials (copies): protected GET/PUT/POST/DELETE, empty and
# multi-megabyte bodies byte for byte, Echo recovery (B.1.2) keeping every
# option, security failures, unprotected fallback, sequence state and lock.
source "$(dirname "$0")/lib.sh" "$@"

make_creds
C="$TMP/creds/client1-anyport.json"
CTX="$TMP/creds/client1/for-fileserver"
start_server oscore --credentials "$TMP/creds/server.json"
SRV=$SPID
S=coap://127.0.0.1:$PORT

run hello -vv --credentials "$C" "$S/hello"
check "protected GET: body, exit 0" eval 'rc_is hello 0 && out_is hello "Hello world"'
check "-v says protected/verified; -vv shows kid and partial IV, no key" \
  eval 'err_has hello "OSCORE-protected" && err_has hello "OSCORE-verified" && err_has hello "on the wire: POST, OSCORE kid h'"'"'01'"'"' partial IV" && err_lacks hello secret'
run whoami --credentials "$C" "$S/info"
check "the server authenticated the request as :client1" \
  eval 'rc_is whoami 0 && grep -q "id=:client1$" "$TMP/whoami.out"'

run empty --credentials "$C" "$S/empty"
check "protected 0-byte body" eval 'rc_is empty 0 && [ ! -s "$TMP/empty.out" ]'

pattern_file 3145728 "$TMP/big.expect"
start=$(date +%s%N)
run big --credentials "$C" "$S/big/3145728"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "3 MiB protected Block2 download byte-identical (${ms} ms)" \
  eval 'rc_is big 0 && same_file "$TMP/big.out" "$TMP/big.expect"'

head -c 2000000 /dev/urandom >"$TMP/up.bin"
run put --credentials "$C" -m PUT --payload "@$TMP/up.bin" "$S/store"
run get --credentials "$C" -o "$TMP/get.bin" "$S/store"
check "2 MB protected Block1 upload and download back byte-identical" \
  eval 'rc_is put 0 && rc_is get 0 && same_file "$TMP/get.bin" "$TMP/up.bin"'
printf 'from stdin' | "$CLIENT" --credentials "$C" -m POST --payload @- "$S/store" \
  >"$TMP/post.out" 2>"$TMP/post.err"
echo $? >"$TMP/post.rc"
run get2 --credentials "$C" "$S/store"
check "protected POST from stdin" \
  eval 'rc_is post 0 && out_is get2 "from stdin"'
run del --credentials "$C" -m DELETE "$S/store"
run del2 --credentials "$C" -m DELETE "$S/store"
check "protected DELETE, then 4.04 (exit 4)" \
  eval 'rc_is del 0 && rc_is del2 4 && err_has del2 "4.04 Not Found"'

# Sequence state: written back exactly, lock released.
check "client sequence.json written, lock released" \
  eval '[ -f "$CTX/sequence.json" ] && [ ! -e "$CTX/lock" ] && grep -q next-to-send "$CTX/sequence.json"'
n1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["next-to-send"])' "$CTX/sequence.json")
run again --credentials "$C" "$S/hello"
n2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["next-to-send"])' "$CTX/sequence.json")
check "one more request uses exactly one more sequence number ($n1 -> $n2)" \
  eval 'rc_is again 0 && [ "$n2" -eq $((n1 + 1)) ]'

# A context locked by another process (aiocoap's flock): configuration error.
flock -o "$CTX/lock" sleep 5 &
LOCKER=$!
PIDS+=("$LOCKER")
sleep 0.3
run locked --credentials "$C" "$S/hello"
kill "$LOCKER" 2>/dev/null
wait "$LOCKER" 2>/dev/null
check "context locked by another process: exit 3" \
  eval 'rc_is locked 3 && one_line locked && err_has locked "in use by another process"'

# Echo recovery: the server restarts with "received": "unknown" (B.1.2),
# answers the first request with a protected 4.01 + Echo; the client sends
# it again once, with every option (Uri-Query too).
stop_server "$SRV"
SCTX="$TMP/creds/server/from-client1"
python3 - "$SCTX/sequence.json" <<'PY'
import json, sys
p = sys.argv[1]
try:
    d = json.load(open(p))
except FileNotFoundError:
    d = {"next-to-send": 0}
d["received"] = "unknown"
json.dump(d, open(p, "w"))
PY
start_server echo --credentials "$TMP/creds/server.json"
SRV=$SPID
S=coap://127.0.0.1:$PORT
run echo -v --credentials "$C" "$S/query?a=1&b=two"
check "Echo retry: answered, every Uri-Query kept" \
  eval 'rc_is echo 0 && out_is echo "a=1&b=two"'
check "Echo retry visible at -v only" \
  eval 'err_has echo "4.01 with Echo" && [ "$(grep -c "^Sending request:" "$TMP/echo.err")" = 2 ]'
run echo-quiet --credentials "$C" "$S/query?c=3"
check "after recovery no Echo needed; nothing on stderr without -v" \
  eval 'rc_is echo-quiet 0 && out_is echo-quiet "c=3" && [ ! -s "$TMP/echo-quiet.err" ]'

# No entry for the URI: sent unprotected, said at -v.
echo '{"coap://other.example/*": {"oscore": {"basedir": "client1/for-fileserver/"}}}' \
  >"$TMP/creds/other.json"
run unmatched -v --credentials "$TMP/creds/other.json" "$S/info"
check "URI not in the map: unprotected (-v says so), server sees anonymous" \
  eval 'rc_is unmatched 0 && err_has unmatched "sending unprotected" && grep -q "id=anonymous$" "$TMP/unmatched.out"'

# The server cannot decrypt (wrong master secret on the client side): its
# OSCORE layer answers unprotected; a security failure, exit 7.
cp -r "$TMP/creds/client1" "$TMP/creds/wrong"
# Numbers above what the server has seen, or it refuses them as replays
# before even trying to decrypt.
echo '{"next-to-send": 100000, "received": "unknown"}' \
  >"$TMP/creds/wrong/for-fileserver/sequence.json"
python3 - "$TMP/creds/wrong/for-fileserver/secret.json" <<'PY'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
for k in list(d):
    if k.startswith("secret"):
        del d[k]
d["secret_hex"] = "00" * 16
json.dump(d, open(p, "w"))
PY
sed 's|client1/for-fileserver/|wrong/for-fileserver/|' "$C" >"$TMP/creds/wrong.json"
run wrongkey --credentials "$TMP/creds/wrong.json" "$S/hello"
check "server cannot decrypt: exit 7 with its unprotected diagnostic" \
  eval 'rc_is wrongkey 7 && one_line wrongkey && err_has wrongkey "4.00" && err_has wrongkey "Decryption failed"'

# The request verifies at the server but the response does not verify at
# the client (the client expects another recipient ID, hence another key).
cp -r "$TMP/creds/client1" "$TMP/creds/badresp"
echo '{"next-to-send": 200000, "received": "unknown"}' \
  >"$TMP/creds/badresp/for-fileserver/sequence.json"
python3 - "$TMP/creds/badresp/for-fileserver/settings.json" <<'PY'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
for k in list(d):
    if k.startswith("recipient-id"):
        del d[k]
d["recipient-id_hex"] = "7777"
json.dump(d, open(p, "w"))
PY
sed 's|client1/for-fileserver/|badresp/for-fileserver/|' "$C" >"$TMP/creds/badresp.json"
run badresp --credentials "$TMP/creds/badresp.json" -o "$TMP/badresp.bin" "$S/hello"
check "response does not verify: exit 7, no output file" \
  eval 'rc_is badresp 7 && one_line badresp && err_has badresp "did not verify" && [ ! -e "$TMP/badresp.bin" ]'

finish
