// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Baseline for bench/kbench.c: an XDP program that does nothing. Its
 * BPF_PROG_TEST_RUN time is the harness's own cost per run. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
