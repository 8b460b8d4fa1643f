#!/usr/bin/env bash
# Quick-start demo: installs what is missing (Debian 12, as root), builds,
# serves a small directory with oscore-fileserver on 127.0.0.1 (a free port)
# using copies of the example contexts in credentials-examples/, and fetches
# a listing and a file through it with oscore-client, OSCORE-protected.
# Everything happens in a temporary directory that is removed afterwards.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash tools/deps.sh

builddir=${BUILDDIR:-build}
case "$builddir" in /*) ;; *) builddir=$top/$builddir ;; esac
[ -f "$builddir/build.ninja" ] || meson setup "$builddir" >/dev/null
ninja -C "$builddir" >/dev/null
server_bin=$builddir/src/fileserver/oscore-fileserver
client_bin=$builddir/src/client/oscore-client

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Contexts are state (sequence numbers): work on copies, never the originals.
cp -r credentials-examples "$work/creds"
chmod 600 "$work"/creds/*/*/secret.json
mkdir "$work/files"
echo "Hello from oscore-fileserver, protected end to end by OSCORE." > "$work/files/hello.txt"

cd "$work"
"$server_bin" -v --bind 127.0.0.1:0 --credentials creds/server.json files 2>server.log &
server_pid=$!
port=
for _ in $(seq 50); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' server.log)
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "demo: oscore-fileserver did not start:" >&2
  cat server.log >&2
  exit 1
fi

oscore-client() { "$client_bin" "$@"; }
run() {
  printf '\n$ %s\n' "$*"
  "$@"
}
echo "oscore-fileserver serves $work/files on coap://127.0.0.1:$port/"
echo "(contexts: copies of credentials-examples/, the example keys)"
run oscore-client --credentials creds/client1-anyport.json "coap://127.0.0.1:$port/"
echo
run oscore-client -v --credentials creds/client1-anyport.json "coap://127.0.0.1:$port/hello.txt"
printf '\nThe server logged each request with the identity OSCORE proved (-v):\n'
grep -v 'listening on' server.log || true
printf '\nSequence state the client keeps on disk (aiocoap format, Appendix B.1.1):\n'
run cat creds/client1/for-fileserver/sequence.json
echo
