#!/usr/bin/env python3
"""Differential test of pktlens filters against tcpdump, plus L7 predicates.

usage: diff_tcpdump.py [--pktlens BIN] [--batch BIN] [--pcap-dir DIR] [--tcpdump BIN]
                       [--seed N] [--combos N] [--local-combos N] [--jobs N]
                       [--only primitives|combos|l7] [--print-combos]

Defaults: $PKTLENS or build/pktlens, $FILTER_BATCH or build/filter_batch,
$PCAP_DIR or <repo>/../shared/pcaps,
tcpdump from $PATH, seed 20240611, 220 combinations on every capture plus 10
per capture with that capture's own values, 2 worker threads.
FILTER_SHOW=N shows N mismatches per failing test (default 8).

The captures: every *.pcap and *.pcapng of the corpus, plus one written here
(crafted_frames()) with what the corpus lacks: IPv4/IPv6 fragments, IPv4
options, three VLAN tags, a 0x9100 tag, LLC, RARP, runts, frames cut inside
their headers.

1. Primitives: every non-L7 primitive of SPEC.md's FILTER paragraph, with
   values from the corpus (the most frequent ones corpus-wide, run on every
   capture, and each capture's own, run on that capture).
2. Random combinations of primitives with and/or/&&/||/not/!/parentheses
   (sometimes without parentheses, for and/or's equal precedence), from a
   fixed seed, with addresses, ports, MACs, VLAN ids, lengths and TTLs
   present in the corpus.
   For both, `pktlens read FILE --json FILTER` must select exactly the
   frames `tcpdump -r FILE -w - FILTER` writes; tcpdump's output is mapped
   back to input frame numbers (ordered subsequence; timestamp, lengths
   and bytes must match).
   Not a process per filter and capture: pktlens's side is filter_batch
   (tests/filter/batch.c: read's capture reader, compiler and matcher, every
   filter of a capture in one process), and a seeded sample of each part
   goes through `pktlens read` itself, which must select the same frames
   ("batch-is-read"); tcpdump reads the captures of one link type merged
   into one pcap (Merged), once per filter, its output split back per
   capture (a frame's verdict depends on its bytes, lengths and link type
   alone; captures with FCS bits in the link type or several pcapng
   interfaces are read alone).
3. L7 predicates: the frames pktlens selects with tls.sni / dns.qry.* /
   http.* filters are the frames the unfiltered --json records say they
   should be (absent field: false, even for !=; SNI, DNS names and Host
   compare without case, method and URI with case).
4. Mixed: 60 seeded random header combinations joined with an L7
   predicate by and / or / and not: pktlens selects tcpdump's frames for
   the header part combined with the frames the records give the L7 part.

pktlens has libpcap compile the header part of a filter for the
capture's link type, so the two must agree exactly. Outcomes other than
"equal":
- both reject a filter on a link type (`ether host`, `vlan` on Linux
  cooked captures): equal, counted and listed with libpcap's reason.
- tcpdump says "expression rejects all packets" (its optimiser proved the
  filter never matches): pktlens must select nothing.
- one rejects what the other accepts, the sets differ, or anything else:
  a failure (a difference that `tcpdump -O`, libpcap's optimiser off,
  explains is named as such).

Prints "PASS filter-diff <primitive>: ..." per primitive (over all
captures), "PASS filter-diff random-combos (N): ...", "PASS filter-l7
<case> ..." per L7 case, or FAIL with the first mismatches (file, filter,
frames only pktlens selects, frames only tcpdump selects) under it.
Exit status 1 on any failure. Standard library only.
"""
import argparse
import collections
import concurrent.futures
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TIMEOUT = 60
MAX_SHOWN = int(os.environ.get("FILTER_SHOW", "8"))

# --- reading captures -------------------------------------------------------


class Frame:
    __slots__ = ("ts_us", "caplen", "wirelen", "data")

    def __init__(self, ts_us, caplen, wirelen, data):
        self.ts_us, self.caplen, self.wirelen, self.data = ts_us, caplen, wirelen, data


def read_pcap(buf):
    magic = buf[:4]
    for endian in "<>":
        (m,) = struct.unpack(endian + "I", magic)
        if m in (0xA1B2C3D4, 0xA1B23C4D):
            break
    else:
        raise ValueError("not a pcap file")
    nano = m == 0xA1B23C4D
    _, _, _, _, snaplen, linktype = struct.unpack(endian + "HHiIII", buf[4:24])
    frames, off = [], 24
    while off + 16 <= len(buf):
        sec, frac, incl, orig = struct.unpack(endian + "IIII", buf[off:off + 16])
        off += 16
        data = buf[off:off + incl]
        off += incl
        if snaplen and incl > snaplen:
            data = data[:snaplen]  # libpcap keeps the first snaplen bytes
        ts_us = sec * 1000000 + (frac // 1000 if nano else frac)
        frames.append(Frame(ts_us, len(data), orig, data))
    return linktype & 0xFFFF, frames


def read_pcapng(buf):
    frames, ifaces, off, endian = [], [], 0, "<"
    linktype = None
    while off + 12 <= len(buf):
        btype = struct.unpack(endian + "I", buf[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            bom = buf[off + 8:off + 12]
            endian = "<" if struct.unpack("<I", bom)[0] == 0x1A2B3C4D else ">"
            ifaces = []
        blen = struct.unpack(endian + "I", buf[off + 4:off + 8])[0]
        body = buf[off + 8:off + blen - 4]
        if btype == 1:  # IDB
            lt, _, snap = struct.unpack(endian + "HHI", body[:8])
            tsres = 6
            o = 8
            while o + 4 <= len(body):
                code, olen = struct.unpack(endian + "HH", body[o:o + 4])
                if code == 0:
                    break
                if code == 9 and olen >= 1:
                    tsres = body[o + 4]
                o += 4 + ((olen + 3) & ~3)
            units = 2 ** (tsres & 0x7F) if tsres & 0x80 else 10 ** tsres
            ifaces.append((lt, snap, units))
            if linktype is None:
                linktype = lt
        elif btype in (6, 2):  # EPB, obsolete PB
            if btype == 6:
                ifid, hi, lo, incl, orig = struct.unpack(endian + "IIIII", body[:20])
            else:
                ifid, _, hi, lo, incl, orig = struct.unpack(endian + "HHIIII", body[:20])
            data = body[20:20 + incl]
            units = ifaces[ifid][2]
            ts = (hi << 32) | lo
            ts_us = ts * 1000000 // units
            frames.append(Frame(ts_us, len(data), orig, data))
        elif btype == 3:  # SPB
            (orig,) = struct.unpack(endian + "I", body[:4])
            snap = ifaces[0][1]
            incl = min(orig, snap) if snap else orig
            data = body[4:4 + incl]
            frames.append(Frame(0, len(data), orig, data))
        off += blen
    return linktype, frames


def read_capture(path):
    with open(path, "rb") as f:
        buf = f.read()
    if struct.unpack("<I", buf[:4])[0] == 0x0A0D0D0A:
        return read_pcapng(buf)
    return read_pcap(buf)


def map_frames(inputs, outputs):
    """Frame numbers (1-based) of `outputs` as an ordered subsequence of
    `inputs`; None when an output frame has no input frame."""
    numbers, i = [], 0
    for o in outputs:
        while i < len(inputs):
            f = inputs[i]
            i += 1
            if (f.caplen == o.caplen and f.wirelen == o.wirelen and f.data == o.data
                    and (f.ts_us == o.ts_us or f.ts_us == 0)):
                numbers.append(i)
                break
        else:
            return None
    return numbers


# --- a crafted capture of edge cases the corpus lacks -------------------------


def _csum(b):
    if len(b) % 2:
        b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xFFFF) + (t >> 16)
    return ~t & 0xFFFF


def _mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def _eth(typ, payload, dst="02:00:00:00:00:02", src="02:00:00:00:00:01", tags=()):
    b = _mac(dst) + _mac(src)
    for tpid, vid in tags:
        b += struct.pack("!HH", tpid, vid)
    return b + struct.pack("!H", typ) + payload


def _ip4(src, dst, proto, payload, ihl=5, frag=0, ver=4, total=None, ttl=64):
    opts = b"\x01" * (ihl * 4 - 20) if ihl > 5 else b""
    total = 20 + len(opts) + len(payload) if total is None else total
    h = struct.pack("!BBHHHBBH4s4s", ver << 4 | ihl, 0, total, 1, frag, ttl, proto, 0,
                    bytes(int(x) for x in src.split(".")), bytes(int(x) for x in dst.split(".")))
    if ihl < 5:
        h = h[:ihl * 4]
    h = h[:10] + struct.pack("!H", _csum(h + opts)) + h[12:]
    return h + opts + payload


def _ip6(src, dst, nh, payload):
    import ipaddress
    return (struct.pack("!IHBB", 6 << 28, len(payload), nh, 64) +
            ipaddress.IPv6Address(src).packed + ipaddress.IPv6Address(dst).packed + payload)


def _tcp(sport, dport, flags=0x02, data=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, flags, 1024, 0, 0) + data


def _udp(sport, dport, data=b"abcd"):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


def crafted_frames():
    """(bytes, wire length) of frames that probe the corners of libpcap's
    code: fragments, options, three tags, LLC, RARP, runts, cut headers."""
    A, B, C = "198.51.100.1", "198.51.100.2", "203.0.113.7"
    X, Y = "2001:db8::1", "2001:db8:1::2"
    f = []

    def add(b, wire=None):
        f.append((b, wire if wire is not None else len(b)))
    frag6 = lambda nh, off_units, m: struct.pack("!BBHI", nh, 0, off_units << 3 | m, 7)
    add(_eth(0x86DD, _ip6(X, Y, 44, frag6(17, 0, 1) + _udp(40000, 53))))
    add(_eth(0x86DD, _ip6(X, Y, 44, frag6(6, 8, 0) + b"\x00\x50\x01\xbb" + b"z" * 12)))
    add(_eth(0x86DD, _ip6(Y, X, 44, frag6(58, 0, 1) + bytes([128, 0, 0, 0, 0, 1, 0, 1]))))
    add(_eth(0x0800, _ip4(A, B, 17, b"\x00\x35\x00\x35" + b"y" * 16, frag=100)))
    add(_eth(0x0800, _ip4(A, B, 6, _tcp(8080, 1234, 0x10), frag=0x2000)))
    add(_eth(0x0800, _ip4(A, B, 6, _tcp(1025, 80, 0x02), ihl=6)))
    add(_eth(0x0800, _ip4(B, A, 6, _tcp(22, 2222, 0x12), ihl=15)))
    add(_eth(0x0800, _ip4(A, C, 17, _udp(5000, 5001)),
             tags=((0x8100, 100), (0x8100, 200), (0x8100, 300))))
    add(_eth(0x0800, _ip4(C, A, 17, _udp(5001, 5000)), tags=((0x9100, 7),)))
    add(_eth(0x86DD, _ip6(X, Y, 58, bytes([128, 0, 0, 0, 0, 1, 0, 1]) + b"ping"),
             tags=((0x88A8, 10), (0x8100, 20))))
    add(_eth(0x0800, _ip4(A, B, 6, _tcp(80, 81, 0x18)), tags=((0x8100, 4095),)))
    arp = lambda op, spa, tpa: struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op,
                                           _mac("02:00:00:00:00:01"), bytes(int(x) for x in spa.split(".")),
                                           b"\0" * 6, bytes(int(x) for x in tpa.split(".")))
    add(_eth(0x0806, arp(1, A, B), tags=((0x8100, 5),)))
    add(_eth(0x8035, arp(3, C, A)))
    add(_eth(0x0806, arp(2, B, A), dst="ff:ff:ff:ff:ff:ff"))
    add(_mac("01:80:c2:00:00:00") + _mac("02:00:00:00:00:03") + struct.pack("!H", 38) +
        b"\x42\x42\x03" + b"\0" * 35)
    add(b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00")  # a 10-byte runt
    add(_eth(0x0800, b""))  # the Ethernet header alone
    add(_eth(0x0800, _ip4(A, B, 6, _tcp(80, 8080), ver=6)))  # version 6 in an IPv4 type
    add(_eth(0x0800, _ip4(A, B, 17, b"\x00\x35\x00\x35abcd", ihl=4)))
    add(_eth(0x0800, _ip4(A, B, 17, _udp(53, 53), total=0)))
    add(_eth(0x0800, _ip4(A, A, 6, _tcp(443, 443, 0x11))))  # src = dst, sport = dport
    add(_eth(0x0800, _ip4(A, B, 17, _udp(0, 65535))))
    add(_eth(0x0800, _ip4(A, B, 132, struct.pack("!HHII", 2905, 2905, 1, 0) + b"\0" * 16)))
    add(_eth(0x0800, _ip4(B, A, 1, bytes([8, 0, 0, 0, 0, 1, 0, 1]) + b"ping")))
    add(_eth(0x86DD, _ip6(X, Y, 0, bytes([6, 0, 1, 4, 0, 0, 0, 0]) + _tcp(443, 50000, 0x14))))
    b = _eth(0x0800, _ip4(A, B, 6, _tcp(1234, 80, 0x18, b"GET / HTTP/1.1\r\n" * 40)))
    add(b[:60], len(b))  # captured with a 60-byte snap length
    b = _eth(0x0800, _ip4(A, B, 6, _tcp(4321, 80)))
    add(b[:14 + 20 + 2], len(b))  # cut inside the TCP ports
    add(b[:14 + 18], len(b))  # cut inside the destination address
    b = _eth(0x86DD, _ip6(X, Y, 17, _udp(53, 1053)))
    add(b[:14 + 30], len(b))  # cut inside the IPv6 source address
    add(b[:14 + 40 + 3], len(b))  # cut inside the UDP ports
    return f


def write_pcap(path, frames):
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, (b, wire) in enumerate(frames):
            out.write(struct.pack("<IIII", 1700000000 + i, i * 10, len(b), wire) + b)


# --- running the tools --------------------------------------------------------

NUM_RE = re.compile(rb'"frame\.number":(\d+)')


class Rejected(Exception):
    pass


def run_pktlens(pktlens, path, flt):
    p = subprocess.run([pktlens, "read", path, "--json", flt], capture_output=True,
                       timeout=TIMEOUT)
    if p.returncode == 2 and b"bad filter" in p.stderr:
        raise Rejected(p.stderr.decode(errors="replace").strip().splitlines()[0])
    if p.returncode != 0:
        raise RuntimeError("pktlens exit %d: %s" % (p.returncode,
                                                     p.stderr.decode(errors="replace")[:300]))
    return set(int(m) for m in NUM_RE.findall(p.stdout))


def run_tcpdump(tcpdump, path, flt, frames, optimize=True):
    """Frame numbers tcpdump selects: it writes them as a pcap to a pipe."""
    p = subprocess.run([tcpdump, "-n"] + ([] if optimize else ["-O"]) +
                       ["-r", path, "-w", "-", flt], capture_output=True, timeout=TIMEOUT)
    if p.returncode != 0:
        msg = [l for l in p.stderr.decode(errors="replace").splitlines()
               if not l.startswith("reading from")]
        raise Rejected(" ".join(msg).strip())
    _, got = read_pcap(p.stdout)
    nums = map_frames(frames, got)
    if nums is None:
        raise RuntimeError("cannot map tcpdump's output back to input frames")
    return set(nums)


class Outcome:
    """Result of one filter on one file."""
    __slots__ = ("kind", "detail", "n_match", "n_frames")

    def __init__(self, kind, detail="", n_match=0, n_frames=0):
        self.kind, self.detail, self.n_match, self.n_frames = kind, detail, n_match, n_frames


def compare_one(args, path, frames, flt, td_res, pl_res):
    """td_res, pl_res: what tcpdump and pktlens select (a set of frame
    numbers), or the exception they raised (Rejected: refused)."""
    td, td_err = td_res, None
    if isinstance(td_res, Rejected):
        td, td_err = None, str(td_res)
    elif isinstance(td_res, Exception):
        raise td_res
    pl, pl_err = pl_res, None
    if isinstance(pl_res, Rejected):
        pl, pl_err = None, str(pl_res)
    elif isinstance(pl_res, Exception):  # a crash or a bad exit: a failure, with the reason
        return Outcome("fail", "pktlens: %s" % pl_res)
    if td_err is not None and "expression rejects all packets" in td_err:
        # libpcap's optimiser proved the filter never matches (e.g.
        # "host 10.0.0.1 and host ::1"); pktlens must then select nothing
        td, td_err = set(), None
    if td_err is not None and pl_err is not None:
        return Outcome("both-reject", td_err)
    if td_err is not None:
        return Outcome("fail", "tcpdump rejects what pktlens accepts: %s" % td_err)
    if pl_err is not None:
        return Outcome("fail", "pktlens rejects what tcpdump accepts: %s" % pl_err)
    if pl != td:
        detail = "only pktlens: %s; only tcpdump: %s" % (fmt_frames(pl - td), fmt_frames(td - pl))
        # libpcap's optimiser drops tests whose outcome cannot change the
        # result, and with them loads that would run past the end of a
        # frame cut inside its headers (such a load rejects the packet).
        # pktlens runs every test the text asks for, as unoptimised
        # libpcap code does: agreeing with `tcpdump -O` is that case.
        try:
            td_plain = run_tcpdump(args.tcpdump, path, flt, frames, optimize=False)
        except Rejected:
            td_plain = None
        if td_plain == pl:
            detail += " (as unoptimised tcpdump -O selects)"
        return Outcome("fail", detail)
    return Outcome("ok", n_match=len(pl), n_frames=len(frames))


def fmt_frames(s):
    s = sorted(s)
    return "[" + ",".join(map(str, s[:12])) + (",...%d more" % (len(s) - 12) if len(s) > 12 else "") + "]"


def run_batch(args, path, filters):
    """What `pktlens read path --json F` selects for each F of filters, in
    one process (tests/filter/batch.c: read's reader, compiler and
    matcher): {filter: set of frame numbers, or Rejected, or RuntimeError}."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", dir=args.tmpdir, delete=False) as f:
        f.write("".join(flt + "\n" for flt in filters))
    try:
        p = subprocess.run([args.batch, path, f.name], capture_output=True, timeout=TIMEOUT * 5)
    finally:
        os.unlink(f.name)
    lines = p.stdout.decode(errors="replace").splitlines()
    if p.returncode != 0 or len(lines) != len(filters):
        err = RuntimeError("filter_batch exit %d, %d lines for %d filters: %s" % (
            p.returncode, len(lines), len(filters), p.stderr.decode(errors="replace")[:300]))
        return {flt: err for flt in filters}
    out = {}
    for flt, line in zip(filters, lines):
        if line.startswith("R "):
            out[flt] = Rejected("pktlens: " + line[2:])
        else:
            out[flt] = set(int(n) for n in line.split()[1:])
    return out


def capture_group(path):
    """The key under which path's frames join a merged capture that
    tcpdump reads once per filter (its link type), or None for a capture
    that tcpdump reads alone: link-type fields with FCS bits, pcapng files
    with more than one section or interface."""
    with open(path, "rb") as f:
        buf = f.read()
    if struct.unpack("<I", buf[:4])[0] == 0x0A0D0D0A:
        blocks, off, endian = [], 0, "<"
        while off + 12 <= len(buf):
            btype = struct.unpack(endian + "I", buf[off:off + 4])[0]
            if btype == 0x0A0D0D0A:
                endian = "<" if struct.unpack("<I", buf[off + 8:off + 12])[0] == 0x1A2B3C4D else ">"
            blen = struct.unpack(endian + "I", buf[off + 4:off + 8])[0]
            if btype in (0x0A0D0D0A, 1):
                blocks.append((btype, buf[off + 8:off + 10]))
            off += blen
        if len(blocks) != 2 or blocks[1][0] != 1:
            return None
        return struct.unpack(endian + "H", blocks[1][1])[0]
    for endian in "<>":
        if struct.unpack(endian + "I", buf[:4])[0] in (0xA1B2C3D4, 0xA1B23C4D):
            lt = struct.unpack(endian + "I", buf[20:24])[0]
            return lt if lt <= 0xFFFF else None
    return None


class Merged:
    """Captures of one link type written as one pcap, so that tcpdump runs
    once per filter for all of them: a frame's verdict depends on its
    bytes, its lengths and the link type alone. Each file's frames are
    frames [start, start + len) of the merged capture."""

    def __init__(self, path, linktype, files, captures):
        self.path, self.files, self.start, self.count = path, files, {}, {}
        self.frames = []
        with open(path, "wb") as out:
            out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype))
            for fp in files:
                self.start[fp], self.count[fp] = len(self.frames), len(captures[fp])
                for fr in captures[fp]:
                    out.write(struct.pack("<IIII", fr.ts_us // 1000000, fr.ts_us % 1000000,
                                          fr.caplen, fr.wirelen) + fr.data)
                    self.frames.append(fr)

    def select(self, result, fp):
        """fp's frame numbers in a result on the merged capture (or the
        exception tcpdump's run raised)."""
        if isinstance(result, Exception):
            return result
        lo = self.start[fp]
        return set(i - lo for i in result if lo < i <= lo + self.count[fp])


def run_tcpdump_res(args, path, flt, frames):
    try:
        return run_tcpdump(args.tcpdump, path, flt, frames)
    except Exception as e:
        return e


def run_tools(args, files, captures, pl_jobs, td_jobs):
    """pktlens's selections for the filters pl_jobs[path] of each file, in
    one filter_batch process per file, and tcpdump's for td_jobs[path],
    once per filter and merged capture (capture_group()), in a pool of
    args.jobs threads. Returns ({path: {filter: result}},
    {(path, filter): result}); a result is a set of frame numbers, or the
    exception the run raised (Rejected: refused)."""
    tasks = []
    for key in sorted(set(args.groups[p] for p in files if args.groups[p] is not None)):
        mfiles = [p for p in files if args.groups[p] == key]
        m = args.merged.get((key, tuple(mfiles)))
        if m is None:
            m = args.merged[(key, tuple(mfiles))] = Merged(
                os.path.join(args.tmpdir, "merged-%d-%d.pcap" % (key, len(args.merged))), key,
                mfiles, captures)
        tasks += [("td-merged", m, flt) for flt in sorted(set(f for p in mfiles for f in td_jobs[p]))]
    for path in files:
        if args.groups[path] is None:
            tasks += [("td-file", path, flt) for flt in sorted(set(td_jobs[path]))]
    # the long batch runs first, so that they do not end the run alone
    tasks = [("pl", path, list(dict.fromkeys(pl_jobs[path]))) for path in files] + tasks

    def work(t):
        kind, where, what = t
        if kind == "pl":
            return t, run_batch(args, where, what)
        if kind == "td-merged":
            return t, run_tcpdump_res(args, where.path, what, where.frames)
        return t, run_tcpdump_res(args, where, what, captures[where])

    pl, td = {}, {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        for (kind, where, what), res in ex.map(work, tasks):
            if kind == "pl":
                pl[where] = res
            elif kind == "td-merged":
                for p in where.files:
                    td[(p, what)] = where.select(res, p)
            else:
                td[(where, what)] = res
    return pl, td


def run_matrix(args, files, captures, jobs_for):
    """Runs jobs_for(path) -> [(group, filter)] on each file (run_tools());
    returns {group: [(path, filter, Outcome)]}, and pktlens's results for
    the check against pktlens read (check_batch())."""
    results = collections.defaultdict(list)
    jobs = {path: jobs_for(path) for path in files}
    flts = {path: [flt for _, flt in jobs[path]] for path in files}
    pl, td = run_tools(args, files, captures, flts, flts)
    for path in files:
        for group, flt in jobs[path]:
            try:
                oc = compare_one(args, path, captures[path], flt, td[(path, flt)], pl[path][flt])
            except Exception as e:
                oc = Outcome("fail", "error: %s" % e)
            results[group].append((path, flt, oc))
    return results, pl


def check_batch(args, files, pl, label, per_file=3):
    """filter_batch must select what `pktlens read` does: a seeded sample
    of per_file filters of each file through pktlens read itself."""
    rng = random.Random(args.seed + len(label))
    jobs = [(path, flt) for path in files
            for flt in rng.sample(sorted(pl[path]), min(per_file, len(pl[path])))]

    def work(j):
        try:
            return j, run_pktlens(args.pktlens, j[0], j[1])
        except Exception as e:
            return j, e

    bad = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        for (path, flt), got in ex.map(work, jobs):
            want = pl[path][flt]
            same = (got == want if isinstance(got, set) and isinstance(want, set) else
                    isinstance(got, Rejected) and isinstance(want, Rejected)
                    and str(got).split(" (column")[0] == str(want).split(" (column")[0])
            if not same:
                bad.append("%s: '%s': pktlens read: %s; filter_batch: %s" % (
                    os.path.basename(path), flt, fmt_res(got), fmt_res(want)))
    ok = not bad and len(jobs) > 0
    print("%s filter-diff batch-is-read %s (%d filters on %d captures: pktlens read selects "
          "what filter_batch does)" % ("PASS" if ok else "FAIL", label, len(jobs), len(files)))
    for b in bad[:MAX_SHOWN]:
        print("    mismatch: " + b)
    return ok


def fmt_res(r):
    return fmt_frames(r) if isinstance(r, set) else "%s: %s" % (type(r).__name__, r)


# --- values present in the corpus -----------------------------------------


class Values:
    """Addresses, ports, MACs, VLAN ids, lengths and TTLs seen in records."""

    def __init__(self):
        self.v4 = collections.Counter()
        self.v6 = collections.Counter()
        self.ports = collections.Counter()
        self.tcp_ports = collections.Counter()
        self.udp_ports = collections.Counter()
        self.sctp_ports = collections.Counter()
        self.macs = collections.Counter()
        self.vlans = collections.Counter()
        self.lens = collections.Counter()
        self.ttls = collections.Counter()

    def add(self, recs):
        for r in recs:
            for k in ("ip.src", "ip.dst", "arp.src.proto_ipv4", "arp.dst.proto_ipv4"):
                if k in r:
                    self.v4[r[k]] += 1
            for k in ("ipv6.src", "ipv6.dst"):
                if k in r:
                    self.v6[r[k]] += 1
            for proto, c in (("tcp", self.tcp_ports), ("udp", self.udp_ports),
                             ("sctp", self.sctp_ports)):
                for d in ("srcport", "dstport"):
                    k = "%s.%s" % (proto, d)
                    if k in r:
                        c[r[k]] += 1
                        self.ports[r[k]] += 1
            for k in ("eth.src", "eth.dst"):
                if k in r:
                    self.macs[r[k]] += 1
            for v in r.get("vlan.id", []):
                self.vlans[v] += 1
            self.lens[r["frame.len"]] += 1
            if "ip.ttl" in r:
                self.ttls[r["ip.ttl"]] += 1


class Corpus(Values):
    def __init__(self):
        super().__init__()
        self.records = {}  # path -> list of JSON records (unfiltered)
        self.per_file = {}  # path -> Values

    def add_file(self, path, recs):
        self.records[path] = recs
        self.add(recs)
        self.per_file[path] = Values()
        self.per_file[path].add(recs)


def top(counter, n):
    return [v for v, _ in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0])))[:n]]


def load_corpus(args, files):
    corpus = Corpus()
    for path in files:
        p = subprocess.run([args.pktlens, "read", path, "--json"], capture_output=True,
                           timeout=TIMEOUT)
        if p.returncode != 0:
            raise RuntimeError("pktlens read %s: exit %d: %s" % (
                path, p.returncode, p.stderr.decode(errors="replace")[:300]))
        corpus.add_file(path, [json.loads(l) for l in p.stdout.splitlines() if l.strip()])
    return corpus


def v4_net(addr, bits):
    parts = [int(x) for x in addr.split(".")]
    n = int.from_bytes(bytes(parts), "big") & ((0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF)
    return "%s/%d" % (".".join(str(b) for b in n.to_bytes(4, "big")), bits)


def v6_net(addr, bits):
    import ipaddress
    return str(ipaddress.ip_network("%s/%d" % (addr, bits), strict=False))


# --- the primitives -----------------------------------------------------------


def primitives(c):
    """(name, [filters]) for every non-L7 primitive, values from the corpus."""
    v4 = top(c.v4, 3)
    v6 = top(c.v6, 3)
    ports = top(c.ports, 4)
    tports, uports, sports = top(c.tcp_ports, 3), top(c.udp_ports, 3), top(c.sctp_ports, 2)
    macs = top(c.macs, 3)
    vlans = top(c.vlans, 3)
    lens = sorted(c.lens)
    mid = lens[len(lens) // 2]
    a, b = v4[0], v4[1]
    x6 = v6[0]
    p, q = ports[0], ports[1]
    m = macs[0]
    pa = "%d.%d" % tuple(int(x) for x in a.split(".")[:2])
    pa3 = "%d.%d.%d" % tuple(int(x) for x in a.split(".")[:3])
    lo_p = min(ports[:4])
    return [
        ("host", ["host %s" % v for v in v4] + ["host %s" % v for v in v6]),
        ("src-host", ["src host %s" % a, "src host %s" % x6, "src %s" % b]),
        ("dst-host", ["dst host %s" % a, "dst host %s" % x6, "dst %s" % b]),
        ("src-or-dst-host", ["src or dst host %s" % a, "src or dst host %s" % x6]),
        ("src-and-dst-host", ["src and dst host %s" % a, "src and dst host %s" % x6,
                              "src and dst net %s" % v4_net(a, 8)]),
        ("net-len", ["net %s" % v4_net(a, 24), "net %s" % v4_net(b, 16),
                     "net %s" % v4_net(a, 8), "net %s" % v4_net(a, 0),
                     "net %s" % v4_net(a, 31), "net %s" % v6_net(x6, 64),
                     "net %s" % v6_net(v6[1], 32), "net %s" % v6_net(x6, 8)]),
        ("net-partial", ["net %s" % pa, "net %s" % pa3, "net %s" % a.split(".")[0]]),
        ("net-mask", ["net %s mask 255.255.255.0" % v4_net(a, 24).split("/")[0],
                      "net %s mask 255.255.0.0" % v4_net(b, 16).split("/")[0],
                      "net 0.0.0.0 mask 0.0.0.0"]),
        ("src-net", ["src net %s" % v4_net(a, 24), "src net %s" % v6_net(x6, 48)]),
        ("dst-net", ["dst net %s" % v4_net(b, 16), "dst net %s" % v6_net(x6, 48)]),
        ("port", ["port %d" % v for v in ports]),
        ("src-port", ["src port %d" % p, "src port %d" % q]),
        ("dst-port", ["dst port %d" % p, "dst port %d" % q]),
        ("src-or-dst-port", ["src or dst port %d" % p]),
        ("src-and-dst-port", ["src and dst port %d" % p, "src and dst port 53"]),
        ("tcp-port", ["tcp port %d" % v for v in tports] + ["tcp src port %d" % tports[0],
                                                            "tcp dst port %d" % tports[1]]),
        ("udp-port", ["udp port %d" % v for v in uports] + ["udp src port %d" % uports[0],
                                                            "udp dst port %d" % uports[1]]),
        ("sctp-port", ["sctp port %d" % v for v in sports] + ["sctp dst port %d" % sports[0]]),
        ("portrange", ["portrange %d-%d" % (lo_p, lo_p + 100), "portrange 1-1023",
                       "portrange 1024-65535", "portrange 80-80"]),
        ("src-dst-portrange", ["src portrange 1-1023", "dst portrange 1024-65535",
                               "tcp portrange 1-1023", "udp dst portrange 50-60"]),
        ("ether-host", ["ether host %s" % v for v in macs]),
        ("ether-src", ["ether src %s" % m, "ether src %s" % macs[1]]),
        ("ether-dst", ["ether dst %s" % m, "ether dst ff:ff:ff:ff:ff:ff"]),
        ("ether-src-or-dst", ["ether src or dst %s" % m]),
        ("ether-proto", ["ether proto 0x0800", "ether proto 0x86dd", "ether proto 0x0806",
                         "ether proto 2048", "ether proto 0x8100", "ether proto 0x88a8"]),
        ("vlan", ["vlan", "vlan and vlan", "not vlan", "vlan and ip", "vlan and ip6",
                  "vlan and vlan and ip", "ip or vlan"]),
        ("vlan-id", ["vlan %d" % v for v in vlans] + ["vlan %d and vlan %d" % (vlans[0], vlans[1]),
                                                      "vlan %d and host %s" % (vlans[0], a),
                                                      "vlan 4095"]),
        ("ip", ["ip"]),
        ("ip6", ["ip6"]),
        ("arp", ["arp"]),
        ("tcp", ["tcp"]),
        ("udp", ["udp"]),
        ("icmp", ["icmp"]),
        ("icmp6", ["icmp6"]),
        ("sctp", ["sctp"]),
        ("igmp", ["igmp"]),
        ("tcpflags", ["tcp[tcpflags] & (tcp-syn|tcp-ack) != 0",
                      "tcp[tcpflags] & tcp-syn != 0", "tcp[tcpflags] & (tcp-syn|tcp-fin) != 0",
                      "tcp[tcpflags] == tcp-syn", "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn|tcp-ack",
                      "tcp[tcpflags] & (tcp-rst|tcp-push|tcp-urg) != 0",
                      "tcp[tcpflags] & (tcp-ece|tcp-cwr) != 0", "tcp[13] = 0x18"]),
        ("proto-bytes", ["ip[0] & 0xf > 5", "ip[8] < 64", "ip[8] >= 64", "ip[6:2] & 0x1fff != 0",
                         "ip[2:2] > 500", "ip[2:2] <= 60", "ip[9] = 6", "ip[1] & 0xfc != 0",
                         "ip[12:4] = 0x%08x" % int.from_bytes(bytes(int(x) for x in a.split(".")), "big"),
                         "udp[0:2] = 53", "udp[2:2] == %d" % uports[0], "udp[4:2] > 100",
                         "icmp[icmptype] = icmp-echo", "icmp[icmptype] == icmp-echoreply",
                         "icmp[icmpcode] != 0", "icmp[0] = 8",
                         "tcp[0:2] > 1024", "tcp[2:2] = %d" % tports[0], "tcp[4:4] > 0x80000000",
                         "tcp[12] & 0xf0 > 0x50", "tcp[14:2] < 1000",
                         "ether[0] & 1 != 0", "ether[12:2] = 0x0800", "ether[6:4] = 0",
                         "ether[100] = 0", "ether[12:2] != 0x86dd"]),
        ("less-greater", ["less %d" % mid, "greater %d" % mid, "less 60", "greater 1000",
                          "less %d" % lens[0], "greater %d" % lens[-1]]),
        # the rest of pcap-filter(7) for Ethernet and Linux cooked captures,
        # as libpcap compiles it for pktlens
        ("service-names", ["port domain", "tcp port smtp", "udp portrange 67-bootpc",
                           "port http", "tcp port https", "udp port ntp",
                           "port ssh or port telnet", "dst port domain", "tcp src port http"]),
        ("arp-rarp-hosts", ["arp host %s" % a, "arp net %s" % v4_net(a, 16), "rarp",
                            "rarp src %s" % a, "arp src %s" % a, "arp dst %s" % b]),
        ("broadcast-multicast", ["broadcast", "multicast", "ether broadcast",
                                 "ether multicast", "ip multicast", "ip6 multicast"]),
        ("proto-numbers", ["ip proto 6", "ip proto 17", "ip6 proto 58", "ip6 proto \\tcp",
                           "proto \\tcp", "proto \\udp", "ether proto \\arp",
                           "ether proto \\ip6", "ether proto \\ip", "ip proto \\icmp",
                           "ip6 protochain 6", "ip protochain 17", "ip proto gre"]),
        ("layer-bytes", ["ip6[6] == 17", "ip6[6] == 6", "icmp6[icmp6type] == icmp6-echo",
                         "icmp6[0] == 135", "sctp[0:2] == 80", "arp[6:2] == 1", "arp[7] = 2",
                         "link[0] & 1 != 0", "igmp[0] = 0x16", "ip6[40] = 58"]),
        ("lengths-arithmetic", ["len > 100", "len <= 60", "len >= %d" % mid,
                                "tcp[12] >> 4 > 5", "ip[2:2] - ((ip[0] & 0xf) << 2) > 100",
                                "ip[0] & 0xf != 5", "(ip[2:2] - 20) * 2 > 100",
                                "tcp[13] % 2 = 1", "udp[4:2] / 2 > 50", "ip[8] ^ 0xff < 200",
                                "len - 14 > 1000", "ip[2:2] - 20 - 4 * (tcp[12] >> 4) > 0"]),
        ("mac-formats", ["ether host %s" % m.replace(":", "."),
                         "ether dst host %s" % ".".join(m.replace(":", "")[i:i + 4]
                                                        for i in (0, 4, 8)),
                         "ether src %s" % m.replace(":", "-"),
                         "ether host %s" % m.replace(":", "")]),
        ("encapsulations", ["mpls", "mpls 100", "geneve", "geneve 12345", "pppoes",
                            "pppoed", "llc", "sctp port 5672", "carp", "vrrp", "igrp",
                            "mpls and ip", "geneve and ip", "pppoes and ip"]),
        ("iso", ["iso proto \\isis", "l1", "l2", "iih", "lsp", "isis", "clnp", "esis",
                 "stp"]),
    ]


def local_primitives(v):
    """(name, filter) with one capture's own values, run on that capture:
    the corpus-wide values above select nothing in most files."""
    out = []
    v4, v6, ports, macs = top(v.v4, 2), top(v.v6, 2), top(v.ports, 2), top(v.macs, 2)
    if v4:
        out += [("host", "host %s" % v4[0]), ("src-host", "src host %s" % v4[-1]),
                ("dst-host", "dst host %s" % v4[0]), ("net-len", "net %s" % v4_net(v4[-1], 24)),
                ("src-and-dst-host", "src and dst host %s" % v4[0])]
    if v6:
        out += [("host", "host %s" % v6[0]), ("src-host", "src host %s" % v6[0]),
                ("dst-host", "dst host %s" % v6[-1]), ("net-len", "net %s" % v6_net(v6[-1], 64))]
    if ports:
        p = ports[0]
        out += [("port", "port %d" % p), ("src-port", "src port %d" % p),
                ("dst-port", "dst port %d" % ports[-1]),
                ("portrange", "portrange %d-%d" % (max(p - 10, 0), p)),
                ("src-or-dst-port", "src or dst port %d" % ports[-1])]
    for proto, c in (("tcp", v.tcp_ports), ("udp", v.udp_ports), ("sctp", v.sctp_ports)):
        if c:
            out.append(("%s-port" % proto, "%s port %d" % (proto, top(c, 1)[0])))
    if macs:
        out += [("ether-host", "ether host %s" % macs[-1]), ("ether-src", "ether src %s" % macs[0]),
                ("ether-dst", "ether dst %s" % macs[0])]
    if v.vlans:
        out += [("vlan-id", "vlan %d" % vid) for vid in top(v.vlans, 2)]
    return out


# --- random combinations --------------------------------------------------------


def combo_atoms(c, rng, g=None):
    """Atom makers: each returns one primitive's text with values from c
    (falling back to g's where c has none)."""
    g = g or c

    def vals(attr, n):
        return top(getattr(c, attr), n) or top(getattr(g, attr), n)
    v4, v6, ports = vals("v4", 40), vals("v6", 20), vals("ports", 40)
    macs, vlans, lens, ttls = vals("macs", 20), vals("vlans", 6), sorted(vals("lens", 50)), vals("ttls", 10)
    pick = rng.choice
    return [
        (6, lambda: "host %s" % pick(v4)),
        (3, lambda: "host %s" % pick(v6)),
        (3, lambda: "%s host %s" % (pick(["src", "dst"]), pick(v4))),
        (1, lambda: "%s host %s" % (pick(["src", "dst"]), pick(v6))),
        (1, lambda: "src or dst host %s" % pick(v4)),
        (1, lambda: "src and dst net %s" % v4_net(pick(v4), 8)),
        (3, lambda: "net %s" % v4_net(pick(v4), pick([8, 16, 24, 28]))),
        (1, lambda: "net %s" % v6_net(pick(v6), pick([16, 32, 64]))),
        (1, lambda: "%s net %s mask 255.255.255.0" % (pick(["src", "dst"]),
                                                      v4_net(pick(v4), 24).split("/")[0])),
        (6, lambda: "port %d" % pick(ports)),
        (3, lambda: "%s port %d" % (pick(["src", "dst"]), pick(ports))),
        (2, lambda: "%s port %d" % (pick(["tcp", "udp", "sctp"]), pick(ports))),
        (1, lambda: "%s %s port %d" % (pick(["tcp", "udp"]), pick(["src", "dst"]), pick(ports))),
        (2, lambda: "portrange %d-%d" % tuple(sorted((pick(ports), pick(ports))))),
        (3, lambda: "ether host %s" % pick(macs)),
        (2, lambda: "ether %s %s" % (pick(["src", "dst"]), pick(macs))),
        (1, lambda: "ether proto %s" % pick(["0x0800", "0x86dd", "0x0806", "0x8100"])),
        (2, lambda: "vlan"),
        (2, lambda: "vlan %d" % pick(vlans)),
        (12, lambda: pick(["ip", "ip6", "arp", "tcp", "udp", "icmp", "icmp6", "sctp"])),
        (3, lambda: pick(["tcp[tcpflags] & (tcp-syn|tcp-ack) != 0",
                          "tcp[tcpflags] & tcp-syn != 0", "tcp[tcpflags] & tcp-fin != 0",
                          "tcp[tcpflags] & (tcp-rst|tcp-push) != 0"])),
        (2, lambda: "ip[8] %s %d" % (pick(["<", ">", "=", "!=", "<=", ">="]), pick(ttls))),
        (1, lambda: pick(["udp[0:2] = 53", "icmp[icmptype] = icmp-echo", "tcp[2:2] > 1024",
                          "ether[0] & 1 != 0", "ip[6:2] & 0x1fff != 0"])),
        (2, lambda: "%s %d" % (pick(["less", "greater"]), pick(lens))),
        (1, lambda: pick(["port domain", "tcp port https", "udp port ntp", "port http"])),
        (1, lambda: pick(["broadcast", "multicast", "ip6 multicast", "ether broadcast"])),
        (1, lambda: pick(["len > %d" % pick(lens), "tcp[12] >> 4 > 5",
                          "ip[2:2] - ((ip[0] & 0xf) << 2) > 100", "ip6[6] == 17",
                          "ip proto %d" % pick([1, 6, 17, 58]), "ip6 proto 58"])),
    ]


def gen_combo(rng, atoms, depth):
    weights = [w for w, _ in atoms]
    makers = [m for _, m in atoms]

    def atom():
        return rng.choices(makers, weights)[0]()

    def expr(d):
        if d == 0 or rng.random() < 0.25:
            e, kind = atom(), "atom"
        else:
            n = rng.choice([2, 2, 3])
            ops = [rng.choice(["and", "or", "&&", "||"]) for _ in range(n - 1)]
            parts = []
            for _ in range(n):
                sub, k = expr(d - 1)
                # children that are and/or lists usually get parentheses;
                # sometimes not, to check and/or's equal left-to-right precedence
                if k == "list" and rng.random() < 0.8:
                    sub = "(%s)" % sub
                parts.append(sub)
            e = parts[0]
            for op, s in zip(ops, parts[1:]):
                e = "%s %s %s" % (e, op, s)
            kind = "list"
        if rng.random() < 0.2:
            e = "%s %s" % (rng.choice(["not", "!"]),
                           e if kind == "atom" and not e.startswith("vlan") else "(%s)" % e)
            kind = "atom"
        return e, kind

    return expr(depth)[0]


def combos(c, seed, n, g=None):
    rng = random.Random(seed)
    atoms = combo_atoms(c, rng, g)
    out, seen = [], set()
    while len(out) < n:
        f = gen_combo(rng, atoms, rng.choice([1, 2, 2, 3]))
        if f not in seen and len(f.split()) > 2:
            seen.add(f)
            out.append(f)
    return out


# --- reporting ---------------------------------------------------------------


def summarise(label, name, entries):
    """One PASS/FAIL line for [(path, filter, Outcome)], details below it."""
    fails, skips, rejects, optim = [], collections.defaultdict(list), [], []
    matched = total = pairs = partial = 0
    filters, files = set(), set()
    for path, flt, oc in entries:
        base = os.path.basename(path)
        filters.add(flt)
        files.add(path)
        if oc.kind == "fail":
            fails.append("%s: '%s': %s" % (base, flt, oc.detail))
        elif oc.kind == "skip":
            skips[oc.detail].append((base, flt))
        elif oc.kind == "both-reject":
            rejects.append((base, flt, oc.detail))
        elif oc.kind == "optimizer":
            optim.append("%s: '%s': %s" % (base, flt, oc.detail))
        else:
            pairs += 1
            matched += oc.n_match
            total += oc.n_frames
            if 0 < oc.n_match < oc.n_frames:
                partial += 1
    info = "%d filters, %d files: %d runs equal (%d selecting some but not all frames), %d of %d frames selected" % (
        len(filters), len(files), pairs, partial, matched, total)
    if skips:
        info += ", %d skipped" % sum(len(v) for v in skips.values())
    if optim:
        info += ", %d equal to tcpdump -O only" % len(optim)
    if rejects:
        info += ", %d rejected by both for the link type" % len(rejects)
    ok = not fails and pairs > 0
    print("%s %s %s: %s" % ("PASS" if ok else "FAIL", label, name, info))
    for f in fails[:MAX_SHOWN]:
        print("    mismatch: " + f)
    if len(fails) > MAX_SHOWN:
        print("    ... %d more mismatches" % (len(fails) - MAX_SHOWN))
    for f in optim[:MAX_SHOWN]:
        print("    same as unoptimised tcpdump -O: " + f)
    if len(optim) > MAX_SHOWN:
        print("    ... %d more the same as tcpdump -O" % (len(optim) - MAX_SHOWN))
    for base, flt, why in rejects[:MAX_SHOWN]:
        print("    both reject '%s' on %s (tcpdump: %s)" % (flt, base, why))
    for why, where in sorted(skips.items()):
        fl = sorted(set(b for b, _ in where))
        print("    skip %d: tcpdump rejects on %s: %s; e.g. '%s'" % (
            len(where), ",".join(fl), why, where[0][1]))
    sys.stdout.flush()
    return ok


# --- L7 predicates --------------------------------------------------------------

L7_KEYS = {
    "tls.sni": ("tls.handshake.extensions_server_name", True),
    "dns.qry.name": ("dns.qry.name", True),
    "http.host": ("http.host", True),
    "http.request.method": ("http.request.method", False),
    "http.request.uri": ("http.request.uri", False),
}


def fold(s, nocase):
    if not nocase:
        return s
    return "".join(chr(ord(ch) + 32) if "A" <= ch <= "Z" else ch for ch in s)


def str_pred(field, op, pat):
    key, nocase = L7_KEYS[field]

    def pred(r):
        if key not in r:
            return False
        v = fold(r[key], nocase)
        p = fold(pat, nocase)
        if op == "~":
            return p in v
        if op == "!=":
            return v != p
        if len(p) >= 2 and p[0] == "*" and p[-1] == "*":
            return p[1:-1] in v
        if p.startswith("*"):
            return v.endswith(p[1:])
        if p.endswith("*"):
            return v.startswith(p[:-1])
        return v == p
    return pred


def num_pred(key, op, val):
    ops = {"==": lambda a: a == val, "!=": lambda a: a != val, "<": lambda a: a < val,
           ">": lambda a: a > val, "<=": lambda a: a <= val, ">=": lambda a: a >= val}

    def pred(r):
        return key in r and ops[op](r[key])
    return pred


def swapcase_ascii(s):
    return "".join(ch.upper() if "a" <= ch <= "z" else ch.lower() if "A" <= ch <= "Z" else ch
                   for ch in s)


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def l7_cases(c):
    """(name, filter, predicate over a record) for the L7 tests."""
    vals = collections.defaultdict(collections.Counter)
    for recs in c.records.values():
        for r in recs:
            for f, (k, _) in L7_KEYS.items():
                if k in r:
                    vals[f][r[k]] += 1
    cases = []

    def add(name, field, op, pat):
        flt = "%s %s %s" % (field, op, quote(pat))
        cases.append((name, flt, str_pred(field, op, pat)))

    snis = sorted(vals["tls.sni"], key=lambda s: (-vals["tls.sni"][s], s))
    if snis:
        s0 = snis[0]
        add("tls.sni-eq", "tls.sni", "==", s0)
        add("tls.sni-eq-case", "tls.sni", "==", swapcase_ascii(s0))
        add("tls.sni-ne", "tls.sni", "!=", s0)
        longs = [s for s in snis if s.endswith(".long.test")]
        add("tls.sni-suffix", "tls.sni", "==", "*.long.test" if longs else
            "*." + ".".join(s0.split(".")[-2:]))
        add("tls.sni-suffix-tld", "tls.sni", "==", "*." + s0.split(".")[-1].upper())
        add("tls.sni-prefix", "tls.sni", "==", s0[:3] + "*")
        add("tls.sni-infix", "tls.sni", "==", "*" + s0[1:4] + "*")
        add("tls.sni-substr", "tls.sni", "~", s0[2:6])
        add("tls.sni-substr-none", "tls.sni", "~", "no-such-name")
        for s in snis[1:3]:
            add("tls.sni-eq-other", "tls.sni", "==", s[:63])
        longest = max(snis, key=len)
        add("tls.sni-long-tail", "tls.sni", "~", longest[-40:])
        add("tls.sni-long-suffix", "tls.sni", "==", "*" + longest[-60:])
    names = sorted(vals["dns.qry.name"], key=lambda s: (-vals["dns.qry.name"][s], s))
    if names:
        add("dns.qry.name-substr", "dns.qry.name", "~", "example")
        add("dns.qry.name-substr-case", "dns.qry.name", "~", "ExAmPlE")
        add("dns.qry.name-eq", "dns.qry.name", "==", names[0])
        add("dns.qry.name-eq-case", "dns.qry.name", "==", names[0].upper())
        add("dns.qry.name-ne", "dns.qry.name", "!=", names[0])
        add("dns.qry.name-suffix", "dns.qry.name", "==", "*." + names[0].split(".")[-1])
        add("dns.qry.name-prefix", "dns.qry.name", "==", names[0][:4] + "*")
    for op, v in (("==", 28), ("==", 1), ("!=", 1), (">", 6), ("<=", 16)):
        cases.append(("dns.qry.type-%s%d" % ({"==": "eq", "!=": "ne", ">": "gt", "<=": "le"}[op], v),
                      "dns.qry.type %s %d" % (op, v), num_pred("dns.qry.type", op, v)))
    # names with letters first, so that the case-folding tests mean something
    hosts = sorted(vals["http.host"], key=lambda s: (not re.search("[a-z]", s), -vals["http.host"][s], s))
    if hosts:
        add("http.host-eq", "http.host", "==", hosts[0])
        add("http.host-eq-case", "http.host", "==", hosts[0].upper())
        add("http.host-ne", "http.host", "!=", hosts[0])
        add("http.host-substr", "http.host", "~", hosts[0][1:4])
        add("http.host-prefix", "http.host", "==", hosts[0][:3] + "*")
    add("http.request.method-post", "http.request.method", "==", "POST")
    add("http.request.method-get", "http.request.method", "==", "GET")
    add("http.request.method-ne", "http.request.method", "!=", "GET")
    add("http.request.method-case", "http.request.method", "==", "post")
    add("http.request.method-prefix", "http.request.method", "==", "PO*")
    uris = sorted(vals["http.request.uri"], key=lambda s: (-vals["http.request.uri"][s], s))
    if uris:
        u = max(uris, key=len)
        add("http.request.uri-substr", "http.request.uri", "~", u[1:5])
        add("http.request.uri-substr-case", "http.request.uri", "~", u[1:5].upper())
        add("http.request.uri-eq", "http.request.uri", "==", uris[0][:63])
        add("http.request.uri-prefix", "http.request.uri", "==", "/" + "*")
        add("http.request.uri-ne", "http.request.uri", "!=", uris[0][:63])
    # L7 with header primitives and not
    if snis:
        sub = ".test"
        p = str_pred("tls.sni", "~", sub)
        cases.append(("tls.sni-and-port", 'tcp dst port 443 and tls.sni ~ %s' % quote(sub),
                      lambda r, p=p: p(r) and r.get("tcp.dstport") == 443))
        cases.append(("tls.sni-not", 'not tls.sni == %s' % quote(snis[0]),
                      lambda r, p=str_pred("tls.sni", "==", snis[0]): not p(r)))
    if names:
        q = str_pred("dns.qry.name", "~", "example")
        cases.append(("dns-or-http", 'dns.qry.name ~ "example" or http.request.method == "POST"',
                      lambda r, q=q, m=str_pred("http.request.method", "==", "POST"): q(r) or m(r)))
    return cases


def run_l7(args, files, corpus, captures):
    ok = True
    cases = l7_cases(corpus)
    # the captures with L7 fields, and a few without (where every L7 test,
    # even !=, must be false)
    with_l7 = [p for p in files if any(k in r for r in corpus.records[p]
                                       for k, _ in L7_KEYS.values())]
    files = with_l7 + [p for p in files if p not in with_l7][:4]
    pl, _ = run_tools(args, files, captures, {path: [flt for _, flt, _ in cases] for path in files},
                      collections.defaultdict(list))
    per = collections.defaultdict(list)
    for name, flt, pred in cases:
        for path in files:
            got = pl[path][flt]
            if isinstance(got, Exception):
                per[(name, flt)].append((path, None, str(got)))
                continue
            want = set(r["frame.number"] for r in corpus.records[path] if pred(r))
            per[(name, flt)].append((path, got, want))
    for name, flt, _ in cases:
        bad, n = [], 0
        for path, got, want in per[(name, flt)]:
            if got is None:
                bad.append("%s: %s" % (os.path.basename(path), want))
            elif got != want:
                bad.append("%s: only pktlens %s; expected but missing %s" % (
                    os.path.basename(path), fmt_frames(got - want), fmt_frames(want - got)))
            else:
                n += len(got)
        print("%s filter-l7 %s ('%s': %d frames)" % ("FAIL" if bad else "PASS", name, flt, n))
        for b in bad[:MAX_SHOWN]:
            print("    " + b)
        ok = ok and not bad
    return check_batch(args, files, pl, "l7") and ok


def run_mixed(args, files, corpus, captures, n=60):
    """Random header combinations joined with L7 predicates: pktlens must
    select tcpdump's frames for the header part, combined with the frames
    the records say the L7 part selects."""
    rng = random.Random(args.seed + 13)
    heads = combos(corpus, args.seed + 7, n)
    cases = [c for c in l7_cases(corpus) if " and " not in c[1] and " or " not in c[1]
             and not c[1].startswith("not ")]
    with_l7 = [p for p in files if any(k in r for r in corpus.records[p]
                                       for k, _ in L7_KEYS.values())]
    jobs = []
    for h in heads:
        _, flt, pred = rng.choice(cases)
        op = rng.choice(["and", "or", "and not"])
        jobs.append(("(%s) %s %s" % (h, op, flt), h, op, pred))

    pl, td = run_tools(args, with_l7, captures, {path: [j[0] for j in jobs] for path in with_l7},
                       {path: [j[1] for j in jobs] for path in with_l7})
    bad, runs, selected = [], 0, 0
    for j in jobs:
        full, h, op, pred = j
        for path in with_l7:
            head = td[(path, h)]
            if isinstance(head, Rejected):
                continue
            runs += 1
            got = pl[path][full]
            if isinstance(head, Exception):
                bad.append("%s: '%s': tcpdump: %s" % (os.path.basename(path), h, head))
                continue
            l7 = set(r["frame.number"] for r in corpus.records[path] if pred(r))
            want = head & l7 if op == "and" else head | l7 if op == "or" else head - l7
            if isinstance(got, Exception):
                bad.append("%s: '%s': %s" % (os.path.basename(path), full, got))
            elif got != want:
                bad.append("%s: '%s': only pktlens %s; only expected %s" % (
                    os.path.basename(path), full, fmt_frames(got - want), fmt_frames(want - got)))
            else:
                selected += len(got)
    ok = not bad and runs > 0 and selected > 0
    print("%s filter-mixed header and L7 (%d filters, %d runs, %d frames selected)" % (
        "PASS" if ok else "FAIL", len(jobs), runs, selected))
    for b in bad[:MAX_SHOWN]:
        print("    mismatch: " + b)
    return check_batch(args, with_l7, pl, "mixed") and ok


# --- main ---------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pktlens", default=os.environ.get("PKTLENS", os.path.join(REPO, "build/pktlens")))
    ap.add_argument("--pcap-dir", default=os.environ.get("PCAP_DIR") or
                    os.path.join(os.path.dirname(REPO), "shared", "pcaps"))
    ap.add_argument("--batch", default=os.environ.get("FILTER_BATCH", os.path.join(REPO, "build/filter_batch")),
                    help="the matcher of tests/filter/batch.c")
    ap.add_argument("--tcpdump", default=shutil.which("tcpdump") or "/usr/bin/tcpdump")
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--combos", type=int, default=220, help="combinations run on every capture")
    ap.add_argument("--local-combos", type=int, default=10,
                    help="more combinations per capture, with that capture's own values")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", choices=["primitives", "combos", "l7"])
    ap.add_argument("--print-combos", action="store_true", help="list the combinations and exit")
    args = ap.parse_args()

    files = sorted(os.path.join(args.pcap_dir, f) for f in os.listdir(args.pcap_dir)
                   if f.endswith((".pcap", ".pcapng")))
    if not files:
        print("FAIL filter-diff corpus (no captures in %s)" % args.pcap_dir)
        return 1
    for tool in (args.pktlens, args.batch, args.tcpdump):
        if not os.access(tool, os.X_OK):
            print("FAIL filter-diff setup (%s is not executable)" % tool)
            return 1
    t0 = time.time()
    ok = True
    tmpdir = tempfile.mkdtemp(prefix="pl-filter-")
    try:
        # a private copy: a rebuild while the test runs cannot disturb it
        shutil.copy2(args.pktlens, os.path.join(tmpdir, "pktlens"))
        args.pktlens = os.path.join(tmpdir, "pktlens")
        shutil.copy2(args.batch, os.path.join(tmpdir, "filter_batch"))
        args.batch = os.path.join(tmpdir, "filter_batch")
        args.tmpdir, args.merged = tmpdir, {}
        edges = os.path.join(tmpdir, "crafted-filter-edges.pcap")
        write_pcap(edges, crafted_frames())
        files.append(edges)
        corpus = load_corpus(args, files)
        if args.print_combos:
            for f in combos(corpus, args.seed, args.combos):
                print(f)
            return 0
        captures = {}
        for path in files:
            _, captures[path] = read_capture(path)
            if len(captures[path]) != len(corpus.records[path]):
                print("FAIL filter-diff corpus (%s: %d frames read here, %d by pktlens)" % (
                    path, len(captures[path]), len(corpus.records[path])))
                return 1
        args.groups = {path: capture_group(path) for path in files}
        if args.only in (None, "primitives"):
            prims = primitives(corpus)
            res, pl = run_matrix(args, files, captures, lambda path: [
                (name, f) for name, fl in prims for f in fl] +
                local_primitives(corpus.per_file[path]))
            for name, _ in prims:
                ok &= summarise("filter-diff", name, res[name])
            ok &= check_batch(args, files, pl, "primitives")
        if args.only in (None, "combos"):
            cs = combos(corpus, args.seed, args.combos)
            local = {path: combos(corpus.per_file[path], args.seed + i, args.local_combos, corpus)
                     for i, path in enumerate(files)}
            res, pl = run_matrix(args, files, captures, lambda path: [
                ("random-combos", f) for f in cs] + [("local", f) for f in local[path]])
            ok &= summarise("filter-diff", "random-combos (%d)" % len(cs), res["random-combos"])
            ok &= summarise("filter-diff", "random-combos-per-capture (%d)" % sum(
                len(v) for v in local.values()), res["local"])
            ok &= check_batch(args, files, pl, "combos")
        if args.only in (None, "l7"):
            ok &= run_l7(args, files, corpus, captures)
            ok &= run_mixed(args, files, corpus, captures)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    print("filter-diff: %.1f s" % (time.time() - t0))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
