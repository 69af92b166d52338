// SPDX-License-Identifier: BSD-2-Clause
/*
 * The agent's /metrics page from one table: each family's name, type,
 * help and where its value is in struct pl_metrics. A family is one
 * sample, one sample per value of a label, or (for the interfaces, the
 * top-N tables and the attachments) samples a function writes.
 * docs/agent.md lists the families.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "output/flow_output.h"
#include "output/output.h"
#include "metrics.h"

struct family;
typedef void (*samples_fn)(struct pl_text *x, const struct family *f, const struct pl_metrics *m);

struct family {
	const char *name, *type, *help;
	/* the value (the first of n), a uint64_t in struct pl_metrics, or a
	 * double written with `digits` decimals */
	size_t value;
	int digits;
	/* one sample per value of this label, label_value(0 .. n-1) */
	const char *label;
	const char *(*label_value)(unsigned i);
	unsigned n;
	/* else: samples written by this function */
	samples_fn samples;
	/* only with dns: true */
	bool dns;
	/* top-N gauges: the table, the count (0 packets, 1 bytes, 2 syns) */
	bool top;
	enum pl_table table;
	int column;
	/* TCP families (tcp: true only): by local port, a histogram */
	bool tcp, ports, hist;
};

/* ---- label values ---- */

static const char *cause_name(unsigned i)
{
	static const char *const names[] = { "ring_buffer", "flow_insert", "table_insert" };

	return names[i];
}

static const char *end_name(unsigned i)
{
	return pl_flow_end_name((enum pl_flow_end)(PL_END_IDLE + i));
}

static const char *table_name(unsigned i)
{
	static const char *const names[PL_METRIC_TABLES] = { "flows", "sources",   "ports",
							     "snis",  "dns_names", "http_hosts",
							     "ifaces", "quic_snis" };

	return names[i];
}

static const char *rule_label(unsigned i)
{
	return pl_rule_name(i + 1);
}

static const char *drop_reason(unsigned i)
{
	return i ? "rate_limit" : "drop_list";
}

static const char *reload_result(unsigned i)
{
	return i ? "failed" : "ok";
}

static const char *sink_name(unsigned i)
{
	(void)i;
	return "kafka"; /* the one exporter with a queue that can fill */
}

static const char *slow_reason(unsigned i)
{
	return i ? "room" : "deadline";
}

static const char *direction_open(unsigned i)
{
	return i ? "passive" : "active";
}

static const char *close_end(unsigned i)
{
	static const char *const names[] = { "normal", "reset", "timeout" };

	return names[i];
}

static const char *direction_reset(unsigned i)
{
	return i ? "received" : "sent";
}

/* ---- samples ---- */

static void put_value(struct pl_text *x, const struct family *f, const struct pl_metrics *m,
		      unsigned i)
{
	const char *at = (const char *)m + f->value;

	if (f->digits)
		pl_text_printf(x, " %.*f\n", f->digits, ((const double *)at)[i]);
	else
		pl_text_printf(x, " %llu\n", (unsigned long long)((const uint64_t *)at)[i]);
}

static const char *family_of(__u8 ip_ver)
{
	return ip_ver == 4 ? "ipv4" : ip_ver == 6 ? "ipv6" : "other";
}

/* NAME{interface="...",family="...",protocol="..."} V, packets or bytes */
static void iface_samples(struct pl_text *x, const struct family *f, const struct pl_metrics *m)
{
	char pb[8];
	int i;

	for (i = 0; i < m->n_ifaces; i++) {
		const struct pl_iface_count *c = &m->ifaces[i];

		pl_text_printf(x, "%s{interface=\"", f->name);
		pl_text_label(x, c->ifname, strlen(c->ifname));
		pl_text_printf(x, "\",family=\"%s\",protocol=\"%s\"} %llu\n", family_of(c->ip_ver),
			       c->ip_ver ? pl_proto_name(c->proto, pb, sizeof(pb)) : "none",
			       (unsigned long long)(f->column ? c->bytes : c->packets));
	}
}

/* transport: the SNIs' "tcp" or "quic" (NULL for the other tables) */
static void top_items(struct pl_text *x, const struct family *f, const struct pl_top *t,
		      const char *transport)
{
	char buf[64], pb[8];
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct pl_top_item *it = &t->items[i];
		uint64_t v = f->column == 0 ? it->packets : f->column == 1 ? it->bytes : it->syns;

		pl_text_printf(x, "%s{", f->name);
		if (f->table == PL_TBL_SOURCES) {
			const struct pl_src_key *sk = (const void *)it->key;

			pl_text_printf(x, "%s=\"%s\"", f->label,
				       pl_addr_str(sk->ip_ver, sk->addr, buf, sizeof(buf)));
		} else if (f->table == PL_TBL_PORTS) {
			const struct pl_port_key *pk = (const void *)it->key;

			pl_text_printf(x, "transport=\"%s\",port=\"%u\"",
				       pl_proto_name(pk->proto, pb, sizeof(pb)), pk->port);
		} else {
			pl_text_printf(x, "%s=\"", f->label);
			pl_text_label(x, (const char *)it->key, pl_name_len((const char *)it->key));
			pl_text_printf(x, "\"");
			if (transport)
				pl_text_printf(x, ",transport=\"%s\"", transport);
		}
		pl_text_printf(x, "} %llu\n", (unsigned long long)v);
	}
}

/* TLS SNIs come over TCP (the kernel's table) or QUIC (user space's) */
static void top_samples(struct pl_text *x, const struct family *f, const struct pl_metrics *m)
{
	bool sni = f->table == PL_TBL_SNIS;

	top_items(x, f, &m->top[f->table], sni ? "tcp" : NULL);
	if (sni)
		top_items(x, f, &m->top_quic, "quic");
}

static void attached_samples(struct pl_text *x, const struct family *f, const struct pl_metrics *m)
{
	int i;

	for (i = 0; i < m->n_attached; i++) {
		pl_text_printf(x, "%s{interface=\"", f->name);
		pl_text_label(x, m->attached[i], strlen(m->attached[i]));
		pl_text_printf(x, "\",mode=\"%s\"} 1\n", pl_mode_name(m->attached_mode[i]));
	}
}

/* Metric `col` of t (enum pl_tcp_metric), or PL_TM__COUNT: established. */
static uint64_t tcp_value(const struct pl_tcp_metrics *t, int col)
{
	if (col < PL_TM__COUNT)
		return t->n[col];
	/* per-CPU sums: a leave can be summed before its enter */
	return t->n[PL_TM_ESTAB_IN] > t->n[PL_TM_ESTAB_OUT]
		       ? t->n[PL_TM_ESTAB_IN] - t->n[PL_TM_ESTAB_OUT]
		       : 0;
}

/* NAME{[port="P",]LABEL="..."} V for metrics column .. column + n - 1 */
static void tcp_counts(struct pl_text *x, const struct family *f, const struct pl_tcp_metrics *t,
		       const char *port)
{
	unsigned i, n = f->n ? f->n : 1;

	for (i = 0; i < n; i++) {
		pl_text_printf(x, "%s", f->name);
		if (*port || f->n)
			pl_text_printf(x, "{%s%s", port, *port && f->n ? "," : "");
		if (f->n)
			pl_text_printf(x, "%s=\"%s\"", f->label, f->label_value(i));
		pl_text_printf(x, "%s %llu\n", *port || f->n ? "}" : "",
			       (unsigned long long)tcp_value(t, f->column + (int)i));
	}
}

static const struct pl_hist *tcp_hist(const struct pl_tcp_metrics *t, int which)
{
	return which == 0 ? &t->rtt : which == 1 ? &t->handshake : &t->duration;
}

/* Microseconds in the kernel; buckets from 16 us (2^4) up. */
#define TCP_HIST_UNIT  1e-6
#define TCP_HIST_FIRST 4

static void tcp_samples(struct pl_text *x, const struct family *f, const struct pl_metrics *m)
{
	char port[32];
	size_t i;

	if (!f->ports) {
		if (f->hist)
			pl_text_hist(x, f->name, "", tcp_hist(&m->tcp_total, f->column),
				     TCP_HIST_UNIT, TCP_HIST_FIRST);
		else
			tcp_counts(x, f, &m->tcp_total, "");
		return;
	}
	for (i = 0; i < m->n_tcp_ports; i++) {
		const struct pl_tcp_port *p = &m->tcp_ports[i];

		snprintf(port, sizeof(port), "port=\"%u\"", p->port);
		if (f->hist)
			pl_text_hist(x, f->name, port, tcp_hist(&p->m, f->column), TCP_HIST_UNIT,
				     TCP_HIST_FIRST);
		else
			tcp_counts(x, f, &p->m, port);
	}
}

static void drop_samples(struct pl_text *x, const struct family *f, const struct pl_metrics *m)
{
	size_t i;

	for (i = 0; i < m->n_drops; i++) {
		pl_text_printf(x, "%s{reason=\"", f->name);
		pl_text_label(x, m->drops[i].reason, strlen(m->drops[i].reason));
		pl_text_printf(x, "\"} %llu\n", (unsigned long long)m->drops[i].n);
	}
	if (m->drops_other)
		pl_text_printf(x, "%s{reason=\"OTHER\"} %llu\n", f->name,
			       (unsigned long long)m->drops_other);
}

/* Nanoseconds in the kernel; buckets from 1 us (2^10 ns) up. */
#define DNS_HIST_UNIT  1e-9
#define DNS_HIST_FIRST 10

static void dns_hist_samples(struct pl_text *x, const struct family *f, const struct pl_metrics *m)
{
	pl_text_hist(x, f->name, NULL, &m->dns_m.hist, DNS_HIST_UNIT, DNS_HIST_FIRST);
}

/* NAME{rcode="NOERROR"} V: the assigned codes always, others when seen */
static void dns_rcode_samples(struct pl_text *x, const struct family *f, const struct pl_metrics *m)
{
	const char *name;
	unsigned i;

	for (i = 0; i < PL_DNS_RCODES; i++) {
		name = pl_dns_rcode_name(i);
		if (!name && !m->dns_m.rcodes[i])
			continue;
		if (name)
			pl_text_printf(x, "%s{rcode=\"%s\"}", f->name, name);
		else
			pl_text_printf(x, "%s{rcode=\"%u\"}", f->name, i);
		pl_text_printf(x, " %llu\n", (unsigned long long)m->dns_m.rcodes[i]);
	}
}

/* ---- the table ---- */

#define COUNTER			  "counter"
#define GAUGE			  "gauge"
#define V(field)		  .value = offsetof(struct pl_metrics, field)
#define BY(lbl, fn, count, field) .label = lbl, .label_value = fn, .n = count, V(field)
#define TABLES(field)		  BY("table", table_name, PL_METRIC_TABLES, field)
#define TOP(tbl, col, lbl) \
	.top = true, .table = tbl, .column = col, .label = lbl, .samples = top_samples
#define HISTOGRAM "histogram"
/* TCP(first metric or histogram, label, label_value, n) */
#define TCP(col, lbl, fn, count) \
	.tcp = true, .samples = tcp_samples, .column = col, .label = lbl, .label_value = fn, \
	.n = count
#define TCP_PORT(col, lbl, fn, count) TCP(col, lbl, fn, count), .ports = true
#define TCP_HIST(which)		      TCP(which, NULL, NULL, 0), .hist = true
#define TCP_PORT_HIST(which)	      TCP_HIST(which), .ports = true
#define ESTABLISHED		      PL_TM__COUNT

static const struct family families[] = {
	{ "pktlens_packets_total", COUNTER,
	  "Packets that matched the filter, by interface, family and IP protocol.",
	  .samples = iface_samples },
	{ "pktlens_bytes_total", COUNTER,
	  "Frame bytes that matched the filter, by interface, family and IP protocol.",
	  .samples = iface_samples, .column = 1 },
	{ "pktlens_packets_seen_total", COUNTER, "Packets the programs saw, before the filter.",
	  V(seen) },
	{ "pktlens_packets_matched_total", COUNTER, "Packets that matched the filter.",
	  V(matched) },
	{ "pktlens_lost_total", COUNTER,
	  "What could not be recorded, by cause: a full ring buffer, a flow or table entry that "
	  "could not be inserted.",
	  BY("cause", cause_name, 3, lost) },
	{ "pktlens_flows_created_total", COUNTER, "Flows inserted into the kernel's flow table.",
	  V(flows_created) },
	{ "pktlens_flows_exported_total", COUNTER,
	  "Flow records exported, by reason: idle timeout, active timeout, end (exit or reload).",
	  BY("reason", end_name, 3, exported) },
	{ "pktlens_evictions_total", COUNTER,
	  "Entries a full LRU table dropped to make room, by table (estimated at each scan).",
	  TABLES(evictions) },
	{ "pktlens_table_entries", GAUGE,
	  "Entries in each table at the last scan (the kernel's; quic_snis is user space's).",
	  TABLES(entries) },
	{ "pktlens_table_max_entries", GAUGE, "Size of each kernel table.", TABLES(max_entries) },
	{ "pktlens_table_fill_ratio", GAUGE, "Entries / size of each kernel table.",
	  TABLES(fill_ratio), .digits = 4 },
	{ "pktlens_top_source_packets", GAUGE, "Top source addresses: packets",
	  TOP(PL_TBL_SOURCES, 0, "source") },
	{ "pktlens_top_source_bytes", GAUGE, "Top source addresses: bytes",
	  TOP(PL_TBL_SOURCES, 1, "source") },
	{ "pktlens_top_source_syns", GAUGE, "Top source addresses: syns",
	  TOP(PL_TBL_SOURCES, 2, "source") },
	{ "pktlens_top_destination_port_packets", GAUGE, "Top destination ports: packets",
	  TOP(PL_TBL_PORTS, 0, NULL) },
	{ "pktlens_top_destination_port_bytes", GAUGE, "Top destination ports: bytes",
	  TOP(PL_TBL_PORTS, 1, NULL) },
	{ "pktlens_top_tls_sni_packets", GAUGE,
	  "Top TLS server names (ClientHellos) over TCP and QUIC (Initials): packets",
	  TOP(PL_TBL_SNIS, 0, "sni") },
	{ "pktlens_top_dns_query_packets", GAUGE, "Top DNS query names (messages): packets",
	  TOP(PL_TBL_DNS, 0, "name") },
	{ "pktlens_top_http_host_packets", GAUGE, "Top HTTP hosts (requests): packets",
	  TOP(PL_TBL_HTTP, 0, "host") },
	{ "pktlens_alerts_total", COUNTER,
	  "Alerts of the in-kernel detectors read from the ring buffer, by rule (docs/detect.md).",
	  BY("rule", rule_label, PL_RULE__COUNT - 1, alerts) },
	{ "pktlens_alerts_lost_total", COUNTER, "Alerts lost because the ring buffer was full.",
	  V(alerts_lost) },
	{ "pktlens_droplist_blocks_total", COUNTER, "Sources detect.enforce put on the drop list.",
	  V(droplist_blocks) },
	{ "pktlens_droplist_dropped_packets_total", COUNTER,
	  "Packets dropped before the parser, by reason: the drop list, detect.rate_limit.",
	  BY("reason", drop_reason, 2, droplist_dropped) },
	{ "pktlens_droplist_expired_total", COUNTER,
	  "Drop-list entries removed when their time was up.", V(droplist_expired) },
	{ "pktlens_droplist_entries", GAUGE,
	  "Prefixes on the drop list at the last scan (blocked sources and block add).",
	  V(droplist_entries) },
	{ "pktlens_attached", GAUGE,
	  "1 for each interface the programs are attached to, with the attach mode.",
	  .samples = attached_samples },
	{ "pktlens_ipfix_records_total", COUNTER, "IPFIX data records sent.", V(ipfix_records) },
	{ "pktlens_ipfix_messages_total", COUNTER, "IPFIX messages sent.", V(ipfix_messages) },
	{ "pktlens_ipfix_errors_total", COUNTER,
	  "IPFIX records or messages that could not be sent.", V(ipfix_errors) },
	{ "pktlens_export_dropped_total", COUNTER,
	  "Records an exporter dropped because its queue was full, by sink.",
	  BY("sink", sink_name, 1, kafka_dropped) },
	{ "pktlens_kafka_records_queued_total", COUNTER,
	  "Records accepted into the Kafka producer's queue.", V(kafka_queued) },
	{ "pktlens_kafka_records_delivered_total", COUNTER,
	  "Records the Kafka brokers acknowledged.", V(kafka_delivered) },
	{ "pktlens_kafka_delivery_errors_total", COUNTER,
	  "Records that failed for good: a failed delivery report, a refused message, or still "
	  "queued at exit.",
	  V(kafka_errors) },
	{ "pktlens_kafka_queue_depth", GAUGE,
	  "Records in the Kafka producer's queue (waiting or in flight).", V(kafka_depth) },
	{ "pktlens_kafka_queue_max", GAUGE, "Size of the Kafka producer's queue (0: Kafka off).",
	  V(kafka_max) },
	{ "pktlens_log_records_total", COUNTER, "Flow records written to the JSON log.",
	  V(log_records) },
	{ "pktlens_log_alerts_total", COUNTER, "Alert records written to the JSON log.",
	  V(log_alerts) },
	{ "pktlens_log_errors_total", COUNTER, "Writes to the JSON log that failed.",
	  V(log_errors) },
	{ "pktlens_agent_reloads_total", COUNTER, "Configuration reloads (SIGHUP), by result.",
	  BY("result", reload_result, 2, reloads) },
	{ "pktlens_agent_scan_duration_seconds", GAUGE,
	  "Time the last scan of the kernel tables took.", V(scan_seconds), .digits = 6 },
	{ "pktlens_agent_start_time_seconds", GAUGE,
	  "When the agent started, in seconds since the epoch.", V(start_time_seconds),
	  .digits = 3 },
	{ "pktlens_metrics_scrapes_total", COUNTER, "Requests for /metrics served.", V(scrapes) },
	{ "pktlens_metrics_slow_requests_closed_total", COUNTER,
	  "Connections to /metrics closed before their request was whole, by reason: deadline (too "
	  "slow), room (to keep connections free).",
	  BY("reason", slow_reason, 2, slow_closed) },
	{ "pktlens_dns_response_seconds", "histogram",
	  "Time from a DNS query to its response (matched by 5-tuple and id in the kernel).",
	  .dns = true, .samples = dns_hist_samples },
	{ "pktlens_dns_responses_total", COUNTER,
	  "DNS responses seen (matched or not), by response code.", .dns = true,
	  .samples = dns_rcode_samples },
	{ "pktlens_dns_unanswered_total", COUNTER,
	  "DNS queries with no response within dns_timeout.", .dns = true,
	  V(dns_m.unanswered) },
	{ "process_resident_memory_bytes", GAUGE, "Resident memory size in bytes.",
	  V(resident_bytes) },
	/* tcp: true (docs/agent.md, "TCP and drops") */
	{ "pktlens_tcp_connections_opened_total", COUNTER,
	  "TCP connections opened, by direction: active (connect), passive (accepted).",
	  TCP(PL_TM_OPEN_ACTIVE, "direction", direction_open, 2) },
	{ "pktlens_tcp_connections_closed_total", COUNTER,
	  "TCP connections closed, by how they ended: normal, reset, timeout.",
	  TCP(PL_TM_CLOSE_NORMAL, "end", close_end, 3) },
	{ "pktlens_tcp_retransmits_total", COUNTER, "TCP segments and SYN-ACKs retransmitted.",
	  TCP(PL_TM_RETRANS, NULL, NULL, 0) },
	{ "pktlens_tcp_resets_total", COUNTER, "TCP resets, by direction: sent, received.",
	  TCP(PL_TM_RST_SENT, "direction", direction_reset, 2) },
	{ "pktlens_tcp_established", GAUGE,
	  "TCP connections in ESTABLISHED (of those opened since the agent started).",
	  TCP(ESTABLISHED, NULL, NULL, 0) },
	{ "pktlens_tcp_rtt_seconds", HISTOGRAM, "Smoothed RTT of TCP connections when they close.",
	  TCP_HIST(0) },
	{ "pktlens_tcp_handshake_seconds", HISTOGRAM,
	  "Time from SYN to ESTABLISHED of TCP connections, both sides.", TCP_HIST(1) },
	{ "pktlens_tcp_connection_duration_seconds", HISTOGRAM,
	  "Time from open to close of TCP connections.", TCP_HIST(2) },
	{ "pktlens_tcp_port_connections_opened_total", COUNTER,
	  "TCP connections accepted, by local port (the top ports).",
	  TCP_PORT(PL_TM_OPEN_PASSIVE, NULL, NULL, 0) },
	{ "pktlens_tcp_port_connections_closed_total", COUNTER,
	  "Accepted TCP connections closed, by local port and end.",
	  TCP_PORT(PL_TM_CLOSE_NORMAL, "end", close_end, 3) },
	{ "pktlens_tcp_port_retransmits_total", COUNTER,
	  "TCP retransmits of accepted connections, by local port.",
	  TCP_PORT(PL_TM_RETRANS, NULL, NULL, 0) },
	{ "pktlens_tcp_port_resets_total", COUNTER,
	  "TCP resets of accepted connections and of segments to a port, by local port and "
	  "direction.",
	  TCP_PORT(PL_TM_RST_SENT, "direction", direction_reset, 2) },
	{ "pktlens_tcp_port_established", GAUGE,
	  "Accepted TCP connections in ESTABLISHED, by local port.",
	  TCP_PORT(ESTABLISHED, NULL, NULL, 0) },
	{ "pktlens_tcp_port_rtt_seconds", HISTOGRAM,
	  "Smoothed RTT of accepted TCP connections at close, by local port.",
	  TCP_PORT_HIST(0) },
	{ "pktlens_tcp_port_handshake_seconds", HISTOGRAM,
	  "SYN to ESTABLISHED of accepted TCP connections, by local port.", TCP_PORT_HIST(1) },
	{ "pktlens_tcp_port_connection_duration_seconds", HISTOGRAM,
	  "Open to close of accepted TCP connections, by local port.", TCP_PORT_HIST(2) },
	{ "pktlens_drops_total", COUNTER,
	  "Packets the kernel dropped (skb:kfree_skb), by its drop reason.", .tcp = true,
	  .samples = drop_samples },
};

void pl_metrics_text(const struct pl_metrics *m, struct pl_text *x)
{
	size_t k;
	unsigned i;

	for (k = 0; k < sizeof(families) / sizeof(families[0]); k++) {
		const struct family *f = &families[k];

		if ((f->tcp && !m->tcp) || (f->dns && !m->dns))
			continue;
		if (f->top)
			pl_text_printf(x, "# HELP %s %s (the top %u by packets).\n# TYPE %s %s\n",
				       f->name, f->help, m->top_n, f->name, f->type);
		else
			pl_text_family(x, f->name, f->type, f->help);
		if (f->samples) {
			f->samples(x, f, m);
		} else if (f->label) {
			for (i = 0; i < f->n; i++) {
				pl_text_printf(x, "%s{%s=\"%s\"}", f->name, f->label,
					       f->label_value(i));
				put_value(x, f, m, i);
			}
		} else {
			pl_text_printf(x, "%s", f->name);
			put_value(x, f, m, 0);
		}
	}
}
