#!/usr/bin/python3
"""Known flows for the flow tests: N packets of B bytes each, from the lab client.

usage: flowgen.py exact IFACE DST_MAC          the fixed set below, interleaved
       flowgen.py slow IFACE DST_MAC N SECONDS  one UDP flow, N packets SECONDS apart
       flowgen.py many IFACE DST_MAC N          N one-packet UDP flows (distinct ports)

Prints the flows it sent as JSON lines: ip_ver, proto, src, dst, sport,
dport, vlan, packets, bytes (frame bytes, as the interface sees them).
Every run is bounded: a fixed number of frames, sent once.
"""
import json
import sys
import time

from scapy.all import IP, UDP, TCP, ICMP, Dot1Q, Ether, IPv6, Raw, get_if_hwaddr, sendp

CLI4, SRV4 = "198.18.0.2", "198.18.0.1"
CLI6, SRV6 = "2001:db8::2", "2001:db8::1"

# ip_ver, proto, sport, dport, packets, frame bytes, vlan
EXACT = [
    (4, "udp", 40001, 7001, 10, 100, 0),
    (4, "udp", 40002, 7002, 25, 333, 0),
    (4, "tcp", 40003, 7003, 7, 300, 0),
    (6, "udp", 40004, 7004, 12, 200, 0),
    (6, "tcp", 40005, 7005, 5, 1400, 0),
    (4, "udp", 40006, 7006, 4, 150, 100),
    (4, "icmp", 0, 8 << 8, 3, 98, 0),
]


def frame(mac, dst_mac, ver, proto, sport, dport, size, vlan, seq=0):
    p = Ether(src=mac, dst=dst_mac)
    if vlan:
        p = p / Dot1Q(vlan=vlan)
    p = p / (IP(src=CLI4, dst=SRV4, ttl=64) if ver == 4 else IPv6(src=CLI6, dst=SRV6, hlim=64))
    if proto == "udp":
        p = p / UDP(sport=sport, dport=dport)
    elif proto == "tcp":
        p = p / TCP(sport=sport, dport=dport, flags="PA", seq=1000 + seq * 100, ack=1)
    else:
        p = p / ICMP(type=dport >> 8, code=dport & 0xFF, id=0x4242, seq=seq)
    pad = size - len(p)
    if pad < 0:
        raise SystemExit("flowgen: %d bytes is too small for %s" % (size, proto))
    return p / Raw(b"\x00" * pad)


def record(ver, proto, sport, dport, n, size, vlan):
    return {
        "ip_ver": ver, "proto": proto,
        "src": CLI4 if ver == 4 else CLI6, "dst": SRV4 if ver == 4 else SRV6,
        "sport": sport, "dport": dport, "vlan": vlan, "packets": n, "bytes": n * size,
    }


def main():
    mode, iface, dst_mac = sys.argv[1], sys.argv[2], sys.argv[3]
    mac = get_if_hwaddr(iface)
    out = []
    if mode == "exact":
        frames = []
        most = max(f[4] for f in EXACT)
        for i in range(most):  # interleaved, as real flows are
            for ver, proto, sport, dport, n, size, vlan in EXACT:
                if i < n:
                    frames.append(frame(mac, dst_mac, ver, proto, sport, dport, size, vlan, i))
        sendp(frames, iface=iface, verbose=False)
        out = [record(*f) for f in EXACT]
    elif mode == "slow":
        n, gap = int(sys.argv[4]), float(sys.argv[5])
        n = min(n, 1000)
        for i in range(n):
            sendp(frame(mac, dst_mac, 4, "udp", 40100, 7100, 120, 0, i), iface=iface, verbose=False)
            if i + 1 < n:
                time.sleep(gap)
        out = [record(4, "udp", 40100, 7100, n, 120, 0)]
    elif mode == "many":
        n = min(int(sys.argv[4]), 60000)
        frames = [frame(mac, dst_mac, 4, "udp", 1024 + i, 7200, 60, 0) for i in range(n)]
        sendp(frames, iface=iface, verbose=False)
        out = [{"flows": n}]
    else:
        raise SystemExit(__doc__)
    for r in out:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
