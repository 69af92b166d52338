#!/usr/bin/env python3
"""Checks `pktlens flows --json` against the flows flowgen.py sent and
against tshark's conversation statistics of a capture of the same traffic.

usage: flows_check.py exact EXPECTED FLOWS TSHARK_CONV|- REASON [LABEL]
       flows_check.py active EXPECTED FLOWS MIN_RECORDS
       flows_check.py nfdump EXPECTED NFDUMP_CSV   (nfdump -q -o csv; IP bytes)

Prints PASS/FAIL lines; exits 1 when something failed.
"""
import json
import re
import sys

failed = 0


def ok(name):
    print("PASS " + name)


def bad(name, why):
    global failed
    failed += 1
    print("FAIL %s: %s" % (name, why))


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def flow_name(e):
    v = " vlan %d" % e["vlan"] if e["vlan"] else ""
    return "%s%d %s:%d>%s:%d%s" % (e["proto"], e["ip_ver"], e["src"], e["sport"],
                                 e["dst"], e["dport"], v)


def matches(e, r):
    if r.get("event") != "flow" or r.get("source.ip") != e["src"] or r.get("destination.ip") != e["dst"]:
        return False
    if e["proto"] == "icmp":
        if r.get("network.transport") != "icmp" or r.get("pktlens.icmp_type") != e["dport"] >> 8:
            return False
    elif (r.get("network.transport") != e["proto"] or r.get("source.port") != e["sport"]
          or r.get("destination.port") != e["dport"]):
        return False
    return r.get("network.vlan.id") == (str(e["vlan"]) if e["vlan"] else None)


# tshark -z conv: "A:p <-> B:p  f bytes-with-unit  f bytes  f bytes  start  duration"
CONV = re.compile(r"^(\S+)\s+<->\s+(\S+)\s+(\d+) (\d+) (\S+)\s+(\d+) (\d+) (\S+)\s+(\d+) (\d+) (\S+)\s")


def tshark_convs(path):
    convs = {}
    proto = None
    with open(path) as f:
        for line in f:
            if line.startswith("TCP Conversations"):
                proto = "tcp"
            elif line.startswith("UDP Conversations"):
                proto = "udp"
            m = CONV.match(line)
            if m and proto:
                a, b = m.group(1), m.group(2)
                convs[(proto, frozenset((a, b)))] = (int(m.group(9)), int(m.group(10)), m.group(11))
    return convs


def endpoint(ip, port):
    return "%s:%d" % (ip, port)


def check_exact(expected, records, conv_path, reason, label=""):
    convs = tshark_convs(conv_path) if conv_path != "-" else None
    for e in expected:
        name = flow_name(e) + label
        got = [r for r in records if matches(e, r)]
        if len(got) != 1:
            bad("flows-record " + name, "%d records, want 1" % len(got))
            continue
        r = got[0]
        if r["network.packets"] == e["packets"] and r["network.bytes"] == e["bytes"]:
            ok("flows-exact %s: %d packets, %d bytes" % (name, e["packets"], e["bytes"]))
        else:
            bad("flows-exact " + name, "got %d packets %d bytes, sent %d packets %d bytes"
                % (r["network.packets"], r["network.bytes"], e["packets"], e["bytes"]))
        if r.get("event.reason") != reason:
            bad("flows-reason " + name, "event.reason %r, want %r" % (r.get("event.reason"), reason))
        if r.get("pktlens.ttl_min") != 64 or r.get("pktlens.ttl_max") != 64:
            bad("flows-ttl " + name, "ttl %r-%r, want 64" % (r.get("pktlens.ttl_min"), r.get("pktlens.ttl_max")))
        if e["proto"] == "tcp" and r.get("pktlens.tcp_flags") != 0x18:
            bad("flows-tcp-flags " + name, "flags %r, want 24 (PSH|ACK)" % r.get("pktlens.tcp_flags"))
        if e["proto"] not in ("tcp", "udp") or convs is None:
            continue
        key = (e["proto"], frozenset((endpoint(e["src"], e["sport"]), endpoint(e["dst"], e["dport"]))))
        if key not in convs:
            bad("flows-vs-tshark " + name, "no such conversation in tshark -z conv,%s" % e["proto"])
            continue
        frames, nbytes, unit = convs[key]
        if unit != "bytes":
            bad("flows-vs-tshark " + name, "tshark printed %d %s; keep test flows under 10 kB" % (nbytes, unit))
        elif frames == r["network.packets"] and nbytes == r["network.bytes"]:
            ok("flows-vs-tshark %s: tshark %d frames %d bytes" % (name, frames, nbytes))
        else:
            bad("flows-vs-tshark " + name, "tshark %d frames %d bytes, pktlens %d packets %d bytes"
                % (frames, nbytes, r["network.packets"], r["network.bytes"]))


def check_active(expected, records, min_records):
    e = expected[0]
    got = sorted((r for r in records if matches(e, r)), key=lambda r: r["event.start"])
    pk = sum(r["network.packets"] for r in got)
    by = sum(r["network.bytes"] for r in got)
    reasons = [r["event.reason"] for r in got]
    if len(got) >= min_records and pk == e["packets"] and by == e["bytes"]:
        ok("flows-active-timeout: %d records (%s) add up to %d packets, %d bytes"
           % (len(got), ", ".join(reasons), pk, by))
    else:
        bad("flows-active-timeout", "%d records (want >= %d) with %d packets %d bytes, sent %d and %d"
            % (len(got), min_records, pk, by, e["packets"], e["bytes"]))
    if got and all(x == "active timeout" for x in reasons[:-1]):
        ok("flows-active-reasons")
    else:
        bad("flows-active-reasons", "reasons %r" % reasons)
    starts = [r["event.start"] for r in got]
    if starts == sorted(starts) and len(set(starts)) == len(starts):
        ok("flows-active-starts-advance")
    else:
        bad("flows-active-starts-advance", "event.start %r" % starts)


def check_nfdump(expected, csv_path):
    """nfdump's csv: ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,...,svln"""
    rows = []
    with open(csv_path) as f:
        for line in f:
            c = line.strip().split(",")
            if len(c) > 25 and c[3] != "sa":
                rows.append(c)
    for e in expected:
        name = flow_name(e)
        if e["proto"] not in ("tcp", "udp"):
            continue
        got = [c for c in rows if c[3] == e["src"] and c[4] == e["dst"] and c[5] == str(e["sport"])
               and c[6] == str(e["dport"]) and c[7].lower() == e["proto"]]
        ip_bytes = e["bytes"] - e["packets"] * (14 + (4 if e["vlan"] else 0))
        if len(got) != 1:
            bad("ipfix-nfdump " + name, "%d nfdump records, want 1" % len(got))
        elif int(got[0][11]) == e["packets"] and int(got[0][12]) == ip_bytes:
            ok("ipfix-nfdump %s: %d packets, %d IP bytes" % (name, e["packets"], ip_bytes))
        else:
            bad("ipfix-nfdump " + name, "nfdump %s packets %s bytes, sent %d packets %d IP bytes"
                % (got[0][11], got[0][12], e["packets"], ip_bytes))
        if len(got) == 1 and e["vlan"] and got[0][25] != str(e["vlan"]):
            bad("ipfix-nfdump-vlan " + name, "src vlan %s" % got[0][25])


def main():
    mode = sys.argv[1]
    expected = load(sys.argv[2])
    records = load(sys.argv[3]) if mode != "nfdump" else []
    if mode == "exact":
        check_exact(expected, records, sys.argv[4], sys.argv[5],
                    " (%s)" % sys.argv[6] if len(sys.argv) > 6 else "")
    elif mode == "active":
        check_active(expected, records, int(sys.argv[4]))
    elif mode == "nfdump":
        check_nfdump(expected, sys.argv[3])
    else:
        raise SystemExit(__doc__)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
