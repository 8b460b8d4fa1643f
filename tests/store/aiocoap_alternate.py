#!/usr/bin/env python3
"""One context directory used alternately by aiocoap and by our store
(through tests/store/store_ctxtool): sequence numbers only ever grow across
clean closes and crashes of either side, the replay window state survives
both ways (including B.1.2 "unknown"), and the two lock each other out.

Skipped (exit 77) when aiocoap cannot be imported, failed instead when
tests/interop/peers.sh prepared it (OSCORE_PEERS_REQUIRED). As in the other peer
tests, AIOCOAP_PYTHON picks the interpreter for the aiocoap side, and
AIOCOAP_PYTHONPATH (colon-separated) and AIOCOAP_DIR (an aiocoap source
tree) are added to its sys.path.

Usage: aiocoap_alternate.py STORE_CTXTOOL
       aiocoap_alternate.py --aio use|strike|check|hold|probe DIR [ARGS]
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time


def aio_main(cmd, args):
    """The aiocoap side; runs in its own process so that it can 'crash'."""
    paths = os.environ.get("AIOCOAP_PYTHONPATH", "").split(":")
    paths.append(os.environ.get("AIOCOAP_DIR", ""))
    for p in reversed([p for p in paths if p]):
        sys.path.insert(0, p)
    from aiocoap.oscore import FilesystemSecurityContext
    if cmd == "probe":
        return 0
    ctx_dir = args[0]
    try:
        ctx = FilesystemSecurityContext(ctx_dir)
    except Exception as e:  # filelock.Timeout when we hold the lock
        print("open failed: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        return 3
    end = "close"
    if cmd == "use":
        n, end = int(args[1]), args[2]
        nums = [ctx.new_sequence_number() for _ in range(n)]
        print("used %d %d" % (nums[0], nums[-1]), flush=True)
    elif cmd == "strike":
        end = args[-1]
        for s in args[1:-1]:
            ctx.recipient_replay_window.strike_out(int(s))
    elif cmd == "check":
        w = ctx.recipient_replay_window
        print("seq %d init %s valid %s" % (
            ctx.sender_sequence_number, w.is_initialized(),
            " ".join(str(int(w.is_valid(int(s)))) if w.is_initialized() else "-"
                     for s in args[1:])), flush=True)
    elif cmd == "hold":
        print("held", flush=True)
        sys.stdin.read()
    if end == "crash":
        os._exit(0)
    ctx._destroy()
    return 0


class Alternation:
    def __init__(self, tool, ctx_dir):
        self.tool = tool
        self.dir = ctx_dir
        self.highest = -1
        self.failures = 0
        self.aio_python = os.environ.get("AIOCOAP_PYTHON", sys.executable)

    def check(self, cond, what):
        if not cond:
            self.failures += 1
            print("FAIL: %s" % what, file=sys.stderr)

    def ours(self, *args):
        return subprocess.run([self.tool, args[0], self.dir] + list(args[1:]),
                              capture_output=True, text=True, timeout=30)

    def aio(self, *args):
        return subprocess.run([self.aio_python, __file__, "--aio", args[0],
                               self.dir] + list(args[1:]),
                              capture_output=True, text=True, timeout=30)

    def used(self, who, proc):
        self.check(proc.returncode == 0, "%s failed: %s" % (who, proc.stderr))
        parts = proc.stdout.split()
        if len(parts) != 3 or parts[0] != "used":
            self.check(False, "%s printed %r" % (who, proc.stdout))
            return None
        first, last = int(parts[1]), int(parts[2])
        self.check(first > self.highest,
                   "%s started at %d but %d was used before" % (who, first, self.highest))
        print("%-28s used %d..%d" % (who, first, last))
        self.highest = last
        return first

    def run(self):
        # Sequence numbers across clean closes and crashes of both sides.
        self.check(self.used("ours, clean", self.ours("use", "5")) == 0, "fresh start")
        self.check(self.used("aiocoap, clean", self.aio("use", "25", "close")) == 5,
                   "aiocoap continues at our exact close")
        self.check(self.used("ours, clean", self.ours("use", "100")) == 30,
                   "we continue at aiocoap's exact close")
        self.used("ours, crash", self.ours("crash", "15"))
        self.used("aiocoap after our crash", self.aio("use", "3", "crash"))
        self.used("ours after aiocoap's crash", self.ours("use", "1"))

        # B.1.2: aiocoap changes the window and crashes -> we see "unknown".
        p = self.aio("strike", "5", "6", "crash")
        self.check(p.returncode == 0, "aiocoap strike: %s" % p.stderr)
        p = self.ours("show")
        self.check(p.stdout.strip().endswith("window unknown"),
                   "we load aiocoap's unknown window: %r" % p.stdout)
        # We recover (as Echo would) and close: aiocoap sees the window.
        p = self.ours("mark", "40", "41")
        self.check(p.returncode == 0, "ours mark: %s" % p.stderr)
        p = self.aio("check", "40", "41", "42")
        self.check("init True valid 0 0 1" in p.stdout,
                   "aiocoap reads our window: %r %s" % (p.stdout, p.stderr))
        # aiocoap closing an unrecovered window writes nulls: we read
        # "unknown" (with a warning), never fail.
        self.aio("strike", "50", "crash")
        p = self.aio("check")
        self.check("init False" in p.stdout, "aiocoap unknown: %r" % p.stdout)
        p = self.ours("show")
        self.check(p.returncode == 0 and "window unknown" in p.stdout,
                   "we read aiocoap's null window: %r %s" % (p.stdout, p.stderr))
        self.used("ours after all that", self.ours("use", "1"))

        # The lock, both ways.
        holder = subprocess.Popen([self.tool, "hold", self.dir], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        self.check(holder.stdout.readline().strip() == "held", "we hold")
        t0 = time.monotonic()
        p = self.aio("use", "1", "close")
        self.check(p.returncode == 3, "aiocoap must not open what we hold: %r" % p.stdout)
        print("aiocoap refused our held context after %.2f s" % (time.monotonic() - t0))
        holder.stdin.close()
        self.check(holder.wait(timeout=10) == 0, "our holder exits cleanly")

        holder = subprocess.Popen([self.aio_python, __file__, "--aio", "hold", self.dir],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.check(holder.stdout.readline().strip() == "held", "aiocoap holds")
        t0 = time.monotonic()
        p = self.ours("use", "1")
        self.check(p.returncode == 3 and "another process" in p.stderr,
                   "we must not open what aiocoap holds: %s" % p.stderr)
        print("we refused aiocoap's held context after %.2f s" % (time.monotonic() - t0))
        holder.stdin.close()
        self.check(holder.wait(timeout=10) == 0, "aiocoap holder exits cleanly")
        self.check(not os.path.exists(os.path.join(self.dir, "lock")),
                   "no lock file after aiocoap's clean close")
        self.used("ours at the end", self.ours("use", "1"))
        self.used("aiocoap at the end", self.aio("use", "1", "close"))
        return self.failures


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--aio":
        return aio_main(sys.argv[2], sys.argv[3:])
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tool = os.path.abspath(sys.argv[1])
    probe = subprocess.run([os.environ.get("AIOCOAP_PYTHON", sys.executable), __file__,
                            "--aio", "probe", "-"], capture_output=True, text=True)
    if probe.returncode != 0:
        why = ("aiocoap not importable (set AIOCOAP_DIR, AIOCOAP_PYTHON, AIOCOAP_PYTHONPATH,"
               " e.g. from tests/interop/peers.sh): %s" % probe.stderr.strip().splitlines()[-1:])
        # As tests/interop/peer-skip.sh: a failure once peers.sh prepared
        # aiocoap, a skip on a machine without it.
        if "aiocoap" in os.environ.get("OSCORE_PEERS_REQUIRED", "").split():
            print("FAIL: cannot run although aiocoap was prepared: " + why, file=sys.stderr)
            return 1
        print("SKIP: " + why, file=sys.stderr)
        return 77
    srcdir = os.environ.get("SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
    work = tempfile.mkdtemp(prefix="store-aiocoap-")
    try:
        ctx_dir = os.path.join(work, "ctx")
        os.mkdir(ctx_dir, 0o700)
        for name in ("settings.json", "secret.json"):
            shutil.copyfile(os.path.join(srcdir, "tests/data/plugtest-contexts/a", name),
                            os.path.join(ctx_dir, name))
            os.chmod(os.path.join(ctx_dir, name), 0o600)
        failures = Alternation(tool, ctx_dir).run()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("%d failures" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
