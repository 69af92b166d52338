#!/usr/bin/python3
"""The soak's scraper and memory sampler (tests/soak/soak.sh).

    scrape.py URL AGENT_PID OUTDIR

Runs in the agent's network namespace until SIGTERM. Once a second, on the
second, it fetches URL (2 s timeout) and checks the page with
`promtool check metrics`; a scrape succeeds when the answer is HTTP 200,
has pktlens_ samples and promtool accepts it. Every second it also reads
the agent's VmRSS from /proc.

OUTDIR gets:
  scrapes.log   one line per scrape: elapsed seconds, ok or FAIL and why
  rss.csv       elapsed seconds, VmRSS in KiB
  last.prom     the last good page (replaced atomically)
and at exit one line on stdout: scrapes N failed N.
"""
import os
import signal
import subprocess
import sys
import time
import urllib.request

stop = False


def on_term(_sig, _frame):
    global stop
    stop = True


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise ValueError("no VmRSS")


def scrape(url):
    """(page, None) or (None, why)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            if r.status != 200:
                return None, f"HTTP {r.status}"
            page = r.read()
    except Exception as e:  # noqa: BLE001 -- any failure is a failed scrape
        return None, f"{type(e).__name__}: {e}"
    if b"\npktlens_" not in page:
        return None, f"no pktlens_ samples in {len(page)} bytes"
    p = subprocess.run(["promtool", "check", "metrics"], input=page, capture_output=True,
                       timeout=10)
    if p.returncode != 0:
        why = (p.stdout + p.stderr).decode(errors="replace").strip().replace("\n", " | ")
        return None, f"promtool: {why[:300]}"
    return page, None


def main():
    url, pid, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    t0 = time.monotonic()
    n = failed = 0
    with open(os.path.join(out, "scrapes.log"), "w", buffering=1) as log, \
            open(os.path.join(out, "rss.csv"), "w", buffering=1) as rss:
        rss.write("elapsed_s,rss_kib\n")
        tick = t0
        while not stop:
            tick += 1.0
            delay = tick - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if stop:
                break
            elapsed = time.monotonic() - t0
            try:
                rss.write(f"{elapsed:.1f},{rss_kib(pid)}\n")
            except (OSError, ValueError):
                log.write(f"{elapsed:.1f} FAIL the agent (pid {pid}) is gone\n")
                failed += 1
                n += 1
                break
            page, why = scrape(url)
            n += 1
            if page is None:
                failed += 1
                log.write(f"{elapsed:.1f} FAIL {why}\n")
                continue
            log.write(f"{elapsed:.1f} ok {len(page)} bytes\n")
            tmp = os.path.join(out, "last.prom.tmp")
            with open(tmp, "wb") as f:
                f.write(page)
            os.replace(tmp, os.path.join(out, "last.prom"))
            if time.monotonic() - tick > 1.0:  # fell behind: skip, never burst
                tick = time.monotonic()
    print(f"scrapes {n} failed {failed}")


if __name__ == "__main__":
    main()
