#!/usr/bin/env bash
# oscore-client as aiocoap-client and curl users expect it (issue 15):
# CBOR diagnostic payloads, content-format names, binary bodies on a
# terminal, extra options, pretty printing, messages pointing to the
# cause. Requests go to wire_capture.py, which records exactly what went
# out and answers as told.
source "$(dirname "$0")/lib.sh" "$@"

start_capture
U=coap://127.0.0.1:$CAPPORT

wire_is() {  # wire_is EXPECTED: the last request seen
  [ "$(last_capture)" = "$1" ] || { echo "  wire: '$(last_capture)', expected '$1'"; return 1; }
}

# --- 1. CBOR diagnostic notation for CBOR content formats ----------------
run cbor-json -m POST --payload '{"a":1}' --content-format application/cbor "$U/x"
check "JSON text for application/cbor goes out as CBOR" \
  eval 'rc_is cbor-json 0 && wire_is "2 11=78,12=3c a1616101"'
run cbor-diag -m PUT --payload "[h'01 02', 1.5, -1, true, null, simple(16), 0.1, 1(0)]" --content-format cbor "$U/x"
check "diagnostic notation: byte strings, floats, simple values, tags" \
  eval 'rc_is cbor-diag 0 && wire_is "3 11=78,12=3c 88420102f93e0020f5f6f0fb3fb999999999999ac100"'
run cbor-seq -m POST --payload '[1, "a"]' --content-format application/cbor-seq "$U/x"
check "cbor-seq: the array's items one after another" \
  eval 'rc_is cbor-seq 0 && wire_is "2 11=78,12=3f 016161"'
run cbor-plus -m POST --payload '{"n": "x", "v": 2}' --content-format senml+cbor "$U/x"
check "+cbor types are converted too" \
  eval 'rc_is cbor-plus 0 && wire_is "2 11=78,12=70 a2616e6178617602"'
run cbor-raw -m POST --payload '{"a":1}' --payload-raw --content-format cbor "$U/x"
check "--payload-raw sends the text as it is" \
  eval 'rc_is cbor-raw 0 && wire_is "2 11=78,12=3c 7b2261223a317d"'
printf '{"a":1}' >"$TMP/body.json"
run cbor-file -m POST --payload "@$TMP/body.json" --content-format cbor "$U/x"
check "@FILE is sent as it is (as aiocoap does)" \
  eval 'rc_is cbor-file 0 && wire_is "2 11=78,12=3c 7b2261223a317d"'
run json-text -m POST --payload '{"a":1}' --content-format json "$U/x"
check "JSON stays text for application/json" \
  eval 'rc_is json-text 0 && wire_is "2 11=78,12=32 7b2261223a317d"'
n_before=$(wc -l <"$TMP/capture.log")
run cbor-bad -m POST --payload '{"a":1' --content-format cbor "$U/x"
check "unparsable diagnostic notation: exit 2, position named, nothing sent" \
  eval 'rc_is cbor-bad 2 && one_line cbor-bad && err_has cbor-bad "line 1, column 7" && [ "$(wc -l <"$TMP/capture.log")" = "$n_before" ]'
run cbor-seq-bad -m POST --payload '1' --content-format cbor-seq "$U/x"
check "cbor-seq wants an array" \
  eval 'rc_is cbor-seq-bad 2 && err_has cbor-seq-bad "array"'

# --- 3. content-format names -------------------------------------------
for pair in json:32 cbor:3c text:- link-format:28 octet-stream:2a senml+json:6e; do
  name=${pair%%:*} hex=${pair##*:}
  run "cf-$name" --accept "$name" "$U/x"
  if [ "$hex" = - ]; then want="1 11=78,17= -"; else want="1 11=78,17=$hex -"; fi
  check "--accept $name" eval 'rc_is cf-'"$name"' 0 && wire_is "'"$want"'"'
done
run cf-help --content-format help
check "--content-format help lists the registry with short names" \
  eval 'rc_is cf-help 0 && grep -q "^ *60  application/cbor  (cbor)$" "$TMP/cf-help.out" && grep -q "^ *110  application/senml+json  (senml+json)$" "$TMP/cf-help.out"'
run accept-help --accept help
check "--accept help too" eval 'rc_is accept-help 0 && grep -q "link-format" "$TMP/accept-help.out"'

# --- 2. binary bodies on a terminal --------------------------------------
echo "69 12=2a 000102030405060708090a0b0c0d0e0f41424344" >"$TMP/capture.reply"
run_tty bin-tty "$U/bin"
cat >"$TMP/bin.want" <<'DUMP'
00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|
00000010  41 42 43 44                                       |ABCD|
00000014
DUMP
check "binary body on a terminal: aiocoap's hex dump, and a note why" \
  eval 'rc_is bin-tty 0 && same_file "$TMP/bin-tty.out" "$TMP/bin.want" && err_has bin-tty "hex dump of the application/octet-stream body"'
run bin-pipe "$U/bin"
printf '\000\001\002\003\004\005\006\007\010\011\012\013\014\015\016\017ABCD' >"$TMP/bin.raw"
check "binary body into a pipe: the bytes" eval 'rc_is bin-pipe 0 && same_file "$TMP/bin-pipe.out" "$TMP/bin.raw"'
run_tty bin-quiet -q -o "$TMP/bin.file" "$U/bin"
check "binary body with -o on a terminal: the bytes in the file" \
  eval 'rc_is bin-quiet 0 && same_file "$TMP/bin.file" "$TMP/bin.raw" && [ ! -s "$TMP/bin-quiet.out" ]'
echo "69 - 000102030405060708090a0b0c0d0e0f" >"$TMP/capture.reply"
run_tty bin-16 -q "$U/bin"
check "a multiple of 16 bytes: no trailing offset line (as aiocoap)" \
  eval 'rc_is bin-16 0 && [ "$(cat "$TMP/bin-16.out")" = "00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|" ] && [ ! -s "$TMP/bin-16.err" ]'
echo "69 - 48c3a46c6c6f0a" >"$TMP/capture.reply"
run_tty text-tty "$U/text"
check "UTF-8 text on a terminal stays text" eval 'rc_is text-tty 0 && out_is text-tty "Hällo"'
echo "69 - 1b5b324a" >"$TMP/capture.reply"
run_tty esc-tty -q "$U/esc"
check "escape sequences never reach the terminal" \
  eval 'rc_is esc-tty 0 && grep -q "^00000000  1b 5b 32 4a" "$TMP/esc-tty.out"'
rm -f "$TMP/capture.reply"

# --- 4. options libcoap users reach for ----------------------------------
run opt-O -O 2049,hello -O Max-Age,60 -O 2051,0x0102 -O 65000 "$U/x"
check "-O NUM,text / name,number (uint option) / NUM,0xhex / NUM (empty)" \
  eval 'rc_is opt-O 0 && wire_is "1 11=78,14=3c,2049=68656c6c6f,2051=0102,65000= -"'
usage_err() {  # usage_err NAME TEXT ARGS...
  local name=$1 text=$2
  shift 2
  run "$name" "$@"
  check "$name: exit 2, one line naming '$text'" \
    eval 'rc_is '"$name"' 2 && one_line '"$name"' && err_has '"$name"' "$text"'
}
usage_err opt-oscore "option 9 is set by the client" -O 9,x "$U/x"
usage_err opt-hex "is not hex" -O 2049,0xzz "$U/x"
usage_err opt-uint "is not an unsigned integer" -O Max-Age,-1 "$U/x"
usage_err opt-name "nor a known option name" -O Frob,1 "$U/x"
usage_err opt-many "at most 16 options" $(for i in $(seq 17); do echo -O 2049,a; done) "$U/x"
usage_err opt-twice "an -O option given twice" -O Max-Age,1 -O Max-Age,2 "$U/x"
usage_err bind-empty "--bind: empty address" --bind "" "$U/x"
run fam4 -4 "coap://localhost:$CAPPORT/four"
check "-4 reaches an IPv4-only server through 'localhost'" \
  eval 'rc_is fam4 0 && wire_is "1 3=6c6f63616c686f7374,11=666f7572 -"'
run fam6 -6 "$U/x"
check "-6 with an IPv4 literal: exit 6, says why" \
  eval 'rc_is fam6 6 && one_line fam6 && err_has fam6 "has no IPv6 address"'
bport=$(/usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run bind --bind "127.0.0.1:$bport" "$U/x"
check "--bind HOST:PORT: the request comes from that port" \
  eval 'rc_is bind 0 && [ "$(cat "$TMP/capture.log.peer")" = "127.0.0.1 $bport" ]'
run bind-bad --bind 192.0.2.1 "$U/x"
check "--bind with an address not of this host: exit 6, named" \
  eval 'rc_is bind-bad 6 && one_line bind-bad && err_has bind-bad "local address .192.0.2.1."'

# --- 7. messages that point to the cause ---------------------------------
run dns coap://nonexistent.invalid/
check "a name that does not resolve keeps getaddrinfo's reason" \
  eval 'rc_is dns 6 && one_line dns && err_has dns "cannot resolve host .nonexistent.invalid.: ."'
run noscheme "localhost:$CAPPORT/x"
check "host:port/path without a scheme: did you mean coap://..." \
  eval 'rc_is noscheme 2 && one_line noscheme && err_has noscheme "did you mean coap://localhost:$CAPPORT/x"'
make_creds
C="$TMP/creds/client1-anyport.json"
echo "130 - 426164204f7074696f6e" >"$TMP/capture.reply"
run badopt --credentials "$C" "$U/x"
check "4.02 from a server without OSCORE: says it does not speak OSCORE" \
  eval 'rc_is badopt 7 && one_line badopt && err_has badopt "does not speak OSCORE"'
make_creds
echo "129 14= 5265706c6179206465746563746564" >"$TMP/capture.reply"
run replay1 --credentials "$C" "$U/x"
check "4.01 Replay detected on a fresh context's first request: the hint" \
  eval 'rc_is replay1 7 && one_line replay1 && err_has replay1 "holds state for this sender ID"'
run replay2 --credentials "$C" "$U/x"
check "... and not once the context has been used" \
  eval 'rc_is replay2 7 && err_lacks replay2 "holds state" && err_has replay2 "Replay detected"'
rm -f "$TMP/capture.reply"

# --- 8. credentials maps with entries of other types ---------------------
make_creds
cat >"$TMP/creds/mixed.json" <<JSON
{ "coap://127.0.0.1:$CAPPORT/dtls*": { "dtls": { "psk": { "ascii": "x" },
      "client-identity": { "ascii": "y" } } },
  "coap://127.0.0.1:$CAPPORT/edhoc*": ":edhoc",
  ":edhoc": { "edhoc-oscore": { "suite": 2, "method": 3 } },
  "coap://elsewhere/*": { "oscore": { "basedir": "client1/for-fileserver/" } },
  "coap://plain/*": { "any-of": [] } }
JSON
chmod 600 "$TMP/creds/mixed.json"   # it holds a PSK
run mixed-plain --credentials "$TMP/creds/mixed.json" "$U/other"
check "mixed map: a URI needing no unusable entry works, one warning names them" \
  eval 'rc_is mixed-plain 0 && one_line mixed-plain && err_has mixed-plain "ignoring 1 entry.*(any-of)" && err_lacks mixed-plain "(dtls)" && err_lacks mixed-plain "(edhoc-oscore)"'
run mixed-quiet -q --credentials "$TMP/creds/mixed.json" "$U/other"
check "... -q silences the warning" eval 'rc_is mixed-quiet 0 && [ ! -s "$TMP/mixed-quiet.err" ]'
run mixed-edhoc -q --credentials "$TMP/creds/mixed.json" "$U/edhoc/x"
check "a URI whose edhoc-oscore entry lacks own_cred: exit 3 naming the entry" \
  eval 'rc_is mixed-edhoc 3 && one_line mixed-edhoc && err_has mixed-edhoc "credentials entry \":edhoc\": a client needs own_cred"'

start_server ux
S=coap://127.0.0.1:$PORT
# A binary body larger than what is held back to decide (4 MiB) streams
# out as one continuous hex dump.
run_tty bigbin -q "$S/big/5000000"
check "a 5 MB binary body on a terminal: one continuous hex dump" \
  eval 'rc_is bigbin 0 && [ "$(wc -l <"$TMP/bigbin.out")" = 312500 ] && grep -q "^00400000  46 4d 54 5b" "$TMP/bigbin.out" && [ "$(tail -n 1 "$TMP/bigbin.out" | cut -c1-8)" = 004c4b30 ]'

# --- 6. progress: uploads too, and a summary line at the end --------------
if command -v script >/dev/null; then
  head -c 300000 /dev/urandom >"$TMP/up.bin"
  script -qec "'$CLIENT' -m PUT --payload @'$TMP/up.bin' '$S/store'" \
    "$TMP/tty-up.log" >/dev/null 2>&1 </dev/null
  check "upload on a terminal: progress with percentage, then 'sent ... in'" \
    eval 'grep -aq "KiB of 293.0 KiB" "$TMP/tty-up.log" && grep -aq "sent 293.0 KiB in [0-9.]* s, [0-9.]* [KM]iB/s" "$TMP/tty-up.log"'
  script -qec "'$CLIENT' -o '$TMP/down.bin' '$S/store'" \
    "$TMP/tty-down.log" >/dev/null 2>&1 </dev/null
  check "download to a file on a terminal: 'received ... in' summary" \
    eval 'cmp -s "$TMP/down.bin" "$TMP/up.bin" && grep -aq "received 293.0 KiB in [0-9.]* s" "$TMP/tty-down.log"'
  script -qec "'$CLIENT' -q -m PUT --payload @'$TMP/up.bin' '$S/store' && '$CLIENT' -q -o '$TMP/down2.bin' '$S/store'" \
    "$TMP/tty-q.log" >/dev/null 2>&1 </dev/null
  check "-q: neither progress nor summary" \
    eval 'cmp -s "$TMP/down2.bin" "$TMP/up.bin" && ! grep -aq "KiB" "$TMP/tty-q.log"'
  head -c 1000 /dev/urandom >"$TMP/small.bin"
  script -qec "'$CLIENT' -m PUT --payload @'$TMP/small.bin' '$S/store'" \
    "$TMP/tty-small.log" >/dev/null 2>&1 </dev/null
  check "small transfers: no summary" eval '! grep -aq "sent\|received" "$TMP/tty-small.log"'
else
  echo "# skipping the terminal progress checks: no script(1)"
fi
stop_server "$SPID"

finish
