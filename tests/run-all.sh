#!/usr/bin/env bash
# The whole test suite: installs what it needs (Debian 12, as root), builds
# in build/ and runs every test. Ends with "N passed, N failed, N skipped".
# Extra arguments go to `meson test` (e.g. a suite name).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash tools/deps.sh

builddir=${BUILDDIR:-build}
if [ -f "$builddir/build.ninja" ]; then
  meson setup --reconfigure "$builddir" ${MESON_SETUP_ARGS:-} >/dev/null
else
  meson setup "$builddir" ${MESON_SETUP_ARGS:-} >/dev/null
fi
ninja -C "$builddir" >/dev/null

set +e
meson test -C "$builddir" --print-errorlogs --num-processes 2 "$@"
status=$?
set -e

python3 - "$builddir/meson-logs/testlog.json" <<'PY'
import json, sys
counts = {"passed": 0, "failed": 0, "skipped": 0}
with open(sys.argv[1]) as f:
    for line in f:
        r = json.loads(line).get("result", "")
        if r in ("OK", "EXPECTEDFAIL"):
            counts["passed"] += 1
        elif r == "SKIP":
            counts["skipped"] += 1
        else:
            counts["failed"] += 1
print(f'{counts["passed"]} passed, {counts["failed"]} failed, {counts["skipped"]} skipped')
PY
exit $status
