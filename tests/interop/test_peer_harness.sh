#!/bin/bash
# The peer-test harness itself, without any peer: peers.sh with no source
# says so with 77 and prints no variables; a peer test skips (77) where
# its peer was not prepared and fails (1) where peers.sh prepared it
# (OSCORE_PEERS_REQUIRED), in the shell scripts and in the Python one.
#   test_peer_harness.sh STORE_CTXTOOL
set -u
here=$(cd "$(dirname "$0")" && pwd)
tool=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() {  # check DESCRIPTION EXPECTED-STATUS COMMAND...
  local want=$2
  "${@:3}" > "$tmp/out" 2> "$tmp/err"
  local got=$?
  if [ "$got" = "$want" ]; then
    echo "ok: $1"
  else
    echo "FAIL: $1: status $got, not $want: $(tail -n 2 "$tmp/err")"
    fail=1
  fi
}
# seen DESCRIPTION yes|no REGEX FILE : what the last check's command wrote.
seen() {
  local found=no
  grep -Eq "$3" "$tmp/$4" && found=yes
  if [ $found = "$2" ]; then echo "ok: $1"; else echo "FAIL: $1 ($4: $(head -c 200 "$tmp/$4"))"; fail=1; fi
}
# No peer in the environment: none of the variables the tests read.
nopeer=(env -u AIOCOAP_DIR -u AIOCOAP_PYTHON -u AIOCOAP_PYTHONPATH
        -u LIBCOAP_OSCORE_BIN -u LIBCOAP_OSCORE_SRC -u OSCORE_PEERS_REQUIRED)

# No archives, an empty cache, and git limited to file:// (so the clone
# fails at once, with or without network).
check "peers.sh without any source: 77" 77 "${nopeer[@]}" \
  OSCORE_PEERS_ARCHIVES="$tmp/no-archives" OSCORE_PEERS_CACHE="$tmp/cache" \
  GIT_ALLOW_PROTOCOL=file bash "$here/peers.sh"
seen "... and no variables printed" no export out
seen "... and the reason on stderr" yes 'no peer available' err

for script in proxy-forward.sh libcoap-client-vs-fileserver.sh; do
  check "$script without peers: skip" 77 "${nopeer[@]}" bash "$here/$script"
  seen "... saying why" yes '^SKIP: .*not set' err
  check "$script with libcoap prepared but missing: fail" 1 "${nopeer[@]}" \
    OSCORE_PEERS_REQUIRED="aiocoap libcoap" bash "$here/$script"
done
check "proxy-edhoc.sh without peers: skip" 77 "${nopeer[@]}" bash "$here/proxy-edhoc.sh"
seen "... saying why" yes '^SKIP: .*not set' err
check "proxy-edhoc.sh with aiocoap prepared but missing: fail" 1 "${nopeer[@]}" \
  OSCORE_PEERS_REQUIRED=aiocoap bash "$here/proxy-edhoc.sh"
check "peer_skip of a peer not prepared: skip" 77 \
  env OSCORE_PEERS_REQUIRED=aiocoap bash -c '. "$1"; peer_skip libcoap why' _ "$here/peer-skip.sh"
check "peer_skip of a prepared peer: fail" 1 \
  env OSCORE_PEERS_REQUIRED="aiocoap libcoap" bash -c '. "$1"; peer_skip libcoap why' _ "$here/peer-skip.sh"

alt=$here/../store/aiocoap_alternate.py
check "aiocoap_alternate.py without aiocoap: skip" 77 "${nopeer[@]}" \
  /usr/bin/python3 "$alt" "$tool"
check "aiocoap_alternate.py with aiocoap prepared but missing: fail" 1 "${nopeer[@]}" \
  OSCORE_PEERS_REQUIRED=aiocoap /usr/bin/python3 "$alt" "$tool"
exit $fail
