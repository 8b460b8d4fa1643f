#!/usr/bin/env bash
# Hostile input to oscore-client and oscore-fileserver: malformed and
# oversized options and URIs, broken credentials maps and context files,
# files that cannot be read (as root permission bits do not stop reads, so:
# directories, FIFOs, symlink loops, /proc/1/mem, oversized files), bad
# directories to serve, and a full disk (a tiny tmpfs in a private mount
# namespace) while the client persists its sequence number or writes -o.
# Each case must end within a time limit with the documented exit status
# (never a signal), one error line that names the culprit (a usage error
# may add the "Usage:" hint), and nothing written half-way.
# Usage: test_cli_hostile.sh OSCORE-CLIENT OSCORE-FILESERVER
set -u
CLIENT=$(realpath "$1") FS=$(realpath "$2")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cli-hostile-XXXXXX")
fails=0 checks=0 pids=()

cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  grep -q " $tmp/mnt " /proc/self/mounts 2>/dev/null && umount "$tmp/mnt"
  if [ "$fails" -eq 0 ]; then rm -rf "$tmp"; else echo "kept $tmp" >&2; fi
}
trap cleanup EXIT
cd "$tmp" || exit 1
# Under tests/run-all.sh --valgrind style runs (OSCORE_TEST_WRAP set) both
# programs run through a script that execs the wrapper: the error paths
# get their leak check too (valgrind's own exit status 101 fails a case).
if [ -n "${OSCORE_TEST_WRAP:-}" ]; then
  read -ra wrap <<<"$OSCORE_TEST_WRAP"
  for prog in CLIENT FS; do
    { echo '#!/bin/sh'; printf 'exec'; printf ' %q' "${wrap[@]}" "${!prog}"
      echo ' "$@"'; } >"$tmp/wrap-$prog"
    chmod +x "$tmp/wrap-$prog"
    printf -v "$prog" '%s' "$tmp/wrap-$prog"
  done
fi

# expect NAME STATUS CULPRIT CMD...: run CMD (10 s limit, stdin closed);
# its status must be STATUS, stderr one line (plus a "Usage:" hint) that
# contains CULPRIT.
expect() {
  local name=$1 want=$2 culprit=$3 rc lines
  shift 3
  checks=$((checks + 1))
  timeout 10 "$@" >"$name.out" 2>"$name.err" </dev/null
  rc=$?
  # Not counted: the usage hint, valgrind's notes (--PID--) on openat2.
  lines=$(grep -vcE '^(Usage: |--[0-9]+-- )' "$name.err")
  if [ "$rc" = 124 ]; then
    echo "FAIL $name: hung (killed after 10 s)"
  elif [ "$rc" -ge 128 ]; then
    echo "FAIL $name: died of signal $((rc - 128))"
  elif [ "$rc" != "$want" ]; then
    echo "FAIL $name: exit $rc, expected $want"
  elif [ "$lines" != 1 ]; then
    echo "FAIL $name: $lines error lines, expected 1"
  elif ! grep -qF -- "$culprit" "$name.err"; then
    echo "FAIL $name: the error does not name '$culprit'"
  elif [ "$(grep -vE '^--[0-9]+-- ' "$name.err" | wc -c)" -gt 600 ]; then
    echo "FAIL $name: error of $(wc -c <"$name.err") bytes"
  else
    echo "ok - $name: exit $rc: $(grep -vE '^--[0-9]+-- ' "$name.err" | head -1)"
    return 0
  fi
  sed 's/^/    /' "$name.err" | head -c 2000
  fails=$((fails + 1))
  return 1
}

# A UDP port with nothing behind it answers with ICMP: a request that got
# out would end with status 6; config errors must come before any sending.
nowhere=coap://127.0.0.1:9/x
long=$(head -c 100000 /dev/zero | tr '\0' a)

# --- oscore-client: options and URIs (2 usage) ---
expect uri-100k 2 "path segment" "$CLIENT" "coap://127.0.0.1/$long"
expect uri-query-100k 2 "query" "$CLIENT" "coap://127.0.0.1/?$long"
expect uri-long-host 2 "host name" "$CLIENT" "coap://${long:0:300}/"
expect uri-port-big 2 "port" "$CLIENT" coap://127.0.0.1:99999/x
expect uri-port-alpha 2 "port" "$CLIENT" coap://127.0.0.1:abc/x
expect uri-port-neg 2 "port" "$CLIENT" coap://127.0.0.1:-5/x
expect uri-ipv6-open 2 "IPv6" "$CLIENT" "coap://[::1/x"
expect uri-ipv6-bad 2 "IPv6" "$CLIENT" "coap://[zz::1]/x"
expect uri-ipv6-toolong 2 "IPv6" "$CLIENT" "coap://[1:2:3:4:5:6:7:8:9]/x"
expect uri-scheme 2 "http" "$CLIENT" http://127.0.0.1/x
expect uri-missing 2 "URI" "$CLIENT"
expect method-unknown 2 "FOO" "$CLIENT" -m FOO "$nowhere"
expect method-number 2 "method" "$CLIENT" -m 999 "$nowhere"
expect timeout-junk 2 "--timeout" "$CLIENT" --timeout junk "$nowhere"
expect timeout-neg 2 "--timeout" "$CLIENT" --timeout -1 "$nowhere"
expect timeout-huge 2 "--timeout" "$CLIENT" --timeout 1e999 "$nowhere"
expect timeout-nan 2 "--timeout" "$CLIENT" --timeout nan "$nowhere"
expect szx 2 "--payload-initial-szx" "$CLIENT" --payload-initial-szx 9 "$nowhere"
expect content-format 2 "--content-format" "$CLIENT" --payload x \
  --content-format 99999999 "$nowhere"
expect accept 2 "--accept" "$CLIENT" --accept bogus/type "$nowhere"
expect proxy-100k 2 "--proxy" "$CLIENT" --proxy "coap://h/$long" "$nowhere"
expect payload-missing 2 "/nonexistent" "$CLIENT" -m PUT --payload @/nonexistent "$nowhere"
expect payload-dir 2 "/" "$CLIENT" -m PUT --payload @/ "$nowhere"
expect option-unknown 2 "--bogus" "$CLIENT" --bogus "$nowhere"
expect option-no-arg 2 "--timeout" "$CLIENT" "$nowhere" --timeout

# --- oscore-client: credentials maps and context files (3 config) ---
mkctx() {  # mkctx DIR: a valid client context
  mkdir -p "$1"
  printf '{"sender-id_hex": "01", "recipient-id_hex": ""}\n' >"$1/settings.json"
  (umask 077; printf '{"secret_hex": "%s"}\n' \
    "$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')" >"$1/secret.json")
}
printf '{"coap://127.0.0.1:*": {"osc' >trunc.json
printf '[1, 2]\n' >array.json
printf '{"coap://127.0.0.1:*": {"oscore": {"basedir": 5}}}\n' >wrongtype.json
printf '{"coap://127.0.0.1:*": {"oscore": {"basedir": "nodir/"}}}\n' >nodir.json
mkdir dir.json
mkfifo fifo.json
ln -s loop1 loop2
ln -s loop2 loop1
head -c 5000000 /dev/zero | tr '\0' ' ' >huge.json
expect creds-truncated 3 "trunc.json" "$CLIENT" --credentials trunc.json "$nowhere"
expect creds-array 3 "array.json" "$CLIENT" --credentials array.json "$nowhere"
expect creds-wrongtype 3 "basedir" "$CLIENT" --credentials wrongtype.json "$nowhere"
expect creds-nodir 3 "nodir" "$CLIENT" --credentials nodir.json "$nowhere"
expect creds-dir 3 "dir.json" "$CLIENT" --credentials dir.json "$nowhere"
expect creds-fifo 3 "fifo.json" "$CLIENT" --credentials fifo.json "$nowhere"
expect creds-loop 3 "loop1" "$CLIENT" --credentials loop1 "$nowhere"
expect creds-missing 3 "missing.json" "$CLIENT" --credentials missing.json "$nowhere"
expect creds-huge 3 "huge.json" "$CLIENT" --credentials huge.json "$nowhere"
expect creds-devzero 3 "/dev/zero" "$CLIENT" --credentials /dev/zero "$nowhere"
expect creds-procmem 3 "/proc/1/mem" "$CLIENT" --credentials /proc/1/mem "$nowhere"

printf '{"coap://127.0.0.1:*": {"oscore": {"basedir": "c/"}}}\n' >map.json
# ctxcase NAME CULPRIT FILE CONTENT|@dir|@fifo: one broken file in a fresh
# context; the rest of the context must be left as it was.
ctxcase() {
  local name=$1 culprit=$2 file=$3 content=$4
  rm -rf c
  mkctx c
  rm -rf "c/$file"
  case "$content" in
    @dir) mkdir "c/$file" ;;
    @fifo) mkfifo "c/$file" ;;
    *) printf '%s' "$content" >"c/$file" ;;
  esac
  local before
  before=$(cd c && find . -mindepth 1 -printf '%p %s %T@\n' | sort)
  expect "$name" 3 "$culprit" "$CLIENT" --credentials map.json "$nowhere" || return
  checks=$((checks + 1))
  if [ "$(cd c && find . -mindepth 1 -printf '%p %s %T@\n' | sort)" != "$before" ]; then
    echo "FAIL $name: the context directory changed"
    fails=$((fails + 1))
  fi
}
ctxcase settings-truncated settings.json settings.json '{"sender-id_hex": "01"'
ctxcase settings-wrongtype sender-id settings.json '{"sender-id_hex": 1, "recipient-id_hex": ""}'
ctxcase settings-dir settings.json settings.json @dir
ctxcase settings-fifo settings.json settings.json @fifo
ctxcase secret-badhex secret.json secret.json '{"secret_hex": "zz"}'
ctxcase secret-truncated secret.json secret.json '{"secret_hex": "0011'
ctxcase secret-dir secret.json secret.json @dir
ctxcase sequence-wrongtype sequence.json sequence.json '{"next-to-send": "x"}'
ctxcase sequence-truncated sequence.json sequence.json '{"next-to-send": 1'
ctxcase sequence-dir sequence.json sequence.json @dir
ctxcase sequence-fifo sequence.json sequence.json @fifo

# --- oscore-fileserver (2 usage, 3 config, 6 address) ---
mkdir root
echo hi >root/a.txt
expect fs-root-missing 3 "/nonexistent" "$FS" --bind 127.0.0.1:0 /nonexistent
expect fs-root-file 3 "huge.json" "$FS" --bind 127.0.0.1:0 huge.json
expect fs-root-fifo 3 "fifo.json" "$FS" --bind 127.0.0.1:0 fifo.json
expect fs-root-loop 3 "loop1" "$FS" --bind 127.0.0.1:0 loop1
expect fs-bind-port 6 "127.0.0.1:99999" "$FS" --bind 127.0.0.1:99999 root
expect fs-bind-ipv6 6 "[zz::1]" "$FS" --bind '[zz::1]:0' root
expect fs-bind-open 6 "[::1" "$FS" --bind '[::1' root
expect fs-bind-foreign 6 "192.0.2.1" "$FS" --bind 192.0.2.1:0 root
expect fs-bind-100k 6 "cannot listen" "$FS" --bind "$long" root
expect fs-creds-truncated 3 "trunc.json" "$FS" --bind 127.0.0.1:0 --credentials trunc.json root
expect fs-creds-dir 3 "dir.json" "$FS" --bind 127.0.0.1:0 --credentials dir.json root
expect fs-creds-fifo 3 "fifo.json" "$FS" --bind 127.0.0.1:0 --credentials fifo.json root
expect fs-creds-huge 3 "huge.json" "$FS" --bind 127.0.0.1:0 --credentials huge.json root
expect fs-access-truncated 3 "trunc.json" "$FS" --bind 127.0.0.1:0 --access trunc.json root
expect fs-access-dir 3 "dir.json" "$FS" --bind 127.0.0.1:0 --access dir.json root
expect fs-access-fifo 3 "fifo.json" "$FS" --bind 127.0.0.1:0 --access fifo.json root
expect fs-access-missing 3 "missing.json" "$FS" --bind 127.0.0.1:0 --access missing.json root
expect fs-etag 2 "--etag-length" "$FS" --bind 127.0.0.1:0 --etag-length 9 root
expect fs-max-upload 2 "--max-upload" "$FS" --bind 127.0.0.1:0 --max-upload 1Q root
expect fs-two-dirs 2 "'b'" "$FS" --bind 127.0.0.1:0 root b
expect fs-unknown 2 "--bogus" "$FS" --bogus

# --- full disk while persisting (root and a private mount namespace) ---
if unshare -m true 2>/dev/null; then
  unshare -m bash "$here/disk_full.sh" \
    "$CLIENT" "$FS" "$tmp"
  rc=$?
  checks=$((checks + 1))
  [ "$rc" = 0 ] || fails=$((fails + 1))
else
  echo "# SKIP full-disk cases: unshare -m does not work here (needs root)"
  echo "# $checks checks, $fails failed"
  [ "$fails" -eq 0 ] && exit 77
  exit 1
fi

echo "# $checks checks, $fails failed"
[ "$fails" -eq 0 ]
