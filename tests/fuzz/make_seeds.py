#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes each packet of ../shared/pcaps/*.pcap* as one file of a libFuzzer
seed corpus.

    python3 tests/fuzz/make_seeds.py OUTDIR [PCAPDIR]

PCAPDIR defaults to ../shared/pcaps next to the repository. Reads classic
pcap (either byte order, µs or ns) and pcapng (Enhanced, Simple and obsolete
Packet Blocks). A file that cannot be read is skipped with a note on stderr.
Seed files are named after their content, so reruns add no duplicates.
"""
import glob
import hashlib
import os
import struct
import sys

MAX_SEED = 4096  # run.sh's -max_len


def pcap_packets(data):
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise ValueError("not a pcap file")
    if len(data) < 24:
        raise ValueError("short pcap header")
    pos = 24
    while pos + 16 <= len(data):
        _, _, incl, _ = struct.unpack_from(end + "IIII", data, pos)
        pos += 16
        if incl > len(data) - pos:
            raise ValueError("packet past the end of the file")
        yield data[pos:pos + incl]
        pos += incl


def pcapng_packets(data):
    pos = 0
    end = "<"
    while pos + 12 <= len(data):
        btype = struct.unpack_from(end + "I", data, pos)[0]
        if btype == 0x0A0D0D0A:  # section header: byte order from its magic
            bom = data[pos + 8:pos + 12]
            if bom == b"\x4d\x3c\x2b\x1a":
                end = "<"
            elif bom == b"\x1a\x2b\x3c\x4d":
                end = ">"
            else:
                raise ValueError("bad section header")
        blen = struct.unpack_from(end + "I", data, pos + 4)[0]
        if blen < 12 or blen % 4 or pos + blen > len(data):
            raise ValueError("bad block length")
        body = data[pos + 8:pos + blen - 4]
        if btype == 6 and len(body) >= 20:  # enhanced packet block
            caplen = struct.unpack_from(end + "I", body, 12)[0]
            yield body[20:20 + caplen]
        elif btype == 3 and len(body) >= 4:  # simple packet block
            wire = struct.unpack_from(end + "I", body, 0)[0]
            yield body[4:4 + wire]
        elif btype == 2 and len(body) >= 20:  # obsolete packet block
            caplen = struct.unpack_from(end + "I", body, 12)[0]
            yield body[20:20 + caplen]
        pos += blen


def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        return list(pcapng_packets(data))
    return list(pcap_packets(data))


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: make_seeds.py OUTDIR [PCAPDIR]")
    out = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    pcapdir = sys.argv[2] if len(sys.argv) == 3 else os.path.join(
        here, "..", "..", "..", "shared", "pcaps")
    os.makedirs(out, exist_ok=True)
    files = sorted(glob.glob(os.path.join(pcapdir, "*.pcap*")))
    if not files:
        sys.exit("make_seeds.py: no captures in %s" % pcapdir)
    total = 0
    for path in files:
        try:
            pkts = packets(path)
        except (ValueError, struct.error, OSError) as e:
            print("make_seeds.py: skipping %s: %s" % (path, e), file=sys.stderr)
            continue
        for pkt in pkts:
            pkt = pkt[:MAX_SEED]
            name = hashlib.sha1(pkt).hexdigest()
            with open(os.path.join(out, name), "wb") as f:
                f.write(pkt)
            total += 1
    print("make_seeds.py: %d packets from %d captures into %s"
          % (total, len(files), out))


if __name__ == "__main__":
    main()
