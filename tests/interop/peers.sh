#!/usr/bin/env bash
# Prepare the interop peers (aiocoap, libcoap 4.3.5 with OSCORE) outside the
# tree and print the environment lines the peer tests read:
#
#   eval "$(bash tests/interop/peers.sh)"
#
# Sources, per peer, in this order:
#   1. variables already set: AIOCOAP_DIR (aiocoap), LIBCOAP_OSCORE_BIN and
#      LIBCOAP_OSCORE_SRC (libcoap) are used as they are;
#   2. the pinned archives in ../shared/peers/ beside the project
#      (OSCORE_PEERS_ARCHIVES=DIR names another directory);
#   3. a `git clone` of the same pinned commits (needs network).
# aiocoap runs from its unpacked tree with Debian's python3-cbor2,
# python3-cryptography and python3-filelock under /usr/bin/python3.
# libcoap 4.3.5 is built with CMake, OSCORE and OpenSSL, statically (its
# library has the soname of Debian's libcoap 4.3.1, which our programs
# load: no LD_LIBRARY_PATH may point at it).
#
# Everything goes to a cache outside the tree, keyed by the archive's
# SHA-256 (or the cloned commit), so a second run costs nothing:
# OSCORE_PEERS_CACHE, else /var/cache/oscore-tools-peers as root, else
# ${XDG_CACHE_HOME:-~/.cache}/oscore-tools-peers. Missing Debian packages
# are installed with apt-get when run as root.
#
# Output (stdout): `export NAME=VALUE` lines, among them
# OSCORE_PEERS_REQUIRED="aiocoap libcoap" (the peers prepared): a peer test
# whose peer is listed there fails instead of skipping when it cannot run.
# Progress and reasons go to stderr. Exit status: 0 when at least one peer
# is ready, 77 when this machine has no source for any peer (the peer tests
# then skip, saying why), 1 when a source exists but preparing it failed.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)

# The pinned versions (../shared/peers/README.md).
AIOCOAP_GIT=https://github.com/chrysn/aiocoap
AIOCOAP_COMMIT=f867dc482ec4bfd7246924a7f4babf30b0193e79
LIBCOAP_GIT=https://github.com/obgm/libcoap
LIBCOAP_TAG=v4.3.5

PY=/usr/bin/python3
APT_PACKAGES=(python3-cbor2 python3-cryptography python3-filelock
              cmake libssl-dev pkg-config git)

say() { echo "peers.sh: $*" >&2; }

if [ -n "${OSCORE_PEERS_CACHE:-}" ]; then
  cache=$OSCORE_PEERS_CACHE
elif [ "$(id -u)" -eq 0 ]; then
  cache=/var/cache/oscore-tools-peers
else
  cache=${XDG_CACHE_HOME:-$HOME/.cache}/oscore-tools-peers
fi
archives=${OSCORE_PEERS_ARCHIVES:-$top/../shared/peers}

install_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get > /dev/null; then
    say "missing Debian packages: ${missing[*]} (run as root, or apt-get install them)"
    return 1
  fi
  say "installing ${missing[*]}"
  local log
  log=$(mktemp)
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
         apt-get install -y -qq --no-install-recommends "${missing[@]}"; } > "$log" 2>&1; then
    say "apt-get failed:"
    tail -n 5 "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

# archive NAME : the one NAME-*.tar.gz in $archives, or nothing.
archive() {
  local found=("$archives"/"$1"-*.tar.gz)
  [ -f "${found[0]}" ] || return 0
  if [ "${#found[@]}" -gt 1 ]; then
    say "several $1 archives in $archives; using ${found[0]}"
  fi
  printf '%s\n' "${found[0]}"
}

sha() { sha256sum "$1" | cut -c1-16; }

# unpack ARCHIVE DEST : DEST/ holds the archive's one top directory's
# contents, complete or not at all.
unpack() {
  local tmp
  tmp=$(mktemp -d "$(dirname "$2")/.unpack-XXXXXX") || return 1
  if tar -xzf "$1" -C "$tmp" && [ "$(ls "$tmp" | wc -l)" -eq 1 ]; then
    mv "$tmp"/* "$2" && rmdir "$tmp"
  else
    say "could not unpack $1"
    rm -rf "$tmp"
    return 1
  fi
}

# clone URL REF DEST : a checkout of REF in DEST, complete or not at all.
clone() {
  local tmp
  tmp=$(mktemp -d "$(dirname "$3")/.clone-XXXXXX") || return 1
  if timeout 600 git clone -q "$1" "$tmp/src" 2> "$tmp/err" &&
     git -C "$tmp/src" -c advice.detachedHead=false checkout -q "$2" 2>> "$tmp/err"; then
    mv "$tmp/src" "$3" && rm -rf "$tmp"
  else
    say "git clone of $1 ($2) failed: $(tail -n 1 "$tmp/err")"
    rm -rf "$tmp"
    return 1
  fi
}

# Each prepare_* sets its variables and returns 0, returns 77 when there is
# no source, 1 when preparing failed.
# aiocoap refuses OSCORE unless its EDHOC modules (ge25519, lakers) import
# too, though plain OSCORE never calls them; they are not in Debian. Where
# only those are missing, empty stand-ins (our own, in the cache) let it
# start: any use of them would fail loudly. Adds them to AIOCOAP_PYTHONPATH.
aiocoap_stubs() {
  local missing m stubs=$cache/aiocoap-edhoc-stubs
  missing=$(PYTHONPATH="$AIOCOAP_PYTHONPATH" "$AIOCOAP_PYTHON" -c \
    'import aiocoap.defaults as d; print(" ".join(d.oscore_missing_modules() or []))' 2>&1) || {
    say "aiocoap in $AIOCOAP_DIR does not import with $AIOCOAP_PYTHON: $(tail -n 1 <<< "$missing")"
    return 1
  }
  [ -n "$missing" ] || return 0
  for m in $missing; do
    case $m in
      ge25519|lakers-python)
        mkdir -p "$stubs"
        printf 'def __getattr__(name):\n    return type(name, (), {})\n' > "$stubs/${m%-python}.py" ;;
      *) say "aiocoap lacks modules OSCORE needs: $missing"; return 1 ;;
    esac
  done
  say "aiocoap: EDHOC modules missing ($missing); stand-ins in $stubs"
  AIOCOAP_PYTHONPATH=$AIOCOAP_PYTHONPATH:$stubs
}

prepare_aiocoap() {
  if [ -n "${AIOCOAP_DIR:-}" ]; then
    say "aiocoap: AIOCOAP_DIR=$AIOCOAP_DIR (already set)"
  else
    local a key
    a=$(archive aiocoap)
    if [ -n "$a" ]; then
      key=aiocoap-$(sha "$a")
      if [ ! -d "$cache/$key/aiocoap" ]; then
        say "aiocoap: unpacking $a"
        mkdir -p "$cache/$key" && unpack "$a" "$cache/$key/aiocoap" || return 1
      fi
    else
      key=aiocoap-git-${AIOCOAP_COMMIT:0:16}
      if [ ! -d "$cache/$key/aiocoap" ]; then
        say "aiocoap: no archive in $archives; cloning $AIOCOAP_GIT"
        mkdir -p "$cache/$key" && clone "$AIOCOAP_GIT" "$AIOCOAP_COMMIT" "$cache/$key/aiocoap" ||
          { rmdir "$cache/$key" 2> /dev/null; return 77; }
      fi
    fi
    AIOCOAP_DIR=$cache/$key/aiocoap
    say "aiocoap: $AIOCOAP_DIR"
  fi
  AIOCOAP_PYTHON=${AIOCOAP_PYTHON:-$PY}
  if [ -z "${AIOCOAP_PYTHONPATH:-}" ]; then
    AIOCOAP_PYTHONPATH=$AIOCOAP_DIR
    aiocoap_stubs || return 1
  fi
  local err
  if ! err=$(PYTHONPATH="$AIOCOAP_PYTHONPATH" "$AIOCOAP_PYTHON" -c \
      'import aiocoap.oscore, aiocoap.cli.fileserver' 2>&1); then
    say "aiocoap in $AIOCOAP_DIR does not import with $AIOCOAP_PYTHON: $(tail -n 1 <<< "$err")"
    return 1
  fi
}

prepare_libcoap() {
  if [ -n "${LIBCOAP_OSCORE_BIN:-}" ] && [ -n "${LIBCOAP_OSCORE_SRC:-}" ]; then
    say "libcoap: LIBCOAP_OSCORE_BIN=$LIBCOAP_OSCORE_BIN (already set)"
    return 0
  fi
  local a key dir
  a=$(archive libcoap)
  if [ -n "$a" ]; then
    key=libcoap-$(sha "$a")
  else
    key=libcoap-git-$LIBCOAP_TAG
  fi
  dir=$cache/$key
  if [ ! -f "$dir/built" ]; then
    rm -rf "$dir"
    mkdir -p "$dir" || return 1
    if [ -n "$a" ]; then
      say "libcoap: unpacking $a"
      unpack "$a" "$dir/src" || return 1
    else
      say "libcoap: no archive in $archives; cloning $LIBCOAP_GIT"
      clone "$LIBCOAP_GIT" "$LIBCOAP_TAG" "$dir/src" || { rm -rf "$dir"; return 77; }
    fi
    say "libcoap: building in $dir (about a minute on two cores; cached afterwards)"
    local t0=$SECONDS
    # In $dir: libcoap names its build after `git describe` of the current
    # directory, which must not be the project's checkout.
    if ! (cd "$dir" && cmake -S "$dir/src" -B "$dir/build" -DENABLE_OSCORE=ON -DENABLE_DTLS=ON \
             -DDTLS_BACKEND=openssl -DENABLE_EXAMPLES=ON -DENABLE_DOCS=OFF \
             -DENABLE_TESTS=OFF -DBUILD_SHARED_LIBS=OFF -DCMAKE_BUILD_TYPE=Release \
             -DCMAKE_INSTALL_PREFIX="$dir/prefix" &&
           cmake --build "$dir/build" -j"$(nproc)" &&
           cmake --install "$dir/build") > "$dir/build.log" 2>&1; then
      say "libcoap: build failed (log: $dir/build.log):"
      tail -n 20 "$dir/build.log" >&2
      return 1
    fi
    touch "$dir/built"
    say "libcoap: built in $((SECONDS - t0)) s"
  fi
  LIBCOAP_OSCORE_BIN=$dir/prefix/bin
  LIBCOAP_OSCORE_SRC=$dir/src
  local help
  help=$("$LIBCOAP_OSCORE_BIN/coap-client" -h x 2>&1)
  if ! grep -q 'Have OSCORE' <<< "$help"; then
    say "libcoap: $LIBCOAP_OSCORE_BIN/coap-client has no OSCORE"
    return 1
  fi
}

install_packages || say "continuing; a peer may not work without those packages"
mkdir -p "$cache" || { say "cannot create the cache $cache"; exit 1; }
# One preparer at a time (parallel test runs share the cache).
exec 9> "$cache/.lock"
flock -w 900 9 || { say "could not lock $cache/.lock"; exit 1; }

ready=() failed=0 none=0
prepare_aiocoap
case $? in
  0) ready+=(aiocoap) ;;
  77) none=$((none + 1)); unset AIOCOAP_DIR ;;
  *) failed=1; unset AIOCOAP_DIR ;;
esac
prepare_libcoap
case $? in
  0) ready+=(libcoap) ;;
  77) none=$((none + 1)) ;;
  *) failed=1 ;;
esac

q() { printf 'export %s=%q\n' "$1" "$2"; }
if [[ " ${ready[*]} " == *" aiocoap "* ]]; then
  q AIOCOAP_DIR "$AIOCOAP_DIR"
  q AIOCOAP_PYTHON "$AIOCOAP_PYTHON"
  q AIOCOAP_PYTHONPATH "$AIOCOAP_PYTHONPATH"
fi
if [[ " ${ready[*]} " == *" libcoap "* ]]; then
  q LIBCOAP_OSCORE_BIN "$LIBCOAP_OSCORE_BIN"
  q LIBCOAP_OSCORE_SRC "$LIBCOAP_OSCORE_SRC"
fi
[ "${#ready[@]}" -eq 0 ] || q OSCORE_PEERS_REQUIRED "${ready[*]}"

if [ "$failed" -ne 0 ]; then
  exit 1
elif [ "${#ready[@]}" -eq 0 ]; then
  say "no peer available (no variables, no archives in $archives, no network for git):" \
    "the peer tests will skip"
  exit 77
fi
say "ready: ${ready[*]}"
