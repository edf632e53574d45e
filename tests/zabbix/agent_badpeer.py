#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Bad peers for the agent's passive port (a test tool, bounded in time).
usage: agent_badpeer.py PORT
Each case connects to 127.0.0.1:PORT, misbehaves, and checks how the agent
answers or closes; meanwhile good requests must be answered at once.
Prints one line per case; exits 1 if any case failed."""
import socket, struct, sys, threading, time, zlib

PORT = int(sys.argv[1])
TIMEOUT = 3.0          # the agent's per-connection timeout
failed = []


def frame(body, flags=0x01, rsv=0):
    return b"ZBXD" + bytes([flags]) + struct.pack("<II", len(body), rsv) + body


def talk(chunks, delay=0.0, src=None, limit=8.0):
    """Sends chunks; returns (reply bytes, seconds until the agent closed)."""
    s = socket.socket()
    s.settimeout(limit)
    if src:
        s.bind((src, 0))
    t0 = time.monotonic()
    s.connect(("127.0.0.1", PORT))
    out = b""
    try:
        for c in chunks:
            s.sendall(c)
            if delay:
                time.sleep(delay)
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except (ConnectionResetError, BrokenPipeError):
        pass
    except socket.timeout:
        out += b"<timeout>"
    s.close()
    return out, time.monotonic() - t0


def ping():
    out, dt = talk([frame(b"agent.ping")], limit=2)
    return out[13:] == b"1", dt


def check(name, ok, detail=""):
    print("%-52s %s %s" % (name, "ok  " if ok else "FAIL", detail))
    if not ok:
        failed.append(name)


def case_closed(name, chunks, max_s, want=b"", delay=0.0):
    out, dt = talk(chunks, delay)
    check(name, out == want and dt <= max_s, "(%.2fs, %r)" % (dt, out[:60]))


def main():
    k = b"agent.ping"
    case_closed("truncated header closes within the timeout", [b"ZBXD\x01"], TIMEOUT + 1)
    case_closed("header without body closes within the timeout",
                [b"ZBXD\x01" + struct.pack("<II", 10, 0)], TIMEOUT + 1)
    case_closed("declared length over the limit closes at once",
                [b"ZBXD\x01" + struct.pack("<II", 2 << 30, 0)], 1.0)
    case_closed("declared length 1 MiB (over 8 KiB) closes at once",
                [b"ZBXD\x01" + struct.pack("<II", 1 << 20, 0)], 1.0)
    bomb = zlib.compress(b"\0" * (1 << 20), 9)
    case_closed("zlib body declared past the limit closes", [frame(bomb, 0x03, 1 << 20)], 1.0)
    case_closed("zlib body inflating past its header closes", [frame(bomb, 0x03, 100)], 1.0)
    case_closed("garbage zlib closes", [frame(b"notzlib!!", 0x03, 10)], 1.0)
    case_closed("large flag 0x05 closes", [b"ZBXD\x05" + struct.pack("<QQ", len(k), 0) + k], 1.0)
    case_closed("unknown flag bit closes", [frame(k, 0x09)], 1.0)
    case_closed("no protocol bit closes", [frame(k, 0x00)], 1.0)
    case_closed("longer body than declared closes",
                [b"ZBXD\x01" + struct.pack("<II", 5, 0) + b"0123456789"], 1.0)
    case_closed("TLS-like garbage closes", [b"\x16\x03\x01\x00\x05hello"], 1.0)
    case_closed("one byte a second closes within the timeout",
                [bytes([b]) for b in frame(k)], TIMEOUT + 2.5, delay=1.0)
    out, dt = talk([frame(b"no.such.key")])
    check("unknown key gets ZBX_NOTSUPPORTED", out[13:] == b"ZBX_NOTSUPPORTED\0Unsupported item key.", repr(out[13:]))
    out, dt = talk([frame(b"agent.ping[x")])
    check("bad parameters get ZBX_NOTSUPPORTED", out[13:] == b"ZBX_NOTSUPPORTED\0Invalid item key format.", repr(out[13:]))
    out, dt = talk([frame(zlib.compress(k), 0x03, len(k))])
    check("compressed request is answered", out[13:] == b"1" and out[4] == 1, repr(out[:16]))
    out, dt = talk([k + b"\n"])
    check("headerless request is answered", out[13:] == b"1", repr(out))
    out, dt = talk([frame(k)], src="127.0.0.2")
    out2, dt = talk([frame(k)], src="127.0.0.2")
    check("peer outside the allow list is dropped", out == b"" and out2 == b"", repr(out))

    # Slow and idle peers must not hold up others (agentd: ~3 s each).
    holders = []
    for i in range(8):
        s = socket.socket(); s.settimeout(10); s.connect(("127.0.0.1", PORT))
        s.sendall(b"ZBXD" if i % 2 else b"")
        holders.append(s)
    worst = 0.0
    for _ in range(20):
        ok, dt = ping()
        worst = max(worst, dt)
        if not ok:
            break
    check("20 requests answered while 8 peers stall", ok and worst < 0.5, "(worst %.3fs)" % worst)
    for s in holders:
        s.close()

    # Many bad connections at once, then the agent still answers.
    socks = []
    for i in range(300):
        s = socket.socket(); s.settimeout(5)
        try:
            s.connect(("127.0.0.1", PORT)); s.sendall(b"ZBXD\x01" + struct.pack("<II", 8000, 0) + b"x" * 1000)
            socks.append(s)
        except OSError:
            s.close()
    ok, dt = ping()
    check("answers while 300 partial 8 KB requests are open", ok and dt < 0.5, "(%d open, %.3fs)" % (len(socks), dt))
    for s in socks:
        s.close()
    sys.exit(1 if failed else 0)


main()
