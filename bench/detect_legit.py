#!/usr/bin/env python3
"""Legitimate clients for bench/detect_flood.sh: sequential HTTP/1.0 GETs.

usage: detect_legit.py SRC DST PORT SECONDS
Prints the number of requests answered (status line read) in SECONDS; each
connection has a 1 s timeout, so a lost SYN costs a second, as it does a
real client.
"""
import socket
import sys
import time

src, dst, port, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
end = time.monotonic() + secs
ok = 0
while time.monotonic() < end:
    try:
        s = socket.create_connection((dst, port), timeout=1.0, source_address=(src, 0))
        s.sendall(b"GET /1k.bin HTTP/1.0\r\nHost: www.lab.test\r\n\r\n")
        if s.recv(16).startswith(b"HTTP/"):
            ok += 1
        s.close()
    except OSError:
        pass
print(ok)
