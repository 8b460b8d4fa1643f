#!/usr/bin/env bash
# oscore-client over plain CoAP against client_testserver: methods, payload
# sources, empty and multi-megabyte bodies byte for byte (Block1/Block2),
# -o, ETag change, options on the wire, proxy form, pretty-printing,
# timeouts and unreachable servers.
source "$(dirname "$0")/lib.sh" "$@"

start_server plain
S=coap://127.0.0.1:$PORT

run hello "$S/hello"
check "GET /hello: body raw on stdout, exit 0" \
  eval 'rc_is hello 0 && out_is hello "Hello world" && [ ! -s "$TMP/hello.err" ]'

run empty "$S/empty"
check "0-byte body: empty stdout, exit 0" \
  eval 'rc_is empty 0 && [ ! -s "$TMP/empty.out" ]'

pattern_file 3000000 "$TMP/big.expect"
run big "$S/big/3000000"
check "3 MB Block2 download byte-identical" \
  eval 'rc_is big 0 && same_file "$TMP/big.out" "$TMP/big.expect"'

run notfound "$S/nothing/here"
check "4.04: exit 4, code and diagnostic on stderr, nothing on stdout" \
  eval 'rc_is notfound 4 && err_has notfound "4.04 Not Found" && [ ! -s "$TMP/notfound.out" ]'

run fail5 "$S/fail5"
check "5.03: exit 5 with its diagnostic payload" \
  eval 'rc_is fail5 5 && err_has fail5 "5.03 Service Unavailable" && err_has fail5 "try later"'

# PUT / GET / POST / DELETE with the payload from text, file and stdin.
run put-text -m PUT --payload "some text" "$S/store"
run get-text "$S/store"
check "PUT text then GET it back" \
  eval 'rc_is put-text 0 && rc_is get-text 0 && out_is get-text "some text"'

head -c 2500000 /dev/urandom >"$TMP/up.bin"
run put-file -m PUT --payload "@$TMP/up.bin" "$S/store"
run get-file "$S/store"
check "2.5 MB PUT from a file (Block1) and GET back byte-identical" \
  eval 'rc_is put-file 0 && rc_is get-file 0 && same_file "$TMP/get-file.out" "$TMP/up.bin"'

head -c 5000 /dev/urandom >"$TMP/stdin.bin"
"$CLIENT" -m POST --payload @- "$S/store" <"$TMP/stdin.bin" >"$TMP/post.out" 2>"$TMP/post.err"
echo $? >"$TMP/post.rc"
run get-stdin "$S/store"
check "POST from stdin: 2.01 with Location shown, body stored" \
  eval 'rc_is post 0 && err_has post "Location options indicate new resource: /store" && same_file "$TMP/get-stdin.out" "$TMP/stdin.bin"'

: >"$TMP/zero.bin"
run put-zero -m PUT --payload "@$TMP/zero.bin" "$S/store"
run get-zero "$S/store"
check "0-byte PUT from a file, GET gives 0 bytes" \
  eval 'rc_is put-zero 0 && rc_is get-zero 0 && [ ! -s "$TMP/get-zero.out" ]'

run delete -m DELETE "$S/store"
run delete2 -m delete "$S/store"
check "DELETE: 2.02, then 4.04 (method names case-insensitive)" \
  eval 'rc_is delete 0 && rc_is delete2 4'

# Small blocks both ways (--payload-initial-szx).
seq 1 300 >"$TMP/seq.txt"
run put-szx -v -m PUT --payload-initial-szx 0 --payload "@$TMP/seq.txt" "$S/store"
run get-szx -vv --payload-initial-szx 1 "$S/store"
check "szx 0 upload (16-byte Block1) and szx 1 download (32-byte Block2)" \
  eval 'rc_is put-szx 0 && err_has put-szx "Block1 (27): 0/1/16" && rc_is get-szx 0 && same_file "$TMP/get-szx.out" "$TMP/seq.txt" && err_has get-szx "Block2 (23): 3/1/32"'
check "multi-block upload carries a Request-Tag (RFC 9175)" \
  err_has put-szx "Request-Tag (292): h'"

# -o: complete file or none at all.
run out-ok -o "$TMP/o1.bin" "$S/big/100000"
pattern_file 100000 "$TMP/o1.expect"
check "-o writes the whole body to the file, nothing to stdout" \
  eval 'rc_is out-ok 0 && same_file "$TMP/o1.bin" "$TMP/o1.expect" && [ ! -s "$TMP/out-ok.out" ]'
run out-404 -o "$TMP/o2.bin" "$S/nothing"
check "-o with a 4.04: no file created" \
  eval 'rc_is out-404 4 && [ ! -e "$TMP/o2.bin" ]'
echo old >"$TMP/o3.bin"
run out-etag -o "$TMP/o3.bin" "$S/changing/5000"
check "ETag change mid-transfer: exit 8, old file untouched, no temp file" \
  eval 'rc_is out-etag 8 && err_has out-etag "ETag changed" && [ "$(cat "$TMP/o3.bin")" = old ] && [ -z "$(ls -A "$TMP" | grep "^\.o3")" ]'
run etag-stdout "$S/changing/5000"
check "ETag change to stdout: exit 8, at most the first block written" \
  eval 'rc_is etag-stdout 8 && [ "$(stat -c %s "$TMP/etag-stdout.out")" -le 1024 ]'
run out-dir -o "$TMP/no/such/dir/f" "$S/hello"
check "-o into a missing directory: exit 1 naming the file" \
  eval 'rc_is out-dir 1 && err_has out-dir "$TMP/no/such/dir/f"'

# What goes on the wire.
run query "$S/query?a=1&b=x%20y&c=%26"
check "Uri-Query split at & and percent-decoded" out_is query "a=1&b=x y&c=&"
run info --content-format application/json --accept 60 -m 2 --payload abc "$S/info"
check "Content-Format / Accept by name and number, method by number" \
  eval 'rc_is info 0 && grep -q "^code=2 cf=50 accept=60 host=none port=0 len=3" "$TMP/info.out"'
run ipatch -m iPATCH "$S/info"
check "iPATCH is method 7" eval 'grep -q "^code=7 " "$TMP/ipatch.out"'
run host "coap://localhost:$PORT/info"
run nohost --no-set-hostname "coap://localhost:$PORT/info"
check "Uri-Host from a host name" \
  eval 'rc_is host 0 && grep -q "host=localhost " "$TMP/host.out"'
check "--no-set-hostname: no Uri-Host" \
  eval 'rc_is nohost 0 && grep -q "host=none " "$TMP/nohost.out"'
# A libcoap server refuses Proxy-* itself (5.05), so a raw endpoint that
# lists the options it got plays the proxy. "coap" is 636f6170; libcoap
# adds Hop-Limit 16 (RFC 8768) to proxied requests itself.
start_optecho
run proxy --proxy "coap://127.0.0.1:$ECHOPORT" "coap://Example.ORG:1234/a/b?q"
check "--proxy: Uri-Host, Uri-Port, Uri-Path, Uri-Query, Proxy-Scheme to the proxy" \
  eval 'rc_is proxy 0 && [ "$(tr "\n" " " <"$TMP/proxy.out")" = "3=6578616d706c652e6f7267 7=04d2 11=61 11=62 15=71 16=10 39=636f6170 " ]'
run proxy-v6 --proxy "127.0.0.1:$ECHOPORT" "coap://[::1]/x"
check "--proxy keeps an IPv6 literal bracketed in Uri-Host (bare host:port proxy)" \
  eval 'rc_is proxy-v6 0 && grep -q "^3=5b3a3a315d$" "$TMP/proxy-v6.out"'
run proxy-http --proxy "coap://127.0.0.1:$ECHOPORT" "http://example.com/p?x=1"
check "--proxy with an http:// URI: the whole URI as Proxy-Uri" \
  eval 'rc_is proxy-http 0 && grep -qx "35=$(printf %s "http://example.com/p?x=1" | od -An -tx1 | tr -d " \n")" "$TMP/proxy-http.out"'
run direct-v4 "coap://127.0.0.1:$ECHOPORT/x"
check "direct to an IP literal: no Uri-Host, no Uri-Port" \
  eval 'rc_is direct-v4 0 && [ "$(cat "$TMP/direct-v4.out")" = "11=78" ]'
run non --non "$S/hello"
check "--non: NON request answered" eval 'rc_is non 0 && out_is non "Hello world"'
run vnon -v --non "$S/hello"
check "-v shows the request, the response and the type" \
  eval 'err_has vnon "GET to 127.0.0.1:$PORT (NON)" && err_has vnon "2.05 Content from" && err_has vnon "Uri-Path (11): \"hello\""'

# IPv6 literal, when the host has ::1.
if python3 -c 'import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::1", 0))' 2>/dev/null; then
  start_server v6 --bind "[::1]:0"
  run v6 "coap://[::1]:$PORT/hello"
  check "IPv6 literal [::1]" eval 'rc_is v6 0 && out_is v6 "Hello world"'
else
  echo "# SKIP IPv6 literal: no ::1 on this host"
fi

# Pretty-printing (forced: stdout is a file here) and its absence.
run link --pretty-print "$S/link"
check "link-format pretty-printed one link per line" \
  eval 'rc_is link 0 && [ "$(cat "$TMP/link.out")" = "$(printf "</a>;ct=0,\n</b/>;ct=40,\n</c>;rt=\"x,y\"")" ]'
run json --pretty-print "$S/json"
check "JSON indented as jq does (two spaces, one member per line)" \
  eval '[ "$(cat "$TMP/json.out")" = "$(printf "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": \"x\"\n}")" ]'
run cbor --pretty-print "$S/cbor"
check "CBOR in diagnostic notation" \
  eval '[ "$(tr -d "\n " <"$TMP/cbor.out")" = "{1:[h'"'"'0102'"'"',\"x\"],-2:true}" ]'
run raw "$S/cbor"
check "not a terminal: raw bytes by default" \
  eval '[ "$(od -An -tx1 "$TMP/raw.out" | tr -d " \n")" = a20182420102617821f5 ]'

# Nobody answers: the timeout status within the time.
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(60)
' >"$TMP/silent.port" &
PIDS+=($!)
for i in $(seq 1 100); do [ -s "$TMP/silent.port" ] && break; sleep 0.05; done
SILENT=$(cat "$TMP/silent.port")
# valgrind (OSCORE_TEST_WRAP) adds seconds of start-up and exit.
slack=0
[ -n "${OSCORE_TEST_WRAP:-}" ] && slack=10000
start=$(date +%s%N)
run silent --timeout 1.5 "coap://127.0.0.1:$SILENT/x"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "silent server: exit 6 after about --timeout (took ${ms} ms)" \
  eval 'rc_is silent 6 && err_has silent "no response" && [ "$ms" -ge 1400 ] && [ "$ms" -lt $((4000 + slack)) ]'
run silent-non --non --timeout 0.5 "coap://127.0.0.1:$SILENT/x"
check "silent server, NON: exit 6" rc_is silent-non 6

# Nobody listening: ICMP port unreachable, fails fast.
FREE=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start=$(date +%s%N)
run closed --timeout 20 "coap://127.0.0.1:$FREE/x"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "closed port: exit 6 at once (${ms} ms)" \
  eval 'rc_is closed 6 && err_has closed "unreachable" && [ "$ms" -lt $((5000 + slack)) ]'

finish
