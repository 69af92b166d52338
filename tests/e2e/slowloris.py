#!/usr/bin/python3
"""Slow HTTP clients for the /metrics hardening tests (issue 14).

usage: slowloris.py loris HOST PORT SECONDS SRC[,SRC...] PER
           PER sockets from each source address; each sends the start of a
           GET and then one header line every 2 s, never the blank line
           that ends the request. A socket the server closes is opened again
           0.5 s later. Prints "ready N" once every socket was tried, and at
           the end "held MAX_SECONDS cut CUT" (cut: sockets the server closed
           after holding them at least 1 s; MAX_SECONDS: the longest such).
       slowloris.py dribble HOST PORT SRC
           one request, one byte every 0.5 s; prints the seconds until the
           server closed the connection (at most 15: then it gives up).

Every run is bounded by its SECONDS (15 for dribble); stdlib only.
"""
import socket
import sys
import time

LINE_EVERY = 2.0
REOPEN_AFTER = 0.5
REQUEST_START = b"GET /metrics HTTP/1.1\r\nHost: pktlens\r\n"


def open_from(src, host, port):
    s = socket.socket()
    s.settimeout(1)
    try:
        s.bind((src, 0))
        s.connect((host, port))
        s.sendall(REQUEST_START)
    except OSError:
        s.close()
        return None
    s.setblocking(False)
    return s


def closed(s):
    try:
        return s.recv(4096) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def loris(host, port, seconds, srcs, per):
    # slot: [socket or None, opened at, reopen at]
    slots = [[None, 0.0, 0.0, src] for src in srcs for _ in range(per)]
    end = time.monotonic() + seconds
    held, cut, last_line = 0.0, 0, 0.0
    first = True
    while time.monotonic() < end:
        now = time.monotonic()
        line = now - last_line >= LINE_EVERY
        if line:
            last_line = now
        for sl in slots:
            s = sl[0]
            if s is not None and closed(s):
                age = now - sl[1]
                if age >= 1.0:
                    cut += 1
                    held = max(held, age)
                s.close()
                sl[0], sl[2] = None, now + REOPEN_AFTER
                continue
            if s is None and now >= sl[2]:
                sl[0], sl[1] = open_from(sl[3], host, port), time.monotonic()
                if sl[0] is None:
                    sl[2] = now + REOPEN_AFTER
                continue
            if s is not None and line:
                try:
                    s.send(b"X-Slow: 1\r\n")
                except OSError:
                    pass
        if first:
            print("ready %d" % sum(1 for sl in slots if sl[0] is not None), flush=True)
            first = False
        time.sleep(0.05)
    for sl in slots:
        if sl[0] is not None:
            sl[0].close()
    print("held %.1f cut %d" % (held, cut), flush=True)


def dribble(host, port, src):
    s = open_from(src, host, port)
    if s is None:
        print("cannot connect", flush=True)
        return
    t0 = time.monotonic()
    rest = b"X-Slow: 1\r\n" * 40
    i = 0
    while time.monotonic() - t0 < 15 and not closed(s):
        try:
            s.send(rest[i : i + 1])
        except OSError:
            break
        i += 1
        time.sleep(0.5)
    print("%.1f" % (time.monotonic() - t0), flush=True)


def main(argv):
    if len(argv) == 7 and argv[1] == "loris":
        loris(argv[2], int(argv[3]), float(argv[4]), argv[5].split(","), int(argv[6]))
    elif len(argv) == 5 and argv[1] == "dribble":
        dribble(argv[2], int(argv[3]), argv[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
