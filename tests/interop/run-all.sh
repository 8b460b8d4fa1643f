#!/bin/bash
# Run every interop suite (the "interop" suite of meson, tests/interop/
# meson.build) against the peers and regenerate docs/INTEROP.md and the
# README's totals from the results:
#
#   eval "$(bash tests/interop/peers.sh)"   # aiocoap, libcoap 4.3.5
#   bash tests/interop/run-all.sh [BUILDDIR]
#
# BUILDDIR (default $BUILDDIR, else ./build) holds our built programs.
# Suites whose peer is not prepared are skipped (and shown as not run).
# INTEROP_VERBOSE=1 shows the peers' output, INTEROP_KEEP=1 keeps the
# temporary directories. Exit status 1 when a suite failed.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BUILD=${1:-${BUILDDIR:-$SRC/build}}
BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || { echo "no build directory '$BUILD' (meson setup build && ninja -C build)" >&2; exit 1; }

RESULTS="$BUILD/interop-results"
rm -rf "$RESULTS"
bash "$HERE/environment.sh" "$RESULTS" "$BUILD"
meson test -C "$BUILD" --suite interop --print-errorlogs
status=$?
bash "$HERE/make-table.sh" "$RESULTS" "$SRC/docs/INTEROP.md"
exit $status
