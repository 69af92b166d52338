#!/usr/bin/env python3
"""read --flows against tshark: every flow record of a capture equals the
flow that tshark's per-packet fields add up to.

usage: flows_tshark.py PKTLENS CAPTURE...

With no timeout reached (both set to a year), `pktlens read --flows
--json` gives one record per direction of each conversation: the 5-tuple
(ICMP: type << 8 | code as the destination port) and the outer VLAN id.
tshark (reassembly off) decodes each packet, and this script sums them
into the same keys: packets, bytes (frame.len), first and last time, the
OR of the TCP flags and the TTL range; and for a TCP flow that began with
a SYN, tshark's tcp.analysis.initial_rtt (its SYN to the handshake's ACK)
as pktlens.tcp.handshake_rtt. Prints PASS/FAIL per capture.

The captures must hold no tunnels (tshark's first port field is then the
inner one) and no malformed headers (the two then disagree on purpose, as
tests/golden/EXCEPTIONS lists for the packet records).
"""
import calendar
import json
import os
import subprocess
import sys
import time

FIELDS = ["frame.time_epoch", "frame.len", "ieee8021ad.id", "vlan.id", "ip.src", "ip.dst", "ip.proto", "ip.ttl",
          "ipv6.src", "ipv6.dst", "ipv6.nxt", "ipv6.hlim", "tcp.srcport", "tcp.dstport",
          "tcp.flags", "udp.srcport", "udp.dstport", "sctp.srcport", "sctp.dstport",
          "icmp.type", "icmp.code", "icmpv6.type", "icmpv6.code", "tcp.analysis.initial_rtt"]
YEAR = str(86400 * 365)
NS = 10**9


def first(v):
    return v.split(",")[0] if v else ""


def tshark_flows(path):
    cmd = ["tshark", "-n", "-r", path, "-o", "tcp.desegment_tcp_streams:FALSE",
           "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE", "-T", "fields",
           "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    flows = {}
    for line in out.splitlines():
        r = dict(zip(FIELDS, (first(v) for v in line.split("\t"))))
        if r["ip.src"]:
            src, dst, ver, ttl = r["ip.src"], r["ip.dst"], 4, r["ip.ttl"]
            proto = r["ip.proto"]
        elif r["ipv6.src"]:
            src, dst, ver, ttl = r["ipv6.src"], r["ipv6.dst"], 6, r["ipv6.hlim"]
            proto = r["ipv6.nxt"]
        else:
            continue
        sport = dport = 0
        for l4, num in (("tcp", 6), ("udp", 17), ("sctp", 132)):
            if r[l4 + ".srcport"]:
                proto, sport, dport = num, int(r[l4 + ".srcport"]), int(r[l4 + ".dstport"])
                break
        else:
            for l4, num in (("icmp", 1), ("icmpv6", 58)):
                if r[l4 + ".type"]:
                    proto, dport = num, int(r[l4 + ".type"]) << 8 | int(r[l4 + ".code"] or 0)
                    break
        key = (ver, int(proto), src, dst, sport, dport, int(r["ieee8021ad.id"] or r["vlan.id"] or 0))
        sec, _, frac = r["frame.time_epoch"].partition(".")
        t = int(sec) * NS + int(frac.ljust(9, "0")[:9])
        f = flows.setdefault(key, {"packets": 0, "bytes": 0, "first": t, "last": t, "flags": 0,
                                   "ttl": (int(ttl), int(ttl))})
        f["packets"] += 1
        f["bytes"] += int(r["frame.len"])
        f["first"], f["last"] = min(f["first"], t), max(f["last"], t)
        flags = int(r["tcp.flags"], 16) if r["tcp.flags"] else 0
        # tshark's iRTT on the handshake's ACK (no SYN, RST, FIN) of a flow
        # that began with a SYN; pktlens counts whole microseconds, at least 1
        if (f["packets"] > 1 and f["flags"] == 0x02 and flags & 0x17 == 0x10
                and r["tcp.analysis.initial_rtt"]):
            sec, _, frac = r["tcp.analysis.initial_rtt"].partition(".")
            f["handshake"] = max(1, int(sec) * 10**6 + int(frac.ljust(6, "0")[:6]))
        f["flags"] |= flags
        f["ttl"] = (min(f["ttl"][0], int(ttl)), max(f["ttl"][1], int(ttl)))
    return flows


def iso_ns(s):
    # 2026-11-18T11:06:40.000500000Z -> epoch ns
    day, frac = s.rstrip("Z").split(".")
    return calendar.timegm(time.strptime(day, "%Y-%m-%dT%H:%M:%S")) * NS + int(frac.ljust(9, "0"))


def pktlens_flows(pktlens, path):
    out = subprocess.run([pktlens, "read", path, "--flows", "--json", "--idle-timeout", YEAR,
                          "--active-timeout", YEAR], capture_output=True, text=True, check=True)
    flows = {}
    for line in out.stdout.splitlines():
        j = json.loads(line)
        ver = 6 if j["network.type"] == "ipv6" else 4
        dport = j.get("destination.port", 0)
        if "pktlens.icmp_type" in j:
            dport = j["pktlens.icmp_type"] << 8 | j["pktlens.icmp_code"]
        key = (ver, int(j["network.iana_number"]), j["source.ip"], j["destination.ip"],
               j.get("source.port", 0), dport, int(j.get("network.vlan.id", 0)))
        if key in flows:
            return None, "two records for %s" % (key,)
        flows[key] = {"packets": j["network.packets"], "bytes": j["network.bytes"],
                      "first": iso_ns(j["event.start"]), "last": iso_ns(j["event.end"]),
                      "flags": j.get("pktlens.tcp_flags", 0),
                      "ttl": (j["pktlens.ttl_min"], j["pktlens.ttl_max"])}
        if "pktlens.tcp.handshake_rtt" in j:
            flows[key]["handshake"] = round(j["pktlens.tcp.handshake_rtt"] * 10**6)
    return flows, None


def main():
    pktlens, caps = sys.argv[1], sys.argv[2:]
    failed = 0
    for path in caps:
        name = os.path.basename(path)
        if not os.path.exists(path):
            print("SKIP flows-tshark %s (absent)" % name)
            continue
        mine, err = pktlens_flows(pktlens, path)
        theirs = tshark_flows(path)
        if err is None and not theirs:
            err = "tshark found no IP flows: a test of nothing"
        if err is None and mine != theirs:
            keys = sorted(set(mine) | set(theirs), key=str)
            diff = [k for k in keys if mine.get(k) != theirs.get(k)]
            err = "%d of %d flows differ, e.g. %s: pktlens %s, tshark %s" % (
                len(diff), len(keys), diff[0], mine.get(diff[0]), theirs.get(diff[0]))
        if err:
            print("FAIL flows-tshark %s: %s" % (name, err))
            failed += 1
        else:
            print("PASS flows-tshark %s: %d flows, %d packets, %d handshakes" % (
                name, len(mine), sum(f["packets"] for f in mine.values()),
                sum("handshake" in f for f in mine.values())))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
