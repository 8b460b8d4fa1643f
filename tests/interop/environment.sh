#!/bin/bash
# Write RESULTS-DIR/environment.tsv: what ran against what (date, system,
# our version, the peers' versions), for the header of docs/INTEROP.md.
#
#   environment.sh RESULTS-DIR BUILDDIR
#
# The peers come from the environment, as for the tests (peers.sh).
set -u
RESULTS=${1:?usage: environment.sh RESULTS-DIR BUILDDIR}
BUILD=${2:?usage: environment.sh RESULTS-DIR BUILDDIR}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$RESULTS"
{
  printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
  printf 'system\t%s\n' "$(uname -sr), $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
  printf 'oscore-tools\t%s (git %s)\n' \
    "$("$BUILD/tools/oscore-plugtest-server" --version 2>/dev/null | awk '{print $2}')" \
    "$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null)"
  if [ -n "${AIOCOAP_DIR:-}" ] && [ -n "${AIOCOAP_PYTHON:-}" ]; then
    # An unpacked archive has no git: peers.sh's cache directory is named
    # after the archive's SHA-256.
    printf 'aiocoap\t%s (%s), Python %s\n' \
      "$(PYTHONPATH="${AIOCOAP_PYTHONPATH:-$AIOCOAP_DIR}" "$AIOCOAP_PYTHON" -c 'import aiocoap.meta; print(aiocoap.meta.version)' 2>/dev/null)" \
      "$(git -C "$AIOCOAP_DIR" rev-parse --short HEAD 2>/dev/null || echo "from $(basename "$(dirname "$AIOCOAP_DIR")")")" \
      "$("$AIOCOAP_PYTHON" -c 'import platform; print(platform.python_version())' 2>/dev/null)"
  else
    printf 'aiocoap\tnot configured\n'
  fi
  if [ -n "${LIBCOAP_OSCORE_BIN:-}" ]; then
    printf 'libcoap\t%s with OSCORE (%s)\n' \
      "$("$LIBCOAP_OSCORE_BIN/coap-client" -h x 2>&1 | sed -n 's/^coap-client \(v[^ ]*\) .*/\1/p' | head -n 1)" \
      "from $(basename "$(dirname "$(dirname "$LIBCOAP_OSCORE_BIN")")")"
  else
    printf 'libcoap\tnot configured\n'
  fi
} > "$RESULTS/environment.tsv"
