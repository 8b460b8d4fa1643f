# Helpers for the oscore-client integration tests (sourced).
# Usage in a test: source lib.sh "$@"  (arguments: CLIENT TESTSERVER)
# Every server is started on 127.0.0.1 port 0 (or a port read back from the
# kernel), killed by PID on exit; every wait is bounded.
set -u

CLIENT=${1:?oscore-client path}
TESTSERVER=${2:?client_testserver path}
SRCDIR=${SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/client-test.XXXXXX")
PIDS=()

# Under tests/run-all.sh --valgrind, OSCORE_TEST_WRAP holds the valgrind
# command: our programs then run through a small script that execs it (the
# same PID, so kill-by-PID still reaches them).
if [ -n "${OSCORE_TEST_WRAP:-}" ]; then
  wrap_prog() {  # wrap_prog NAME PATH: prints the wrapper's path
    local w
    read -ra w <<<"$OSCORE_TEST_WRAP"
    { echo '#!/bin/sh'; printf 'exec'; printf ' %q' "${w[@]}" "$2"; echo ' "$@"'; } \
      >"$TMP/$1"
    chmod +x "$TMP/$1"
    echo "$TMP/$1"
  }
  CLIENT=$(wrap_prog oscore-client "$(realpath "$CLIENT")")
  TESTSERVER=$(wrap_prog client_testserver "$(realpath "$TESTSERVER")")
fi
FAILS=0
CHECKS=0

cleanup() {
  local p
  for p in "${PIDS[@]}"; do
    kill "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

# check DESCRIPTION COMMAND...: one test line; failures are counted.
check() {
  local desc=$1
  shift
  CHECKS=$((CHECKS + 1))
  if "$@"; then
    echo "ok $CHECKS - $desc"
  else
    echo "not ok $CHECKS - $desc"
    FAILS=$((FAILS + 1))
  fi
}

# run NAME ARGS...: run the client; NAME.out, NAME.err, NAME.rc in $TMP.
run() {
  local name=$1
  shift
  "$CLIENT" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null
  echo $? >"$TMP/$name.rc"
}

rc_is() { [ "$(cat "$TMP/$1.rc")" = "$2" ] || { echo "  $1: exit $(cat "$TMP/$1.rc"), expected $2; stderr:"; sed 's/^/    /' "$TMP/$1.err"; return 1; }; }
out_is() { [ "$(cat "$TMP/$1.out")" = "$2" ] || { echo "  $1: stdout '$(head -c 200 "$TMP/$1.out")', expected '$2'"; return 1; }; }
err_has() { grep -q -- "$2" "$TMP/$1.err" || { echo "  $1: stderr lacks '$2':"; sed 's/^/    /' "$TMP/$1.err"; return 1; }; }
err_lacks() { ! grep -q -- "$2" "$TMP/$1.err" || { echo "  $1: stderr has '$2'"; return 1; }; }
same_file() { cmp -s "$1" "$2" || { echo "  $1 and $2 differ ($(stat -c %s "$1" 2>/dev/null) vs $(stat -c %s "$2" 2>/dev/null) bytes)"; return 1; }; }
one_line() { [ "$(wc -l <"$TMP/$1.err")" = 1 ] || { echo "  $1: stderr has $(wc -l <"$TMP/$1.err") lines:"; sed 's/^/    /' "$TMP/$1.err"; return 1; }; }

# start_server NAME ARGS...: start client_testserver, sets PORT and SPID.
start_server() {
  local name=$1
  shift
  "$TESTSERVER" "$@" >"$TMP/$name.sout" 2>"$TMP/$name.serr" &
  SPID=$!
  PIDS+=("$SPID")
  local i
  for i in $(seq 1 200); do
    if grep -q '^port ' "$TMP/$name.sout" 2>/dev/null; then
      PORT=$(awk '/^port/ {print $2}' "$TMP/$name.sout")
      return 0
    fi
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.05
  done
  echo "Bail out! test server $name did not start:"
  cat "$TMP/$name.serr"
  exit 1
}

# stop_server PID: SIGTERM and wait (the server writes its sequence state).
stop_server() {
  kill -TERM "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}

# The pattern client_testserver serves as /big/N: byte i = i*7 + i/251.
pattern_file() {
  python3 - "$1" "$2" <<'PY'
import sys
n = int(sys.argv[1])
# Periodic in 251 * 256 bytes: build one period and repeat it.
period = bytes(((i * 7 + i // 251) & 0xff) for i in range(251 * 256))
with open(sys.argv[2], "wb") as f:
    f.write((period * (n // len(period) + 1))[:n])
PY
}

# A copy of the example credentials (client and server side) in $TMP/creds:
# state is written there, never in the source tree.
make_creds() {
  rm -rf "$TMP/creds"
  mkdir -p "$TMP/creds"
  cp -r "$SRCDIR/credentials-examples/." "$TMP/creds/"
  chmod 600 "$TMP"/creds/*/*/secret.json
}

finish() {
  echo "1..$CHECKS"
  if [ "$FAILS" -ne 0 ]; then
    echo "# $FAILS of $CHECKS checks failed"
    exit 1
  fi
  exit 0
}

# start_optecho: a raw UDP CoAP endpoint (python) that answers every
# request with 2.05 and a payload listing the request's options, one
# "NUMBER=HEX" per line — for checking what the client put on the wire
# where a libcoap server would interfere (it refuses Proxy-* itself).
# Sets ECHOPORT.
start_optecho() {
  python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
s.settimeout(120)
while True:
    try:
        d, a = s.recvfrom(2048)
    except socket.timeout:
        break
    if len(d) < 4:
        continue
    tkl = d[0] & 15
    i, num, lines = 4 + tkl, 0, []
    while i < len(d) and d[i] != 0xff:
        delta, length = d[i] >> 4, d[i] & 15
        i += 1
        ext = []
        for v in (delta, length):
            if v == 13:
                v = d[i] + 13; i += 1
            elif v == 14:
                v = (d[i] << 8 | d[i + 1]) + 269; i += 2
            ext.append(v)
        num += ext[0]
        lines.append("%d=%s" % (num, d[i:i + ext[1]].hex()))
        i += ext[1]
    typ = 2 if (d[0] >> 4) & 3 == 0 else 1
    hdr = bytes([0x40 | typ << 4 | tkl, 0x45]) + d[2:4] + d[4:4 + tkl]
    s.sendto(hdr + b"\xff" + "\n".join(lines).encode() + b"\n", a)
' >"$TMP/optecho.port" &
  PIDS+=($!)
  local i
  for i in $(seq 1 100); do [ -s "$TMP/optecho.port" ] && break; sleep 0.05; done
  ECHOPORT=$(cat "$TMP/optecho.port")
}

# start_capture: tests/client/wire_capture.py on a free port; every request
# lands as one line "CODE OPT=HEX,... PAYLOADHEX" in $TMP/capture.log, and
# $TMP/capture.reply (same form) is the answer. Sets CAPPORT.
start_capture() {
  rm -f "$TMP/capture.log" "$TMP/capture.port"
  /usr/bin/python3 "$SRCDIR/tests/client/wire_capture.py" "$TMP/capture.log" \
    "$TMP/capture.reply" >"$TMP/capture.port" &
  PIDS+=($!)
  local i
  for i in $(seq 1 100); do [ -s "$TMP/capture.port" ] && break; sleep 0.05; done
  CAPPORT=$(cat "$TMP/capture.port")
}

# last_capture: the last request the capture endpoint saw.
last_capture() { tail -n 1 "$TMP/capture.log" 2>/dev/null; }

# run_tty NAME ARGS...: like run, but the client's stdout is a terminal
# (a pseudo-terminal; its CR LF turned back into LF). stderr is not.
run_tty() {
  local name=$1
  shift
  /usr/bin/python3 -c '
import os, subprocess, sys
m, s = os.openpty()
with open(sys.argv[1], "w") as err:
    p = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=s,
                         stderr=err)
os.close(s)
out = []
while True:
    try:
        d = os.read(m, 65536)
    except OSError:
        break
    if not d:
        break
    out.append(d)
sys.stdout.buffer.write(b"".join(out).replace(b"\r\n", b"\n"))
sys.exit(p.wait())
' "$TMP/$name.err" "$CLIENT" "$@" >"$TMP/$name.out"
  echo $? >"$TMP/$name.rc"
}
