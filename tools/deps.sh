#!/usr/bin/env bash
# Installs the Debian 12 packages oscore-tools needs to build and test.
# Sourced or run by tests/run-all.sh and tools/demo.sh; does nothing when
# everything is present, so it is cheap to call every time.
set -euo pipefail

OSCORE_TOOLS_PACKAGES=(
  build-essential meson ninja-build pkg-config
  libcoap3-dev libssl-dev nettle-dev libcjson-dev libcbor-dev
  libcoap3-bin media-types python3 man-db groff-base
  openssl
)

missing=()
for p in "${OSCORE_TOOLS_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: missing Debian packages: ${missing[*]}" >&2
    echo "deps.sh: run as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "deps.sh: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
