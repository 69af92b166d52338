/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the filter compiler (src/filter/compile.c, with
 * libpcap's pcap_compile for the header parts), the translation of
 * libpcap's code to eBPF (src/filter/cbpf.c) and the host matcher
 * (src/filter/match.c through pl_parse_frame_match).
 *
 *   make fuzz && build/fuzz_filter tests/fuzz/corpus/filter
 *
 * An input is a filter expression, then a NUL byte and a frame (seeds:
 * tests/fuzz/corpus/filter/, made by tests/fuzz/make_corpora.py). Without a
 * NUL the whole input is the expression and the frame is empty.
 *  - A failed compile must leave a message and a column inside the text
 *    (1 .. length + 1).
 *  - A compiled filter must be what the kernel's verifier is promised
 *    (filter.h): an entry and nodes inside the graph, jumps forward only,
 *    string slots and lengths in range.
 *  - It is then run on the frame as each link type, cut to every length in
 *    steps (so a header test's load runs past the end), by the same
 *    pl_parse_frame_match `pktlens read` runs; the verdict on the same
 *    bytes must not change between two runs.
 *  - watch first takes the proc.name/proc.pid/container.id terms out
 *    (src/filter/procterms.c): a refusal has a message; what it leaves
 *    for the kernel is no longer than the expression and names no such
 *    term; the terms it took match a process or not, never crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/cbpf.h"
#include "filter/procterms.h"
#include "filter/filter.h"
#include "parse/parse.h"

#include "no_dns.h"

static const enum pl_linktype links[] = {
	PL_LINK_ETHERNET,
	PL_LINK_LINUX_SLL,
	PL_LINK_LINUX_SLL2,
};

static void broken(const char *what, const char *expr)
{
	fprintf(stderr, "fuzz_filter: invariant broken: %s (filter '%s')\n", what, expr);
	abort();
}

#define CHECK(cond, expr)                      \
	do {                                   \
		if (!(cond))                   \
			broken(#cond, (expr)); \
	} while (0)

static int jump_ok(uint32_t from, uint32_t to, uint32_t n)
{
	return to == PL_FILTER_ACCEPT || to == PL_FILTER_REJECT || (to > from && to < n);
}

static void check_graph(const struct pl_filter *f, const char *expr)
{
	uint32_t i;

	CHECK(f->n_nodes <= PL_FILTER_MAX_NODES, expr);
	CHECK(f->entry == PL_FILTER_ACCEPT || f->entry == PL_FILTER_REJECT || f->entry < f->n_nodes,
	      expr);
	for (i = 0; i < f->n_nodes; i++) {
		const struct pl_fnode *n = &f->nodes[i];

		CHECK(n->test >= PL_FT_CBPF && n->test <= PL_FT_TUN, expr);
		CHECK(jump_ok(i, n->jt, f->n_nodes), expr);
		CHECK(jump_ok(i, n->jf, f->n_nodes), expr);
		if (n->test == PL_FT_CBPF)
			CHECK(n->arg8 < f->n_blocks, expr);
		if (n->test == PL_FT_STR) {
			CHECK(n->arg8 < PL_FILTER_MAX_STRS, expr);
			CHECK(n->arg8b < PL_FILTER_STR_MAX, expr);
		}
		if (n->test == PL_FT_NUM)
			CHECK(n->cmp <= PL_FC_GE, expr);
		if (n->test == PL_FT_TUN)
			CHECK(n->lo >= PL_FTUN_KIND && n->lo <= PL_FTUN_DST &&
				      n->arg8 < PL_FILTER_MAX_STRS &&
				      (n->arg8b == 0 || n->arg8b == 4 || n->arg8b == 16),
			      expr);
	}
	CHECK(f->n_blocks <= PL_FILTER_MAX_BLOCKS, expr);
	for (i = 0; i < f->n_blocks; i++)
		CHECK(f->block_start[i] < f->block_start[i + 1] &&
			      f->block_start[i + 1] <= PL_FILTER_MAX_CBPF,
		      expr);
}

/*
 * The kernel's form of the header parts, for both flavours: it fits the
 * region, and every jump lands inside it or at its end (a translation
 * the verifier would see leaving the region is a bug; the parity suite
 * loads the accepted expressions of tests/filter/expressions.txt).
 */
static void check_translation(const struct pl_filter *f, const char *expr)
{
	static struct bpf_insn out[4 + PL_CBPF_REGION_LEN];
	const struct pl_cbpf_regs regs = {
		.a = 0, .x = 1, .t = 2, .res = 3, .base = 4, .bound = 5, .mem = 6
	};
	char err[256];
	int fl, i, cap = 4 + PL_CBPF_REGION_LEN;

	for (fl = PL_CBPF_PACKET; fl <= PL_CBPF_WINDOW; fl++) {
		err[0] = 0;
		if (pl_cbpf_translate(f, (enum pl_cbpf_flavor)fl, &regs, out, err, sizeof(err))) {
			CHECK(err[0] != 0, expr);
			continue;
		}
		for (i = 0; i < cap; i++) {
			__u8 cls = BPF_CLASS(out[i].code), op = BPF_OP(out[i].code);

			if ((cls != BPF_JMP && cls != BPF_JMP32) || op == BPF_EXIT ||
			    op == BPF_CALL)
				continue;
			CHECK(out[i].off >= 0 && i + 1 + out[i].off <= cap, expr);
		}
	}
}

static void check_proc_terms(const char *expr, size_t elen)
{
	static const struct pl_proc procs[] = { { .pid = 42, .name = "nginx", .container = "abc" },
						{ .cgroup_id = 7 } };
	struct pl_proc_terms pt;
	char rest[4096], err[512] = "";
	size_t i;

	if (pl_proc_terms_split(expr, &pt, rest, sizeof(rest), err, sizeof(err))) {
		CHECK(err[0] != '\0', expr);
		return;
	}
	CHECK(pt.n >= 0 && pt.n <= PL_PROC_TERMS_MAX, expr);
	/* parts re-joined with " and " for "&&": at most 3 bytes more each */
	CHECK(strlen(rest) <= elen + 3 * (elen / 2 + 1), expr);
	CHECK(!strstr(rest, "proc.pid") && !strstr(rest, "proc.name") &&
		      !strstr(rest, "container.id"),
	      expr);
	for (i = 0; i < sizeof(procs) / sizeof(procs[0]); i++)
		(void)pl_proc_terms_match(&pt, &procs[i]);
	CHECK(pt.n == 0 || !pl_proc_terms_match(&pt, NULL), expr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t elen = nul ? (size_t)(nul - data) : size;
	size_t flen = nul ? size - elen - 1 : 0;
	struct pl_filter f;
	struct pl_pkt pkt;
	char err[256];
	uint8_t *frame;
	char *expr;
	size_t i, cut, step;
	int col = 0;

	expr = malloc(elen + 1);
	frame = malloc(flen ? flen : 1);
	if (!expr || !frame) {
		free(expr);
		free(frame);
		return 0;
	}
	memcpy(expr, data, elen);
	expr[elen] = '\0';
	if (flen)
		memcpy(frame, nul + 1, flen);

	check_proc_terms(expr, elen);
	memset(&f, 0xa5, sizeof(f));
	err[0] = '\0';
	if (pl_filter_compile(expr, &f, err, sizeof(err), &col)) {
		CHECK(err[0] != '\0', expr);
		CHECK(col >= 1 && (size_t)col <= elen + 1, expr);
		goto out;
	}
	check_graph(&f, expr);
	check_translation(&f, expr);

	/* the frame cut to about 16 lengths, and whole; each cut ends where its
	 * buffer does, for ASan */
	step = flen / 16 + 1;
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		for (cut = 0;; cut += step) {
			const uint8_t *p;
			bool a, b;

			if (cut > flen)
				cut = flen;
			p = frame + flen - cut;
			if (cut)
				memcpy(frame + flen - cut, nul + 1, cut);
			a = pl_parse_frame_match(&pkt, &f, links[i], p, (uint32_t)cut,
						 (uint32_t)flen);
			b = pl_parse_frame_match(&pkt, &f, links[i], p, (uint32_t)cut,
						 (uint32_t)flen);
			CHECK(a == b, expr);
			if (cut == flen)
				break;
		}
	}
out:
	free(expr);
	free(frame);
	return 0;
}
