#!/usr/bin/env python3
"""Reads pcap and pcapng files (stdlib only) for the capture tests.

usage: pcaprw.py frames FILE  -> one line per frame: caplen origlen sha1(data)
"""
import hashlib
import struct
import sys


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    out = []
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        pos = 24
        while pos + 16 <= len(data):
            _, _, incl, orig = struct.unpack_from("<IIII", data, pos)
            pos += 16
            out.append((incl, orig, data[pos:pos + incl]))
            pos += incl
        return out
    if magic == b"\x0a\x0d\x0d\x0a":
        pos = 0
        while pos + 12 <= len(data):
            btype, blen = struct.unpack_from("<II", data, pos)
            if blen < 12:
                break
            if btype == 6:  # enhanced packet block
                _, _, _, incl, orig = struct.unpack_from("<IIIII", data, pos + 8)
                out.append((incl, orig, data[pos + 28:pos + 28 + incl]))
            pos += blen
        return out
    raise SystemExit(f"{path}: not a pcap or pcapng file")


if __name__ == "__main__":
    for incl, orig, body in frames(sys.argv[2]):
        print(incl, orig, hashlib.sha1(body).hexdigest())
