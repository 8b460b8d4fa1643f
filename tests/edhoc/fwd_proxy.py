#!/usr/bin/python3
"""A minimal CoAP forward proxy over UDP on 127.0.0.1, for tests only.

    fwd_proxy.py LOG [--drop NUMBER]...

Prints its port on stdout, then forwards every request that names its
target with Proxy-Scheme "coap" and Uri-Host / Uri-Port (RFC 7252 §5.7.2,
§6.5) to that host and port: Proxy-Scheme, Uri-Host and Uri-Port are taken
off (the target is an IP literal), every other option goes on unread, as
RFC 7252 §5.7.1 asks of a proxy for Safe-to-Forward options it does not
know. The answer goes back to the client under its token and message ID.
--drop NUMBER plays a proxy that loses that option instead.

LOG gets one line per forwarded request, "CODE OPTION-NUMBERS PAYLOAD-LEN",
and one per answer, "-> CODE". A request without Proxy-Scheme gets 5.05.
Bounded: 64 requests in flight (the oldest forgotten), 60 s without a
datagram ends it.
"""
import os
import select
import socket
import sys

# The option codec of the client tests' wire capture: one home (and no
# __pycache__ left in the source tree).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "client"))
from wire_capture import encode_options, parse_options  # noqa: E402

PROXY_SCHEME, URI_HOST, URI_PORT = 39, 3, 7
MAX_PENDING = 64


def parse(d):
    """(type, code, mid, token, [(number, value)], payload) or None."""
    if len(d) < 4 or d[0] >> 6 != 1 or (d[0] & 15) > 8:
        return None
    tkl = d[0] & 15
    try:
        opts, payload = parse_options(d, 4 + tkl)
    except IndexError:
        return None
    return (d[0] >> 4) & 3, d[1], d[2:4], d[4:4 + tkl], opts, payload


def build(typ, code, mid, token, opts, payload):
    out = bytes([0x40 | typ << 4 | len(token), code]) + mid + token
    out += encode_options(sorted(opts, key=lambda o: o[0]))
    return out + (b"\xff" + payload if payload else b"")


def main():
    log = open(sys.argv[1], "a", buffering=1)
    drop = {int(sys.argv[i + 1]) for i, a in enumerate(sys.argv) if a == "--drop"}
    down = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    down.bind(("127.0.0.1", 0))
    up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    up.bind(("127.0.0.1", 0))
    print(down.getsockname()[1], flush=True)
    pending = {}    # our token -> (client address, type, mid, token)
    answered = {}   # (client address, mid) -> the answer sent (duplicates)
    next_mid = 1
    while True:
        ready, _, _ = select.select([down, up], [], [], 60)
        if not ready:
            return
        if down in ready:
            d, addr = down.recvfrom(65536)
            m = parse(d)
            if m is None or not 1 <= m[1] <= 31:
                continue
            typ, code, mid, token, opts, payload = m
            if (addr, mid) in answered:
                down.sendto(answered[(addr, mid)], addr)
                continue
            if any(p[0] == addr and p[2] == mid for p in pending.values()):
                continue   # a retransmission of one still in flight
            nums = dict(opts)
            if nums.get(PROXY_SCHEME) != b"coap" or URI_HOST not in nums:
                down.sendto(build(2, 0xA5, mid, token, [], b""), addr)
                continue
            port = int.from_bytes(nums.get(URI_PORT, b"\x16\x33"), "big")
            fwd = [o for o in opts if o[0] not in {PROXY_SCHEME, URI_HOST,
                                                   URI_PORT} | drop]
            ours = os.urandom(8)
            pending[ours] = (addr, typ, mid, token)
            while len(pending) > MAX_PENDING:
                pending.pop(next(iter(pending)))
            next_mid = (next_mid + 1) & 0xffff
            up.sendto(build(0, code, next_mid.to_bytes(2, "big"), ours, fwd,
                            payload), (nums[URI_HOST].decode(), port))
            log.write("%d.%02d %s %d\n" % (code >> 5, code & 31,
                      ",".join(str(o[0]) for o in fwd), len(payload)))
        if up in ready:
            d, addr = up.recvfrom(65536)
            m = parse(d)
            if m is None:
                continue
            typ, code, mid, token, opts, payload = m
            if typ == 0:   # a separate response: acknowledge it
                up.sendto(bytes([0x60, 0]) + mid, addr)
            if code == 0 or token not in pending:
                continue
            caddr, ctyp, cmid, ctoken = pending.pop(token)
            if ctyp == 0:
                reply = build(2, code, cmid, ctoken, opts, payload)
                answered[(caddr, cmid)] = reply
                while len(answered) > MAX_PENDING:
                    answered.pop(next(iter(answered)))
            else:
                next_mid = (next_mid + 1) & 0xffff
                reply = build(1, code, next_mid.to_bytes(2, "big"), ctoken,
                              opts, payload)
            down.sendto(reply, caddr)
            log.write("-> %d.%02d\n" % (code >> 5, code & 31))


if __name__ == "__main__":
    main()
