#!/usr/bin/env bash
# oscore-context-pair writes only forms aiocoap's FilesystemSecurityContext
# reads (issue 13 item 14): secret.json (never secrets.json), byte keys as
# "_hex" strings (never {"hex": ...} objects), and our store reads the
# result without a single warning.
# Arguments: OSCORE_CONTEXT_PAIR STORE_CTXTOOL
set -u
PAIR=$1
CTXTOOL=$2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/pair-forms.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fails=0
n=0
check() {
  n=$((n + 1))
  if "${@:2}"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fails=$((fails + 1)); fi
}

"$PAIR" --id-context 0a0b "$TMP/client" "$TMP/server" >"$TMP/out" 2>"$TMP/err"
rc=$?
check "oscore-context-pair succeeds" [ "$rc" = 0 ]
forms_ok() {
  /usr/bin/python3 - "$1" <<'PY'
import json, os, sys
d = sys.argv[1]
names = sorted(os.listdir(d))
assert "secrets.json" not in names and "secret.json" in names, names
plain = {"algorithm", "kdf-hashfun", "window"}
for f in ("settings.json", "secret.json"):
    def no_dups(pairs):
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), (f, keys)
        return dict(pairs)
    data = json.load(open(os.path.join(d, f)), object_pairs_hook=no_dups)
    for k, v in data.items():
        if k in plain:
            assert not isinstance(v, (dict, list)), (f, k)
        else:
            assert k.endswith("_hex") and isinstance(v, str), (f, k)
PY
}
for side in client server; do
  check "$side: only secret.json and _hex strings" forms_ok "$TMP/$side"
  "$CTXTOOL" show "$TMP/$side" >"$TMP/$side.show" 2>"$TMP/$side.err"
  rc=$?
  check "$side: read by the store without a warning" \
    eval '[ "$rc" = 0 ] && [ ! -s "$TMP/$side.err" ]'
done

echo "1..$n"
[ "$fails" = 0 ]
