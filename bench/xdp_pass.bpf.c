// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Baselines for bench/kbench.c and bench/live.sh: an XDP and a TC program
 * that do nothing. Their BPF_PROG_TEST_RUN time is the harness's own cost
 * per run; attached, they are the hook's own cost. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

SEC("tc")
int tc_pass(struct __sk_buff *skb)
{
	(void)skb;
	return 0; /* TC_ACT_OK */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
