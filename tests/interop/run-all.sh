#!/bin/bash
# Run every interop suite against the peers configured in the environment
# and regenerate docs/INTEROP.md from the results:
#
#   source /opt/peers/env.sh      # or wherever your peers are
#   bash tests/interop/run-all.sh [BUILDDIR]
#
# BUILDDIR (default $BUILDDIR, else ./build) holds our built programs.
# Suites whose peer is not configured are skipped (and shown as not run).
# INTEROP_VERBOSE=1 shows the peers' output, INTEROP_KEEP=1 keeps the
# temporary directories. Exit status 1 when a suite failed.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BUILD=${1:-${BUILDDIR:-$SRC/build}}
BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || { echo "no build directory '$BUILD' (meson setup build && ninja -C build)" >&2; exit 1; }

export PLUGTEST_SERVER="$BUILD/tools/oscore-plugtest-server"
export OSCORE_CLIENT="$BUILD/src/client/oscore-client"
export OSCORE_FILESERVER="$BUILD/src/fileserver/oscore-fileserver"
export INTEROP_RESULTS="$BUILD/interop-results"
rm -rf "$INTEROP_RESULTS"
mkdir -p "$INTEROP_RESULTS"

# What ran against what, for the table's header.
{
  printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
  printf 'system\t%s\n' "$(uname -sr), $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
  printf 'oscore-tools\t%s (git %s)\n' "$("$PLUGTEST_SERVER" --version 2>/dev/null | awk '{print $2}')" \
    "$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null)"
  if [ -n "${AIOCOAP_DIR:-}" ] && [ -n "${AIOCOAP_PYTHON:-}" ]; then
    printf 'aiocoap\t%s (git %s), Python %s\n' \
      "$(PYTHONPATH="${AIOCOAP_PYTHONPATH:-}" "$AIOCOAP_PYTHON" -c 'import aiocoap.meta; print(aiocoap.meta.version)' 2>/dev/null)" \
      "$(git -C "$AIOCOAP_DIR" rev-parse --short HEAD 2>/dev/null)" \
      "$("$AIOCOAP_PYTHON" -c 'import platform; print(platform.python_version())' 2>/dev/null)"
  else
    printf 'aiocoap\tnot configured\n'
  fi
  if [ -n "${LIBCOAP_OSCORE_BIN:-}" ]; then
    printf 'libcoap\t%s\n' "$("$LIBCOAP_OSCORE_BIN/coap-client" -h x 2>&1 | sed -n 's/.*Build: *\([^ ]*\).*/\1/p' | head -n 1) with OSCORE"
  else
    printf 'libcoap\tnot configured\n'
  fi
} > "$INTEROP_RESULTS/environment.tsv"

status=0
for suite in aiocoap-plugtest-client libcoap-oscore-testcases \
             oscore-client-vs-aiocoap-plugtest fileserver-cross; do
  echo "== $suite"
  bash "$HERE/$suite.sh"
  rc=$?
  case $rc in
    0) ;;
    77) echo "   (skipped)" ;;
    *) status=1 ;;
  esac
done
bash "$HERE/make-table.sh" "$INTEROP_RESULTS" "$SRC/docs/INTEROP.md"
exit $status
