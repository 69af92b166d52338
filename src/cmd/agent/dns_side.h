/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The agent's DNS metrics (dns: true): the kernel matches responses to
 * queries (records/dns_match.h) and keeps a histogram of the response
 * times and the responses by rcode; each scan sums the CPUs and sweeps
 * the queries older than the timeout out of the table as unanswered.
 */
#ifndef PKTLENS_AGENT_DNS_SIDE_H
#define PKTLENS_AGENT_DNS_SIDE_H

#include <stdint.h>
#include "records/dns_match.h"
#include "records/hist.h"

struct packet_bpf;

struct pl_dns_metrics {
	struct pl_hist hist; /* response times, ns */
	__u64 rcodes[PL_DNS_RCODES];
	uint64_t unanswered;
};

/* out = the kernel's counts now (the CPUs summed); unanswered is left. */
void pl_dns_side_read(struct packet_bpf *skel, struct pl_dns_metrics *out);
/* Removes the queries seen before now_ns - timeout_ns (CLOCK_MONOTONIC, as
 * the kernel's bpf_ktime_get_ns()); returns how many. */
uint64_t pl_dns_side_sweep(struct packet_bpf *skel, uint64_t now_ns, uint64_t timeout_ns);
/* a += b */
void pl_dns_metrics_add(struct pl_dns_metrics *a, const struct pl_dns_metrics *b);

#endif
