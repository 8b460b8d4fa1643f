#!/usr/bin/env python3
"""Nonce safety under crashes (RFC 8613 §7.5, Appendix B.1).

oscore-client requests go to oscore-fileserver through a loopback UDP relay
run by this script, which decodes the OSCORE option of every datagram in
both directions and records each (sender ID, partial IV) pair: requests give
kid + PIV, responses that carry their own PIV give the server's sender ID +
PIV. Client or server is killed with SIGKILL at random moments (seeded) and
restarted; a pair seen twice with different bytes is a nonce reuse and
fails the test (the same datagram again is a CoAP retransmission, counted
apart). After every kill a request must succeed; after a server kill the
first request is answered by a protected 4.01 with Echo (B.1.2), which the
relay sees as a response with its own PIV, and the client's transparent
retry succeeds.

Usage: nonce_crash.py OSCORE-CLIENT OSCORE-FILESERVER [--kills N] [--seed S]
Environment: NONCE_CRASH_KILLS (default 30), NONCE_CRASH_SEED.
Exit status 0 pass, 1 fail.
"""
import argparse
import os
import random
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

SERVER_SID = b""   # the server's sender ID in the contexts made below
CLIENT_SID = b"\x01"


def coap_options(d):
    """Options of a CoAP datagram as (number, value) pairs; None if bad."""
    if len(d) < 4 or d[0] >> 6 != 1:
        return None
    tkl = d[0] & 15
    if tkl > 8:
        return None
    i, num, out = 4 + tkl, 0, []
    while i < len(d) and d[i] != 0xFF:
        delta, length = d[i] >> 4, d[i] & 15
        i += 1
        vals = []
        for v in (delta, length):
            if v == 13:
                if i >= len(d):
                    return None
                v = d[i] + 13
                i += 1
            elif v == 14:
                if i + 1 >= len(d):
                    return None
                v = (d[i] << 8 | d[i + 1]) + 269
                i += 2
            elif v == 15:
                return None
            vals.append(v)
        num += vals[0]
        if i + vals[1] > len(d):
            return None
        out.append((num, d[i:i + vals[1]]))
        i += vals[1]
    return out


def oscore_option(value):
    """(piv, kid or None) of an OSCORE option value (RFC 8613 §6.1)."""
    if not value:
        return b"", None
    flags = value[0]
    if flags & 0xE0:
        raise ValueError("reserved flag bits set")
    n, k, h = flags & 7, flags & 8, flags & 16
    if n > 5:
        raise ValueError("partial IV longer than 5 bytes")
    i = 1
    if i + n > len(value):
        raise ValueError("truncated partial IV")
    piv = value[i:i + n]
    i += n
    if h:
        if i >= len(value):
            raise ValueError("truncated kid context")
        s = value[i]
        i += 1 + s
        if i > len(value):
            raise ValueError("truncated kid context")
    kid = value[i:] if k else None
    return piv, kid


class Relay:
    """Loopback UDP relay: one upstream socket per client address."""

    def __init__(self):
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(("127.0.0.1", 0))
        self.port = self.front.getsockname()[1]
        self.server_port = None
        self.lock = threading.Lock()
        self.up = {}          # client address -> upstream socket
        self.back = {}        # upstream socket -> client address
        self.pairs = {}       # (sid, piv) -> datagram first seen
        self.reuse = []       # descriptions of pairs seen twice
        self.retrans = 0
        self.bad = 0
        self.requests = 0
        self.responses = 0
        self.own_piv_responses = 0
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def record(self, sid, piv, d, what):
        key = (sid, piv)
        with self.lock:
            old = self.pairs.get(key)
            if old is None:
                self.pairs[key] = d
            elif old == d:
                self.retrans += 1
            else:
                self.reuse.append("%s sender %s piv %s" %
                                  (what, sid.hex() or "(empty)", piv.hex()))

    def inspect(self, d, from_client):
        opts = coap_options(d)
        if opts is None:
            self.bad += 1
            return
        code = d[1]
        osc = [v for n, v in opts if n == 9]
        if not osc or code == 0:   # empty ACK/RST, or not OSCORE
            return
        try:
            piv, kid = oscore_option(osc[0])
        except ValueError:
            self.bad += 1
            return
        if from_client:
            self.requests += 1
            if kid is None or not piv:
                self.bad += 1   # every request of ours carries kid and PIV
                return
            self.record(kid, piv, d, "request")
        else:
            self.responses += 1
            if piv:
                self.own_piv_responses += 1
                self.record(SERVER_SID, piv, d, "response")

    def run(self):
        while not self.stop:
            with self.lock:
                socks = [self.front] + list(self.back)
            r, _, _ = select.select(socks, [], [], 0.1)
            for s in r:
                try:
                    d, a = s.recvfrom(65535)
                except OSError:
                    continue
                if s is self.front:
                    self.inspect(d, True)
                    with self.lock:
                        u = self.up.get(a)
                        if u is None:
                            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                            u.bind(("127.0.0.1", 0))
                            self.up[a] = u
                            self.back[u] = a
                            # Clients run one at a time: old ones are gone.
                            while len(self.up) > 32:
                                oa = next(iter(self.up))
                                ou = self.up.pop(oa)
                                del self.back[ou]
                                ou.close()
                        port = self.server_port
                    if port:
                        u.sendto(d, ("127.0.0.1", port))
                else:
                    self.inspect(d, False)
                    with self.lock:
                        a = self.back.get(s)
                    if a:
                        self.front.sendto(d, a)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("client")
    ap.add_argument("fileserver")
    ap.add_argument("--kills", type=int,
                    default=int(os.environ.get("NONCE_CRASH_KILLS", "30")))
    ap.add_argument("--seed", type=int,
                    default=int(os.environ.get("NONCE_CRASH_SEED",
                                               str(random.randrange(1 << 31)))))
    ap.add_argument("--max-seconds", type=float,
                    default=float(os.environ.get("NONCE_CRASH_SECONDS", "600")))
    ap.add_argument("--wait-prob", type=float, default=None,
                    help="chance to let the in-flight request of a server "
                         "kill retransmit to the restarted server")
    ap.add_argument("--forget-sequence", action="store_true",
                    help="self-check: delete the client's sequence state "
                         "after each client kill; the test must then fail")
    a = ap.parse_args()
    a.client = os.path.abspath(a.client)
    a.fileserver = os.path.abspath(a.fileserver)
    if a.wait_prob is None:
        a.wait_prob = 0.05 if a.kills > 50 else 0.0
    rng = random.Random(a.seed)
    print("# seed %d, kills %d (rerun: --seed %d --kills %d)" %
          (a.seed, a.kills, a.seed, a.kills), flush=True)
    wrap = os.environ.get("OSCORE_TEST_WRAP", "").split()

    tmp = tempfile.mkdtemp(prefix="nonce-crash-")
    ok = False
    server = None
    relay = None
    procs = []
    try:
        os.chdir(tmp)
        secret = os.urandom(16).hex()
        for name, sid, rid in (("client", CLIENT_SID, SERVER_SID),
                               ("server", SERVER_SID, CLIENT_SID)):
            os.makedirs("ctx/" + name)
            with open("ctx/%s/settings.json" % name, "w") as f:
                f.write('{"sender-id_hex": "%s", "recipient-id_hex": "%s"}\n'
                        % (sid.hex(), rid.hex()))
            fd = os.open("ctx/%s/secret.json" % name,
                         os.O_WRONLY | os.O_CREAT, 0o600)
            os.write(fd, ('{"secret_hex": "%s"}\n' % secret).encode())
            os.close(fd)
        with open("client.json", "w") as f:
            f.write('{"coap://127.0.0.1:*": {"oscore": '
                    '{"basedir": "ctx/client/"}}}\n')
        with open("server.json", "w") as f:
            f.write('{":client1": {"oscore": {"basedir": "ctx/server/"}}}\n')
        os.makedirs("root")
        with open("root/a.txt", "w") as f:
            f.write("hello\n")

        relay = Relay()
        uri = "coap://127.0.0.1:%d/" % relay.port

        def start_server():
            log = open("server.log", "wb")
            p = subprocess.Popen(wrap + [a.fileserver, "--bind", "127.0.0.1:0",
                                 "--credentials", "server.json", "--write",
                                 "root"], stderr=log, stdin=subprocess.DEVNULL)
            log.close()
            procs.append(p)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                with open("server.log", "rb") as f:
                    for line in f:
                        if b"listening on 127.0.0.1:" in line:
                            port = int(line.rsplit(b":", 1)[1])
                            with relay.lock:
                                relay.server_port = port
                            return p
                if p.poll() is not None:
                    break
                time.sleep(0.005)
            sys.stderr.write(open("server.log").read())
            raise SystemExit("server did not start")

        def client(args, wait):
            p = subprocess.Popen(wrap + [a.client, "--credentials",
                                 "client.json", "--timeout", "15", "-v"]
                                 + args, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            procs.append(p)
            if not wait:
                return p
            out, err = p.communicate(timeout=60)
            return p.returncode, out, err

        def kill(p):
            """SIGKILL p if it still runs: (True when it did, its stderr)."""
            alive = p.poll() is None
            if alive:
                p.kill()
            _, err = p.communicate()
            return alive, err

        def request_args(n):
            if rng.random() < 0.5:
                return [uri + "a.txt"]
            return ["-m", "PUT", "--payload", "put %d" % n, uri + "w.txt"]

        server = start_server()
        rc, out, err = client([uri + "a.txt"], True)
        if rc != 0 or out != b"hello\n":
            raise SystemExit("first request failed: exit %d %r" % (rc, err))

        kills = {"client": 0, "server": 0}
        missed = 0          # the process had exited before the kill
        echo_seen = 0
        waited = 0
        t0 = time.monotonic()
        failures = []
        n = 0
        while kills["client"] + kills["server"] < a.kills:
            n += 1
            if time.monotonic() - t0 > a.max_seconds:
                failures.append("time limit of %.0f s reached" % a.max_seconds)
                break
            if n > a.kills * 20:
                failures.append("too many tries without a kill")
                break
            victim = rng.choice(("client", "server"))
            p = client(request_args(n), False)
            # A client lives ~10 ms, the server until killed.
            time.sleep(rng.uniform(0, 0.012 if victim == "client" else 0.03))
            p_err = b""
            if victim == "client":
                if kill(p)[0]:
                    kills["client"] += 1
                    if a.forget_sequence:
                        try:
                            os.unlink("ctx/client/sequence.json")
                        except FileNotFoundError:
                            pass
                else:
                    missed += 1
                    continue
            else:
                server.kill()
                server.wait()
                kills["server"] += 1
                server = start_server()
                if rng.random() < a.wait_prob:
                    # Its retransmission reaches the new server: 4.01 Echo.
                    waited += 1
                    try:
                        _, p_err = p.communicate(timeout=60)
                    except subprocess.TimeoutExpired:
                        kill(p)
                    if p.returncode != 0:
                        failures.append("kill %d: in-flight request after a "
                                        "server kill: exit %s: %s" %
                                        (n, p.returncode,
                                         p_err.decode(errors="replace")))
                else:
                    alive, p_err = kill(p)
                    if alive:
                        p_err = b""
            own_before = relay.own_piv_responses
            rc, out, err = client([uri + "a.txt"], True)
            if rc != 0 or out != b"hello\n":
                failures.append("kill %d (%s): service did not resume: exit "
                                "%d: %s" % (n, victim, rc,
                                            err.decode(errors="replace")))
            if victim == "server":
                text = p_err + err
                if b"Echo" in text:
                    echo_seen += 1
                    if b"Echo" in err and relay.own_piv_responses == own_before:
                        failures.append("kill %d: Echo without a response "
                                        "carrying its own partial IV" % n)
                else:
                    failures.append("kill %d: no 4.01 Echo after the server "
                                    "restart: %s" %
                                    (n, text.decode(errors="replace")))
            if relay.reuse:
                break
            if len(failures) > 5:
                break
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        relay.stop = True
        relay.thread.join(5)

        dt = time.monotonic() - t0
        print("# %d kills (%d client, %d server; %d clients had finished "
              "before their kill) in %.1f s" %
              (kills["client"] + kills["server"], kills["client"],
               kills["server"], missed, dt))
        print("# %d (sender ID, partial IV) pairs recorded: %d requests, "
              "%d responses (%d with their own PIV), %d retransmissions, "
              "%d Echo recoveries (%d waited for the in-flight request)" %
              (len(relay.pairs), relay.requests, relay.responses,
               relay.own_piv_responses, relay.retrans, echo_seen, waited))
        for r in relay.reuse:
            failures.append("nonce reuse: " + r)
        if relay.bad:
            failures.append("%d datagrams did not parse" % relay.bad)
        for f in failures:
            print("FAIL: " + f)
        ok = not failures
        print("ok - nonce safety under %d kills" % (kills["client"] +
                                                   kills["server"])
              if ok else "not ok - nonce safety (seed %d)" % a.seed)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        # The self-check fails on purpose: nothing in it to keep.
        if ok or a.forget_sequence:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("# kept " + tmp)
    if a.forget_sequence:
        # The self-check fails (as meson's should_fail wants) only when the
        # reuse was seen, not for any other trouble.
        return 1 if relay.reuse else 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
