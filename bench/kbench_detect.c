// SPDX-License-Identifier: BSD-2-Clause
/*
 * kbench_detect: what `pktlens detect` adds to pktlens_xdp, in ns/packet,
 * through BPF_PROG_TEST_RUN on kbench's packet classes (bench/kbench.c is
 * included for its frames and its measuring; its main() is not used).
 *
 * Programs, each loaded from the packet skeleton (emit_records = 0):
 *   core        detectors and drop list off (watch's program; kbench's figures)
 *   detect      detect_enabled = 1 with the default thresholds, and the drop
 *               list check on (droplist_enabled = 1) with an empty list
 *   drop 10k    the drop list check with 10,000 IPv4 and 10,000 IPv6
 *               prefixes, none matching the frames' source; detectors off
 *   both        detectors on and the 10,000-prefix lists
 * and the frame's source on the list: the XDP_DROP path.
 * Each figure is the median of ROUNDS measurements of REPEAT runs, the
 * columns measured interleaved. Output is Markdown.
 *
 * usage: kbench_detect   (as root; attaches nothing)
 */
#define main kbench_core_main
#include "kbench.c"
#undef main

#include "detect/config.h"
#include "detect/host.h"
#include "detect/pin.h"

#define N_PREFIXES     10000
#define DETECT_GOAL_NS 15.0

enum {
	P_CORE,
	P_DETECT,
	P_DROP,
	P_BOTH,
	P__COUNT
};
static const char *const pnames[P__COUNT] = { "core", "detect", "drop 10k", "both" };

/* Mean ns of one run; retval must be `want`. */
static unsigned run_want(int fd, const struct frame *f, int repeat, unsigned want)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = (__u32)f->n,
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(fd, &o) || o.retval != want) {
		fprintf(stderr, "kbench_detect: test run failed: %s (retval %u, want %u)\n",
			strerror(errno), o.retval, want);
		exit(1);
	}
	return o.duration;
}

static struct packet_bpf *load_variant(int detect, int droplist)
{
	struct packet_bpf *skel = packet_bpf__open();
	struct pl_det_config cfg;

	if (!skel)
		return NULL;
	skel->rodata->emit_records = 0;
	if (detect || droplist) {
		pl_det_config_default(&cfg);
		pl_det_prepare(skel, &cfg, detect);
	}
	if (packet_bpf__load(skel)) {
		packet_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/*
 * 10,000 distinct IPv4 prefixes in 198.18.0.0/15 (500 /24, 2,500 /28,
 * 7,000 /32) and 10,000 IPv6 prefixes in 2001:db8::/32 (/48, /56 and /128,
 * one in each 2001:db8:N::/48), none covering the frames' sources
 * (198.18.0.1, 2001:db8::1).
 */
static int fill_droplist(struct packet_bpf *skel)
{
	int fd4 = bpf_map__fd(skel->maps.det_drop4), fd6 = bpf_map__fd(skel->maps.det_drop6);
	struct pl_block b = { .reason = PL_RULE_MANUAL };
	uint32_t i, x;

	for (i = 0; i < N_PREFIXES; i++) {
		struct pl_lpm4 k4 = { 0 };
		struct pl_lpm6 k6 = { 0 };

		/* x: an offset in 198.18.0.0/15 past 198.18.0.0/24 */
		if (i < 500) {
			k4.prefixlen = 24;
			x = (i + 1) << 8;
		} else if (i < 3000) {
			k4.prefixlen = 28;
			x = 256 + (i - 500) * 48;
		} else {
			k4.prefixlen = 32;
			x = 256 + (i - 3000) * 17 + 5;
		}
		k4.addr[0] = 198;
		k4.addr[1] = (uint8_t)(18 + (x >> 16));
		k4.addr[2] = (uint8_t)(x >> 8);
		k4.addr[3] = (uint8_t)x;
		b.prefixlen = k4.prefixlen;
		memset(b.addr, 0, sizeof(b.addr));
		memcpy(b.addr, k4.addr, 4);
		b.ip6 = 0;
		if (bpf_map_update_elem(fd4, &k4, &b, BPF_NOEXIST))
			return -1;

		k6.prefixlen = i % 4 == 0 ? 48 : i % 4 == 1 ? 56 : 128;
		k6.addr[0] = 0x20, k6.addr[1] = 0x01, k6.addr[2] = 0x0d, k6.addr[3] = 0xb8;
		k6.addr[4] = (uint8_t)((i + 1) >> 8);
		k6.addr[5] = (uint8_t)(i + 1);
		if (k6.prefixlen == 56)
			k6.addr[6] = 1;
		if (k6.prefixlen == 128)
			k6.addr[15] = 7;
		b.prefixlen = k6.prefixlen;
		memcpy(b.addr, k6.addr, 16);
		b.ip6 = 1;
		if (bpf_map_update_elem(fd6, &k6, &b, BPF_NOEXIST))
			return -1;
	}
	return pl_det_set_state(bpf_map__fd(skel->maps.det_state), true);
}

/* The frame's own source as a /32 or /128 on the list: the drop path. */
static int block_source(struct packet_bpf *skel)
{
	struct pl_lpm4 k4 = { .prefixlen = 32, .addr = { 198, 18, 0, 1 } };
	struct pl_lpm6 k6 = { .prefixlen = 128, .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	struct pl_block b = { .reason = PL_RULE_MANUAL };

	b.prefixlen = 32;
	memcpy(b.addr, k4.addr, 4);
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.det_drop4), &k4, &b, BPF_ANY))
		return -1;
	b.prefixlen = 128;
	b.ip6 = 1;
	memcpy(b.addr, k6.addr, 16);
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.det_drop6), &k6, &b, BPF_ANY))
		return -1;
	return pl_det_set_state(bpf_map__fd(skel->maps.det_state), true);
}

int main(void)
{
	struct packet_bpf *skel[P__COUNT], *blocked;
	struct xdp_pass_bpf *pass = xdp_pass_bpf__open_and_load();
	double ns[N_CLASSES][P__COUNT], drop_ns[N_CLASSES], base[N_CLASSES];
	double sum[P__COUNT] = { 0 }, sum_drop = 0, sum_base = 0, m[P__COUNT];
	int fd[P__COUNT], fd_blocked, fd_pass, r, p;
	size_t i;

	skel[P_CORE] = load_variant(0, 0);
	skel[P_DETECT] = load_variant(1, 1);
	skel[P_DROP] = load_variant(0, 1);
	skel[P_BOTH] = load_variant(1, 1);
	blocked = load_variant(0, 1);
	for (p = 0; p < P__COUNT; p++)
		if (!skel[p])
			pass = NULL;
	if (!pass || !blocked || fill_droplist(skel[P_DROP]) || fill_droplist(skel[P_BOTH]) ||
	    fill_droplist(blocked) || block_source(blocked)) {
		fprintf(stderr,
			"kbench_detect: cannot load the BPF programs or fill the drop list (run as "
			"root): %s\n",
			strerror(errno));
		return 1;
	}
	for (p = 0; p < P__COUNT; p++)
		fd[p] = bpf_program__fd(skel[p]->progs.pktlens_xdp);
	fd_blocked = bpf_program__fd(blocked->progs.pktlens_xdp);
	fd_pass = bpf_program__fd(pass->progs.xdp_pass);
	for (i = 0; i < N_CLASSES; i++)
		classes[i].build(&classes[i].f);

	for (i = 0; i < N_CLASSES; i++) {
		unsigned a[P__COUNT][ROUNDS], d[ROUNDS], b[ROUNDS];

		for (r = 0; r < ROUNDS; r++) {
			for (p = 0; p < P__COUNT; p++)
				a[p][r] = run_want(fd[p], &classes[i].f, REPEAT, XDP_PASS);
			d[r] = run_want(fd_blocked, &classes[i].f, REPEAT, XDP_DROP);
			b[r] = run_want(fd_pass, &classes[i].f, REPEAT, XDP_PASS);
		}
		for (p = 0; p < P__COUNT; p++) {
			ns[i][p] = median3(a[p]);
			sum[p] += ns[i][p];
		}
		drop_ns[i] = median3(d);
		base[i] = median3(b);
		sum_drop += drop_ns[i];
		sum_base += base[i];
	}
	for (p = 0; p < P__COUNT; p++)
		m[p] = sum[p] / N_CLASSES;

	printf("BPF_PROG_TEST_RUN on pktlens_xdp, emit_records = 0, %d runs per measurement, "
	       "median of %d, the columns measured interleaved. core: detectors and drop "
	       "list off; detect: detectors on (default thresholds) and an empty drop list; "
	       "drop 10k: detectors off, %d IPv4 + %d IPv6 prefixes on the drop list, none "
	       "matching; both: detectors and the 10k lists; blocked: the frame's source on "
	       "the list (XDP_DROP). Every run repeats one frame from one source, so the "
	       "detectors' state is found, not created.\n\n",
	       REPEAT, ROUNDS, N_PREFIXES, N_PREFIXES);
	printf("| class | XDP_PASS baseline | %s | %s | %s | %s | blocked |\n", pnames[0],
	       pnames[1], pnames[2], pnames[3]);
	printf("|---|---:|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < N_CLASSES; i++) {
		printf("| %s | %.0f | %.0f |", classes[i].name, base[i], ns[i][P_CORE]);
		for (p = P_DETECT; p < P__COUNT; p++)
			printf(" %.0f (%+.0f) |", ns[i][p], ns[i][p] - ns[i][P_CORE]);
		printf(" %.0f |\n", drop_ns[i]);
	}
	printf("| **mean over the mix** | %.1f | **%.1f** |", sum_base / N_CLASSES, m[P_CORE]);
	for (p = P_DETECT; p < P__COUNT; p++)
		printf(" **%.1f** (%+.1f) |", m[p], m[p] - m[P_CORE]);
	printf(" **%.1f** |\n\n", sum_drop / N_CLASSES);
	printf("Goal: the detectors add <= %.0f ns/packet: **%s** (%+.1f ns/pkt on the mean; "
	       "with the 10,000-prefix drop list %+.1f).\n",
	       DETECT_GOAL_NS, m[P_DETECT] - m[P_CORE] <= DETECT_GOAL_NS ? "met" : "not met",
	       m[P_DETECT] - m[P_CORE], m[P_BOTH] - m[P_CORE]);

	for (p = 0; p < P__COUNT; p++)
		packet_bpf__destroy(skel[p]);
	packet_bpf__destroy(blocked);
	xdp_pass_bpf__destroy(pass);
	return 0;
}
