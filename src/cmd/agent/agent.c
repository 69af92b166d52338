// SPDX-License-Identifier: BSD-2-Clause
/*
 * pktlens agent: the long-running mode. The packet programs keep the flow
 * and top-talker tables in the kernel; once a scan interval (at most a
 * second) the agent exports the flows that ended (JSON lines, IPFIX, Kafka) and
 * rebuilds the Prometheus page.
 *
 * SIGHUP reloads the configuration: exporters and timeouts change in
 * place, and when the interfaces, filter, mode or table sizes change the
 * kernel side is rebuilt (its flows exported first; counters carry over so
 * Prometheus counters never go back). The log file is reopened, for
 * logrotate. SIGTERM and SIGINT detach the programs, export every flow
 * left and exit.
 *
 * With detect enabled (docs/agent.md, "Detections") the same program runs
 * the in-kernel detectors and the XDP drop list as `pktlens detect` does:
 * alerts come through the ring buffer, go to the log as `detect --json`
 * records and to Prometheus as counters by rule, and the drop list is
 * pinned under /sys/fs/bpf/pktlens/ for `pktlens block`.
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "config.h"
#include "cmd/cmds.h"
#include "output/flow_output.h"
#include "runtime/flowtab.h"
#include "sinks/ipfix.h"
#include "sinks/kafka.h"
#include "util/community_id.h"
#include "util/log.h"
#include "runtime/packet_skel.h"
#include "sinks/prom.h"
#include "runtime/percpu.h"
#include "runtime/skel_common.h"
#include "detect/alert.h"
#include "detect/config.h"
#include "detect/pin.h"
#include "dns_side.h"
#include "metrics.h"
#include "privacy/privacy.h"
#include "runtime/attr.h"
#include "tcp_side.h"

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	reload_requested = 1;
}

/* Per-interface counters carried over kernel rebuilds: at most this many. */
#define MAX_CARRY 1024

/* Totals from earlier kernel sides (before reloads). */
struct carry {
	__u64 pkt[PL_CNT__COUNT];
	__u64 fl[PL_FCNT__COUNT];
	uint64_t exported[PL_END_EXIT + 1];
	uint64_t flow_evictions;
	uint64_t tbl_evictions[PL_TBL__COUNT];
	__u64 det[PL_DC__COUNT];
	struct pl_dns_metrics dns;
	struct pl_iface_count ifaces[MAX_CARRY];
	int n_ifaces;
};

struct agent {
	struct pl_opts *o;
	struct pl_agent_config cfg;
	struct packet_bpf *skel;
	struct pl_flowtab t;
	bool t_open;
	struct pl_attrib attrib; /* attribute: true */
	bool attrib_open;
	struct pl_ifaces ifs; /* the interfaces and their attachments */
	struct pl_prom *prom;
	struct pl_agent_tcp *tcp; /* tcp: true */
	struct pl_ipfix *ipfix;
	struct pl_kafka *kafka;
	struct pl_out logw; /* the writer of the log's records, into log */
	FILE *log;
	uint64_t mono_to_epoch_ns;
	uint64_t start_epoch_ns, last_templates_ns;
	uint64_t reloads_ok, reloads_failed, log_records, log_errors;
	double scan_seconds;
	struct carry carry;
	__u64 pkt[PL_CNT__COUNT]; /* counters of the current kernel side */
	/* detect */
	struct ring_buffer *rb;
	__u64 det[PL_DC__COUNT];	 /* counters of the current kernel side */
	uint64_t alerts[PL_RULE__COUNT]; /* alerts read, by rule (all sides) */
	uint64_t log_alerts;
	uint64_t droplist_entries;
	struct pl_kafka_stats carry_kafka; /* of producers closed by reloads */
	uint64_t dns_unanswered; /* swept by scan(), all sides */
};

/* ---- the kernel side ---- */

static void kernel_down(struct agent *a)
{
	pl_ifaces_close(&a->ifs);
	a->rb = NULL; /* the flow table's, closed with it */
	pl_det_unpin(a->skel);
	if (a->t_open)
		pl_flowtab_close(&a->t);
	a->t_open = false;
	if (a->attrib_open)
		pl_attrib_close(&a->attrib);
	a->attrib_open = false;
	packet_bpf__destroy(a->skel);
	a->skel = NULL;
}

/* ---- alerts ---- */

/* ---- Kafka: the log's records, keyed by the Community ID ---- */

/* An alert's key: the Community ID of its addresses (and ports) when it
 * has both ends, else its source address, so that a source's alerts share
 * a partition. */
static void alert_key(const struct pl_alert_event *ev, char key[PL_COMMUNITY_ID_LEN])
{
	struct pl_out w;
	char buf[PL_OUT_BUF_MIN];
	bool ip6 = ev->flags & PL_ALERT_IP6;
	bool ports = ev->flags & PL_ALERT_PORTS;

	key[0] = 0;
	if ((ev->flags & PL_ALERT_SRC) && (ev->flags & PL_ALERT_DST)) {
		pl_community_id(key, 0, ip6, ev->src, ev->dst, ev->l4_proto,
				ports ? ev->sport : 0, ports ? ev->dport : 0);
	} else if (ev->flags & PL_ALERT_SRC) {
		pl_out_init_fd(&w, -1, buf, sizeof(buf));
		pl_out_ip(&w, ip6, ev->src);
		memcpy(key, buf, w.len < PL_COMMUNITY_ID_LEN - 1 ? w.len : PL_COMMUNITY_ID_LEN - 1);
		key[w.len < PL_COMMUNITY_ID_LEN - 1 ? w.len : PL_COMMUNITY_ID_LEN - 1] = 0;
	}
}

static void kafka_alert(struct agent *a, const struct pl_alert_event *ev,
			const struct pl_proc *proc)
{
	char key[PL_COMMUNITY_ID_LEN];
	struct pl_out *w;

	if (!a->kafka)
		return;
	alert_key(ev, key);
	w = pl_kafka_record(a->kafka, PL_KAFKA_ALERTS, a->cfg.kafka_key && key[0] ? key : NULL);
	if (w)
		pl_write_alert(w, 1, ev, ev->ts_ns + a->mono_to_epoch_ns,
			       pl_ifname(&a->ifs, ev->ifindex), proc);
}

static void kafka_flow(struct agent *a, const struct pl_flow *f, enum pl_flow_end why,
		       const char *ifname)
{
	char key[PL_COMMUNITY_ID_LEN];
	struct pl_out *w;

	if (!a->kafka)
		return;
	pl_flow_community_id(&f->key, key);
	w = pl_kafka_record(a->kafka, PL_KAFKA_FLOWS, a->cfg.kafka_key && key[0] ? key : NULL);
	if (w)
		pl_write_flow_json(w, f, why, a->mono_to_epoch_ns, ifname);
}

static int on_alert(void *ctx, void *data, size_t size)
{
	struct agent *a = ctx;
	struct pl_alert_event ev;
	struct pl_proc proc;
	const struct pl_proc *owner = NULL;

	if (size < sizeof(ev))
		return 0;
	memcpy(&ev, data, sizeof(ev)); /* the kernel owns the ring's memory */
	if (ev.type != PL_EV_ALERT)
		return 0;
	if (ev.rule < PL_RULE__COUNT)
		a->alerts[ev.rule]++;
	/* attribute: the local socket the alert's packet went to, once */
	if (a->attrib_open && pl_attrib_alert(&a->attrib, &ev, &proc))
		owner = &proc;
	kafka_alert(a, &ev, owner);
	if (a->log) {
		pl_write_alert(&a->logw, 1, &ev, ev.ts_ns + a->mono_to_epoch_ns,
			       pl_ifname(&a->ifs, ev.ifindex), owner);
		if (pl_out_take_error(&a->logw) || ferror(a->log)) {
			a->log_errors++;
			clearerr(a->log);
		} else {
			a->log_alerts++;
		}
	}
	return 0;
}

/* The detectors' and DNS matching's side of kernel_up(): before load. */
static void detect_prepare(struct packet_bpf *skel, void *ctx)
{
	struct agent *a = ctx;

	pl_dns_prepare(skel, a->cfg.dns);
	if (a->cfg.detect)
		pl_det_prepare(skel, &a->cfg.det, true);
}

/* After load: the allow list, the pins for `pktlens block`, the ring
 * buffer of alerts. */
static int detect_start(struct agent *a)
{
	__u32 n;
	int ret;

	if (!a->cfg.detect)
		return 0;
	ret = pl_det_load_allow(a->skel, (const char *const *)a->cfg.allow, a->cfg.n_allow, &n);
	if (ret)
		return ret;
	pl_det_pin(a->skel, "agent"); /* warns itself; the drop list then stays private */
	/* one reader of the ring: QUIC Initials to the flow table, alerts here */
	a->rb = pl_flowtab_ring(&a->t, on_alert, a);
	return a->rb ? 0 : PL_EXIT_RUNTIME;
}

static uint64_t count_keys(int fd, size_t ksz)
{
	unsigned char k[32], next[32];
	uint64_t n = 0;
	void *prev = NULL;

	while (n < 10000000 && !bpf_map_get_next_key(fd, prev, next)) {
		memcpy(k, next, ksz);
		prev = k;
		n++;
	}
	return n;
}

/* Once per scan: expired drop-list entries out, the counters in. */
static void detect_scan(struct agent *a, uint64_t now)
{
	if (!a->cfg.detect || !a->skel)
		return;
	pl_det_sweep(bpf_map__fd(a->skel->maps.det_drop4), bpf_map__fd(a->skel->maps.det_drop6),
		     bpf_map__fd(a->skel->maps.det_state), now);
	pl_sum_percpu(bpf_map__fd(a->skel->maps.det_counters), PL_DC__COUNT, a->det);
	a->droplist_entries =
		count_keys(bpf_map__fd(a->skel->maps.det_drop4), sizeof(struct pl_lpm4)) +
		count_keys(bpf_map__fd(a->skel->maps.det_drop6), sizeof(struct pl_lpm6));
}

/* A watched interface renamed: the counters carried over from earlier
 * kernel sides follow it to its new name. */
static void iface_renamed(void *ctx, struct pl_ifaces *ifs, int i, const char *old_name)
{
	struct agent *a = ctx;
	int k;

	for (k = 0; k < a->carry.n_ifaces; k++)
		if (!strcmp(a->carry.ifaces[k].ifname, old_name))
			snprintf(a->carry.ifaces[k].ifname, IF_NAMESIZE, "%s", ifs->names[i]);
}

/* known: the interfaces of the kernel side before (a reload), whose names
 * may be away for now; NULL at start. */
static int kernel_up(struct agent *a, const struct pl_ifaces *known)
{
	static struct pl_filter filter;
	struct pl_flowtab_cfg fc;
	char err[256];
	int col, ret;

	if (pl_filter_compile(a->cfg.filter, &filter, err, sizeof(err), &col)) {
		pl_err("bad filter: %s (column %d)", err, col);
		return PL_EXIT_USAGE;
	}
	ret = pl_resolve_names((const char *const *)a->cfg.ifaces, a->cfg.n_ifaces, "agent",
			       &a->ifs, a->cfg.reattach ? known : NULL);
	if (ret)
		return ret;
	pl_flowtab_cfg_defaults(&fc);
	fc.flags = PL_FLOW_TABLE | PL_FLOW_SOURCES | PL_FLOW_PORTS | PL_FLOW_NAMES | PL_FLOW_IFACES |
		   (a->cfg.inner ? PL_FLOW_INNER : 0);
	fc.flow_entries = a->cfg.flow_entries;
	fc.table_entries = a->cfg.table_entries;
	fc.quic = true; /* QUIC SNIs, in the tables and flow records */
	fc.ifs = &a->ifs;
	ret = pl_flowtab_load(&filter, &fc, detect_prepare, a, &a->skel, &a->t);
	if (ret)
		return ret;
	a->t_open = true;
	a->rb = a->t.rb;
	/* attribute: a flow's owner is looked up when the flow is first
	 * seen (runtime/attr.c), nothing per packet */
	if (a->cfg.attribute) {
		ret = pl_attrib_open(&a->attrib);
		if (!ret) {
			a->attrib_open = true;
			if (pl_attrib_flows(&a->attrib, fc.flow_entries))
				ret = PL_EXIT_RUNTIME;
		}
		if (ret) {
			kernel_down(a);
			return ret;
		}
		a->t.attribute = pl_attrib_flow_hook;
		a->t.attribute_ctx = &a->attrib;
	}
	ret = detect_start(a);
	if (ret) {
		kernel_down(a);
		return ret;
	}
	if (a->cfg.detect && (a->cfg.enforce || a->cfg.rate_limit))
		ret = pl_det_attach_xdp(a->skel, &a->ifs, a->cfg.mode);
	else
		ret = pl_attach_all(a->skel, &a->ifs, a->cfg.mode);
	a->ifs.changed = iface_renamed;
	a->ifs.changed_ctx = a;
	if (!ret)
		ret = pl_ifaces_follow(&a->ifs, a->cfg.reattach);
	if (ret) {
		kernel_down(a);
		return ret;
	}
	memset(a->pkt, 0, sizeof(a->pkt));
	memset(a->det, 0, sizeof(a->det));
	return 0;
}

/* ---- exporting flows ---- */

static void on_flow(void *ctx, const struct pl_flow *f, enum pl_flow_end why)
{
	struct agent *a = ctx;
	const char *ifname = pl_ifname(&a->ifs, f->key.ifindex);

	if (a->log) {
		pl_write_flow_json(&a->logw, f, why, a->mono_to_epoch_ns, ifname);
		if (pl_out_take_error(&a->logw) || ferror(a->log)) {
			a->log_errors++;
			clearerr(a->log);
		} else {
			a->log_records++;
		}
	}
	if (a->ipfix)
		pl_ipfix_add(a->ipfix, f, why, a->mono_to_epoch_ns);
	kafka_flow(a, f, why, ifname);
}

static void flush_exporters(struct agent *a, uint64_t now)
{
	pl_kafka_poll(a->kafka);
	if (a->log && fflush(a->log))
		a->log_errors++;
	if (a->ipfix) {
		bool templates = now - a->last_templates_ns >=
				 (uint64_t)(a->cfg.template_refresh * 1e9);

		pl_ipfix_flush(a->ipfix, templates);
		if (templates)
			a->last_templates_ns = now;
	}
}

static int scan(struct agent *a, bool all)
{
	uint64_t now = pl_clock_ns(CLOCK_MONOTONIC);
	long n;

	if (a->rb)
		ring_buffer__consume(a->rb);
	detect_scan(a, now);
	if (a->cfg.dns && a->skel)
		a->dns_unanswered +=
			pl_dns_side_sweep(a->skel, now, (uint64_t)(a->cfg.dns_timeout * 1e9));
	n = pl_flowtab_expire(&a->t, now, (uint64_t)(a->cfg.idle_timeout * 1e9),
			      (uint64_t)(a->cfg.active_timeout * 1e9), all, on_flow, a);

	flush_exporters(a, now);
	if (n < 0) {
		pl_err("reading the flow table failed: %s", strerror((int)-n));
		return -1;
	}
	return 0;
}

/* ---- Prometheus ---- */

/* Fills a top-N table by packets, most first, from a table walk. */
struct topn {
	struct pl_top *top;
	size_t max, ksz;
};

static int top_add(void *ctx, const void *key, const void *val, uint64_t p, uint64_t b, uint64_t s)
{
	struct topn *t = ctx;
	struct pl_top_item *items = t->top->items;
	size_t i, at, n = t->top->n;

	(void)val;
	if (n == t->max && p <= items[n - 1].packets)
		return 0;
	at = n < t->max ? n : t->max - 1;
	for (i = at; i > 0 && items[i - 1].packets < p; i--)
		items[i] = items[i - 1];
	memcpy(items[i].key, key, t->ksz);
	items[i].packets = p;
	items[i].bytes = b;
	items[i].syns = s;
	if (n < t->max)
		t->top->n++;
	return 0;
}

static int on_src(void *ctx, const void *key, const void *val)
{
	const struct pl_src_val *v = val;

	return top_add(ctx, key, val, v->packets, v->bytes, v->syns);
}

static int on_port(void *ctx, const void *key, const void *val)
{
	const struct pl_port_val *v = val;

	return top_add(ctx, key, val, v->packets, v->bytes, 0);
}

static int on_name(void *ctx, const void *key, const void *val)
{
	return top_add(ctx, key, val, *(const __u64 *)val, 0, 0);
}

static void read_top(struct agent *a, enum pl_table tbl, struct pl_top *top)
{
	pl_entry_fn fn = tbl == PL_TBL_SOURCES ? on_src : tbl == PL_TBL_PORTS ? on_port : on_name;
	struct topn t = { .top = top, .max = a->cfg.top_n };

	t.ksz = tbl == PL_TBL_SOURCES ? sizeof(struct pl_src_key)
		: tbl == PL_TBL_PORTS ? sizeof(struct pl_port_key)
				      : sizeof(struct pl_name_key);
	if (t.max > PL_TOP_MAX)
		t.max = PL_TOP_MAX;
	top->n = 0;
	pl_flowtab_walk(&a->t, tbl, fn, &t);
}

/* The kernel's per-interface counters plus what earlier kernel sides
 * counted, by (interface name, family, protocol). */
struct iface_sum {
	struct pl_iface_count v[MAX_CARRY];
	int n;
	struct agent *a;
};

static void iface_add(struct iface_sum *s, const char *ifname, __u8 ip_ver, __u8 proto, uint64_t p,
		      uint64_t b)
{
	int i;

	for (i = 0; i < s->n; i++) {
		if (s->v[i].ip_ver == ip_ver && s->v[i].proto == proto &&
		    !strcmp(s->v[i].ifname, ifname)) {
			s->v[i].packets += p;
			s->v[i].bytes += b;
			return;
		}
	}
	if (s->n == MAX_CARRY)
		return;
	snprintf(s->v[s->n].ifname, IF_NAMESIZE, "%s", ifname);
	s->v[s->n].ip_ver = ip_ver;
	s->v[s->n].proto = proto;
	s->v[s->n].packets = p;
	s->v[s->n].bytes = b;
	s->n++;
}

static int on_iface(void *ctx, const void *key, const void *val)
{
	struct iface_sum *s = ctx;
	const struct pl_iface_key *k = key;
	const struct pl_iface_val *v = val;

	iface_add(s, pl_ifname(&s->a->ifs, k->ifindex), k->ip_ver, k->proto, v->packets, v->bytes);
	return 0;
}

static void read_ifaces(struct agent *a, struct iface_sum *s)
{
	int i;

	s->n = 0;
	s->a = a;
	for (i = 0; i < a->carry.n_ifaces; i++)
		iface_add(s, a->carry.ifaces[i].ifname, a->carry.ifaces[i].ip_ver,
			  a->carry.ifaces[i].proto, a->carry.ifaces[i].packets,
			  a->carry.ifaces[i].bytes);
	if (a->skel)
		pl_flowtab_walk(&a->t, PL_TBL_IFACES, on_iface, s);
}

static uint64_t rss_bytes(void)
{
	unsigned long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%lu %lu", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Everything the page shows, read in this order: the counters, the
 * interfaces, the tables' sizes, then the top-N walks (so the sizes are
 * those of the last scan), the detectors, the exporters. */
static void read_metrics(struct agent *a, struct pl_metrics *m, struct iface_sum *ifs)
{
	struct pl_ipfix_stats is = { 0 };
	struct pl_kafka_stats ks = { 0 };
	struct pl_prom_stats ps;
	__u64 pkt[PL_CNT__COUNT], fl[PL_FCNT__COUNT];
	int i;

	pl_flowtab_read_counters(&a->t);
	pl_sum_percpu(bpf_map__fd(a->skel->maps.counters), PL_CNT__COUNT, a->pkt);
	for (i = 0; i < PL_CNT__COUNT; i++)
		pkt[i] = a->carry.pkt[i] + a->pkt[i];
	for (i = 0; i < PL_FCNT__COUNT; i++)
		fl[i] = a->carry.fl[i] + a->t.counters[i];
	read_ifaces(a, ifs);
	m->ifaces = ifs->v;
	m->n_ifaces = ifs->n;

	m->seen = pkt[PL_CNT_SEEN];
	m->matched = pkt[PL_CNT_MATCHED];
	m->lost[0] = pkt[PL_CNT_LOST];
	m->lost[1] = fl[PL_FCNT_FLOW_FAIL];
	m->lost[2] = fl[PL_FCNT_TABLE_FAIL];
	m->flows_created = fl[PL_FCNT_FLOW_NEW];
	for (i = PL_END_IDLE; i <= PL_END_EXIT; i++)
		m->exported[i - PL_END_IDLE] = a->carry.exported[i] + a->t.exported[i];
	m->evictions[0] = a->carry.flow_evictions + a->t.flow_evictions;
	m->entries[0] = a->t.flow_entries;
	for (i = 0; i < PL_TBL__COUNT; i++) {
		m->evictions[i + 1] = a->carry.tbl_evictions[i] + a->t.tbl_evictions[i];
		m->entries[i + 1] = a->t.tbl_entries[i];
	}
	for (i = -1; i < PL_TBL__COUNT; i++) {
		uint32_t max = pl_flowtab_max_entries(&a->t, i);

		m->max_entries[i + 1] = max;
		m->fill_ratio[i + 1] = max ? (double)m->entries[i + 1] / max : 0.0;
	}
	m->top_n = a->cfg.top_n;
	for (i = 0; i < PL_TOP_TABLES; i++)
		read_top(a, (enum pl_table)i, &m->top[i]);
	read_top(a, PL_TBL_QUIC_SNIS, &m->top_quic);

	for (i = PL_RULE_NONE + 1; i < PL_RULE__COUNT; i++)
		m->alerts[i - 1] = a->alerts[i];
	m->alerts_lost = a->carry.det[PL_DC_ALERTS_LOST] + a->det[PL_DC_ALERTS_LOST];
	m->droplist_blocks = a->carry.det[PL_DC_BLOCKS] + a->det[PL_DC_BLOCKS];
	m->droplist_dropped[0] = a->carry.det[PL_DC_DROPPED] + a->det[PL_DC_DROPPED];
	m->droplist_dropped[1] = a->carry.det[PL_DC_RATE_LIMITED] + a->det[PL_DC_RATE_LIMITED];
	m->droplist_expired = a->carry.det[PL_DC_EXPIRED] + a->det[PL_DC_EXPIRED];
	m->droplist_entries = a->droplist_entries;
	m->n_attached = 0;
	for (i = 0; i < a->ifs.n; i++) {
		if (a->ifs.att[i].link_fd < 0) /* away, waiting for it */
			continue;
		m->attached[m->n_attached] = a->ifs.names[i];
		m->attached_mode[m->n_attached++] = a->ifs.att[i].mode;
	}

	if (a->ipfix)
		pl_ipfix_stats(a->ipfix, &is);
	m->ipfix_records = is.records;
	m->ipfix_messages = is.messages;
	m->ipfix_errors = is.errors;
	if (a->kafka)
		pl_kafka_stats(a->kafka, &ks);
	m->kafka_queued = a->carry_kafka.queued + ks.queued;
	m->kafka_delivered = a->carry_kafka.delivered + ks.delivered;
	m->kafka_dropped = a->carry_kafka.dropped + ks.dropped;
	m->kafka_errors = a->carry_kafka.errors + ks.errors;
	m->kafka_depth = ks.depth;
	m->kafka_max = a->kafka ? a->cfg.kafka_queue : 0;
	m->log_records = a->log_records;
	m->log_alerts = a->log_alerts;
	m->log_errors = a->log_errors;
	m->reloads[0] = a->reloads_ok;
	m->reloads[1] = a->reloads_failed;
	m->scan_seconds = a->scan_seconds;
	m->start_time_seconds = (double)a->start_epoch_ns / 1e9;
	pl_prom_stats(a->prom, &ps);
	m->scrapes = ps.scrapes;
	m->slow_closed[0] = ps.cut_deadline;
	m->slow_closed[1] = ps.cut_room;
	m->resident_bytes = rss_bytes();
	m->tcp = false;
	if (a->tcp)
		pl_agent_tcp_read(a->tcp, m, a->cfg.top_n);
	m->dns = a->cfg.dns;
	m->dns_m = a->carry.dns;
	if (a->cfg.dns) {
		struct pl_dns_metrics cur = { 0 };

		pl_dns_side_read(a->skel, &cur);
		pl_dns_metrics_add(&m->dns_m, &cur);
	}
	m->dns_m.unanswered = a->dns_unanswered;
}

static void publish_metrics(struct agent *a)
{
	static struct iface_sum ifs;
	static struct pl_metrics m;
	struct pl_text x = { 0 };

	if (!a->prom)
		return;
	read_metrics(a, &m, &ifs);
	pl_metrics_text(&m, &x);
	if (x.oom) {
		free(x.buf);
		return;
	}
	pl_prom_publish(a->prom, x.buf, x.len);
}

/* ---- exporters ---- */

static int open_log(struct agent *a)
{
	static char logbuf[PL_OUT_BUF_MIN * 4];

	if (a->log && a->log != stdout)
		fclose(a->log);
	a->log = NULL;
	if (!a->cfg.log_file)
		return 0;
	if (!strcmp(a->cfg.log_file, "-")) {
		a->log = stdout;
	} else {
		a->log = fopen(a->cfg.log_file, "a");
		if (!a->log) {
			pl_err("cannot open the log '%s': %s", a->cfg.log_file, strerror(errno));
			return PL_EXIT_RUNTIME;
		}
	}
	/* records go to the stream one fwrite() each */
	pl_out_init_file(&a->logw, a->log, logbuf, sizeof(logbuf));
	return 0;
}

/* Before a reload replaces it, and at exit: what is queued gets
 * KAFKA_FLUSH_MS to leave; what is still queued then is lost, and counted
 * as delivery errors. */
#define KAFKA_FLUSH_MS 5000

static void close_kafka(struct agent *a)
{
	struct pl_kafka_stats s;
	int left;

	if (!a->kafka)
		return;
	left = pl_kafka_flush(a->kafka, KAFKA_FLUSH_MS);
	if (left)
		pl_warn("kafka: %d records still queued after %d s; they are lost (the brokers "
			"are unreachable or slow: see the warnings above)",
			left, KAFKA_FLUSH_MS / 1000);
	pl_kafka_stats(a->kafka, &s);
	a->carry_kafka.queued += s.queued;
	a->carry_kafka.delivered += s.delivered;
	a->carry_kafka.dropped += s.dropped;
	a->carry_kafka.errors += s.errors + (uint64_t)left;
	pl_kafka_close(a->kafka);
	a->kafka = NULL;
}

static int open_exporters(struct agent *a, const struct pl_agent_config *old)
{
	bool same_metrics = old && !((old->metrics == NULL) != (a->cfg.metrics == NULL) ||
				     (old->metrics && strcmp(old->metrics, a->cfg.metrics)));
	bool same_ipfix = old &&
			  !((old->ipfix == NULL) != (a->cfg.ipfix == NULL) ||
			    (old->ipfix && (strcmp(old->ipfix, a->cfg.ipfix) ||
					    old->observation_domain != a->cfg.observation_domain ||
					    old->enterprise != a->cfg.enterprise)));

	if (!same_metrics) {
		pl_prom_stop(a->prom);
		a->prom = NULL;
		if (a->cfg.metrics) {
			a->prom = pl_prom_start(a->cfg.metrics);
			if (!a->prom)
				return PL_EXIT_RUNTIME;
			pl_info("metrics on http://%s/metrics", a->cfg.metrics);
		}
	}
	if (!same_ipfix) {
		if (a->ipfix)
			pl_ipfix_flush(a->ipfix, 0);
		pl_ipfix_close(a->ipfix);
		a->ipfix = NULL;
		if (a->cfg.ipfix) {
			a->ipfix = pl_ipfix_open(a->cfg.ipfix, a->cfg.observation_domain,
						 a->cfg.enterprise);
			if (!a->ipfix)
				return PL_EXIT_RUNTIME;
			a->last_templates_ns = pl_clock_ns(CLOCK_MONOTONIC);
			pl_info("IPFIX to %s (UDP)", a->cfg.ipfix);
		}
	}
	if (!old || pl_agent_kafka_differs(old, &a->cfg)) {
		close_kafka(a);
		if (pl_agent_kafka_on(&a->cfg)) {
			struct pl_kafka_cfg kc;

			pl_agent_kafka_cfg(&a->cfg, &kc);
			a->kafka = pl_kafka_open(&kc);
			if (!a->kafka)
				return PL_EXIT_RUNTIME;
			pl_info("Kafka to %s", a->cfg.kafka_brokers ? a->cfg.kafka_brokers
								    : "librdkafka's mock cluster");
		}
	}
	return open_log(a);
}

/* ---- reload ---- */

/* A walk that only brings a table's entries and evictions up to date. */
static int count_only(void *ctx, const void *key, const void *val)
{
	(void)ctx, (void)key, (void)val;
	return 0;
}

static void carry_over(struct agent *a)
{
	static struct iface_sum ifs;
	int i;

	pl_flowtab_read_counters(&a->t);
	pl_sum_percpu(bpf_map__fd(a->skel->maps.counters), PL_CNT__COUNT, a->pkt);
	for (i = 0; i < PL_CNT__COUNT; i++)
		a->carry.pkt[i] += a->pkt[i];
	if (a->cfg.detect)
		pl_sum_percpu(bpf_map__fd(a->skel->maps.det_counters), PL_DC__COUNT, a->det);
	for (i = 0; i < PL_DC__COUNT; i++)
		a->carry.det[i] += a->det[i];
	if (a->cfg.dns) {
		struct pl_dns_metrics cur = { 0 };

		pl_dns_side_read(a->skel, &cur);
		pl_dns_metrics_add(&a->carry.dns, &cur);
	}
	memset(a->det, 0, sizeof(a->det));
	for (i = 0; i < PL_FCNT__COUNT; i++)
		a->carry.fl[i] += a->t.counters[i];
	for (i = PL_END_IDLE; i <= PL_END_EXIT; i++)
		a->carry.exported[i] += a->t.exported[i];
	a->carry.flow_evictions += a->t.flow_evictions;
	for (i = 0; i < PL_TBL__COUNT; i++) {
		pl_flowtab_walk(&a->t, (enum pl_table)i, count_only, NULL);
		a->carry.tbl_evictions[i] += a->t.tbl_evictions[i];
	}
	read_ifaces(a, &ifs);
	memcpy(a->carry.ifaces, ifs.v, sizeof(ifs.v[0]) * (size_t)ifs.n);
	a->carry.n_ifaces = ifs.n;
	memset(a->pkt, 0, sizeof(a->pkt));
}

static void reload(struct agent *a)
{
	struct pl_agent_config next, old;
	bool failed = false;
	int ret;

	pl_info("SIGHUP: reloading %s", a->o->config ? a->o->config : "(no file; flags only)");
	/* an interface that is not there would fail kernel_up() after the
	 * teardown: refuse the file first, as one that does not parse (one
	 * that is only away, with reattach, is waited for instead) */
	if (pl_agent_config_load(&next, a->o->config, a->o) ||
	    (pl_agent_config_kernel_differs(&a->cfg, &next) &&
	     pl_check_names((const char *const *)next.ifaces, next.n_ifaces,
			    next.reattach ? &a->ifs : NULL))) {
		pl_agent_config_free(&next);
		pl_err("reload failed; still running with the previous configuration");
		a->reloads_failed++;
		return;
	}
	old = a->cfg;
	a->cfg = next;
	a->ifs.reattach = a->cfg.reattach;
	if (pl_agent_config_kernel_differs(&old, &next)) {
		struct pl_agent_config keep = a->cfg;
		static struct pl_ifaces before;

		pl_info("interfaces, filter, mode, table sizes or detect settings changed: "
			"rebuilding the kernel side");
		pl_detach_all(&a->ifs);
		scan(a, true);
		carry_over(a);
		before = a->ifs;
		kernel_down(a);
		ret = kernel_up(a, &before);
		if (ret) {
			pl_err("the new configuration does not load; going back to the previous "
			       "one");
			a->cfg = old;
			old = keep;
			a->reloads_failed++;
			if (kernel_up(a, &before)) {
				pl_err("the previous configuration does not load either; stopping");
				stop_requested = 1;
			}
			pl_agent_config_free(&old);
			return;
		}
	}
	/* a new key or redaction: the records from the next scan on */
	if (pl_agent_config_privacy_differs(&old, &a->cfg) &&
	    pl_privacy_start(a->cfg.key_file, (enum pl_redact)a->cfg.redact, false,
			     "privacy.key_file")) {
		pl_err("reload: the new privacy settings could not start (see above); keeping "
		       "the previous ones");
		if (pl_privacy_start(old.key_file, (enum pl_redact)old.redact, false,
				     "privacy.key_file"))
			stop_requested = 1; /* no record leaves unprotected */
		failed = true;
	}
	if (old.tcp != a->cfg.tcp) {
		pl_agent_tcp_stop(a->tcp);
		a->tcp = a->cfg.tcp ? pl_agent_tcp_start() : NULL;
		if (a->cfg.tcp && !a->tcp) {
			pl_err("reload: the TCP metrics could not start (see above); running "
			       "without them");
			a->cfg.tcp = false; /* the next reload with tcp: true tries again */
			failed = true;
		}
	}
	if (open_exporters(a, &old)) {
		pl_err("reload: an exporter could not start (see above); the others run");
		failed = true;
	}
	/* one reload, one count */
	if (failed)
		a->reloads_failed++;
	else
		a->reloads_ok++;
	pl_agent_config_free(&old);
}

/* ---- main ---- */

int cmd_agent(struct pl_opts *o)
{
	struct agent *a = calloc(1, sizeof(*a));
	struct sigaction sa = { 0 };
	uint64_t next = 0, interval, t0;
	int ret;

	if (!a)
		return PL_EXIT_RUNTIME;
	a->o = o;
	ret = pl_agent_config_load(&a->cfg, o->config, o);
	if (ret)
		goto out;
	ret = pl_privacy_start(a->cfg.key_file, (enum pl_redact)a->cfg.redact, false,
			       "privacy.key_file");
	if (ret)
		goto out;
	ret = pl_check_btf();
	if (ret)
		goto out;
	pl_log_setup_libbpf();
	/* before "metrics on", which scripts wait for: a signal sent
	 * after it must not be lost (a background job of a script starts
	 * with SIGINT ignored) */
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	ret = kernel_up(a, NULL);
	if (ret)
		goto out;
	if (a->cfg.tcp && !(a->tcp = pl_agent_tcp_start())) {
		ret = PL_EXIT_RUNTIME;
		goto out;
	}
	ret = open_exporters(a, NULL);
	if (ret)
		goto out;

	a->mono_to_epoch_ns = pl_mono_to_epoch_ns();
	a->start_epoch_ns = pl_clock_ns(CLOCK_REALTIME);
	t0 = pl_clock_ns(CLOCK_MONOTONIC);
	publish_metrics(a);
	while (!stop_requested) {
		uint64_t now = pl_clock_ns(CLOCK_MONOTONIC);

		if (reload_requested) {
			reload_requested = 0;
			reload(a);
			next = 0;
			continue;
		}
		if (o->duration && (double)(now - t0) / 1e9 >= o->duration)
			break;
		if (pl_ifaces_status(&a->ifs)) { /* no interface left (--no-reattach) */
			ret = pl_ifaces_status(&a->ifs);
			break;
		}
		if (now < next) {
			/* alerts and link changes end the wait at once */
			pl_ifaces_wait(&a->ifs, a->rb ? ring_buffer__epoll_fd(a->rb) : -1, 50);
			pl_kafka_poll(a->kafka); /* delivery reports */
			if (a->rb) {
				int err = ring_buffer__consume(a->rb);

				if (err < 0 && err != -EINTR) {
					pl_err("reading the ring buffer failed: %s",
					       strerror(-err));
					ret = PL_EXIT_RUNTIME;
					break;
				}
				if (err > 0 && a->log)
					fflush(a->log);
			}
			continue;
		}
		interval = (uint64_t)(a->cfg.idle_timeout / 4 * 1e9);
		if (interval > 1000000000ull)
			interval = 1000000000ull;
		if (interval < 50000000ull)
			interval = 50000000ull;
		next = now + interval;
		if (scan(a, false)) {
			ret = PL_EXIT_RUNTIME;
			break;
		}
		publish_metrics(a);
		a->scan_seconds = (double)(pl_clock_ns(CLOCK_MONOTONIC) - now) / 1e9;
	}
	/* SIGTERM: no more packets, then every flow left goes out */
	pl_detach_all(&a->ifs);
	if (scan(a, true))
		ret = PL_EXIT_RUNTIME;
	publish_metrics(a);
	pl_info("stopped; %llu flow records exported", (unsigned long long)(a->t.flows_deleted));

out:
	pl_prom_stop(a->prom);
	if (a->ipfix)
		pl_ipfix_flush(a->ipfix, 0);
	pl_ipfix_close(a->ipfix);
	close_kafka(a);
	if (a->log && a->log != stdout)
		fclose(a->log);
	else if (a->log)
		fflush(a->log);
	kernel_down(a);
	pl_agent_tcp_stop(a->tcp);
	pl_agent_config_free(&a->cfg);
	free(a);
	return ret;
}
