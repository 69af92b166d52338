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

int pl_prepare_packet_cmd(const struct pl_opts *o, const char *cmd, struct pl_filter *filter,
			  struct pl_ifaces *ifs)
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

static int attach_one(struct pl_ifaces *ifs, int i)
{
	return pl_attach(&ifs->att[i], ifs->names[i], ifs->indexes[i], ifs->mode,
			 ifs->skel->rodata->droplist_enabled != 0, ifs->skel->progs.pktlens_xdp,
			 ifs->skel->progs.pktlens_tc);
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
