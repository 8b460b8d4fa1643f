#!/usr/bin/env bash
# oscore-client's conditional requests (RFC 7252 §5.10.8): --if-match and
# --if-none-match reach the wire as If-Match (1) and If-None-Match (5)
# options, in order, and bad ETags are usage errors naming the value.
source "$(dirname "$0")/lib.sh" "$@"

start_optecho
E="coap://127.0.0.1:$ECHOPORT/f"
run one -m PUT --payload x --if-match 7b "$E"
check "--if-match 7b sends If-Match 0x7b" \
  eval 'rc_is one 0 && grep -qx "1=7b" "$TMP/one.out"'
run two -m PUT --payload x --if-match 0x0102 --if-match "" --if-match aa:bb "$E"
check "repeated --if-match, 0x prefix, empty (exists) and colons, in order" \
  eval 'rc_is two 0 && [ "$(grep "^1=" "$TMP/two.out" | tr "\n" " ")" = "1=0102 1= 1=aabb " ]'
run none -m PUT --payload x --if-none-match "$E"
check "--if-none-match sends an empty If-None-Match" \
  eval 'rc_is none 0 && grep -qx "5=" "$TMP/none.out"'
run plain -m PUT --payload x "$E"
check "no condition given: neither option" \
  eval 'rc_is plain 0 && ! grep -q "^[15]=" "$TMP/plain.out"'

run bad --if-match zz "$E"
check "a non-hex ETag is a usage error naming it" \
  eval 'rc_is bad 2 && err_has bad "if-match: '"'"'zz'"'"'" && one_line bad'
run long --if-match 010203040506070809 "$E"
check "an ETag longer than 8 bytes is refused" \
  eval 'rc_is long 2 && err_has long "0 to 8 bytes"'
run odd --if-match 123 "$E"
check "an odd number of hex digits is refused" eval 'rc_is odd 2'
finish
