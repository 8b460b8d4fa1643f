#!/usr/bin/env bash
# oscore-keygen as a user runs it: the key file is aiocoap's .cosekey
# (checked with cbor2 as aiocoap writes it, and its public key with the
# cryptography module as aiocoap derives it), mode 0600, never overwritten;
# the printed credential is aiocoap-keygen's line; usage errors exit 2.
set -u
keygen=$1
py=/usr/bin/python3
dir=$(mktemp -d /tmp/oscore-keygen-test-XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail=0
check() { if ! eval "$1"; then echo "FAIL: $2" >&2; fail=1; fi; }

out=$("$keygen" generate "$dir/server.cosekey" --kid 0a); rc=$?
check '[ $rc -eq 0 ]' "generate exits 0 (got $rc)"
check '[ "$(stat -c %a "$dir/server.cosekey")" = 600 ]' "key file mode 0600"
check '[[ "$out" == "{14: {8: {1: {1: 2, 2: h'"'"'0a'"'"', -1: 1, -2: h'"'"'"* ]]' \
  "credential line has aiocoap's shape: $out"
if "$py" -c 'import cbor2, cryptography' 2>/dev/null; then
  "$py" - "$dir/server.cosekey" "$out" <<'PY' || fail=1
import re, sys, cbor2
from cryptography.hazmat.primitives.asymmetric import ec
raw = open(sys.argv[1], "rb").read()
key = cbor2.loads(raw)
assert list(key) == [1, -1, -4] and key[1] == 2 and key[-1] == 1, key
assert raw == cbor2.dumps({1: 2, -1: 1, -4: key[-4]}), "not aiocoap's bytes"
pub = ec.derive_private_key(int.from_bytes(key[-4], "big"), ec.SECP256R1()).public_key().public_numbers()
x, y = re.search(r"-2: h'([0-9a-f]{64})', -3: h'([0-9a-f]{64})'", sys.argv[2]).groups()
assert bytes.fromhex(x) == pub.x.to_bytes(32, "big"), "x differs"
assert bytes.fromhex(y) == pub.y.to_bytes(32, "big"), "y differs"
PY
else
  echo "cbor2/cryptography missing: aiocoap-side checks skipped" >&2
fi

before=$(sha256sum < "$dir/server.cosekey")
"$keygen" generate "$dir/server.cosekey" --kid 0b >/dev/null 2>"$dir/err"; rc=$?
check '[ $rc -eq 1 ]' "existing file: exit 1 (got $rc)"
check 'grep -q "exists already" "$dir/err"' "existing file named"
check '[ "$(sha256sum < "$dir/server.cosekey")" = "$before" ]' "existing file unchanged"
ln -s "$dir/elsewhere" "$dir/link.cosekey"
"$keygen" generate "$dir/link.cosekey" >/dev/null 2>&1; rc=$?
check '[ $rc -eq 1 ] && [ ! -e "$dir/elsewhere" ]' "dangling link not followed"

out=$("$keygen" generate "$dir/c.cosekey" --subject 'my "client"' --curve x25519)
check '[[ "$out" == "{14: {2: \"my \\\"client\\\"\", 8: {1: {1: 1, -1: 4, -2: h'"'"'"* ]]' \
  "subject and X25519: $out"
for args in "" "generate" "frobnicate x" "generate a b" "generate x --kid 0" \
            "generate x --kid zz" "generate x --curve P-384" "--bogus"; do
  # shellcheck disable=SC2086
  "$keygen" $args >/dev/null 2>&1; rc=$?
  check '[ $rc -eq 2 ]' "usage error for '$args' exits 2 (got $rc)"
done
check '[ ! -e "$dir/x" ]' "no file after a usage error"
"$keygen" --help | grep -q '^Usage: oscore-keygen generate KEYFILE' ||
  { echo "FAIL: --help" >&2; fail=1; }
exit $fail
