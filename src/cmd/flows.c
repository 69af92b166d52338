// SPDX-License-Identifier: BSD-2-Clause
/*
 * pktlens flows: flow records from the kernel's flow table, exported as
 * NetFlow/IPFIX meters do: when a flow has been idle for the idle timeout,
 * when it has been open for the active timeout (it then starts afresh),
 * and at exit. One record per direction.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "cmds.h"
#include "output/flow_output.h"
#include "runtime/flowtab.h"
#include "util/log.h"
#include "runtime/packet_skel.h"
#include "runtime/percpu.h"
#include "runtime/skel_common.h"
#include "runtime/ringloop.h"
#include "runtime/attr.h"
#include "filter/procterms.h"

/* Records of one scan are printed in order of their first packet, in
 * batches of at most BATCH_RECORDS. */
#define BATCH_RECORDS 4096

struct flows_ctx {
	struct pl_opts *o;
	struct pl_ifaces ifs;
	uint64_t mono_to_epoch_ns;
	uint64_t printed;
	struct pl_flow_ended *batch;
	size_t n;
	struct pl_out out; /* records, to stdout */
	struct pl_proc_terms terms; /* the filter's proc terms, on the records */
};

static void print_batch(struct flows_ctx *c)
{
	size_t i;

	pl_flow_sort_by_start(c->batch, c->n);
	for (i = 0; i < c->n; i++) {
		const struct pl_flow_ended *e = &c->batch[i];
		const char *ifname = pl_ifname(&c->ifs, e->f.key.ifindex);

		if (c->o->count && c->printed >= c->o->count)
			break;
		if (c->terms.n && !pl_proc_terms_match(&c->terms, &e->f.proc))
			continue;
		if (c->o->json)
			pl_write_flow_json(&c->out, &e->f, e->why, c->mono_to_epoch_ns, ifname);
		else
			pl_write_flow_text(&c->out, &e->f, e->why, c->mono_to_epoch_ns, ifname);
		c->printed++;
	}
	c->n = 0;
	fflush(stdout);
}

static void on_flow(void *ctx, const struct pl_flow *f, enum pl_flow_end why)
{
	struct flows_ctx *c = ctx;

	c->batch[c->n].f = *f;
	c->batch[c->n].why = why;
	if (++c->n == BATCH_RECORDS)
		print_batch(c);
}

static void print_stats(const struct pl_flowtab *t, const __u64 *pkt)
{
	fprintf(stderr,
		"pktlens: %llu packets seen, %llu matched; %llu flows created, %llu exported (%llu "
		"idle, %llu active, %llu at exit), %llu evicted from a full table, %llu not "
		"tracked; %llu QUIC Initials read here, %llu with an SNI\n",
		(unsigned long long)pkt[PL_CNT_SEEN], (unsigned long long)pkt[PL_CNT_MATCHED],
		(unsigned long long)t->counters[PL_FCNT_FLOW_NEW],
		(unsigned long long)t->flows_deleted, (unsigned long long)t->exported[PL_END_IDLE],
		(unsigned long long)t->exported[PL_END_ACTIVE],
		(unsigned long long)t->exported[PL_END_EXIT], (unsigned long long)t->flow_evictions,
		(unsigned long long)t->counters[PL_FCNT_FLOW_FAIL],
		(unsigned long long)t->quic_initials, (unsigned long long)t->quic_named);
}

/* --dns: a DNS flow's first response keeps its dns.time */
static void flows_prepare(struct packet_bpf *skel, void *ctx)
{
	const struct pl_opts *o = ctx;

	pl_dns_prepare(skel, o->dns);
}

int cmd_flows(struct pl_opts *o)
{
	static char outbuf[PL_OUT_BUF_MIN * 4];
	struct flows_ctx c = { .o = o };
	struct pl_flowtab_cfg cfg;
	struct pl_flowtab t = { 0 };
	struct packet_bpf *skel = NULL;
	static struct pl_filter filter;
	static struct pl_attrib attrib;
	bool attributing = false;
	uint64_t idle_ns, active_ns, start, next_scan, interval, last_evicted = 0;
	__u64 pkt[PL_CNT__COUNT];
	int ret;
	bool opened = false;
	long n;

	pl_out_init_file(&c.out, stdout, outbuf, sizeof(outbuf));
	ret = pl_take_proc_terms(o, &c.terms);
	if (ret)
		return ret;
	ret = pl_prepare_packet_cmd(o, "flows", &filter, &c.ifs);
	if (ret)
		return ret;
	c.batch = malloc(BATCH_RECORDS * sizeof(*c.batch));
	if (!c.batch)
		return PL_EXIT_RUNTIME;

	pl_flowtab_cfg_opts(&cfg, o, PL_FLOW_TABLE | PL_FLOW_NAMES);
	cfg.quic = true; /* QUIC flows are named too */
	cfg.ifs = &c.ifs;
	idle_ns = (uint64_t)((o->idle_timeout ? o->idle_timeout : PL_IDLE_TIMEOUT_DEFAULT) * 1e9);
	active_ns = (uint64_t)((o->active_timeout ? o->active_timeout : PL_ACTIVE_TIMEOUT_DEFAULT) *
			       1e9);

	ret = pl_flowtab_load(&filter, &cfg, flows_prepare, o, &skel, &t);
	if (ret)
		goto cleanup;
	opened = true;
	/* --attribute: each flow's owner, looked up in user space when the
	 * flow is first seen (runtime/attr.c); nothing per packet */
	if (o->attribute) {
		ret = pl_attrib_open(&attrib);
		if (ret)
			goto cleanup;
		attributing = true;
		if (pl_attrib_flows(&attrib, cfg.flow_entries)) {
			ret = PL_EXIT_RUNTIME;
			goto cleanup;
		}
		t.attribute = pl_attrib_flow_hook;
		t.attribute_ctx = &attrib;
	}
	ret = pl_attach_all(skel, &c.ifs, o->mode);
	if (!ret)
		ret = pl_ifaces_follow(&c.ifs, o->reattach);
	if (ret)
		goto cleanup;

	pl_catch_stop_signals();
	pl_catch_hangup(); /* nothing to reload: SIGHUP ends it as SIGTERM does */
	pl_loop_begin(o->duration, NULL, NULL);
	c.mono_to_epoch_ns = pl_mono_to_epoch_ns();
	interval = pl_flow_scan_interval_ns(idle_ns);
	start = pl_clock_ns(CLOCK_MONOTONIC);
	next_scan = start + interval;
	while (!pl_loop_check(pl_clock_ns(CLOCK_MONOTONIC))) {
		uint64_t now = pl_clock_ns(CLOCK_MONOTONIC);

		if (pl_ifaces_status(
			    &c.ifs)) { /* no interface left: what is in the table goes out */
			ret = pl_ifaces_status(&c.ifs);
			break;
		}
		if (now < next_scan) {
			uint64_t wait = next_scan - now;

			/* link changes and QUIC Initials end the wait at once */
			pl_ifaces_wait(&c.ifs, pl_flowtab_ring_fd(&t),
				       wait > 100000000 ? 100 : (int)(wait / 1000000) + 1);
			n = pl_flowtab_poll(&t);
			if (n < 0) {
				pl_err("reading the ring buffer failed: %s", strerror((int)-n));
				ret = PL_EXIT_RUNTIME;
				break;
			}
			continue;
		}
		next_scan = now + interval;
		n = pl_flowtab_expire(&t, now, idle_ns, active_ns, false, on_flow, &c);
		print_batch(&c);
		if (n < 0) {
			pl_err("reading the flow table failed: %s", strerror((int)-n));
			ret = PL_EXIT_RUNTIME;
			break;
		}
		if (o->count && c.printed >= o->count)
			break;
		if (t.flow_evictions != last_evicted) {
			pl_warn("%llu flows evicted from the full flow table so far (it holds %u); "
				"raise --flow-entries or lower --idle-timeout",
				(unsigned long long)t.flow_evictions,
				pl_flowtab_max_entries(&t, -1));
			last_evicted = t.flow_evictions;
		}
	}
	/* no more packets: what is left in the table is final */
	pl_detach_all(&c.ifs);
	if (!(o->count && c.printed >= o->count)) {
		n = pl_flowtab_expire(&t, pl_clock_ns(CLOCK_MONOTONIC), idle_ns, active_ns, true,
				      on_flow, &c);
		print_batch(&c);
		if (n < 0) {
			pl_err("reading the flow table failed: %s", strerror((int)-n));
			ret = PL_EXIT_RUNTIME;
		}
	}
	/* records that could not be written are an error, as in read */
	ret = pl_stdout_status(ret);
	if (o->stats) {
		pl_flowtab_read_counters(&t);
		pl_sum_percpu(bpf_map__fd(skel->maps.counters), PL_CNT__COUNT, pkt);
		print_stats(&t, pkt);
	}

cleanup:
	pl_ifaces_close(&c.ifs);
	if (opened)
		pl_flowtab_close(&t);
	packet_bpf__destroy(skel);
	if (attributing)
		pl_attrib_close(&attrib);
	free(c.batch);
	return ret;
}
