// SPDX-License-Identifier: BSD-2-Clause
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "runtime/packet_skel.h"
#include "runtime/percpu.h"
#include "runtime/skel_common.h"
#include "dns_side.h"

void pl_dns_side_read(struct packet_bpf *skel, struct pl_dns_metrics *out)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	struct pl_hist *h = calloc(ncpu > 0 ? (size_t)ncpu : 1, sizeof(*h));
	__u32 zero = 0;

	memset(&out->hist, 0, sizeof(out->hist));
	if (h && ncpu > 0 && !bpf_map_lookup_elem(bpf_map__fd(skel->maps.dns_hist), &zero, h))
		for (c = 0; c < ncpu; c++)
			pl_hist_merge(&out->hist, &h[c]);
	free(h);
	pl_sum_percpu(bpf_map__fd(skel->maps.dns_rcodes), PL_DNS_RCODES, out->rcodes);
}

/* Keys are collected first: deleting the key the walk stands on would
 * restart it. */
#define SWEEP_BATCH 1024

uint64_t pl_dns_side_sweep(struct packet_bpf *skel, uint64_t now_ns, uint64_t timeout_ns)
{
	static struct pl_dns_key old[SWEEP_BATCH];
	int fd = bpf_map__fd(skel->maps.dns_pending);
	struct pl_dns_key k, next;
	struct pl_dns_pending v;
	uint64_t gone = 0;
	void *prev;
	size_t n, i, walked;

	do {
		n = 0;
		walked = 0;
		prev = NULL;
		while (n < SWEEP_BATCH && walked++ < 2 * PL_DNS_PENDING_ENTRIES &&
		       !bpf_map_get_next_key(fd, prev, &next)) {
			k = next;
			prev = &k;
			if (!bpf_map_lookup_elem(fd, &k, &v) && v.ts_ns + timeout_ns < now_ns)
				old[n++] = k;
		}
		for (i = 0; i < n; i++)
			if (!bpf_map_delete_elem(fd, &old[i]))
				gone++;
	} while (n == SWEEP_BATCH);
	return gone;
}

void pl_dns_metrics_add(struct pl_dns_metrics *a, const struct pl_dns_metrics *b)
{
	int i;

	pl_hist_merge(&a->hist, &b->hist);
	for (i = 0; i < PL_DNS_RCODES; i++)
		a->rcodes[i] += b->rcodes[i];
	a->unanswered += b->unanswered;
}
