#!/usr/bin/python3
"""Retransmitted segments in a capture, as the wire shows them.

  tcp_wire_retrans.py PCAP SPORT

Prints "DPORT SEQ" for every segment from port SPORT that starts below the
highest sequence number that connection already sent (data, SYN or FIN):
a retransmission. Pure ACKs carry no sequence space and are skipped.
"""
import subprocess
import sys


def before(a, b):
    """a < b in 32-bit sequence space (RFC 793)."""
    return ((a - b) & 0xFFFFFFFF) >= 0x80000000


def main(pcap, sport):
    out = subprocess.run(
        ["tshark", "-r", pcap, "-n", "-Y", f"tcp.srcport=={sport}", "-T", "fields",
         "-e", "tcp.dstport", "-e", "tcp.seq_raw", "-e", "tcp.len",
         "-e", "tcp.flags.syn", "-e", "tcp.flags.fin"],
        capture_output=True, text=True, check=True).stdout
    high = {}
    for line in out.splitlines():
        dport, seq, length, syn, fin = line.split("\t")
        seq = int(seq)
        span = int(length) + (syn in ("1", "True")) + (fin in ("1", "True"))
        if span == 0:
            continue
        end = (seq + span) & 0xFFFFFFFF
        if dport in high and before(seq, high[dport]):
            print(dport, seq)
        if dport not in high or before(high[dport], end):
            high[dport] = end
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
