#!/usr/bin/python3
"""Writes the frames the privacy suite rewrites: every header whose
addresses --anonymize maps in a -w capture, with right checksums.

usage: /usr/bin/python3 tests/privacy/mkframes.py OUT.pcap

ICMP errors quoting UDP and TCP (the quoted header's addresses and
checksums), ICMPv6 errors, IPv4 UDP without a checksum, fragments,
802.1Q and QinQ, IPv6 extension headers, ARP, DNS PTR queries (addresses
written as names) and HTTP to an address. Only 198.18.0.0/15 and
2001:db8::/32. Needs Debian's scapy (/usr/bin/python3).
"""
import sys

from scapy.all import (ARP, DNS, DNSQR, ICMP, IP, TCP, UDP, Dot1AD, Dot1Q, Ether,
                       ICMPv6DestUnreach, ICMPv6EchoRequest, ICMPv6TimeExceeded, IPv6,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, Raw,
                       fragment, wrpcap)

C4, S4, R4 = "198.18.0.2", "198.18.0.1", "198.19.7.1"
C6, S6, R6 = "2001:db8::2", "2001:db8::1", "2001:db8:7::1"
E = Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01")


def frames():
    udp = IP(src=C4, dst=S4) / UDP(sport=40000, dport=33434) / Raw(b"probe-payload")
    tcp = IP(src=C4, dst=S4) / TCP(sport=40001, dport=81, flags="S", seq=1)
    udp6 = IPv6(src=C6, dst=S6) / UDP(sport=40002, dport=33435) / Raw(b"probe6")
    out = [
        E / IP(src=C4, dst=S4) / TCP(sport=40003, dport=80, flags="PA", seq=7, ack=9) /
        Raw(b"GET /x HTTP/1.1\r\nHost: 198.18.0.1:8080\r\n\r\n"),
        E / IP(src=C4, dst=S4) / UDP(sport=40004, dport=53) /
        DNS(id=1, rd=1, qd=DNSQR(qname="1.0.18.198.in-addr.arpa", qtype="PTR")),
        E / IPv6(src=C6, dst=S6) / UDP(sport=40005, dport=53) /
        DNS(id=2, rd=1, qd=DNSQR(qname="www.example.co.uk", qtype="AAAA")),
        # ICMP errors: the quoted header carries the addresses too
        E / IP(src=S4, dst=C4) / ICMP(type=3, code=3) / bytes(udp),
        E / IP(src=R4, dst=C4) / ICMP(type=11, code=0) / bytes(tcp)[:28],
        E / IP(src=R4, dst=C4) / ICMP(type=11, code=0) / bytes(tcp),
        E / IPv6(src=S6, dst=C6) / ICMPv6DestUnreach(code=4) / bytes(udp6),
        E / IPv6(src=R6, dst=C6) / ICMPv6TimeExceeded() / bytes(udp6),
        E / IP(src=C4, dst=S4) / ICMP(type=8, id=5, seq=1) / Raw(b"ping"),
        E / IPv6(src=C6, dst=S6) / ICMPv6EchoRequest(id=5, seq=1, data=b"ping6"),
        # IPv4 UDP without a checksum stays without one
        E / IP(src=C4, dst=S4) / UDP(sport=40006, dport=9, chksum=0) / Raw(b"nosum"),
        E / Dot1Q(vlan=7) / IP(src=C4, dst=S4) / TCP(sport=40007, dport=22, flags="S"),
        E / Dot1AD(vlan=100) / Dot1Q(vlan=7) / IP(src=C4, dst=S4) /
        UDP(sport=40008, dport=514) / Raw(b"qinq"),
        E / IPv6(src=C6, dst=S6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() /
        TCP(sport=40009, dport=443, flags="S"),
        E / ARP(op=1, hwsrc="02:00:00:00:00:02", psrc=C4, pdst=S4),
        E / ARP(op=2, hwsrc="02:00:00:00:00:01", psrc=S4, hwdst="02:00:00:00:00:02", pdst=C4),
    ]
    # fragments: the first holds the UDP header, the later ones none
    big = IP(src=C4, dst=S4, id=77) / UDP(sport=40010, dport=5000) / Raw(b"f" * 1200)
    out += [E / f for f in fragment(big, fragsize=512)]
    big6 = IPv6(src=C6, dst=S6) / IPv6ExtHdrFragment(id=78, m=1, offset=0) / \
        UDP(sport=40011, dport=5001, len=8 + 16) / Raw(b"g" * 8)
    out += [E / big6,
            E / IPv6(src=C6, dst=S6) / IPv6ExtHdrFragment(id=78, m=0, offset=2, nh=17) / Raw(b"h" * 8)]
    return out


def main():
    fr = frames()
    for i, f in enumerate(fr):
        f.time = 1795000000 + i / 1000
    wrpcap(sys.argv[1], fr)


if __name__ == "__main__":
    main()
