#!/usr/bin/env python3
"""ARP spoofing and a gratuitous reply, crafted with scapy, for detect_e2e.sh.

usage: detect_arp.py IFACE SERVER_MAC

Uses addresses no lab host has (198.18.0.77, 198.18.0.78), so no real
neighbour entry is disturbed:
  1. 198.18.0.77 asks for the server from 02:00:00:00:77:01 (learnt),
  2. a unicast reply to the server says 198.18.0.77 is-at 02:00:00:00:77:02
     (arp_mac_change),
  3. a broadcast reply says 198.18.0.78 is-at 02:00:00:00:78:01 about itself
     (arp_unsolicited_reply).
"""
import sys
import time

from scapy.all import ARP, Ether, sendp  # noqa: E402

iface, srv = sys.argv[1], sys.argv[2]
A, B, C = "02:00:00:00:77:01", "02:00:00:00:77:02", "02:00:00:00:78:01"
BC = "ff:ff:ff:ff:ff:ff"
sendp(Ether(src=A, dst=BC) / ARP(op=1, hwsrc=A, psrc="198.18.0.77", pdst="198.18.0.1"),
      iface=iface, verbose=0)
time.sleep(0.05)
sendp(Ether(src=B, dst=srv) / ARP(op=2, hwsrc=B, psrc="198.18.0.77", hwdst=srv,
                                  pdst="198.18.0.1"), iface=iface, verbose=0)
time.sleep(0.05)
sendp(Ether(src=C, dst=BC) / ARP(op=2, hwsrc=C, psrc="198.18.0.78", hwdst=BC,
                                 pdst="198.18.0.78"), iface=iface, verbose=0)
