#!/usr/bin/env python3
"""Stored-output tests in tcpdump's shape: tests/golden/TESTLIST.

usage: testlist.py [--regen] [PKTLENS_BINARY [PCAP_DIR]] [NAME ...]

Each line of TESTLIST is
    NAME  CAPTURE  OPTIONS  [FILTER]
(shell words; '#' starts a comment). `pktlens read CAPTURE OPTIONS FILTER`
with TZ=UTC must print exactly tests/golden/out/NAME.out on stdout and exit
0. OPTIONS is one word, its options split at commas, or "-" for none
(--json, --detect, --threshold=...). CAPTURE is a file in tests/golden/pcaps
(made by mkcaptures.py, in the repository) or shared/FILE, a capture of
$PCAP_DIR (../shared/pcaps): a test of one that is absent prints
"SKIP NAME (...)". The .out files of shared captures are kept in the
repository; the captures never are.

Prints "PASS NAME" or "FAIL NAME" with the first lines of a diff; exit 1 on
any failure. --regen writes the .out files instead (after a reviewed change:
`git diff tests/golden/out` shows what changed). Standard library only.
"""
import difflib
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TIMEOUT = 60


def tests(path):
    with open(path) as f:
        for n, line in enumerate(f, 1):
            words = shlex.split(line, comments=True)
            if not words:
                continue
            if len(words) < 3:
                sys.exit("%s:%d: want NAME CAPTURE OPTIONS [FILTER]" % (path, n))
            name, capture, opts = words[:3]
            yield name, capture, [] if opts == "-" else opts.split(","), words[3:]


def main():
    args = sys.argv[1:]
    regen = "--regen" in args
    args = [a for a in args if a != "--regen"]
    pktlens = args[0] if args and args[0] else os.path.join(REPO, "build/pktlens")
    pcap_dir = args[1] if len(args) > 1 and args[1] else os.environ.get(
        "PCAP_DIR", os.path.join(REPO, "..", "shared", "pcaps"))
    only = set(args[2:])
    env = dict(os.environ, TZ="UTC", LC_ALL="C")
    failed = 0
    seen = set()
    for name, capture, opts, filt in tests(os.path.join(HERE, "TESTLIST")):
        if name in seen:
            sys.exit("TESTLIST: %s twice" % name)
        seen.add(name)
        if only and name not in only:
            continue
        if capture.startswith("shared/"):
            path = os.path.join(pcap_dir, capture[len("shared/"):])
        else:
            path = os.path.join(HERE, "pcaps", capture)
        if not os.path.exists(path):
            print("SKIP %s (no %s)" % (name, path))
            continue
        cmd = [pktlens, "read", path] + opts + ([" ".join(filt)] if filt else [])
        try:
            r = subprocess.run(cmd, capture_output=True, env=env, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            print("FAIL %s: no answer in %d s: %s" % (name, TIMEOUT, shlex.join(cmd)))
            failed += 1
            continue
        out = os.path.join(HERE, "out", name + ".out")
        if r.returncode != 0:
            print("FAIL %s: exit %d: %s" % (name, r.returncode,
                                            r.stderr.decode(errors="replace").strip()[:300]))
            failed += 1
            continue
        if regen:
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with open(out, "wb") as f:
                f.write(r.stdout)
            print("wrote %s (%d lines)" % (os.path.relpath(out, REPO), r.stdout.count(b"\n")))
            continue
        try:
            with open(out, "rb") as f:
                want = f.read()
        except FileNotFoundError:
            print("FAIL %s: no %s (testlist.py --regen writes it)" % (name, os.path.relpath(out, REPO)))
            failed += 1
            continue
        if r.stdout == want:
            print("PASS %s (%d lines)" % (name, want.count(b"\n")))
            continue
        print("FAIL %s: output differs from %s:" % (name, os.path.relpath(out, REPO)))
        diff = difflib.unified_diff(want.decode(errors="replace").splitlines(),
                                    r.stdout.decode(errors="replace").splitlines(),
                                    "expected", "got", lineterm="", n=1)
        for line in list(diff)[:12]:
            print("    " + line[:200])
        failed += 1
    for name in only - seen:
        print("FAIL %s: not in TESTLIST" % name)
        failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
