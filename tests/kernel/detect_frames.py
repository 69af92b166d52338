#!/usr/bin/env python3
"""Crafted frames that trip every detector rule, for tests/kernel/detect_parity.c.

usage: detect_frames.py OUT.pcap

With the low thresholds detect_parity.c sets (THRESHOLDS there), each block
below raises the rules named in its comment; benign frames come first and
raise nothing. Only 198.18.0.0/15 and 2001:db8::/32 addresses.
"""
import sys

from scapy.all import (ARP, DNS, DNSQR, ICMP, IP, TCP, UDP, Ether, ICMPv6EchoRequest,
                       IPv6, IPv6ExtHdrFragment, Raw, wrpcap)

SMAC, DMAC = "02:00:00:00:01:01", "02:00:00:00:00:01"
frames = []


def eth(p, src=SMAC, dst=DMAC):
    frames.append(Ether(src=src, dst=dst) / p)


# benign: a handshake and a DNS query
eth(IP(src="198.18.1.100", dst="198.18.0.1") / TCP(sport=40000, dport=443, flags="S"))
eth(IP(src="198.18.1.100", dst="198.18.0.1") / TCP(sport=40000, dport=443, flags="A"))
eth(IP(src="198.18.1.100", dst="198.18.0.1") / UDP(sport=40001, dport=53) /
    DNS(rd=1, qd=DNSQR(qname="www.example.org", qtype="A")))

# port_scan_vertical: 15 ports of one host
for port in range(1, 16):
    eth(IP(src="198.18.1.1", dst="198.18.0.1") / TCP(sport=41000, dport=port, flags="S"))
# port_scan_horizontal: port 22 of 15 hosts
for h in range(1, 16):
    eth(IP(src="198.18.1.2", dst="198.18.2.%d" % h) / TCP(sport=41001, dport=22, flags="S"))
# null_scan, fin_scan, xmas_scan, syn_fin_scan over IPv6
for flags in ("", "F", "FPU", "SF"):
    for port in range(100, 104):
        eth(IPv6(src="2001:db8:1::1", dst="2001:db8::1") /
            TCP(sport=41002, dport=port, flags=flags))
# syn_rate_src and syn_flood_dst: 40 SYNs to one service
for i in range(40):
    eth(IP(src="198.18.1.3", dst="198.18.0.9") / TCP(sport=42000 + i, dport=80, flags="S"))
# icmp_flood_src and icmp_flood_dst
for i in range(45):
    eth(IP(src="198.18.1.4", dst="198.18.0.10") / ICMP(id=1, seq=i))
# icmp_flood_src over IPv6
for i in range(25):
    eth(IPv6(src="2001:db8:1::4", dst="2001:db8::10") / ICMPv6EchoRequest(id=1, seq=i))
# udp_flood_src and udp_flood_dst
for i in range(45):
    eth(IP(src="198.18.1.5", dst="198.18.0.11") / UDP(sport=40000, dport=9) / Raw(b"x" * 8))
# land: a SYN from the address and port it goes to; over IPv6, UDP
eth(IP(src="198.18.0.12", dst="198.18.0.12") / TCP(sport=139, dport=139, flags="S"))
eth(IPv6(src="2001:db8::12", dst="2001:db8::12") / UDP(sport=53, dport=53))
# tiny_fragment: a first fragment of 8 bytes
eth(IP(src="198.18.1.6", dst="198.18.0.1", id=77, flags="MF", frag=0, proto=6) / Raw(b"\0" * 8))
# fragment_overlap: bytes 16..40 arrive again from offset 16 of [0, 24)
eth(IP(src="198.18.1.7", dst="198.18.0.1", id=4242, flags="MF", frag=0, proto=17) / Raw(b"A" * 32))
eth(IP(src="198.18.1.7", dst="198.18.0.1", id=4242, frag=2, proto=17) / Raw(b"B" * 24))
# over IPv6: a tiny first fragment, then an overlap
eth(IPv6(src="2001:db8:1::6", dst="2001:db8::1") / IPv6ExtHdrFragment(nh=6, offset=0, m=1, id=9) /
    Raw(b"\0" * 8))
eth(IPv6(src="2001:db8:1::7", dst="2001:db8::1") / IPv6ExtHdrFragment(nh=17, offset=0, m=1, id=10) /
    Raw(b"C" * 32))
eth(IPv6(src="2001:db8:1::7", dst="2001:db8::1") / IPv6ExtHdrFragment(nh=17, offset=2, m=0, id=10) /
    Raw(b"D" * 32))
# malformed: TCP data offsets below 5
for i in range(3):
    eth(IP(src="198.18.1.8", dst="198.18.0.1") / TCP(sport=43000 + i, dport=80, flags="A", dataofs=2))
# arp_mac_change and arp_unsolicited_reply
A, B, C, BC = "02:00:00:00:77:01", "02:00:00:00:77:02", "02:00:00:00:78:01", "ff:ff:ff:ff:ff:ff"
eth(ARP(op=1, hwsrc=A, psrc="198.18.0.77", pdst="198.18.0.1"), src=A, dst=BC)
eth(ARP(op=2, hwsrc=B, psrc="198.18.0.77", hwdst=DMAC, pdst="198.18.0.1"), src=B)
eth(ARP(op=2, hwsrc=C, psrc="198.18.0.78", hwdst=BC, pdst="198.18.0.78"), src=C, dst=BC)
# dns_long_name and dns_high_entropy over IPv6
label = "k3x9q2mzv7w1p8r4t6y0u5b2n7c3d8f1g6h4j9a0s5e2"
eth(IPv6(src="2001:db8:1::9", dst="2001:db8::53") / UDP(sport=40002, dport=53) /
    DNS(rd=1, qd=DNSQR(qname=label + "." + label[::-1] + ".t.example.org", qtype="A")))
# dns_txt_rate: TXT and NULL queries to one domain
for i in range(6):
    eth(IP(src="198.18.1.10", dst="198.18.0.53") / UDP(sport=40100 + i, dport=53) /
        DNS(rd=1, qd=DNSQR(qname="q%d.tun.example.org" % i, qtype="TXT" if i % 2 else "NULL")))

wrpcap(sys.argv[1], frames)
print("detect_frames: %d frames" % len(frames))
