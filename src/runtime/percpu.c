// SPDX-License-Identifier: BSD-2-Clause
/*
 * What the packet programs keep per CPU (percpu.h). The drain:
 * pktlens_flush runs on each CPU in turn, this thread pinned to it, as
 * BPF_PROG_TEST_RUN runs a program on the caller's CPU.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "percpu.h"
#include "records/flow_record.h"
#include "util/log.h"
#include "packet_skel.h"

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

bool pl_drain_possible(void)
{
	int i, n = libbpf_num_possible_cpus();
	cpu_set_t set;

	if (n <= 0 || n > CPU_SETSIZE || sysconf(_SC_NPROCESSORS_ONLN) != n ||
	    sched_getaffinity(0, sizeof(set), &set))
		return false;
	for (i = 0; i < n; i++)
		if (!CPU_ISSET(i, &set))
			return false;
	return true;
}

int pl_flow_caches_on(struct packet_bpf *skel)
{
	int err;

	skel->rodata->flow_flags |= PL_FLOW_CACHE;
	err = bpf_map__set_max_entries(skel->maps.flow_cache, PL_CACHE_SLOTS);
	err = err ?: bpf_map__set_max_entries(skel->maps.name_cache, PL_CACHE_SLOTS);
	return err ?: bpf_program__set_autoload(skel->progs.pktlens_flush, true);
}

int pl_frame_batches_on(struct packet_bpf *skel)
{
	skel->rodata->frame_batches = 1;
	return bpf_program__set_autoload(skel->progs.pktlens_flush, true);
}

int pl_drain_percpu(struct packet_bpf *skel)
{
	/* BPF_PROG_TEST_RUN's smallest XDP frame: an Ethernet header */
	static const unsigned char frame[14];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame));
	int i, n = libbpf_num_possible_cpus(), err = 0, fd;
	cpu_set_t old, one;

	fd = bpf_program__fd(skel->progs.pktlens_flush);
	if (fd < 0) /* not loaded: nothing is kept per CPU */
		return 0;
	if (sched_getaffinity(0, sizeof(old), &old))
		return -errno;
	for (i = 0; i < n; i++) {
		CPU_ZERO(&one);
		CPU_SET(i, &one);
		if (sched_setaffinity(0, sizeof(one), &one) || bpf_prog_test_run_opts(fd, &o))
			err = err ?: -errno;
	}
	if (sched_setaffinity(0, sizeof(old), &old))
		err = err ?: -errno;
	return err;
}

void pl_drain_percpu_said(struct packet_bpf *skel, bool *said, const char *meaning)
{
	int err = pl_drain_percpu(skel);

	if (err && !*said) {
		pl_warn("cannot drain what the CPUs keep (%s): %s", strerror(-err), meaning);
		*said = true;
	}
}
