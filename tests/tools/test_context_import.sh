#!/usr/bin/env bash
# oscore-context-import as the user runs it: the files it writes (modes,
# keys, hex values, the peer's swap, draft-08 keys) and every refusal with
# one error line naming the culprit, exit 1 and nothing written.
# Usage: test_context_import.sh OSCORE-CONTEXT-IMPORT
set -u
IMPORT=$(realpath "$1")
. "$(dirname "$0")/../lib/harness.sh"
harness_begin ctx-import
key() {  # key FILE NAME: the JSON value of NAME
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], "-"))' "$1" "$2"
}

# --- what a good import writes
"$IMPORT" --master-secret 'Ma$T3Rs3CR3t' --master-salt 'Ma$T3Rs4LT' \
  --sender-id 15 --recipient-id 25 --id-context hex:37cbf3210017a2d3 \
  a/b/dev >out 2>err
check "import exit 0" [ $? -eq 0 ]
check "one line on stdout" [ "$(wc -l <out)" = 1 ]
check "nothing on stderr" [ ! -s err ]
check "directory 0700" [ "$(stat -c %a a/b/dev)" = 700 ]
check "parents 0700" [ "$(stat -c %a a/b)" = 700 ]
check "secret.json 0600" [ "$(stat -c %a a/b/dev/secret.json)" = 600 ]
check "settings.json 0644" [ "$(stat -c %a a/b/dev/settings.json)" = 644 ]
check "secret as hex" [ "$(key a/b/dev/secret.json secret_hex)" = 4d6124543352733343523374 ]
check "salt as hex" [ "$(key a/b/dev/secret.json salt_hex)" = 4d612454335273344c54 ]
check "sender ID" [ "$(key a/b/dev/settings.json sender-id_hex)" = 3135 ]
check "recipient ID" [ "$(key a/b/dev/settings.json recipient-id_hex)" = 3235 ]
check "ID context" [ "$(key a/b/dev/settings.json id-context_hex)" = 37cbf3210017a2d3 ]
check "algorithm" [ "$(key a/b/dev/settings.json algorithm)" = AES-CCM-16-64-128 ]
check "hash" [ "$(key a/b/dev/settings.json kdf-hashfun)" = sha256 ]
check "RFC 8613: no draft-08 keys" [ "$(key a/b/dev/settings.json oscore-version)" = - ]
check "the secret is not printed" bash -c '! grep -q "Ma\$T3" out'

"$IMPORT" --master-secret text:hex:x --sender-id hex: --recipient-id hex:0a \
  --aead 1 --hmac 6 --peer --draft08 --option-number 21 --common-iv-id null peer 2>err
check "draft-08 with another AEAD refused" [ $? -eq 1 ]
check "draft-08 AEAD error named" grep -q "fixes AES-CCM-16-64-128" err
check "draft-08 refusal writes nothing" [ ! -e peer ]
"$IMPORT" --master-secret text:hex:x --sender-id hex: --recipient-id hex:0a \
  --peer --draft08 --option-number 9 --common-iv-id null peer
check "peer import exit 0" [ $? -eq 0 ]
check "text: prefix keeps the rest" [ "$(key peer/secret.json secret_hex)" = 6865783a78 ]
check "empty salt" [ "$(key peer/secret.json salt_hex)" = "" ]
check "peer: sender is the object's recipient" [ "$(key peer/settings.json sender-id_hex)" = 0a ]
check "peer: recipient is the object's sender" [ "$(key peer/settings.json recipient-id_hex)" = "" ]
check "draft-08 version key" [ "$(key peer/settings.json oscore-version)" = draft-08 ]
check "draft-08 option key" [ "$(key peer/settings.json option-number)" = 9 ]
check "draft-08 IV id key" [ "$(key peer/settings.json common-iv-id)" = null ]
check "no ID context unless given" [ "$(key peer/settings.json id-context_hex)" = - ]

# --- refusals: exit 1, one line naming the culprit, nothing written
long=$(head -c 600 /dev/zero | tr '\0' a)
refuse() {  # refuse LABEL NEEDLE ARGS...: nothing may appear at x/
  local label=$1 needle=$2; shift 2
  "$IMPORT" "$@" >out 2>err; local rc=$?
  check "$label: exit 1" [ $rc -eq 1 ]
  check "$label: names '$needle'" grep -q -- "$needle" err
  check "$label: one line" [ "$(wc -l <err)" = 1 ]
  check "$label: nothing written" [ ! -e x ]
  check "$label: no secret shown" bash -c '! grep -q "s3cr3t-value" err'
}
base=(--master-secret s3cr3t-value --sender-id 01 --recipient-id 02)
refuse "no secret" "required" --sender-id 1 --recipient-id 2 x
refuse "no sender" "required" --master-secret s3cr3t-value --recipient-id 2 x
refuse "no directory" "Usage" "${base[@]}"
refuse "two directories" "Usage" "${base[@]}" x y
refuse "unknown option" "--bogus: unknown option" "${base[@]}" --bogus x
refuse "odd hex" "--sender-id: odd number" --master-secret s3cr3t-value \
  --sender-id hex:123 --recipient-id 2 x
refuse "not hex" "--recipient-id: not hex" --master-secret s3cr3t-value \
  --sender-id 1 --recipient-id hex:zz x
refuse "ID too long" "--sender-id: too long" --master-secret s3cr3t-value \
  --sender-id 12345678 --recipient-id 2 x
refuse "ID too long for the AEAD" "at most 6 bytes" "${base[@]}" --aead 1 \
  --sender-id 1234567 x
refuse "secret too long" "--master-secret: too long" --master-secret "$long" \
  --sender-id 1 --recipient-id 2 x
refuse "empty secret" "master secret is empty" --master-secret "" \
  --sender-id 1 --recipient-id 2 x
refuse "equal IDs" "equal" --master-secret s3cr3t-value --sender-id 7 \
  --recipient-id 7 x
refuse "unknown AEAD" "AEAD algorithm 99" "${base[@]}" --aead 99 x
refuse "AEAD not a number" "--aead: not an integer" "${base[@]}" --aead ten x
refuse "unknown HMAC" "HMAC algorithm 4" "${base[@]}" --hmac 4 x
refuse "option without draft-08" "only apply in draft-08" "${base[@]}" \
  --option-number 21 x
refuse "IV id without draft-08" "only apply in draft-08" "${base[@]}" \
  --common-iv-id null x
refuse "option 11" "21 or 9" "${base[@]}" --draft08 --option-number 11 x
refuse "IV id unknown" "--common-iv-id" "${base[@]}" --draft08 \
  --common-iv-id nil x
refuse "ID context too long" "--id-context: too long" "${base[@]}" \
  --id-context "$long" x
mkdir x && touch x/keep
"$IMPORT" "${base[@]}" x >out 2>err
check "existing directory: exit 1" [ $? -eq 1 ]
check "existing directory: named" grep -q "x: already exists" err
check "existing directory untouched" [ "$(ls x)" = keep ]
rm -r x
touch afile
"$IMPORT" "${base[@]}" afile/sub >out 2>err
check "parent is a file: exit 1" [ $? -eq 1 ]
check "parent is a file: named" grep -q "afile/sub" err
check "parent is a file: nothing left" [ ! -e afile/sub ]

echo "$checks checks, $fails failed" >&2
harness_result
