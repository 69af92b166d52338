#!/usr/bin/python3
"""Every flow exported exactly once: the soak's check (tests/soak/soak.sh).

    check_flows.py FLOWS_GENERATED LOG QUIET_LINES QUIET_PAGE [NFDUMP_CSV]

LOG is the agent's JSON lines log (flow and alert records); its first
QUIET_LINES lines are what the agent had written when QUIET_PAGE (a
/metrics page) was scraped, after the traffic stopped and the flow table
had emptied. NFDUMP_CSV is `nfdump -o csv` of what nfcapd received over
IPFIX for the whole run.

The churn flows (tests/soak/churn.c) are decoded from their 5-tuple back
to their index: each index below FLOWS_GENERATED must appear exactly once,
with the packets it was sent. Every other flow (lab traffic) must not be
exported twice: two records of one 5-tuple may not overlap in time. At the
quiet point the log must agree with the agent's counters: flow records =
pktlens_flows_exported_total = pktlens_log_records_total, their packets =
pktlens_packets_matched_total less the
non-IP packets (ARP: no flow), created = exported + evicted. A churn flow
that is missing is allowed only up to what the agent counted as lost
(flow_insert) or evicted; those are printed.

Prints "figure NAME VALUE" lines and PASS/FAIL lines; exits 1 on a FAIL.
"""
import collections
import ipaddress
import json
import re
import sys

PORTS_PER_SOURCE = 60000
NET4 = ipaddress.ip_network("198.19.0.0/16")
NET6 = ipaddress.ip_network("2001:db8:5a1::/48")
failures = 0


def ok(name, what=""):
    print(f"PASS soak-{name}{': ' + what if what else ''}")


def bad(name, what):
    global failures
    failures += 1
    print(f"FAIL soak-{name}: {what}")


def figure(name, value):
    print(f"figure {name} {value}")


def churn_index(src, sport, dport, proto):
    """The churn flow's index, or None for another flow."""
    if dport != 9 or proto != "udp":
        return None
    a = ipaddress.ip_address(src)
    if a in NET4:
        fam, src_no = 0, int(a) & 0xffff
    elif a in NET6:
        fam, src_no = 1, int(a) & 0xffffffff
    else:
        return None
    if src_no < 1 or not 1024 <= sport < 1024 + PORTS_PER_SOURCE:
        return -1  # in the churn's ranges, but no flow it sends
    return 2 * ((src_no - 1) * PORTS_PER_SOURCE + sport - 1024) + fam


def metrics(path):
    m = {}
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, value = line.rsplit(" ", 1)
            m[name] = float(value)
    return m


def msum(m, prefix):
    return sum(v for k, v in m.items() if k == prefix or k.startswith(prefix + "{"))


class Tally:
    """Counts per churn index and the time ranges of the other flows."""

    def __init__(self, n):
        self.n = n
        self.seen = bytearray(n)
        self.bad_packets = []
        self.unknown = 0
        self.ranges = collections.defaultdict(list)

    def add(self, key, idx, packets, start, end):
        if idx is None:
            self.ranges[key].append((start, end))
        elif idx < 0 or idx >= self.n:
            self.unknown += 1
        else:
            if self.seen[idx] < 255:
                self.seen[idx] += 1
            if packets != 1 + idx % 3 and len(self.bad_packets) < 10:
                self.bad_packets.append((idx, packets))

    def report(self, what, allowed_missing):
        missing = [i for i in range(self.n) if self.seen[i] == 0]
        dups = [i for i in range(self.n) if self.seen[i] > 1]
        overlaps = []
        for key, rs in self.ranges.items():
            rs.sort()
            for (s0, e0), (s1, _e1) in zip(rs, rs[1:]):
                if s1 <= e0:
                    overlaps.append(key)
                    break
        figure(f"{what}_churn_flows_exported", self.n - len(missing))
        figure(f"{what}_churn_flows_missing", len(missing))
        figure(f"{what}_churn_flows_duplicated", len(dups))
        figure(f"{what}_other_flow_keys", len(self.ranges))
        name = f"{what}-churn-exactly-once"
        if self.n == 0:
            bad(name, "no churn flow was generated")
        elif dups or self.unknown:
            bad(name, f"{len(dups)} flows exported more than once (first {dups[:5]}), "
                      f"{self.unknown} records of no generated flow")
        elif len(missing) > allowed_missing:
            bad(name, f"{len(missing)} of {self.n} flows missing (first {missing[:5]}), "
                      f"more than the {allowed_missing} the agent counted as lost or evicted")
        else:
            ok(name, f"{self.n} flows, each once" +
               (f"; {len(missing)} missing, counted by the agent as lost/evicted" if missing else ""))
        if self.bad_packets:
            bad(f"{what}-churn-packets", f"flows with the wrong packet count (index, packets): "
                                         f"{self.bad_packets}")
        else:
            ok(f"{what}-churn-packets", "every churn record has the packets sent")
        if overlaps:
            bad(f"{what}-no-overlapping-records",
                f"{len(overlaps)} 5-tuples exported twice for the same time, e.g. {overlaps[:3]}")
        else:
            ok(f"{what}-no-overlapping-records", f"{len(self.ranges)} other 5-tuples")


def port(v):
    return int(v) if v not in (None, "") else 0


def check_log(n, path, quiet_lines, page):
    m = metrics(page)
    lost = msum(m, 'pktlens_lost_total{cause="flow_insert"}')
    evicted = m.get('pktlens_evictions_total{table="flows"}', 0)
    t = Tally(n)
    records = quiet_records = quiet_packets = alerts = cut = 0
    reasons = collections.Counter()
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            r = json.loads(line)
            if r.get("event") == "alert":
                alerts += 1
                continue
            records += 1
            reasons[r["event.reason"]] += 1
            if lineno <= quiet_lines:
                quiet_records += 1
                quiet_packets += r["network.packets"]
                if r["event.reason"] == "forced end":
                    cut += 1
            sport, dport = port(r.get("source.port")), port(r.get("destination.port"))
            key = (r["observer.ingress.interface.name"], r["network.iana_number"],
                   r.get("network.vlan.id"), r["source.ip"], sport, r["destination.ip"], dport)
            t.add(key, churn_index(r["source.ip"], sport, dport, r["network.transport"]),
                  r["network.packets"], r["event.start"], r["event.end"])
    figure("log_flow_records", records)
    figure("log_alert_records", alerts)
    for reason, c in sorted(reasons.items()):
        figure(f"log_reason_{reason.replace(' ', '_')}", c)
    figure("agent_lost_flow_insert", int(lost))
    figure("agent_evicted_flows", int(evicted))
    t.report("log", int(lost + evicted))
    if cut:
        bad("no-flow-cut-by-reload", f"{cut} records with reason 'forced end' before the exit: "
                                     "a reload rebuilt the kernel side")
    else:
        ok("no-flow-cut-by-reload", "no 'forced end' record before the exit")

    exported = msum(m, "pktlens_flows_exported_total")
    created = m.get("pktlens_flows_created_total", 0)
    matched = m.get("pktlens_packets_matched_total", 0)
    non_ip = msum(m, "pktlens_packets_total") - sum(
        v for k, v in m.items() if k.startswith("pktlens_packets_total{") and 'family="ipv' in k)
    log_total = m.get("pktlens_log_records_total", 0)
    in_table = m.get('pktlens_table_entries{table="flows"}', -1)
    figure("quiet_flow_records", quiet_records)
    figure("quiet_exported_total", int(exported))
    figure("quiet_created_total", int(created))
    figure("quiet_packets_in_records", quiet_packets)
    figure("quiet_packets_matched_total", int(matched))
    figure("quiet_packets_not_ip", int(non_ip))
    if quiet_records == exported == log_total and in_table == 0:
        ok("log-matches-counters", f"{quiet_records} records = pktlens_flows_exported_total "
                                   "= pktlens_log_records_total, table empty")
    else:
        bad("log-matches-counters", f"log {quiet_records} records, exported_total {exported}, "
                                    f"log_records_total {log_total}, flows in table {in_table}")
    if created == exported + evicted:
        ok("created-equals-exported-plus-evicted", f"{int(created)} = {int(exported)} + {int(evicted)}")
    else:
        bad("created-equals-exported-plus-evicted",
            f"created {created} != exported {exported} + evicted {evicted}")
    if lost == 0 and evicted == 0:
        if quiet_packets == matched - non_ip:
            ok("packets-all-in-records", f"{quiet_packets} packets = pktlens_packets_matched_total "
                                         f"less {int(non_ip)} not IP (no flow)")
        else:
            bad("packets-all-in-records", f"records hold {quiet_packets} packets, "
                                          f"pktlens_packets_matched_total is {int(matched)}, "
                                          f"{int(non_ip)} of them not IP")
    else:
        print(f"info: {int(lost)} lost, {int(evicted)} evicted: packets "
              f"{quiet_packets} of {int(matched)} matched are in records")
    return records, int(lost + evicted)


def check_ipfix(n, path, log_records, allowed_missing):
    t = Tally(n)
    rows = 0
    with open(path) as f:
        header = f.readline().strip().split(",")
        col = {name: i for i, name in enumerate(header)}
        for line in f:
            v = line.rstrip("\n").split(",")
            if len(v) < len(header) or not re.match(r"\d{4}-", v[col["ts"]]):
                continue  # nfdump's summary lines
            rows += 1
            proto = {"17": "udp", "6": "tcp"}.get(v[col["pr"]], v[col["pr"]])
            if proto == "UDP":
                proto = "udp"
            sport, dport = int(v[col["sp"]]), int(v[col["dp"]])
            key = (v[col["sa"]], sport, v[col["da"]], dport, proto)
            t.add(key, churn_index(v[col["sa"]], sport, dport, proto.lower()),
                  int(v[col["ipkt"]]), v[col["ts"]], v[col["te"]])
    figure("ipfix_records_received", rows)
    if rows == log_records:
        ok("ipfix-records-equal-log", f"{rows} IPFIX records, {log_records} JSON records")
    else:
        bad("ipfix-records-equal-log", f"{rows} IPFIX records, {log_records} JSON records")
    t.ranges.clear()  # nfdump's times are ms: overlaps are judged on the log
    t.report("ipfix", allowed_missing)


def main():
    n = int(sys.argv[1])
    records, allowed = check_log(n, sys.argv[2], int(sys.argv[3]), sys.argv[4])
    if len(sys.argv) > 5:
        check_ipfix(n, sys.argv[5], records, allowed)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
