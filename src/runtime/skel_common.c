// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <pcap/dlt.h> /* (pcap.h clashes with linux/bpf.h) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "filter/cbpf.h"
#include "filter/procterms.h"
#include "util/log.h"
#include "packet_skel.h"
#include "parse/cursor.h" /* enum pl_parse_part */
#include "parse/parse.h"
#include "records/dns_match.h"
#include "skel_common.h"

int pl_take_proc_terms(struct pl_opts *o, struct pl_proc_terms *pt)
{
	static char rest[4096];
	char err[512];

	memset(pt, 0, sizeof(*pt));
	if (!o->filter)
		return 0;
	if (pl_proc_terms_split(o->filter, pt, rest, sizeof(rest), err, sizeof(err))) {
		pl_err("filter: %s", err);
		return PL_EXIT_USAGE;
	}
	if (pt->n) {
		o->attribute = true;
		o->filter = rest[0] ? rest : NULL;
	}
	return 0;
}

int pl_prepare_packet_cmd(const struct pl_opts *o, const char *cmd, struct pl_filter *filter,
			  struct pl_ifaces *ifs)
{
	int ret = pl_opts_compile_filter(o, filter), i, n_l3 = 0;

	if (!ret)
		ret = pl_resolve_ifaces(o, cmd, ifs);
	for (i = 0; !ret && i < ifs->n; i++)
		n_l3 += ifs->linktype[i] != PL_LINK_ETHERNET;
	/* before the load: a bare-IP device cannot be watched in XDP */
	if (!ret && n_l3 && (o->mode == PL_MODE_XDP || o->mode == PL_MODE_XDP_GENERIC)) {
		for (i = 0; ifs->linktype[i] == PL_LINK_ETHERNET; i++)
			;
		pl_err("%s carries bare IP packets (no Ethernet header): pktlens watches it at TC "
		       "ingress; use --mode tc or auto",
		       ifs->names[i]);
		return PL_EXIT_USAGE;
	}
	/* libpcap's header tests are compiled for one link type */
	if (!ret && n_l3 && filter->n_blocks) {
		if (n_l3 < ifs->n) {
			pl_err("the filter's header tests differ for Ethernet and bare-IP "
			       "interfaces; watch them in two runs");
			return PL_EXIT_USAGE;
		}
		ret = pl_opts_compile_filter_for(o, DLT_RAW, filter);
	}
	if (!ret)
		ret = pl_check_btf();
	if (!ret)
		pl_log_setup_libbpf();
	return ret;
}

struct packet_bpf *pl_open_packet(const struct pl_filter *filter, int emit_records)
{
	struct packet_bpf *skel = packet_bpf__open();
	char err[256];

	if (!skel) {
		pl_err("cannot open the BPF programs: %s", strerror(errno));
		return NULL;
	}
	skel->rodata->emit_records = (__u32)emit_records;
	memcpy((void *)&skel->rodata->filter, filter, sizeof(*filter));
	if (pl_filter_splice(skel->obj, filter, err, sizeof(err))) {
		pl_err("cannot put the filter into the BPF programs: %s", err);
		packet_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

void pl_dns_prepare(struct packet_bpf *skel, bool on)
{
	skel->rodata->dns_latency = on;
	if (on)
		bpf_map__set_max_entries(skel->maps.dns_pending, PL_DNS_PENDING_ENTRIES);
}

void pl_narrow_parse(struct packet_bpf *skel)
{
	const typeof(*skel->rodata) *ro = skel->rodata;

	skel->rodata->parse_parts = pl_parse_parts(ro->emit_records || ro->detect_enabled,
						   ro->flow_flags,
						   (const struct pl_filter *)&ro->filter);
	/* --dns reads the DNS header of every message */
	if (ro->dns_latency)
		skel->rodata->parse_parts |= PL_PART_L7;
}

int pl_load_packet(struct packet_bpf *skel)
{
	int err;

	pl_narrow_parse(skel);
	err = packet_bpf__load(skel);
	return err ? pl_load_failed(err, "(--flow-entries, --table-entries)") : 0;
}

int pl_load_failed(int err, const char *tables)
{
	/* EACCES from a root process is the verifier saying no */
	if (err == -EPERM || (err == -EACCES && geteuid() != 0))
		pl_err("not allowed to load BPF programs: run as root or grant CAP_BPF, "
		       "CAP_NET_ADMIN and CAP_PERFMON");
	else if (err == -ENOMEM)
		pl_err("the kernel could not allocate the BPF maps (%s); use smaller tables "
		       "%s or raise the memlock limit",
		       strerror(-err), tables);
	else
		pl_err("the kernel refused the BPF programs (%s); run with -v to see the "
		       "verifier's log",
		       strerror(-err));
	return PL_EXIT_RUNTIME;
}

/*
 * An interface whose packets start at the IP header (tun, ipip,
 * WireGuard): XDP there sees no L2 header either and tun runs no native
 * XDP, so it gets tcx, and the kernel's table tells the TC program where
 * its packets start. Returns 0, or -1 after a message.
 */
static int set_l3_link(struct pl_ifaces *ifs, int i, bool needs_xdp)
{
	__u32 k = (__u32)ifs->indexes[i] % PL_LINK_SLOTS;
	struct pl_link_slot slot = { 0 }, was = { 0 };
	int fd = bpf_map__fd(ifs->skel->maps.link_types);
	bool l3;

	if (pl_iface_linktype(ifs->names[i], &ifs->linktype[i]))
		return -1;
	l3 = ifs->linktype[i] != PL_LINK_ETHERNET;
	if (bpf_map_lookup_elem(fd, &k, &was))
		was.ifindex = 0;
	if (!l3) {
		/* a slot an L3 device of this ifindex left behind */
		return was.ifindex == (__u32)ifs->indexes[i] ? bpf_map_update_elem(fd, &k, &slot, 0)
							      : 0;
	}
	if (needs_xdp || ifs->mode == PL_MODE_XDP || ifs->mode == PL_MODE_XDP_GENERIC) {
		pl_err("%s carries bare IP packets (no Ethernet header): pktlens watches it at TC "
		       "ingress; use --mode tc or auto%s",
		       ifs->names[i], needs_xdp ? ", without --enforce" : "");
		return -1;
	}
	if (was.ifindex && was.ifindex != (__u32)ifs->indexes[i] &&
	    pl_ifaces_linktype(ifs, was.ifindex) != PL_LINK_ETHERNET) {
		pl_err("%s and ifindex %u share a slot of the kernel's link-type table (ifindex "
		       "modulo %d); watch them in two runs",
		       ifs->names[i], was.ifindex, PL_LINK_SLOTS);
		return -1;
	}
	slot.ifindex = (__u32)ifs->indexes[i];
	slot.linktype = ifs->linktype[i];
	if (bpf_map_update_elem(fd, &k, &slot, 0)) {
		pl_err("cannot note the link type of %s for the kernel: %s", ifs->names[i],
		       strerror(errno));
		return -1;
	}
	pl_info("%s carries bare IP packets (tun, ipip, WireGuard): parsed from the IP header "
		"at TC ingress",
		ifs->names[i]);
	return 0;
}

static int attach_one(struct pl_ifaces *ifs, int i)
{
	bool needs_xdp = ifs->skel->rodata->droplist_enabled != 0;

	if (set_l3_link(ifs, i, needs_xdp))
		return -EINVAL;
	return pl_attach(&ifs->att[i], ifs->names[i], ifs->indexes[i],
			 ifs->linktype[i] != PL_LINK_ETHERNET ? PL_MODE_TC : ifs->mode, needs_xdp,
			 ifs->skel->progs.pktlens_xdp, ifs->skel->progs.pktlens_tc);
}

int pl_attach_each(struct packet_bpf *skel, struct pl_ifaces *ifs, enum pl_attach_mode mode,
		   int (*attach)(struct pl_ifaces *ifs, int i))
{
	int i;

	ifs->skel = skel;
	ifs->mode = mode;
	ifs->attach = attach;
	for (i = 0; i < ifs->n; i++) {
		if (ifs->indexes[i] && attach(ifs, i)) {
			pl_detach_all(ifs);
			return PL_EXIT_RUNTIME;
		}
	}
	return 0;
}

int pl_attach_all(struct packet_bpf *skel, struct pl_ifaces *ifs, enum pl_attach_mode mode)
{
	return pl_attach_each(skel, ifs, mode, attach_one);
}
