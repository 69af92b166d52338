#!/usr/bin/python3
"""Writes a soak's figures into docs/soak.md (tests/soak/soak.sh).

    write_doc.py DOC RESULTS MINUTES FLOWS_PER_S VERDICT RSS_LIMIT

Replaces what stands between the markers "<!-- soak-results -->" and
"<!-- /soak-results -->" with one block: the date, the verdict, the figures
and the PASS/FAIL lines of RESULTS (soak.sh's results.txt).
"""
import datetime
import platform
import sys

BEGIN, END = "<!-- soak-results -->", "<!-- /soak-results -->"


def main():
    doc, results, minutes, rate, verdict, limit = sys.argv[1:7]
    fig, lines = {}, []
    with open(results) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("figure "):
                _, k, v = line.split(" ", 2)
                fig[k] = v
            elif line.startswith(("PASS", "FAIL", "info:", "rss:")):
                lines.append(line)
    g = fig.get
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    rows = [
        ("duration", f"{minutes} min, churn {rate} new flows/s, SIGHUP every 10 s, scrape every 1 s"),
        ("RSS slope after warm-up", f"{g('rss_slope_kib_per_min')} KiB/min (flat: at most {limit} either way)"),
        ("RSS", f"first {g('rss_first_kib')} KiB, after warm-up {g('rss_after_warmup_kib')}, "
                f"range {g('rss_min_kib')}-{g('rss_max_kib')}, last {g('rss_last_kib')} "
                f"({g('rss_samples')} samples, 1 s apart)"),
        ("scrapes", f"{g('scrapes')}, failed {g('scrape_failures')} (HTTP 200 and promtool check metrics)"),
        ("SIGHUPs", f"{g('sighups')}: {g('sighups_good')} good applied, {g('sighups_bad')} bad refused; "
                    f"{g('sighups_without_expected_outcome')} without the expected outcome"),
        ("churn flows sent", f"{g('churn_flows')} ({g('churn_packets')} packets), "
                             f"{g('churn_flows_per_s')} new flows/s"),
        ("churn flows in the JSON log", f"{g('log_churn_flows_exported')} once, "
                                        f"{g('log_churn_flows_missing')} missing, "
                                        f"{g('log_churn_flows_duplicated')} twice or more"),
        ("churn flows over IPFIX (nfcapd)", f"{g('ipfix_churn_flows_exported')} once, "
                                            f"{g('ipfix_churn_flows_missing')} missing, "
                                            f"{g('ipfix_churn_flows_duplicated')} twice or more"),
        ("flow records", f"JSON {g('log_flow_records')}, IPFIX {g('ipfix_records_received')}; "
                         f"lab 5-tuples {g('log_other_flow_keys')}"),
        ("agent's loss counters", f"flow_insert {g('agent_lost_flow_insert')}, "
                                  f"evicted {g('agent_evicted_flows')}"),
        ("at the quiet point", f"{g('quiet_flow_records')} records = {g('quiet_exported_total')} exported; "
                               f"{g('quiet_packets_in_records')} packets in records, "
                               f"{g('quiet_packets_matched_total')} matched"),
        ("lab traffic", f"{g('lab_rounds')} rounds (DNS, HTTP, TLS, ping), "
                        f"{g('lab_rounds_with_a_failed_client')} with a failed client command"),
    ]
    block = [BEGIN, "", f"### {when}: {verdict}", "",
             f"`make soak` (SOAK_MINUTES={minutes}) on {platform.node()}, Linux {platform.release()}, "
             f"2 CPUs shared with other jobs.", "",
             "| figure | value |", "|---|---|"]
    block += [f"| {k} | {v} |" for k, v in rows]
    block += ["", "```"] + lines + ["```", "", END]
    with open(doc) as f:
        text = f.read()
    a, b = text.index(BEGIN), text.index(END) + len(END)
    with open(doc, "w") as f:
        f.write(text[:a] + "\n".join(block) + text[b:])


if __name__ == "__main__":
    main()
