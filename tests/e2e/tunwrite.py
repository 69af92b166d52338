#!/usr/bin/python3
"""Writes IP packets into a tun device: they are its ingress (tun_get_user
hands them to the stack as if received), so `pktlens watch -i TUN` sees
them at TC ingress, starting at the IP header.

usage: /usr/bin/python3 tests/e2e/tunwrite.py TUN   (the device exists: ip tuntap add)

Writes one of each: IPv4 TCP SYN to 443, IPv4 DNS query (A), IPv6 DNS
query (AAAA), IPv6 TCP segment with an HTTP request. Addresses only
198.18.0.0/15 and 2001:db8::/32. Needs Debian's scapy (/usr/bin/python3).
"""
import fcntl
import os
import struct
import sys

from scapy.all import DNS, DNSQR, IP, TCP, UDP, IPv6, Raw

TUNSETIFF = 0x400454ca
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
C4, S4 = "198.18.220.2", "198.18.220.1"
C6, S6 = "2001:db8:220::2", "2001:db8:220::1"


def packets():
    return [
        IP(src=C4, dst=S4, id=1) / TCP(sport=41000, dport=443, flags="S", seq=7, options=[("MSS", 1400)]),
        IP(src=C4, dst=S4, id=2) / UDP(sport=41001, dport=53) /
        DNS(id=0x5151, rd=1, qd=DNSQR(qname="tun4.lab.test", qtype="A")),
        IPv6(src=C6, dst=S6) / UDP(sport=41002, dport=53) /
        DNS(id=0x6161, rd=1, qd=DNSQR(qname="tun6.lab.test", qtype="AAAA")),
        IPv6(src=C6, dst=S6) / TCP(sport=41003, dport=80, flags="PA", seq=1, ack=1) /
        Raw(b"GET /l3 HTTP/1.1\r\nHost: tun.lab.test\r\n\r\n"),
    ]


def main():
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", sys.argv[1].encode(), IFF_TUN | IFF_NO_PI))
    for p in packets():
        os.write(fd, bytes(p))
    os.close(fd)


if __name__ == "__main__":
    main()
