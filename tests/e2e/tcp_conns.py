#!/usr/bin/python3
"""Short TCP connections for the pktlens tcp tests, bounded in count and time.

  tcp_conns.py serve ADDR PORT N      accept N connections, close each at once
  tcp_conns.py connect ADDR PORT N    open and close N connections, one by one
  tcp_conns.py hold ADDR PORT N       open N connections, keep them 1 s, close all
"""
import socket
import sys
import time

DEADLINE = 90  # seconds, whatever happens


def serve(addr, port, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(4096)
    s.settimeout(5)
    print("listening", flush=True)
    end = time.monotonic() + DEADLINE
    done = 0
    while done < n and time.monotonic() < end:
        try:
            c, _ = s.accept()
        except socket.timeout:
            continue
        c.close()
        done += 1
    s.close()
    print(f"accepted {done}", flush=True)
    return 0 if done == n else 1


def connect(addr, port, n):
    end = time.monotonic() + DEADLINE
    done = 0
    while done < n and time.monotonic() < end:
        c = socket.create_connection((addr, port), timeout=5)
        c.close()
        done += 1
    print(f"connected {done}", flush=True)
    return 0 if done == n else 1


def hold(addr, port, n):
    conns = [socket.create_connection((addr, port), timeout=5) for _ in range(n)]
    time.sleep(1)
    for c in conns:
        c.close()
    print(f"held {len(conns)}", flush=True)
    return 0


if __name__ == "__main__":
    mode, addr, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    sys.exit({"serve": serve, "connect": connect, "hold": hold}[mode](addr, port, n))
