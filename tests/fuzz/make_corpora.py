#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the seed corpora of the libFuzzer targets into tests/fuzz/corpus/.

    python3 tests/fuzz/make_corpora.py [OUTDIR]   (default tests/fuzz/corpus)

Every seed is made here, from the frames of the project's own captures
(tests/golden/pcaps, made by tests/golden/mkcaptures.py) and from text
below, so the corpora hold nothing of third-party captures:

  filter/   a filter expression, a NUL and a frame (fuzz_filter.c)
  read/     whole capture files: pcap of either byte order in us and ns,
            pcapng with Enhanced, Simple and obsolete Packet Blocks and
            options, Linux SLL and SLL2, a link type read refuses, a
            file cut short (fuzz_read.c)
  config/   agent YAML files, good and bad (fuzz_config.c)
  detect/   runs of frames with a header of settings (fuzz_detect.c)

Seed files are named after their content (sha1), so a rerun changes
nothing; regression inputs of fixed crashes live beside them, named
regress-*. Run it again after changing a target's input format.
"""
import hashlib
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from make_seeds import packets  # noqa: E402  (one pcap/pcapng reader)

FILTERS = [
    "", "ip", "ip6", "arp", "rarp", "tcp", "udp", "icmp", "icmp6", "sctp", "igmp",
    "host 198.18.0.1", "src host 198.18.0.1", "dst net 198.18.0.0/15",
    "net 198.18.0.0 mask 255.254.0.0", "host 2001:db8::1", "dst net 2001:db8::/32",
    "port 53", "src port 80", "tcp dst port 443", "udp port 53 or udp port 5353",
    "portrange 1024-2047", "tcp portrange 1-1023", "sctp port 2905",
    "ether host 02:00:00:00:00:01", "ether src 02:00:00:00:00:02", "ether dst ff:ff:ff:ff:ff:ff",
    "ether proto 0x0806", "ip proto 17", "ip6 proto 58",
    "vlan", "vlan 100", "vlan and vlan 200 and ip", "vlan 1 and vlan 2 and tcp port 80",
    "less 64", "greater 1000", "len <= 60",
    "tcp[13] & 2 != 0", "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
    "icmp[icmptype] == 8", "ip[8] < 5", "ether[12:2] = 0x86dd", "udp[0:2] = 53",
    "ip[6:2] & 0x1fff != 0",
    "not port 22", "!tcp && !udp", "(tcp or udp) and not (port 80 or port 443)",
    "host 198.18.0.1 and (port 53 or port 80) or arp",
    'tls.sni == "example.com"', 'tls.sni ~ "example"', 'dns.qry.name ~ "lab.test"',
    'http.host == "www.example.com"', 'http.request.method == "GET"',
    'http.request.uri ~ "/admin"', 'tls.handshake.extensions_server_name != "a"',
    "dns.qry.type == 16", "dns.flags.rcode != 0", "dns.id < 100",
    "tls.handshake.version >= 0x0303", 'tcp port 443 and tls.sni ~ "bank"',
    # rejected ones, for the error paths
    "host", "port 70000", "net 198.18.0.1/15", "ether host 1:2:3", "tcp[", "(ip",
    "ip and", 'tls.sni == "unterminated', "dns.qry.type ~ 1", "foo.bar == 1",
    "host example.com", "vlan 5000", "net 198.18.0.0 mask 255.0.255.0",
    # watch's user-space terms (src/filter/procterms.c), kept and refused
    'tcp port 80 and proc.name == "nginx"', 'proc.pid == 42 && (udp or tcp)',
    'container.id ~ "abc" and proc.pid != 7', 'tcp or proc.name == "x"',
    'not proc.pid == 1', 'proc.pid == x', 'tls.sni == "a and b" and proc.name ~ "py"',
]

CONFIGS = [
    "",
    "interfaces: [eth1]\n",
    "interfaces: eth1,eth2\nmode: xdp\n",
    "interface: pl0\nmode: tc\nfilter: \"not port 22\"\n",
    """interfaces: [eth1, eth2]
mode: auto
filter: "tcp or udp"
flows:
  entries: 65536
  table_entries: 16384
  idle_timeout: 15
  active_timeout: 120
metrics:
  listen: 127.0.0.1:9464
  top: 10
ipfix:
  collector: 192.0.2.10:4739
  observation_domain: 1
  enterprise_number: 32473
  template_refresh: 30
log:
  file: /var/log/pktlens/flows.json
detect:
  enabled: true
  window: 1
  thresholds: { port_scan_ports: 20, syn_flood_dst: 500, land: off }
  enforce: true
  block_ttl: 60
  allow: [198.18.0.3, 2001:db8::/32]
  rate_limit: 1000
""",
    "metrics: { listen: off }\nipfix: { collector: \"[2001:db8::1]:4739\" }\nlog: { file: \"-\" }\n",
    "metrics:\n  listen: \"[::1]:9464\"\n",
    "detect:\n  enabled: yes\n  thresholds: \"dns_entropy=3.5,stealth_scan=2\"\n  allow: 198.18.0.0/15\n",
    "detect: { enabled: on, window: 0.5, rate_limit: off, thresholds: {} }\nmode: xdp-generic\n",
    "ipfix:\nmetrics:\nflows:\n",
    "# a comment\n---\ninterfaces:\n  - a\n  - b\n...\n",
    "anchors: &x 1\n",
    "interfaces: &i [eth0]\nlog: { file: *i }\n",
    "flows: { idle_timout: 15 }\n",
    "flows: { entries: 1 }\n",
    "flows: { active_timeout: -1 }\n",
    "metrics: { listen: bogus }\n",
    "detect: { enabled: maybe }\n",
    "detect: { enabled: true, enforce: true }\nmode: tc\n",
    "detect: { allow: [not-an-address] }\n",
    "detect: { block_ttl: 0.5 }\n",
    "interfaces: [eth1]\ntcp: true\nmetrics: { top: 3 }\n",
    "tcp: maybe\n",
    "tcp: { enabled: true }\n",
    "interfaces: {a: b}\n",
    "interfaces: [[a]]\n",
    "- a\n- b\n",
    "plain scalar\n",
    "key: [unclosed\n",
    "key: \"\\x00\"\n",
    "filter: \"ip\\0\"\n",
    "interfaces: [eth1]\ninterfaces: [eth2]\n",
    "interfaces: [eth1]\n---\ninterfaces: [eth2]\n",
    "interfaces: [%s]\n" % ", ".join("e%d" % i for i in range(20)),
    "? [complex, key]\n: value\n",
    "!!binary aGVsbG8=\n",
    "interfaces: !!str eth1\n",
    "%YAML 1.1\n---\ninterfaces: [eth1]\n",
]

THRESHOLDS = 16  # PL_THR__COUNT, the settings header of fuzz_detect.c


def write(outdir, name, data, seen):
    d = os.path.join(outdir, name)
    os.makedirs(d, exist_ok=True)
    h = hashlib.sha1(data).hexdigest()
    seen.setdefault(name, set()).add(h)
    with open(os.path.join(d, h), "wb") as f:
        f.write(data)

# tunnel tests (compile.c), each with a frame of crafted-tunnels.pcap
TUNNEL_FILTERS = [
    "vxlan", "vxlan 1234", "gre", "geneve", "mpls 100", "inner tcp port 443",
    "inner host 198.18.0.2", "inner src host 2001:db8::1", "not inner ip6 and udp",
    '(vxlan or gre) and inner udp dst port 53 and dns.qry.name ~ "inner"',
    "inner", "inner host", "inner port 70000", "vxlan 16777216", "inner host a.b",
]


def own_frames():
    frames = []
    d = os.path.join(ROOT, "tests", "golden", "pcaps")
    for n in sorted(os.listdir(d)):
        if n.endswith((".pcap", ".pcapng")):
            frames.append((n, packets(os.path.join(d, n))))
    return frames


# ---- capture files ----

def pcap(frames, endian="<", nano=False, linktype=1, snaplen=65535):
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    b = struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)
    for i, fr in enumerate(frames):
        b += struct.pack(endian + "IIII", 1700000000 + i, i * 1000, len(fr), len(fr)) + fr
    return b


def block(endian, btype, body):
    body += b"\0" * (-len(body) % 4)
    n = len(body) + 12
    return struct.pack(endian + "II", btype, n) + body + struct.pack(endian + "I", n)


def option(endian, code, value):
    return struct.pack(endian + "HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def pcapng(frames, endian="<", linktype=1, kinds=(6,)):
    shb = struct.pack(endian + "IHHq", 0x1A2B3C4D, 1, 0, -1)
    shb += option(endian, 4, b"pktlens make_corpora") + option(endian, 0, b"")
    idb = struct.pack(endian + "HHI", linktype, 0, 0)
    idb += option(endian, 2, b"fz0") + option(endian, 9, b"\x09") + option(endian, 0, b"")
    b = block(endian, 0x0A0D0D0A, shb) + block(endian, 1, idb)
    for i, fr in enumerate(frames):
        kind = kinds[i % len(kinds)]
        ts = (1700000000 + i) * 1000000000
        if kind == 6:
            body = struct.pack(endian + "IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(fr), len(fr))
            body += fr + b"\0" * (-len(fr) % 4) + option(endian, 1, b"seed") + option(endian, 0, b"")
        elif kind == 3:
            body = struct.pack(endian + "I", len(fr)) + fr
        else:  # 2, the obsolete Packet Block
            body = struct.pack(endian + "HHIIII", 0, 0, ts >> 32, ts & 0xFFFFFFFF, len(fr), len(fr)) + fr
        b += block(endian, kind, body)
    b += block(endian, 5, struct.pack(endian + "III", 0, 0, 0) + option(endian, 0, b""))
    return b


def sll(fr):  # Ethernet -> Linux cooked (SLL)
    return struct.pack("!HHH8s", 0, 1, 6, fr[6:12] + b"\0\0") + fr[12:]


def sll2(fr):
    return struct.pack("!HHIHBB8s", struct.unpack("!H", fr[12:14])[0], 0, 1, 1, 0, 6,
                       fr[6:12] + b"\0\0") + fr[14:]


def read_seeds(mix):
    few = mix[:8]
    out = [
        pcap(few), pcap(few, ">"), pcap(few, nano=True), pcap(few, ">", True),
        pcap(mix[8:16], snaplen=262144), pcap([]),
        pcap([sll(f) for f in few], linktype=113), pcap([sll2(f) for f in few], linktype=276),
        pcap(few[:2], linktype=105),  # 802.11: read refuses it
        pcapng(few), pcapng(few, ">"), pcapng(mix[16:24], kinds=(6, 3, 2)),
        pcapng([sll(f) for f in few], linktype=113),
    ]
    whole = pcap(mix)
    out.append(whole[:len(whole) * 2 // 3])  # cut short in a packet
    ng = pcapng(few)
    out.append(ng[:len(ng) - 5])
    return out


# ---- detector runs ----

def detect_seed(frames, flags, window, thr=b""):
    b = bytes([flags, window]) + (thr if flags & 4 else b"")
    for i, fr in enumerate(frames):
        b += struct.pack("!BH", 1 if i % 4 else 0, len(fr)) + fr
    return b


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")
    seen = {}
    caps = dict(own_frames())
    mix, det = caps["crafted-mix.pcap"], caps["crafted-detect.pcap"]
    every = mix + det

    for i, flt in enumerate(FILTERS):
        fr = every[(i * 7) % len(every)]
        write(outdir, "filter", flt.encode() + b"\0" + fr, seen)
    tun = caps["crafted-tunnels.pcap"]
    for i, flt in enumerate(TUNNEL_FILTERS):
        write(outdir, "filter", flt.encode() + b"\0" + tun[(i * 5) % len(tun)], seen)
    for i, s in enumerate(read_seeds(mix)):
        write(outdir, "read", s, seen)
    # DNS over TCP and answer sections (read matches responses to queries)
    dns = caps["crafted-dns.pcap"]
    write(outdir, "read", pcap(dns), seen)
    write(outdir, "read", pcap(dns)[:len(pcap(dns)) - 40], seen)
    for flt in ('dns.qry.name ~ "golden" and tcp', "tcp port 53 and dns.flags.rcode == 3"):
        for fr in dns[:4]:
            write(outdir, "filter", flt.encode() + b"\0" + fr, seen)
    write(outdir, "detect", detect_seed(dns, 0, 99), seen)
    for c in CONFIGS:
        write(outdir, "config", c.encode(), seen)
    low = bytes([2] * THRESHOLDS)
    for i in range(0, len(det), 15):
        run = det[i:i + 15]
        write(outdir, "detect", detect_seed(run, 4, 99, low), seen)
    write(outdir, "detect", detect_seed(mix, 0, 99), seen)
    write(outdir, "detect", detect_seed([sll(f) for f in det[:30]], 1 | 4 | 8, 9, low), seen)
    write(outdir, "detect", detect_seed([sll2(f) for f in det[30:60]], 2 | 4, 0, low), seen)
    for name in sorted(seen):
        print("%s: %d seeds" % (name, len(seen[name])))


if __name__ == "__main__":
    main()
