#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes one large Ethernet pcap for bench/run.sh: the packets of every
Ethernet (link type 1) classic pcap in a folder, repeated until COUNT
packets. Timestamps are rewritten 1 us apart so the capture is monotonic.

usage: mkcapture.py PCAP_DIR OUT.pcap [COUNT]   (COUNT defaults to 1000000)
"""
import glob
import os
import struct
import sys

MAGICS = {  # magic as read little-endian -> (byte order, ns timestamps)
    0xA1B2C3D4: ("<", False),
    0xA1B23C4D: ("<", True),
    0xD4C3B2A1: (">", False),
    0x4D3CB2A1: (">", True),
}


def ethernet_packets(path):
    """(caplen data, wire len) of each packet, or [] if not Ethernet pcap."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return []
    magic = struct.unpack("<I", data[:4])[0]
    if magic not in MAGICS:
        return []  # pcapng and others
    order = MAGICS[magic][0]
    if struct.unpack(order + "I", data[20:24])[0] != 1:
        return []
    out, off = [], 24
    while off + 16 <= len(data):
        caplen, wire = struct.unpack(order + "II", data[off + 8:off + 16])
        body = data[off + 16:off + 16 + caplen]
        if len(body) < caplen:
            break  # cut short
        out.append((body, wire))
        off += 16 + caplen
    return out


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    src, dst = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) == 4 else 1000000
    pkts, used = [], 0
    for path in sorted(glob.glob(os.path.join(src, "*.pcap"))):
        got = ethernet_packets(path)
        used += bool(got)
        pkts += got
    if not pkts:
        sys.exit("mkcapture: no Ethernet pcap packets in " + src)
    with open(dst, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for i in range(count):
            body, wire = pkts[i % len(pkts)]
            f.write(struct.pack("<IIII", 1700000000 + i // 1000000, i % 1000000,
                                len(body), wire))
            f.write(body)
    print("mkcapture: %d packets (%d distinct, from %d files) in %s"
          % (count, len(pkts), used, dst))


if __name__ == "__main__":
    main()
