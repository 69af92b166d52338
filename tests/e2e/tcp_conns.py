#!/usr/bin/python3
"""TCP connections for the pktlens tcp and agent tests, bounded in count and time.

  tcp_conns.py serve ADDR PORT N      accept N connections, close each at once
  tcp_conns.py connect ADDR PORT N    open and close N connections, one by one
  tcp_conns.py hold ADDR PORT N       open N connections, keep them 1 s, close all
  tcp_conns.py keep ADDR PORT N       accept N connections and keep each until
                                      its peer closes it (or resets it)
  tcp_conns.py idle ADDR PORT N FILE [rst]
                                      open N connections, keep them idle until
                                      FILE exists, close all (rst: with a
                                      reset, SO_LINGER 0)
  tcp_conns.py stall ADDR PORT 1 FILE accept one connection; once FILE exists,
                                      send on it with TCP_USER_TIMEOUT 500 ms
                                      until the kernel gives up (a peer that
                                      never acknowledges: ETIMEDOUT)

A server prints "listening PORT" when it listens (PORT 0: one the kernel
picks, printed), then "accepted N"; a client "open N" once its connections
are up; both "closed N" at the end.
"""
import os
import signal
import socket
import struct
import sys
import time

DEADLINE = 90  # seconds, whatever happens


def listen(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(4096)
    print(f"listening {s.getsockname()[1]}", flush=True)
    return s


def wait_file(path):
    while not os.path.exists(path):
        time.sleep(0.05)


def serve(addr, port, n):
    s = listen(addr, port)
    s.settimeout(5)
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


def keep(addr, port, n):
    s = listen(addr, port)
    conns = [s.accept()[0] for _ in range(n)]
    print(f"accepted {len(conns)}", flush=True)
    for c in conns:
        try:
            while c.recv(4096):
                pass
        except ConnectionResetError:
            pass
        c.close()
    print(f"closed {len(conns)}", flush=True)
    return 0


def idle(addr, port, n, path, how="fin"):
    conns = [socket.create_connection((addr, port), timeout=5) for _ in range(n)]
    print(f"open {len(conns)}", flush=True)
    wait_file(path)
    for c in conns:
        if how == "rst":
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
    print(f"closed {len(conns)}", flush=True)
    return 0


def stall(addr, port, n, path):
    s = listen(addr, port)
    c, _ = s.accept()
    print("accepted 1", flush=True)
    wait_file(path)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, 500)
    c.sendall(b"x" * 1000)
    try:
        c.recv(1)
    except OSError as e:
        print(f"error {e.errno}", flush=True)
    c.close()
    print("closed 1", flush=True)
    return 0


if __name__ == "__main__":
    signal.alarm(DEADLINE + 10)  # the default action ends the process
    mode, addr, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    modes = {"serve": serve, "connect": connect, "hold": hold, "keep": keep, "idle": idle,
             "stall": stall}
    sys.exit(modes[mode](addr, port, n, *sys.argv[5:]))
