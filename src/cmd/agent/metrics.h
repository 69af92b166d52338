/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The agent's Prometheus page: agent.c reads the counters and tables into
 * a struct pl_metrics once per scan; metrics.c writes the page from its
 * table of families (name, type, help, value), so every family is written
 * the same way.
 */
#ifndef PKTLENS_AGENT_METRICS_H
#define PKTLENS_AGENT_METRICS_H

#include <net/if.h>
#include <stdint.h>
#include "detect/config.h"
#include "dns_side.h"
#include "runtime/flowtab.h"
#include "runtime/attach.h"
#include "sinks/prom.h"
#include "records/tcp_events.h"

/* Packets and bytes of one (interface name, family, protocol). */
struct pl_iface_count {
	char ifname[IF_NAMESIZE];
	__u8 ip_ver, proto;
	uint64_t packets, bytes;
};

/* The label values of each top-N gauge: at most this many. */
#define PL_TOP_MAX 100

/* One entry of a top-N table: a source, port or name key and its counts. */
struct pl_top_item {
	unsigned char key[sizeof(struct pl_name_key)];
	uint64_t packets, bytes, syns;
};

/* The tables the top-N gauges show: sources, ports, SNIs, DNS, HTTP; the
 * SNIs of QUIC Initials go with the other SNIs (transport="quic"). */
#define PL_TOP_TABLES (PL_TBL_HTTP + 1)

struct pl_top {
	struct pl_top_item items[PL_TOP_MAX]; /* by packets, most first */
	size_t n;
};

/* The TCP metrics of one local port (tcp: true). */
struct pl_tcp_port {
	__u32 port;
	struct pl_tcp_metrics m;
};

/* Index 0 of the per-table values: the flow table; then enum pl_table. */
#define PL_METRIC_TABLES (PL_TBL__COUNT + 1)

/* What the page shows: the current kernel side plus what earlier ones
 * counted (before reloads). */
struct pl_metrics {
	const struct pl_iface_count *ifaces;
	int n_ifaces;
	uint64_t seen, matched;
	uint64_t lost[3]; /* ring buffer, flow insert, table insert */
	uint64_t flows_created;
	uint64_t exported[3]; /* by enum pl_flow_end - 1 */
	uint64_t evictions[PL_METRIC_TABLES];
	uint64_t entries[PL_METRIC_TABLES];
	uint64_t max_entries[PL_METRIC_TABLES];
	double fill_ratio[PL_METRIC_TABLES];
	unsigned top_n;
	struct pl_top top[PL_TOP_TABLES];
	struct pl_top top_quic; /* PL_TBL_QUIC_SNIS */
	uint64_t alerts[PL_RULE__COUNT - 1]; /* by rule - 1 */
	uint64_t alerts_lost, droplist_blocks;
	uint64_t droplist_dropped[2]; /* the drop list, the rate limit */
	uint64_t droplist_expired, droplist_entries;
	int n_attached;
	const char *attached[PL_MAX_IFACES]; /* interface names */
	enum pl_attach_mode attached_mode[PL_MAX_IFACES];
	uint64_t ipfix_records, ipfix_messages, ipfix_errors;
	uint64_t log_records, log_alerts, log_errors;
	uint64_t kafka_queued, kafka_delivered, kafka_dropped, kafka_errors;
	uint64_t kafka_depth, kafka_max; /* messages in the queue now; its bound (0: off) */
	uint64_t reloads[2]; /* ok, failed */
	double scan_seconds, start_time_seconds;
	uint64_t scrapes, resident_bytes;
	uint64_t slow_closed[2]; /* /metrics requests cut: deadline, room */
	/* tcp: true (tcp_side.c); the families are left out without it */
	bool tcp;
	struct pl_tcp_metrics tcp_total;
	struct pl_tcp_port tcp_ports[PL_TOP_MAX]; /* by connections, most first */
	size_t n_tcp_ports;
	struct {
		const char *reason; /* the kernel's enum skb_drop_reason, less SKB_DROP_REASON_ */
		uint64_t n;
	} drops[PL_TCP_DROP_SLOTS];
	size_t n_drops;
	uint64_t drops_other; /* reasons the enum does not name */
	/* dns: true (dns_side.c); the families are left out without it */
	bool dns;
	struct pl_dns_metrics dns_m;
};

/* The exposition text of m, appended to x. */
void pl_metrics_text(const struct pl_metrics *m, struct pl_text *x);

#endif
