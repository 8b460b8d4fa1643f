#!/usr/bin/env bash
# The full-disk part of test_cli_hostile.sh, run inside `unshare -m` (its
# tmpfs disappears with the namespace). A client context on a tiny tmpfs:
# once the disk is full the client must refuse to send (exit 3, one line
# naming sequence.json), never put a sequence number on the wire that
# sequence.json does not cover, and leave sequence.json whole; `-o FILE`
# on a disk that fills up mid-download leaves no file behind.
# Usage: disk_full.sh OSCORE-CLIENT OSCORE-FILESERVER WORKDIR
set -u
CLIENT=$1 FS=$2
cd "$3" || exit 1
fails=0 pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
}
trap cleanup EXIT
fail() { echo "FAIL full-disk: $*"; fails=$((fails + 1)); }

mkdir -p mnt
if ! mount -t tmpfs -o size=256k,mode=700 tmpfs mnt 2>mount.err; then
  echo "# SKIP full-disk cases: cannot mount a tmpfs: $(cat mount.err)"
  exit 0
fi
mkdir mnt/c
printf '{"sender-id_hex": "01", "recipient-id_hex": ""}\n' >mnt/c/settings.json
(umask 077; printf '{"secret_hex": "%s"}\n' \
  "$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')" >mnt/c/secret.json)
printf '{"coap://127.0.0.1:*": {"oscore": {"basedir": "mnt/c/"}}}\n' >disk.json

# A UDP sink that logs the partial IV of every OSCORE request it receives
# (one hex line each) and never answers.
python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
s.settimeout(60)
while True:
    try:
        d, _ = s.recvfrom(4096)
    except socket.timeout:
        break
    tkl, i, num, piv = d[0] & 15, 4 + (d[0] & 15), 0, "bad"
    while i < len(d) and d[i] != 0xff:
        delta, length = d[i] >> 4, d[i] & 15
        i += 1
        ext = []
        for v in (delta, length):
            if v == 13: v = d[i] + 13; i += 1
            elif v == 14: v = (d[i] << 8 | d[i + 1]) + 269; i += 2
            ext.append(v)
        num += ext[0]
        if num == 9:
            val = d[i:i + ext[1]]
            piv = val[1:1 + (val[0] & 7)].hex() if val else ""
        i += ext[1]
    print(piv, flush=True)
' >sink.log &
pids+=($!)
for _ in $(seq 1 100); do [ -s sink.log ] && break; sleep 0.05; done
sink=coap://127.0.0.1:$(head -1 sink.log)/x

timeout 10 "$CLIENT" --credentials disk.json --timeout 0.5 "$sink" \
  >/dev/null 2>warm.err
rc=$?
[ "$rc" = 6 ] || fail "first request: exit $rc, expected 6 (timeout): $(cat warm.err)"
cp mnt/c/sequence.json seq.before 2>/dev/null || fail "no sequence.json written"

dd if=/dev/zero of=mnt/fill bs=4k 2>/dev/null
for n in 1 2 3; do
  timeout 10 "$CLIENT" --credentials disk.json --timeout 0.5 "$sink" \
    >/dev/null 2>full$n.err
  rc=$?
  if [ "$rc" != 3 ]; then
    fail "request $n on a full disk: exit $rc, expected 3: $(cat full$n.err)"
  elif [ "$(wc -l <full$n.err)" != 1 ] || ! grep -q 'sequence.json' full$n.err; then
    fail "request $n on a full disk: not one line naming sequence.json:"
    cat full$n.err
  fi
done
echo "# full disk: $(cat full1.err)"
cmp -s seq.before mnt/c/sequence.json || fail "sequence.json changed on a full disk"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' mnt/c/sequence.json ||
  fail "sequence.json is not whole JSON"
extra=$(ls -A mnt/c | grep -vxE 'settings.json|secret.json|sequence.json|\.lock|lock')
[ -z "$extra" ] || fail "left in the context directory: $extra"
# Every partial IV on the wire must lie below the persisted next-to-send.
sleep 0.2
next=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["next-to-send"])' \
  mnt/c/sequence.json)
sent=0
while read -r piv; do
  sent=$((sent + 1))
  if [ "$piv" = bad ] || [ $((16#${piv:-0})) -ge "$next" ]; then
    fail "sent partial IV '$piv' not covered by next-to-send $next"
  fi
done < <(tail -n +2 sink.log)
echo "# $sent request(s) reached the sink, all below next-to-send $next"

# -o FILE: a 400 kB body into about 40 kB of free space.
mkdir -p root
head -c 400000 /dev/urandom >root/big.bin
"$FS" --bind 127.0.0.1:0 root 2>fs.log &
fspid=$!
pids+=($fspid)
port=
for _ in $(seq 1 200); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' fs.log)
  [ -n "$port" ] && break
  kill -0 "$fspid" 2>/dev/null || break
  sleep 0.05
done
if [ -z "$port" ]; then
  fail "fileserver did not start"
else
  rm -f mnt/fill
  avail=$(df --output=avail -B1 mnt | tail -1)
  dd if=/dev/zero of=mnt/fill bs=4096 count=$(( (avail - 40960) / 4096 )) 2>/dev/null
  timeout 20 "$CLIENT" -o mnt/out.bin "coap://127.0.0.1:$port/big.bin" \
    >/dev/null 2>out.err
  rc=$?
  if [ "$rc" != 1 ]; then
    fail "-o on a full disk: exit $rc, expected 1: $(cat out.err)"
  elif [ "$(wc -l <out.err)" != 1 ] || ! grep -q 'out.bin' out.err; then
    fail "-o on a full disk: not one line naming out.bin:"
    cat out.err
  fi
  echo "# -o on a full disk: $(head -1 out.err)"
  left=$(ls -A mnt | grep -vxE 'c|fill')
  [ -z "$left" ] || fail "-o left files behind: $left"
fi

umount mnt
[ "$fails" -eq 0 ] && echo "ok - full disk: refused, nothing torn or half-written"
[ "$fails" -eq 0 ]
