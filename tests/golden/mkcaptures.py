#!/usr/bin/python3
"""Writes the captures pktlens makes itself for tests/golden/TESTLIST.

usage: /usr/bin/python3 tests/golden/mkcaptures.py [OUTDIR]   (default tests/golden/pcaps)

  crafted-mix.pcap     one or more frames of each class the parser knows:
                       TCP handshake with options, HTTP requests, a TLS
                       ClientHello with SNI, ALPN and supported_versions,
                       DNS over IPv4 and IPv6, 802.1Q and QinQ, IPv6
                       extension headers, ARP, ICMP and ICMPv6, fragments,
                       a frame cut short by the capture and malformed ones
  crafted-detect.pcap  tests/kernel/detect_frames.py's frames, which trip
                       every detector rule at detect_parity.c's thresholds
  crafted-flows.pcap   flows over five minutes of capture time, for
                       read --flows: one idle for longer than the idle
                       timeout and then back, one UDP stream longer than
                       the active timeout, DNS, ICMPv6, VLAN and ARP
  crafted-tunnels.pcap VXLAN, Geneve (with options), GRE (key, sequence,
                       checksum; IPv4, IPv6 and Ethernet inside),
                       IPv4-in-IPv4, 6in4, 4in6, 6in6 and MPLS stacks,
                       with TCP, DNS, TLS and HTTP inside; then bad ones:
                       a tunnel inside a tunnel, a truncated inner header,
                       GRE version 1 and routing, MPLS without a bottom
                       of stack, Geneve options past the payload
  crafted-hostile.pcap names a hostile client chooses: an SNI, ALPN names,
                       a DNS name, an HTTP URI and Host made to look like
                       more fields of the text line (spaces, '|', '"',
                       ',', ESC, non-ASCII, backslashes), and names longer
                       than the record holds (SNI 300 bytes, URI 300,
                       Host 200, DNS names of 253 and 254 bytes)

Every frame gets a fixed timestamp (1 ms apart from BASE, or the flows'
own times from BASE) and fixed MACs,
so the files come out byte-identical on every run; the .out files are
generated from the committed captures (tests/golden/testlist.py --regen).
Only 198.18.0.0/15 and 2001:db8::/32 addresses. Needs Debian's scapy
(/usr/bin/python3).
"""
import os
import struct
import subprocess
import sys
import tempfile
from decimal import Decimal

from scapy.contrib.geneve import GENEVE
from scapy.contrib.mpls import MPLS
from scapy.layers.l2 import GRE
from scapy.layers.vxlan import VXLAN
from scapy.all import (ARP, DNS, DNSQR, ICMP, IP, TCP, UDP, Dot1AD, Dot1Q, Ether,
                       ICMPv6EchoReply, ICMPv6EchoRequest, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, PcapWriter, Raw, rdpcap)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BASE = Decimal("1795000000.000000")  # 2026-11-18, a fixed time
CMAC, SMAC = "02:00:00:00:00:02", "02:00:00:00:00:01"
C4, S4 = "198.18.0.2", "198.18.0.1"
C6, S6 = "2001:db8::2", "2001:db8::1"


def client_hello(sni, alpn):
    """A TLS 1.3 ClientHello record (RFC 8446 4.1.2) with SNI, ALPN and
    supported_versions; scapy's TLS layer needs the cryptography module,
    so the bytes are laid out here."""
    def ext(etype, body):
        return struct.pack("!HH", etype, len(body)) + body
    name = sni.encode()
    sni_list = struct.pack("!BH", 0, len(name)) + name
    protos = b"".join(bytes([len(p)]) + p.encode() for p in alpn)
    exts = (ext(0, struct.pack("!H", len(sni_list)) + sni_list) +
            ext(16, struct.pack("!H", len(protos)) + protos) +
            ext(43, bytes([6]) + struct.pack("!HHH", 0x0304, 0x0303, 0x0302)))
    body = (struct.pack("!H", 0x0303) + bytes(range(32)) + b"\x00" +
            struct.pack("!HH", 2, 0x1301) + b"\x01\x00" +
            struct.pack("!H", len(exts)) + exts)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def mix():
    """(frame, wire length or None) pairs."""
    e = Ether(src=CMAC, dst=SMAC)
    r = Ether(src=SMAC, dst=CMAC)
    opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1000, 0)), ("NOP", None), ("WScale", 7)]
    f = []
    # a handshake with options, then an HTTP GET and its answer's first bytes
    f.append(e / IP(src=C4, dst=S4, id=1, flags="DF") / TCP(sport=40000, dport=80, flags="S", seq=1000, window=64240, options=opts))
    f.append(r / IP(src=S4, dst=C4, id=0, flags="DF") / TCP(sport=80, dport=40000, flags="SA", seq=5000, ack=1001, window=65160, options=opts))
    f.append(e / IP(src=C4, dst=S4, id=2, flags="DF") / TCP(sport=40000, dport=80, flags="A", seq=1001, ack=5001, window=502))
    f.append(e / IP(src=C4, dst=S4, id=3, flags="DF") / TCP(sport=40000, dport=80, flags="PA", seq=1001, ack=5001, window=502) /
             Raw(b"GET /index.html HTTP/1.1\r\nHost: www.golden.test\r\nUser-Agent: golden\r\n\r\n"))
    f.append(r / IP(src=S4, dst=C4, id=1, flags="DF") / TCP(sport=80, dport=40000, flags="PA", seq=5001, ack=1075, window=509) /
             Raw(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
    f.append(e / IP(src=C4, dst=S4, id=4, flags="DF") / TCP(sport=40002, dport=8080, flags="PA", seq=7, ack=9) /
             Raw(b"POST /api/form HTTP/1.1\r\nHost: api.golden.test:8080\r\nContent-Length: 3\r\n\r\na=b"))
    f.append(e / IP(src=C4, dst=S4, id=5, flags="DF") / TCP(sport=40000, dport=80, flags="FA", seq=1075, ack=5041))
    # TLS ClientHellos, over IPv4 and IPv6
    f.append(e / IP(src=C4, dst=S4, id=6, flags="DF") / TCP(sport=40004, dport=443, flags="PA", seq=1, ack=1) /
             Raw(client_hello("www.golden.test", ["h2", "http/1.1"])))
    f.append(e / IPv6(src=C6, dst=S6, fl=0xbeef) / TCP(sport=40006, dport=443, flags="PA", seq=1, ack=1) /
             Raw(client_hello("v6.golden.test", ["h2"])))
    # DNS: A over IPv4, AAAA over IPv6, and an answer
    f.append(e / IP(src=C4, dst=S4, id=7) / UDP(sport=40008, dport=53) /
             DNS(id=0x1234, rd=1, qd=DNSQR(qname="www.golden.test", qtype="A")))
    f.append(e / IPv6(src=C6, dst=S6) / UDP(sport=40010, dport=53) /
             DNS(id=0x4321, rd=1, qd=DNSQR(qname="www.golden.test", qtype="AAAA")))
    f.append(r / IP(src=S4, dst=C4, id=2) / UDP(sport=53, dport=40008) /
             DNS(id=0x1234, qr=1, rd=1, ra=1, qd=DNSQR(qname="www.golden.test", qtype="A")))
    # VLANs: 802.1Q with DSCP EF, QinQ
    f.append(e / Dot1Q(vlan=100, prio=5) / IP(src="198.18.7.1", dst=S4, tos=0xb8, id=8) / UDP(sport=4000, dport=9) / Raw(b"vlan"))
    f.append(e / Dot1AD(vlan=200) / Dot1Q(vlan=300) / IP(src="198.18.7.2", dst=S4, id=9) / ICMP(id=7, seq=1))
    # IPv6 extension headers: hop-by-hop, destination options, routing
    f.append(e / IPv6(src="2001:db8::7", dst=S6, fl=0x12345) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() /
             IPv6ExtHdrRouting(addresses=["2001:db8::9"], segleft=0) / UDP(sport=4001, dport=9))
    # ARP request and reply; ICMP and ICMPv6 echo
    f.append(Ether(src=CMAC, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=CMAC, psrc=C4, pdst=S4))
    f.append(r / ARP(op=2, hwsrc=SMAC, psrc=S4, hwdst=CMAC, pdst=C4))
    f.append(e / IP(src=C4, dst=S4, id=10, ttl=1) / ICMP(type=8, id=3, seq=9) / Raw(b"ping"))
    f.append(e / IPv6(src=C6, dst=S6, hlim=255) / ICMPv6EchoRequest(id=3, seq=9))
    # fragments: the first and a later fragment of one UDP datagram, and an IPv6 one
    f.append(e / IP(src=C4, dst=S4, id=4242, flags="MF", frag=0, proto=17) / Raw(b"\x9c\x40\x00\x09\x00\x30\x00\x00" + b"A" * 32))
    f.append(e / IP(src=C4, dst=S4, id=4242, frag=5, proto=17) / Raw(b"B" * 8))
    f.append(e / IPv6(src=C6, dst=S6) / IPv6ExtHdrFragment(nh=17, offset=0, m=1, id=11) / Raw(b"\x9c\x41\x00\x09\x00\x30\x00\x00" + b"C" * 24))
    out = [(p, None) for p in f]
    # cut short by the capture: 60 bytes of a 1514-byte TCP segment
    big = e / IP(src=C4, dst=S4, id=11, flags="DF") / TCP(sport=40012, dport=80, flags="PA", seq=1, ack=1) / Raw(b"x" * 1460)
    out.append((Ether(bytes(big)[:60]), len(big)))
    # malformed: an IPv4 header length of 4 words, a TCP data offset of 2,
    # a TCP header past the IP total length, a bad DNS label
    b = bytearray(bytes(e / IP(src=C4, dst=S4, id=12) / UDP(sport=1, dport=2)))
    b[14] = 0x44
    out.append((Ether(bytes(b)), None))
    out.append((e / IP(src=C4, dst=S4, id=13) / TCP(sport=40014, dport=80, flags="A", dataofs=2), None))
    b = bytearray(bytes(e / IP(src=C4, dst=S4, id=14) / TCP(sport=33333, dport=22, flags="S")))
    b[16:18] = struct.pack("!H", 24)
    out.append((Ether(bytes(b)), None))
    dns = bytes(DNS(id=5, rd=1, qd=DNSQR(qname="www.golden.test", qtype="A")))
    dns = dns[:12] + b"\x7fwww" + dns[16:]  # a label longer than the message
    out.append((e / IP(src=C4, dst=S4, id=15) / UDP(sport=40016, dport=53) / Raw(dns), None))
    return out


def tunnels():
    """Every tunnel and MPLS with something inside, then bad ones."""
    e = Ether(src=CMAC, dst=SMAC)
    ie = Ether(src="02:00:00:00:01:02", dst="02:00:00:00:01:01")
    U4, U6 = "198.19.0.2", "2001:db8:1::2"      # underlay ends
    V4, V6 = "198.19.0.1", "2001:db8:1::1"
    opts = [("MSS", 1410), ("SAckOK", b""), ("WScale", 7)]
    syn = TCP(sport=40100, dport=443, flags="S", seq=77, window=64240, options=opts)
    dnsq = UDP(sport=40101, dport=53) / DNS(id=0x77, rd=1, qd=DNSQR(qname="inner.golden.test", qtype="A"))
    hello = TCP(sport=40102, dport=443, flags="PA", seq=1, ack=1) / Raw(client_hello("sni.inner.test", ["h2"]))
    get = TCP(sport=40103, dport=80, flags="PA", seq=1, ack=1) / \
        Raw(b"GET /in HTTP/1.1\r\nHost: http.inner.test\r\n\r\n")

    def vx(inner, vni=1234, sport=50000):
        return e / IP(src=U4, dst=V4, id=1) / UDP(sport=sport, dport=4789) / VXLAN(vni=vni) / inner

    f = [
        vx(ie / IP(src=C4, dst=S4, id=21, flags="DF") / syn),
        vx(ie / IP(src=C4, dst=S4, id=22) / dnsq, vni=7),
        vx(ie / IP(src=C4, dst=S4, id=23, flags="DF") / hello),
        vx(ie / IPv6(src=C6, dst=S6) / get),
        vx(Ether(src="02:00:00:00:01:02", dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, psrc=C4, pdst=S4)),
        vx(ie / Dot1Q(vlan=5) / IP(src=C4, dst=S4, id=24) / ICMP(id=1, seq=1)),
        e / IP(src=U4, dst=V4) / UDP(sport=50001, dport=6081) /
        GENEVE(vni=77, proto=0x6558, optionlen=2, options=Raw(b"\x01\x02\x03\x01abcd")) /
        ie / IPv6(src=C6, dst=S6) / UDP(sport=40104, dport=9) / Raw(b"gnv"),
        e / IP(src=U4, dst=V4) / UDP(sport=50002, dport=6081) / GENEVE(vni=78, proto=0x0800) /
        IP(src=C4, dst=S4, id=25) / ICMP(id=2, seq=2),
        e / IP(src=U4, dst=V4, proto=47) / GRE(key_present=1, key=0x2a, seqnum_present=1, seqence_number=9, proto=0x0800) /
        IP(src=C4, dst=S4, id=26, flags="DF") / syn,
        e / IP(src=U4, dst=V4, proto=47) / GRE(chksum_present=1, proto=0x86dd) / IPv6(src=C6, dst=S6) / dnsq,
        e / IPv6(src=U6, dst=V6, nh=47) / GRE(key_present=1, key=5, proto=0x6558) / ie /
        IP(src=C4, dst=S4, id=27) / UDP(sport=40105, dport=9) / Raw(b"teb"),
        e / IP(src=U4, dst=V4, proto=4) / IP(src=C4, dst=S4, id=28, flags="DF") / hello,
        e / IP(src=U4, dst=V4, proto=41) / IPv6(src=C6, dst=S6) / syn,
        e / IPv6(src=U6, dst=V6, nh=4) / IP(src=C4, dst=S4, id=29) / dnsq,
        e / IPv6(src=U6, dst=V6, nh=41) / IPv6(src=C6, dst=S6) / ICMPv6EchoRequest(id=4, seq=4),
        Ether(src=CMAC, dst=SMAC, type=0x8847) / MPLS(label=100, s=1, ttl=64) / IP(src=C4, dst=S4, id=30) / syn,
        Ether(src=CMAC, dst=SMAC, type=0x8847) / MPLS(label=100, s=0) / MPLS(label=200, s=0) /
        MPLS(label=300, s=1) / IPv6(src=C6, dst=S6) / dnsq,
        Ether(src=CMAC, dst=SMAC, type=0x8847) / MPLS(label=16, s=1) / IP(src=U4, dst=V4, id=31) /
        UDP(sport=50003, dport=4789) / VXLAN(vni=99) / ie / IP(src=C4, dst=S4, id=32) / get,
    ]
    out = [(p, None) for p in f]
    # a VXLAN inside the VXLAN: the second is not decoded
    out.append((vx(ie / IP(src="198.19.1.2", dst="198.19.1.1", id=33) / UDP(sport=50004, dport=4789) /
                   VXLAN(vni=2) / ie / IP(src=C4, dst=S4) / syn), None))
    # the capture ends inside the inner IPv4 header
    cut = bytes(vx(ie / IP(src=C4, dst=S4, id=34) / syn))
    out.append((Ether(cut[:14 + 20 + 8 + 8 + 14 + 10]), len(cut)))
    # GRE version 1 (PPTP) and GRE with the routing bit: not decoded
    out.append((e / IP(src=U4, dst=V4, proto=47) / GRE(version=1, key_present=1, proto=0x880b) / Raw(b"\x00" * 8), None))
    out.append((e / IP(src=U4, dst=V4, proto=47) / GRE(routing_present=1, proto=0x0800) / Raw(b"\x00" * 8), None))
    # nine MPLS labels, none the bottom of the stack
    m = Ether(src=CMAC, dst=SMAC, type=0x8847)
    for i in range(9):
        m = m / MPLS(label=1000 + i, s=0)
    out.append((m / IP(src=C4, dst=S4) / syn, None))
    # Geneve options longer than the datagram
    out.append((e / IP(src=U4, dst=V4) / UDP(sport=50005, dport=6081) / GENEVE(vni=3, proto=0x0800, optionlen=40) /
                Raw(b"\x00" * 12), None))
    return out


def hostile():
    """Names that try to pass for fields of the text line, and names cut by
    the record's bounds (issue 14, items 8 and 9)."""
    e = Ether(src=CMAC, dst=SMAC)
    f = []

    def tls(port, sni, alpn):
        f.append(e / IP(src=C4, dst=S4, id=len(f) + 1, flags="DF") /
                 TCP(sport=port, dport=443, flags="PA", seq=1, ack=1) / Raw(client_hello(sni, alpn)))

    def http(port, uri, host):
        f.append(e / IP(src=C4, dst=S4, id=len(f) + 1, flags="DF") /
                 TCP(sport=port, dport=80, flags="PA", seq=1, ack=1) /
                 Raw(b"GET " + uri + b" HTTP/1.1\r\nHost: " + host + b"\r\n\r\n"))

    def dns(port, name):
        f.append(e / IP(src=C4, dst=S4, id=len(f) + 1) / UDP(sport=port, dport=53) /
                 DNS(id=port, rd=1, qd=DNSQR(qname=name, qtype="A")))

    tls(41000, "x alpn=h2 | http GET /admin host=bank.example", ["h2,h3", "a b", "h2"])
    tls(41001, "esc\x1b[2J\\x41.\u00e9.test", ["http/1.1"])
    tls(41002, "s" * 288 + ".long.test", ["h2"])             # 298 bytes: more than PL_TLS_SNI_MAX
    http(41003, b"/\x1b[31mred\"x\"", b"bank.example | dns q=x")
    http(41004, b"/q?a=1,2&b=" + b"u" * 289, b"h" * 190 + b".test")  # URI 300, Host 195
    dns(41005, b"a b|c\"d.test")
    dns(41006, b"\xc3\xa9\\x1b\x07.test")
    label = b"n" * 63
    dns(41007, b".".join([label] * 3 + [b"m" * 61]))       # 253 bytes: the longest name
    dns(41008, b".".join([label] * 3 + [b"m" * 62]))       # 254 bytes: one too long
    return [(p, None) for p in f]


def flows():
    """(seconds after BASE, frame) pairs, in time order."""
    e = Ether(src=CMAC, dst=SMAC)
    r = Ether(src=SMAC, dst=CMAC)
    t = []
    # TCP: a handshake and a request, 20 s of silence (past the 15 s idle
    # timeout), then more of the same 5-tuple: a second flow record
    t.append((0.0, e / IP(src=C4, dst=S4, ttl=64) / TCP(sport=41000, dport=80, flags="S", seq=1)))
    t.append((0.0005, r / IP(src=S4, dst=C4, ttl=63) / TCP(sport=80, dport=41000, flags="SA", seq=9, ack=2)))
    t.append((0.001, e / IP(src=C4, dst=S4, ttl=62) / TCP(sport=41000, dport=80, flags="A", seq=2, ack=10)))
    t.append((1.0, e / IP(src=C4, dst=S4, ttl=64) / TCP(sport=41000, dport=80, flags="PA", seq=2, ack=10) /
              Raw(b"GET / HTTP/1.1\r\nHost: flows.golden.test\r\n\r\n")))
    t.append((21.0, e / IP(src=C4, dst=S4, ttl=64) / TCP(sport=41000, dport=80, flags="FA", seq=40, ack=10)))
    # UDP every 10 s for 250 s: exported by the 120 s active timeout twice
    for i in range(26):
        t.append((0.25 + 10 * i, Ether(src="02:00:00:00:00:03", dst=SMAC) / Dot1Q(vlan=42) /
                  IP(src="198.18.0.3", dst=S4) / UDP(sport=5000, dport=9999) / Raw(b"x" * (i % 4))))
    # DNS over IPv4 and its answer, ICMPv6 echo and reply, ARP (not IP)
    t.append((5.0, e / IP(src=C4, dst=S4) / UDP(sport=41002, dport=53) /
              DNS(id=7, rd=1, qd=DNSQR(qname="flows.golden.test", qtype="A"))))
    t.append((5.002, r / IP(src=S4, dst=C4) / UDP(sport=53, dport=41002) /
              DNS(id=7, qr=1, rd=1, ra=1, qd=DNSQR(qname="flows.golden.test", qtype="A"))))
    t.append((6.0, e / IPv6(src=C6, dst=S6, hlim=64) / ICMPv6EchoRequest(id=1, seq=1)))
    t.append((6.0001, r / IPv6(src=S6, dst=C6, hlim=64) / ICMPv6EchoReply(id=1, seq=1)))
    t.append((7.0, Ether(src=CMAC, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=CMAC, psrc=C4, pdst=S4)))
    t.sort(key=lambda x: x[0])
    return t


def write_timed(path, frames):
    w = PcapWriter(path, linktype=1, sync=True)
    for sec, p in frames:
        p.time = BASE + Decimal(str(sec))
        w.write(p)
    w.close()
    print("%s: %d frames" % (os.path.relpath(path), len(frames)))


def detect_frames():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "detect.pcap")
        subprocess.run([sys.executable, os.path.join(REPO, "tests/kernel/detect_frames.py"), path],
                       check=True, stdout=subprocess.DEVNULL)
        return [(p, None) for p in rdpcap(path)]


def write(path, frames):
    w = PcapWriter(path, linktype=1, sync=True)
    for i, (p, wirelen) in enumerate(frames):
        p.time = BASE + Decimal(i) / 1000
        if wirelen:
            p.wirelen = wirelen
        w.write(p)
    w.close()
    print("%s: %d frames" % (os.path.relpath(path), len(frames)))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "pcaps")
    os.makedirs(out, exist_ok=True)
    write(os.path.join(out, "crafted-mix.pcap"), mix())
    write(os.path.join(out, "crafted-detect.pcap"), detect_frames())
    write(os.path.join(out, "crafted-hostile.pcap"), hostile())
    write(os.path.join(out, "crafted-tunnels.pcap"), tunnels())
    write_timed(os.path.join(out, "crafted-flows.pcap"), flows())


if __name__ == "__main__":
    main()
