#!/usr/bin/python3
"""Observe flood against oscore-fileserver (issue 13 item 1), bounded.

Starts the given oscore-fileserver on 127.0.0.1 (free port) serving a
temporary directory with one file, then:
  1. registers N anonymous plain-CoAP observations of that file from S
     sockets (GET + Observe 0, one token each, at most 64 in flight per
     socket), counting how many the server accepted (answer with Observe);
  2. changes the file once and, for --window seconds, keeps one other
     client asking GET /other.txt (one request in flight): the largest and
     the median latency tell how long the notification burst stalls others;
     the server's CPU time over the window is read from /proc/PID/stat;
  3. lets the observers leave: each socket answers every notification with
     RST (RFC 7641 3.6) until quiet; then the server's RSS again.
Prints one "name value" line per figure (RSS in kB, times in ms).

  bench/observe_flood.py BUILD/src/fileserver/oscore-fileserver \\
      [-n 10000] [-s 10] [--window 3] [-- SERVER-OPTIONS...]

Everything is bounded in count and time; the server is stopped by PID.
"""
import argparse
import os
import random
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time


def coap_get(mid, token, path, observe=None):
    """A CON GET (Observe before Uri-Path: options ascend)."""
    msg = bytearray([0x40 | len(token), 0x01]) + struct.pack("!H", mid)
    msg += token
    last = 0
    if observe is not None:
        val = b"" if observe == 0 else bytes([observe])
        msg.append(((6 - last) << 4) | len(val))
        msg += val
        last = 6
    seg = path.encode()
    msg.append(((11 - last) << 4) | len(seg))
    msg += seg
    return bytes(msg)


def parse(data):
    """(type, code, mid, token, has_observe) or None."""
    if len(data) < 4:
        return None
    t = (data[0] >> 4) & 3
    tkl = data[0] & 15
    code, mid = data[1], struct.unpack("!H", data[2:4])[0]
    token = data[4:4 + tkl]
    i, num, observe = 4 + tkl, 0, False
    while i < len(data) and data[i] != 0xFF:
        d, l = data[i] >> 4, data[i] & 15
        i += 1
        if d == 13:
            d = data[i] + 13
            i += 1
        elif d == 14:
            d = struct.unpack("!H", data[i:i + 2])[0] + 269
            i += 2
        if l == 13:
            l = data[i] + 13
            i += 1
        elif l == 14:
            l = struct.unpack("!H", data[i:i + 2])[0] + 269
            i += 2
        num += d
        observe = observe or num == 6
        i += l
    return t, code, mid, token, observe


def rst(mid):
    return bytes([0x70, 0x00]) + struct.pack("!H", mid)


def ack(mid):
    return bytes([0x60, 0x00]) + struct.pack("!H", mid)


def proc_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def proc_cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def register(socks, port, n, deadline):
    """N registrations spread over the sockets; returns (answered, observed)."""
    per = [n // len(socks) + (1 if i < n % len(socks) else 0)
           for i in range(len(socks))]
    sent = [0] * len(socks)
    inflight = [0] * len(socks)
    answered = observed = 0
    mid = random.randrange(0x10000)
    while answered < n and time.monotonic() < deadline:
        for i, s in enumerate(socks):
            while sent[i] < per[i] and inflight[i] < 64:
                mid = (mid + 1) & 0xFFFF
                tok = struct.pack("!I", sent[i])
                s.sendto(coap_get(mid, tok, "f.txt", 0), ("127.0.0.1", port))
                sent[i] += 1
                inflight[i] += 1
        r, _, _ = select.select(socks, [], [], 0.5)
        if not r:
            # Lost in a full socket buffer: count as answered-not-observed.
            lost = sum(inflight)
            answered += lost
            inflight = [0] * len(socks)
            continue
        for s in r:
            i = socks.index(s)
            while True:
                try:
                    data = s.recv(2048, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    break
                p = parse(data)
                if p and p[0] == 2:
                    answered += 1
                    inflight[i] -= 1
                    observed += p[4]
    return answered, observed


def probe_latencies(probe, port, seconds):
    """GET /other.txt one at a time for |seconds|; latencies in ms."""
    lat, lost = [], 0
    end = time.monotonic() + seconds
    mid = random.randrange(0x10000)
    while time.monotonic() < end:
        mid = (mid + 1) & 0xFFFF
        t0 = time.monotonic()
        probe.sendto(coap_get(mid, b"\x99", "other.txt"), ("127.0.0.1", port))
        got = False
        while time.monotonic() - t0 < 5:
            r, _, _ = select.select([probe], [], [], 0.5)
            if not r:
                continue
            p = parse(probe.recv(2048))
            if p and p[2] == mid:
                got = True
                break
        if got:
            lat.append((time.monotonic() - t0) * 1000)
        else:
            lost += 1
        time.sleep(0.005)
    return lat, lost


def leave(socks, quiet_s, deadline):
    """RST every notification until nothing came for quiet_s."""
    rsts = 0
    last = time.monotonic()
    while time.monotonic() - last < quiet_s and time.monotonic() < deadline:
        r, _, _ = select.select(socks, [], [], 0.2)
        for s in r:
            while True:
                try:
                    data, addr = s.recvfrom(2048, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    break
                p = parse(data)
                if p and p[0] == 0:
                    s.sendto(rst(p[2]), addr)
                    rsts += 1
                    last = time.monotonic()
    return rsts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("server")
    ap.add_argument("-n", type=int, default=10000)
    ap.add_argument("-s", "--sockets", type=int, default=10)
    ap.add_argument("--window", type=float, default=3.0)
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    a = ap.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    a.server_args = extra
    if not 1 <= a.n <= 100000 or not 1 <= a.sockets <= 1000:
        sys.exit("observe_flood: -n 1..100000, -s 1..1000")
    tmp = tempfile.mkdtemp(prefix="observe-flood-")
    with open(os.path.join(tmp, "f.txt"), "w") as f:
        f.write("version 1\n")
    with open(os.path.join(tmp, "other.txt"), "w") as f:
        f.write("unrelated\n")
    srv = subprocess.Popen([a.server, "--bind", "127.0.0.1:0", *a.server_args,
                            tmp], stderr=subprocess.PIPE, text=True)
    try:
        line = srv.stderr.readline()
        port = int(line.rsplit(":", 1)[1])
        time.sleep(0.3)
        out = {"registrations": a.n, "sockets": a.sockets}
        out["rss_start_kb"] = proc_rss_kb(srv.pid)
        socks = []
        for _ in range(a.sockets):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        t0 = time.monotonic()
        answered, observed = register(socks, port, a.n, t0 + 120)
        out["register_s"] = round(time.monotonic() - t0, 2)
        out["answered"], out["observed"] = answered, observed
        out["rss_registered_kb"] = proc_rss_kb(srv.pid)
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(("127.0.0.1", 0))
        base, _ = probe_latencies(probe, port, 0.5)
        cpu0 = proc_cpu_s(srv.pid)
        with open(os.path.join(tmp, "f.txt"), "a") as f:
            f.write("version 2\n")
        lat, lost = probe_latencies(probe, port, a.window)
        out["server_cpu_window_ms"] = round((proc_cpu_s(srv.pid) - cpu0) * 1000)
        lat.sort()
        out["probe_base_median_ms"] = round(base[len(base) // 2], 2) if base else -1
        out["probe_median_ms"] = round(lat[len(lat) // 2], 2) if lat else -1
        out["probe_max_ms"] = round(lat[-1], 1) if lat else -1
        out["probe_answered"], out["probe_lost"] = len(lat), lost
        t1 = time.monotonic()
        out["rsts_sent"] = leave(socks, 2.0, t1 + 300)
        out["leave_s"] = round(time.monotonic() - t1, 1)
        time.sleep(1)
        out["rss_end_kb"] = proc_rss_kb(srv.pid)
        for k, v in out.items():
            print(k, v)
    finally:
        srv.send_signal(signal.SIGTERM)
        try:
            srv.wait(10)
        except subprocess.TimeoutExpired:
            srv.kill()
            srv.wait()
        for name in ("f.txt", "other.txt"):
            os.unlink(os.path.join(tmp, name))
        os.rmdir(tmp)


if __name__ == "__main__":
    main()
