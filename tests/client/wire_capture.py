#!/usr/bin/env python3
"""A raw-UDP CoAP endpoint for the client tests: records every request
(code, options, payload; not the message ID or token, which are random)
and answers it as told, so a test can see exactly what a client put on
the wire and feed it any answer.

  wire_capture.py LOG [REPLY]

Binds 127.0.0.1 port 0 and prints the port. Each request appends one line
to LOG: "CODE OPT=HEX,OPT=HEX,... PAYLOADHEX" (option numbers in order,
"-" for none). REPLY, read afresh per request when it exists, holds
"CODE OPT=HEX,... PAYLOADHEX" for the answer (piggybacked on the ACK of a
CON, a NON to a NON); without it the answer is an empty 2.05. LOG.peer
holds "ADDRESS PORT" of the last sender. Exits after 120 s without a
request."""
import socket
import sys


def parse_options(d, i):
    num, opts = 0, []
    while i < len(d) and d[i] != 0xFF:
        delta, length = d[i] >> 4, d[i] & 15
        i += 1
        ext = []
        for v in (delta, length):
            if v == 13:
                v = d[i] + 13
                i += 1
            elif v == 14:
                v = (d[i] << 8 | d[i + 1]) + 269
                i += 2
            ext.append(v)
        num += ext[0]
        opts.append((num, d[i:i + ext[1]]))
        i += ext[1]
    payload = d[i + 1:] if i < len(d) else b""
    return opts, payload


def encode_options(opts):
    out, last = b"", 0
    for num, val in opts:
        parts = []
        for v in (num - last, len(val)):
            if v < 13:
                parts.append((v, b""))
            elif v < 269:
                parts.append((13, bytes([v - 13])))
            else:
                parts.append((14, (v - 269).to_bytes(2, "big")))
        out += bytes([parts[0][0] << 4 | parts[1][0]]) + parts[0][1] + parts[1][1] + val
        last = num
    return out


def text(code, opts, payload):
    o = ",".join("%d=%s" % (n, v.hex()) for n, v in opts) or "-"
    return "%d %s %s" % (code, o, payload.hex() or "-")


def parse_text(line):
    code, o, p = (line.split() + ["-", "-"])[:3]
    opts = []
    if o != "-":
        for kv in o.split(","):
            n, v = kv.split("=")
            opts.append((int(n), bytes.fromhex(v)))
    return int(code), opts, (b"" if p == "-" else bytes.fromhex(p))


def main():
    log, reply = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1], flush=True)
    s.settimeout(120)
    mid = 0x4000
    while True:
        try:
            d, a = s.recvfrom(4096)
        except socket.timeout:
            return
        if len(d) < 4 or d[1] == 0:
            continue
        tkl = d[0] & 15
        opts, payload = parse_options(d, 4 + tkl)
        with open(log, "a") as f:
            f.write(text(d[1], opts, payload) + "\n")
        with open(log + ".peer", "w") as f:
            f.write("%s %d\n" % a)
        code, ropts, rpayload = 69, [], b""
        try:
            with open(reply) as f:
                code, ropts, rpayload = parse_text(f.read().strip())
        except (TypeError, OSError):
            pass
        con = (d[0] >> 4) & 3 == 0
        if con:
            hdr = bytes([0x60 | tkl, code]) + d[2:4]
        else:
            mid += 1
            hdr = bytes([0x50 | tkl, code]) + mid.to_bytes(2, "big")
        msg = hdr + d[4:4 + tkl] + encode_options(ropts)
        if rpayload:
            msg += b"\xff" + rpayload
        s.sendto(msg, a)


# fwd_proxy.py (tests/edhoc) imports the option codec.
if __name__ == "__main__":
    main()
