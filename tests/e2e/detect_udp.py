#!/usr/bin/env python3
"""UDP counted at the receiver, for detect_e2e.sh.

  detect_udp.py recv PORT SECONDS     prints {"SRC": datagrams, ...} after SECONDS
  detect_udp.py send SRC DST PORT N GAP_MS
                                      sends N datagrams from SRC, GAP_MS apart
"""
import json
import socket
import sys
import time

if sys.argv[1] == "recv":
    port, secs = int(sys.argv[2]), float(sys.argv[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind(("0.0.0.0", port))
    counts = {}
    end = time.monotonic() + secs
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            _, (src, _) = s.recvfrom(2048)
        except socket.timeout:
            break
        counts[src] = counts.get(src, 0) + 1
    print(json.dumps(counts), flush=True)
else:
    src, dst, port, n, gap = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    for i in range(n):
        s.sendto(b"pktlens-detect-%d" % i, (dst, port))
        if gap:
            time.sleep(gap / 1000.0)
