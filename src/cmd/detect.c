// SPDX-License-Identifier: BSD-2-Clause
/*
 * pktlens detect: the in-kernel detectors (src/detect/detect.c run by the
 * XDP/TC programs) send alerts through the ring buffer; with --enforce an
 * alert also puts its source on the XDP drop list for --block-ttl, and
 * --rate-limit drops what a source sends over its rate. The drop list is
 * pinned under /sys/fs/bpf/pktlens/ for `pktlens block`.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include "runtime/attach.h"
#include "cmds.h"
#include "util/log.h"
#include "runtime/packet_skel.h"
#include "runtime/percpu.h"
#include "runtime/skel_common.h"
#include "runtime/ringloop.h"
#include "detect/alert.h"
#include "detect/config.h"
#include "detect/host.h"
#include "detect/pin.h"
#include "runtime/attr.h"

#define NSEC		  1000000000ull
#define DEFAULT_BLOCK_TTL 60.0

int pl_det_opts_config(const struct pl_opts *o, struct pl_det_config *cfg)
{
	char err[256];
	int i;

	pl_det_config_default(cfg);
	if (o->window && pl_det_config_set(cfg, "window", o->window, err, sizeof(err))) {
		pl_err("--%s", err);
		return PL_EXIT_USAGE;
	}
	for (i = 0; i < o->n_thresholds; i++) {
		if (pl_det_config_set_list(cfg, o->thresholds[i], err, sizeof(err))) {
			pl_err("--threshold: %s", err);
			return PL_EXIT_USAGE;
		}
	}
	return 0;
}

struct det_run {
	struct pl_opts *o;
	struct pl_ifaces ifs;
	uint64_t mono_to_epoch_ns;
	uint64_t alerts;
	struct pl_out out; /* alerts, to stdout */
	struct packet_bpf *skel;
	__u64 last_lost;
	struct pl_attrib *attrib; /* --attribute, or NULL */
};

/* Once a second: the other half of expiry (entries no packet matched),
 * loss. */
static int det_each_second(void *ctx, uint64_t now)
{
	struct det_run *r = ctx;
	__u64 d[PL_DC__COUNT];

	pl_det_sweep(bpf_map__fd(r->skel->maps.det_drop4), bpf_map__fd(r->skel->maps.det_drop6),
		     bpf_map__fd(r->skel->maps.det_state), now);
	pl_sum_percpu(bpf_map__fd(r->skel->maps.det_counters), PL_DC__COUNT, d);
	if (d[PL_DC_ALERTS_LOST] != r->last_lost) {
		pl_warn("%llu alerts lost in the ring buffer in the last second: the reader is too "
			"slow",
			(unsigned long long)(d[PL_DC_ALERTS_LOST] - r->last_lost));
		r->last_lost = d[PL_DC_ALERTS_LOST];
	}
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct det_run *r = ctx;
	struct pl_alert_event a;
	struct pl_proc proc;

	if (size < sizeof(a))
		return 0;
	/* copy out of the ring before reading: the kernel owns that memory */
	memcpy(&a, data, sizeof(a));
	if (a.type != PL_EV_ALERT)
		return 0;
	/* --attribute: the local socket the alert's packet went to */
	pl_write_alert(&r->out, r->o->json, &a, a.ts_ns + r->mono_to_epoch_ns,
		       pl_ifname(&r->ifs, a.ifindex),
		       r->attrib && pl_attrib_alert(r->attrib, &a, &proc) ? &proc : NULL);
	r->alerts++;
	if (r->o->count && r->alerts >= r->o->count)
		return 1;
	return 0;
}

/* --allow (or the agent's detect.allow): into the allow tries; with skel
 * NULL, only checks and counts. */
int pl_det_load_allow(struct packet_bpf *skel, const char *const *allow, int n_allow, __u32 *n)
{
	char *copy, *tok, *save = NULL;
	struct pl_cidr c;
	__u8 one = 1;
	int i, ret = 0;

	*n = 0;
	for (i = 0; i < n_allow && !ret; i++) {
		copy = strdup(allow[i]);
		if (!copy)
			return PL_EXIT_RUNTIME;
		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			struct pl_lpm4 k4 = { 0 };
			struct pl_lpm6 k6 = { 0 };

			if (pl_parse_cidr(tok, &c)) {
				pl_err("--allow: '%s' is not an IPv4 or IPv6 address or prefix "
				       "(e.g. 198.18.0.0/15, 2001:db8::/32)",
				       tok);
				ret = PL_EXIT_USAGE;
				break;
			}
			if (!skel) { /* only checking */
				(*n)++;
				continue;
			}
			if (c.ip6) {
				k6.prefixlen = c.prefixlen;
				memcpy(k6.addr, c.addr, 16);
				ret = bpf_map_update_elem(bpf_map__fd(skel->maps.det_allow6), &k6,
							  &one, BPF_ANY);
			} else {
				k4.prefixlen = c.prefixlen;
				memcpy(k4.addr, c.addr, 4);
				ret = bpf_map_update_elem(bpf_map__fd(skel->maps.det_allow4), &k4,
							  &one, BPF_ANY);
			}
			if (ret) {
				pl_err("--allow: cannot add %s: %s (at most %d prefixes)", tok,
				       strerror(errno), 1024);
				ret = PL_EXIT_RUNTIME;
				break;
			}
			(*n)++;
		}
		free(copy);
	}
	return ret;
}

/* --enforce and --rate-limit drop, so they need XDP: native, else generic
 * (which every interface has), never TC. */
static int attach_xdp_one(struct pl_ifaces *ifs, int i)
{
	LIBBPF_OPTS(bpf_link_create_opts, drv, .flags = XDP_FLAGS_DRV_MODE);
	LIBBPF_OPTS(bpf_link_create_opts, skb, .flags = XDP_FLAGS_SKB_MODE);
	int fd = -1, prog = bpf_program__fd(ifs->skel->progs.pktlens_xdp);
	enum pl_attach_mode m = PL_MODE_XDP;

	if (ifs->mode != PL_MODE_XDP_GENERIC)
		fd = bpf_link_create(prog, ifs->indexes[i], BPF_XDP, &drv);
	if (fd < 0 && ifs->mode != PL_MODE_XDP) {
		fd = bpf_link_create(prog, ifs->indexes[i], BPF_XDP, &skb);
		m = PL_MODE_XDP_GENERIC;
	}
	if (fd < 0) {
		pl_err("--enforce and --rate-limit drop at XDP, and XDP cannot attach to %s (%s); "
		       "free it (ip link set dev %s xdp off) or run detect without them",
		       ifs->names[i], strerror(errno), ifs->names[i]);
		return PL_EXIT_RUNTIME;
	}
	ifs->att[i].link_fd = fd;
	ifs->att[i].ifindex = ifs->indexes[i];
	ifs->att[i].mode = m;
	pl_info("watching %s with %s, enforcing", ifs->names[i], pl_mode_name(m));
	return 0;
}

int pl_det_attach_xdp(struct packet_bpf *skel, struct pl_ifaces *ifs, enum pl_attach_mode mode)
{
	return pl_attach_each(skel, ifs, mode, attach_xdp_one);
}

static void print_stats(struct packet_bpf *skel, uint64_t alerts)
{
	__u64 c[PL_CNT__COUNT], d[PL_DC__COUNT];

	pl_sum_percpu(bpf_map__fd(skel->maps.counters), PL_CNT__COUNT, c);
	pl_sum_percpu(bpf_map__fd(skel->maps.det_counters), PL_DC__COUNT, d);
	fprintf(stderr,
		"pktlens: %llu packets seen, %llu matched, %llu alerts printed, %llu alerts lost "
		"in the ring buffer, %llu sources blocked, %llu packets dropped by the drop list, "
		"%llu by --rate-limit, %llu expired entries removed\n",
		(unsigned long long)c[PL_CNT_SEEN], (unsigned long long)c[PL_CNT_MATCHED],
		(unsigned long long)alerts, (unsigned long long)d[PL_DC_ALERTS_LOST],
		(unsigned long long)d[PL_DC_BLOCKS], (unsigned long long)d[PL_DC_DROPPED],
		(unsigned long long)d[PL_DC_RATE_LIMITED], (unsigned long long)d[PL_DC_EXPIRED]);
}

int cmd_detect(struct pl_opts *o)
{
	static char outbuf[PL_OUT_BUF_MIN * 4];
	struct det_run r = { .o = o };
	struct packet_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	static struct pl_filter filter;
	static struct pl_attrib attrib;
	struct pl_det_config cfg;
	bool enforcing = o->enforce || o->rate_limit;
	int ret;
	__u32 n_allow = 0;

	pl_out_init_file(&r.out, stdout, outbuf, sizeof(outbuf));
	ret = pl_det_opts_config(o, &cfg);
	if (ret)
		return ret;
	if (o->block_ttl && !o->enforce) {
		pl_err("--block-ttl is how long --enforce blocks; add --enforce");
		return PL_EXIT_USAGE;
	}
	if (o->n_allow && !enforcing) {
		pl_err("--allow exempts sources from --enforce and --rate-limit; add one of them");
		return PL_EXIT_USAGE;
	}
	ret = pl_det_load_allow(NULL, o->allow, o->n_allow, &n_allow);
	if (ret)
		return ret;
	if (enforcing && o->mode == PL_MODE_TC) {
		pl_err("--enforce and --rate-limit drop at XDP; --mode tc cannot: use --mode xdp, "
		       "xdp-generic or auto");
		return PL_EXIT_USAGE;
	}
	if (o->enforce)
		cfg.enforce_ttl_ns =
			(uint64_t)((o->block_ttl ? o->block_ttl : DEFAULT_BLOCK_TTL) * 1e9);
	if (cfg.enforce_ttl_ns && cfg.enforce_ttl_ns < NSEC) {
		pl_err("--block-ttl: at least 1 second");
		return PL_EXIT_USAGE;
	}
	cfg.rate_limit_pps = o->rate_limit;
	cfg.allow_n = n_allow;
	ret = pl_prepare_packet_cmd(o, "detect", &filter, &r.ifs);
	if (ret)
		return ret;

	skel = pl_open_packet(&filter, 0);
	if (!skel)
		return PL_EXIT_RUNTIME;
	pl_det_prepare(skel, &cfg, true);
	ret = pl_load_packet(skel);
	if (ret)
		goto cleanup;
	ret = pl_det_load_allow(skel, o->allow, o->n_allow, &n_allow);
	if (ret)
		goto cleanup;
	if (o->attribute) {
		ret = pl_attrib_open(&attrib);
		if (ret)
			goto cleanup;
		r.attrib = &attrib;
	}
	/* before the pins exist: a signal from now on ends the run through
	 * the cleanup below, which removes them */
	pl_catch_stop_signals();
	pl_catch_hangup(); /* nothing to reload: SIGHUP ends it as SIGTERM does */
	pl_det_pin(skel, "detect");
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, &r, NULL);
	if (!rb) {
		pl_err("cannot set up the ring buffer: %s", strerror(errno));
		ret = PL_EXIT_RUNTIME;
		goto cleanup;
	}
	if (enforcing)
		ret = pl_det_attach_xdp(skel, &r.ifs, o->mode);
	else
		ret = pl_attach_all(skel, &r.ifs, o->mode);
	if (!ret)
		ret = pl_ifaces_follow(&r.ifs, o->reattach);
	if (ret)
		goto cleanup;

	r.mono_to_epoch_ns = pl_mono_to_epoch_ns();
	r.skel = skel;
	ret = pl_run_ring_loop(&(struct pl_ring_loop){ .rb = rb,
						       .ifs = &r.ifs,
						       .o = o,
						       .printed = &r.alerts,
						       .each_second = det_each_second,
						       .ctx = &r });
	ret = pl_stdout_status(ret); /* alerts that could not be written are an error */
	if (o->stats)
		print_stats(skel, r.alerts);

cleanup:
	pl_det_unpin(skel);
	pl_ifaces_close(&r.ifs);
	ring_buffer__free(rb);
	packet_bpf__destroy(skel);
	if (r.attrib)
		pl_attrib_close(r.attrib);
	return ret;
}
