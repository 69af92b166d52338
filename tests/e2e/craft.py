#!/usr/bin/python3
"""Crafted frames for the end-to-end test, sent once each from the lab client.

Run inside the pl-client namespace: ip netns exec pl-client /usr/bin/python3 craft.py
Only lab addresses (198.18.0.0/15, 2001:db8::/32) are used.
"""
import sys

from scapy.all import (Dot1AD, Dot1Q, Ether, ICMP, IP, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, UDP, conf, sendp)

IFACE = sys.argv[1] if len(sys.argv) > 1 else "plc0"
conf.verb = 0
src_mac = open(f"/sys/class/net/{IFACE}/address").read().strip()
eth = Ether(src=src_mac, dst="02:00:00:00:00:01")

frames = [
    # 802.1Q, vlan 100, DSCP 46 (EF)
    eth / Dot1Q(vlan=100) / IP(src="198.18.7.1", dst="198.18.0.1", tos=0xb8) / UDP(sport=4000, dport=9),
    # QinQ: 802.1ad outer 200, 802.1Q inner 300
    eth / Dot1AD(vlan=200) / Dot1Q(vlan=300) / IP(src="198.18.7.2", dst="198.18.0.1") / ICMP(),
    # IPv6: hop-by-hop, destination options, routing (type 0 list), then UDP
    eth / IPv6(src="2001:db8::7", dst="2001:db8::1", fl=0x12345)
    / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt()
    / IPv6ExtHdrRouting(addresses=["2001:db8::9"], segleft=0)
    / UDP(sport=4001, dport=9),
]
sendp(frames, iface=IFACE)
