// SPDX-License-Identifier: BSD-2-Clause
/*
 * flowbench: what flow accounting adds to pktlens_xdp, in ns per packet,
 * through BPF_PROG_TEST_RUN.
 *
 * The same frames run through pktlens_xdp loaded several times from the
 * one skeleton: without flow accounting (flow_flags = 0, as `watch` runs
 * it), with the flow table only (`flows`), and with every table (`top`,
 * `agent`), each with per-CPU values (LRU_PERCPU_HASH) and with atomic
 * adds on shared values (LRU_HASH). Every run of a measurement hits the
 * same flow, so this is the cost of updating a known flow, the common case;
 * a new flow also pays one insert. The configurations are measured in
 * turn, ROUNDS times, and the median is kept. Output is Markdown.
 *
 * usage: flowbench [quick]   (as root; attaches nothing, only test runs)
 *        quick: only off and the flow table, for trying changes
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "runtime/packet_skel.h"
#include "records/flow_record.h"
#include "runtime/flowtab.h"
#include "frame.h"

#define REPEAT	1000000
#define ROUNDS	5
#define GOAL_NS 15.0

static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };

/* Ethernet + IPv4 198.18.0.2 -> 198.18.0.1 (checksum left 0) + l4. */
static void ip4(struct frame *f, uint8_t proto, const struct frame *l4)
{
	put(f, macs, 12);
	put16(f, 0x0800);
	put8(f, 0x45), put8(f, 0), put16(f, (uint16_t)(20 + l4->n));
	put16(f, 1), put16(f, 0x4000), put8(f, 64), put8(f, proto), put16(f, 0);
	put32(f, 0xc6120002), put32(f, 0xc6120001);
	put(f, l4->b, l4->n);
}

static void ip6(struct frame *f, uint8_t proto, const struct frame *l4)
{
	put(f, macs, 12);
	put16(f, 0x86dd);
	put32(f, 0x60000000), put16(f, (uint16_t)l4->n), put8(f, proto), put8(f, 64);
	put32(f, 0x20010db8), put32(f, 0), put32(f, 0), put32(f, 2);
	put32(f, 0x20010db8), put32(f, 0), put32(f, 0), put32(f, 1);
	put(f, l4->b, l4->n);
}

/* TCP with NOP NOP timestamps, ACK (+PSH with a payload). */
static void tcp(struct frame *f, uint16_t dport, size_t payload)
{
	static const uint8_t ts[12] = { 1, 1, 8, 10, 0, 0, 0x10, 0, 0, 0, 0x20, 0 };

	put16(f, 40000), put16(f, dport), put32(f, 1), put32(f, 2);
	put8(f, 8 << 4), put8(f, payload ? 0x18 : 0x10), put16(f, 502);
	put16(f, 0), put16(f, 0);
	put(f, ts, sizeof(ts));
	while (payload--)
		put8(f, 0xa5);
}

static void build_ack(struct frame *f)
{
	struct frame l4 = { .n = 0 };

	tcp(&l4, 443, 0);
	ip4(f, 6, &l4);
}

static void build_data(struct frame *f)
{
	struct frame l4 = { .n = 0 };

	tcp(&l4, 5001, 1448);
	ip4(f, 6, &l4);
}

static void build_ip6(struct frame *f)
{
	struct frame l4 = { .n = 0 };

	tcp(&l4, 443, 0);
	ip6(f, 6, &l4);
}

static void build_dns(struct frame *f)
{
	static const char name[] = "\3www\3lab\4test";
	struct frame l4 = { .n = 0 };

	put16(&l4, 40000), put16(&l4, 53), put16(&l4, (uint16_t)(8 + 12 + sizeof(name) + 4));
	put16(&l4, 0);
	put16(&l4, 0x1234), put16(&l4, 0x0100), put16(&l4, 1), put16(&l4, 0);
	put16(&l4, 0), put16(&l4, 0);
	put(&l4, name, sizeof(name)); /* with its final 0 */
	put16(&l4, 1), put16(&l4, 1);
	ip4(f, 17, &l4);
}

struct klass {
	const char *name;
	void (*build)(struct frame *f);
	struct frame f;
};

static struct klass classes[] = {
	{ .name = "TCP ACK (IPv4, TS)", .build = build_ack },
	{ .name = "TCP data, 1448 B payload", .build = build_data },
	{ .name = "TCP ACK (IPv6)", .build = build_ip6 },
	{ .name = "DNS query www.lab.test", .build = build_dns },
};
#define N_CLASSES (sizeof(classes) / sizeof(classes[0]))

struct config {
	const char *name;
	__u32 flags;
	bool atomic;
	struct packet_bpf *skel;
	double ns[N_CLASSES], mean;
};

#define ALL (PL_FLOW_TABLE | PL_FLOW_SOURCES | PL_FLOW_PORTS | PL_FLOW_NAMES)
static struct config configs[] = {
	{ .name = "off (flow_flags = 0, as watch)", .flags = 0, .atomic = false },
	{ .name = "flow table, per-CPU values", .flags = PL_FLOW_TABLE, .atomic = false },
	{ .name = "flow table, atomic adds", .flags = PL_FLOW_TABLE, .atomic = true },
	{ .name = "all tables (top), per-CPU values", .flags = ALL, .atomic = false },
	{ .name = "all tables (top), atomic adds", .flags = ALL, .atomic = true },
	{ .name = "all tables + interfaces (agent), per-CPU",
	  .flags = ALL | PL_FLOW_IFACES,
	  .atomic = false },
	{ .name = "all tables + interfaces (agent), atomic",
	  .flags = ALL | PL_FLOW_IFACES,
	  .atomic = true },
	{ .name = "flow table + names (as flows runs), atomic",
	  .flags = PL_FLOW_TABLE | PL_FLOW_NAMES,
	  .atomic = true },
};
#define N_CONFIGS (sizeof(configs) / sizeof(configs[0]))

static unsigned test_run(int prog_fd, const struct frame *f, int repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = (__u32)f->n,
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(prog_fd, &o) || o.retval != XDP_PASS) {
		fprintf(stderr, "flowbench: test run failed: %s (retval %u)\n", strerror(errno),
			o.retval);
		exit(1);
	}
	return o.duration;
}

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

static struct packet_bpf *load(const struct config *c)
{
	struct pl_flowtab_cfg fc = { .flow_entries = 65536,
				     .table_entries = 16384,
				     .flags = c->flags,
				     .atomic = c->atomic };
	struct packet_bpf *skel = packet_bpf__open();

	if (!skel)
		return NULL;
	skel->rodata->emit_records = 0;
	if (pl_flowtab_configure(skel, &fc) || packet_bpf__load(skel)) {
		packet_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

int main(int argc, char **argv)
{
	unsigned v[N_CONFIGS][N_CLASSES][ROUNDS];
	size_t i, j, r, n_configs = N_CONFIGS;
	const struct config *best_flow = NULL;

	if (argc > 1 && !strcmp(argv[1], "quick"))
		n_configs = 3;
	for (i = 0; i < N_CLASSES; i++)
		classes[i].build(&classes[i].f);
	for (j = 0; j < n_configs; j++) {
		configs[j].skel = load(&configs[j]);
		if (!configs[j].skel) {
			fprintf(stderr, "flowbench: cannot load '%s' (run as root): %s\n",
				configs[j].name, strerror(errno));
			return 1;
		}
	}
	/* configurations in turn within each round, so drift hits all alike */
	for (r = 0; r < ROUNDS; r++)
		for (i = 0; i < N_CLASSES; i++)
			for (j = 0; j < n_configs; j++)
				v[j][i][r] = test_run(
					bpf_program__fd(configs[j].skel->progs.pktlens_xdp),
					&classes[i].f, REPEAT);
	for (j = 0; j < n_configs; j++) {
		configs[j].mean = 0;
		for (i = 0; i < N_CLASSES; i++) {
			qsort(v[j][i], ROUNDS, sizeof(unsigned), cmp_unsigned);
			configs[j].ns[i] = v[j][i][ROUNDS / 2];
			configs[j].mean += configs[j].ns[i] / N_CLASSES;
		}
	}

	printf("BPF_PROG_TEST_RUN on pktlens_xdp (emit_records = 0), one skeleton loaded "
	       "per configuration; %d runs per measurement, median of %d; the flow is "
	       "known after the first run.\n\n",
	       REPEAT, ROUNDS);
	printf("| configuration |");
	for (i = 0; i < N_CLASSES; i++)
		printf(" %s |", classes[i].name);
	printf(" mean | added vs off |\n|---|");
	for (i = 0; i < N_CLASSES + 2; i++)
		printf("---:|");
	printf("\n");
	for (j = 0; j < n_configs; j++) {
		printf("| %s |", configs[j].name);
		for (i = 0; i < N_CLASSES; i++)
			printf(" %.0f |", configs[j].ns[i]);
		if (j == 0)
			printf(" %.1f | |\n", configs[j].mean);
		else
			printf(" %.1f | %+.1f |\n", configs[j].mean,
			       configs[j].mean - configs[0].mean);
	}
	best_flow = configs[1].mean <= configs[2].mean ? &configs[1] : &configs[2];
	printf("\nFaster update for the flow table: **%s** (per-CPU %.1f, atomic %.1f ns/pkt mean)",
	       best_flow->atomic ? "atomic adds" : "per-CPU values", configs[1].mean,
	       configs[2].mean);
	if (n_configs > 4)
		printf("; with every table: %s (per-CPU %.1f, atomic %.1f)",
		       configs[3].mean <= configs[4].mean ? "per-CPU values" : "atomic adds",
		       configs[3].mean, configs[4].mean);
	printf(".\n");
	if (best_flow->mean - configs[0].mean <= GOAL_NS)
		printf("Goal: flow accounting adds <= %.0f ns/packet: **met** (+%.1f ns/pkt with "
		       "%s).\n",
		       GOAL_NS, best_flow->mean - configs[0].mean, best_flow->name);
	else
		printf("Goal: flow accounting adds <= %.0f ns/packet: **not met** (+%.1f ns/pkt "
		       "with %s).\n",
		       GOAL_NS, best_flow->mean - configs[0].mean, best_flow->name);
	for (j = 0; j < n_configs; j++)
		packet_bpf__destroy(configs[j].skel);
	return 0;
}
