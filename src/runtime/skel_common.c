// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "filter/cbpf.h"
#include "util/log.h"
#include "packet_skel.h"
#include "parse/parse.h"
#include "skel_common.h"

int pl_resolve_names(const char *const *names, int n, const char *cmd,
		     struct pl_ifaces *ifs)
{
	int i;

	if (!n) {
		pl_err("%s needs -i IFACE (see 'ip -br link' for the names)", cmd);
		return PL_EXIT_USAGE;
	}
	ifs->n = 0;
	for (i = 0; i < n; i++) {
		ifs->indexes[i] = (int)if_nametoindex(names[i]);
		if (!ifs->indexes[i]) {
			pl_err("no interface named '%s' here (see 'ip -br link'; in a namespace, run pktlens inside it with 'ip netns exec')",
			       names[i]);
			return PL_EXIT_USAGE;
		}
		snprintf(ifs->names[i], IF_NAMESIZE, "%s", names[i]);
		ifs->n++;
	}
	return 0;
}

int pl_resolve_ifaces(const struct pl_opts *o, const char *cmd, struct pl_ifaces *ifs)
{
	return pl_resolve_names(o->ifaces, o->n_ifaces, cmd, ifs);
}

const char *pl_ifname(const struct pl_ifaces *ifs, __u32 ifindex)
{
	int i;

	for (i = 0; i < ifs->n; i++)
		if (ifs->indexes[i] == (int)ifindex)
			return ifs->names[i];
	return "?";
}

int pl_iface_vanished(const struct pl_ifaces *ifs)
{
	char name[IF_NAMESIZE];
	int i;

	for (i = 0; i < ifs->n; i++) {
		if (!if_indextoname((unsigned)ifs->indexes[i], name) &&
		    (errno == ENXIO || errno == ENODEV)) {
			pl_err("interface %s disappeared; stopping (start pktlens again once it is back)",
			       ifs->names[i]);
			return 1;
		}
	}
	return 0;
}

int pl_prepare_packet_cmd(const struct pl_opts *o, const char *cmd,
			  struct pl_filter *filter, struct pl_ifaces *ifs)
{
	int ret = pl_opts_compile_filter(o, filter);

	if (!ret)
		ret = pl_resolve_ifaces(o, cmd, ifs);
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

void pl_narrow_parse(struct packet_bpf *skel)
{
	const typeof(*skel->rodata) *ro = skel->rodata;

	skel->rodata->parse_parts = pl_parse_parts(ro->emit_records || ro->detect_enabled,
						   ro->flow_flags,
						   (const struct pl_filter *)&ro->filter);
}

int pl_load_packet(struct packet_bpf *skel)
{
	int err;

	pl_narrow_parse(skel);
	err = packet_bpf__load(skel);

	if (!err)
		return 0;
	/* EACCES from a root process is the verifier saying no */
	if (err == -EPERM || (err == -EACCES && geteuid() != 0))
		pl_err("not allowed to load BPF programs: run as root or grant CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON");
	else if (err == -ENOMEM)
		pl_err("the kernel could not allocate the BPF maps (%s); use smaller tables (--flow-entries, --table-entries) or raise the memlock limit",
		       strerror(-err));
	else
		pl_err("the kernel refused the BPF programs (%s); run with -v to see the verifier's log",
		       strerror(-err));
	return PL_EXIT_RUNTIME;
}

int pl_attach_all(struct packet_bpf *skel, const struct pl_ifaces *ifs,
		  enum pl_attach_mode mode, struct pl_attachment *att, int *n_att)
{
	int i;

	*n_att = 0;
	for (i = 0; i < ifs->n; i++) {
		if (pl_attach(&att[i], ifs->names[i], ifs->indexes[i], mode,
			      skel->rodata->droplist_enabled != 0, skel->progs.pktlens_xdp,
			      skel->progs.pktlens_tc)) {
			pl_detach_all(att, n_att);
			return PL_EXIT_RUNTIME;
		}
		(*n_att)++;
	}
	return 0;
}

void pl_detach_all(struct pl_attachment *att, int *n_att)
{
	int i;

	for (i = 0; i < *n_att; i++)
		pl_detach(&att[i]);
	*n_att = 0;
}

void pl_sum_percpu(int map_fd, __u32 n, __u64 *out)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	__u64 *vals = calloc(ncpu > 0 ? (size_t)ncpu : 1, sizeof(*vals));
	__u32 k;

	for (k = 0; k < n; k++) {
		out[k] = 0;
		if (!vals || ncpu <= 0 || bpf_map_lookup_elem(map_fd, &k, vals))
			continue;
		for (c = 0; c < ncpu; c++)
			out[k] += vals[c];
	}
	free(vals);
}
