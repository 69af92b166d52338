// SPDX-License-Identifier: BSD-2-Clause
/*
 * libpcap's classic BPF in the kernel programs (see cbpf.h).
 *
 * Why a translator of our own: the kernel converts classic BPF only for
 * socket filters and seccomp, libbpf has no converter, and the other
 * tools that splice libpcap's code into eBPF (ptcpdump, pwru) use a Go
 * library. Why a region overwritten before load rather than freplace: an
 * extension program (BPF_PROG_TYPE_EXT) needs the trampolines that are not
 * available on every kernel pktlens runs on (this project's test machine
 * refuses them), and a region of fixed length keeps every jump, relocation
 * and line record of the program where it was.
 *
 * Each block's verdict goes to bit b of the result, and a load past the
 * frame (or past its first PL_WIN bytes) to bit PL_CBPF_ABORT_BIT + b:
 * libpcap's code then returns 0 for the whole filter, and the decision
 * graph rejects the packet, as the rest of the filter does.
 *
 * Measured with build/kbench (BPF_PROG_TEST_RUN, the 7-class mix, a
 * loaded machine): the 5-term header filter costs 44 ns/packet where the
 * hand-written tests it replaced cost 105, and 6 ns over no filter on the
 * frame it matches; a 20-term one 46 ns, 14 ns over no filter there.
 *
 * The host runs the same blocks with pl_cbpf_run_host(), an interpreter
 * with the same rules; libpcap's bpf_filter() cannot tell a failed load
 * from a "no", which the graph needs. tests/unit/test_cbpf.c checks it
 * against bpf_filter() on random frames.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <bpf/libbpf.h>
#include "cbpf.h"

/* ---- finding the region ---- */

static bool is_mov_reg(const struct bpf_insn *i)
{
	return i->code == (BPF_ALU64 | BPF_MOV | BPF_X);
}

static bool is_nop(const struct bpf_insn *i)
{
	return i->code == (BPF_JMP | BPF_JA) && i->off == 0 && !i->dst_reg && !i->src_reg;
}

int pl_cbpf_find_region(const struct bpf_insn *insns, size_t n, struct pl_cbpf_regs *regs)
{
	size_t i, j, found = (size_t)-1;

	for (i = 0; i + 4 + PL_CBPF_REGION_LEN <= n; i++) {
		const struct bpf_insn *m = &insns[i];

		if (m->code != (BPF_ALU64 | BPF_MOV | BPF_K) ||
		    ((__u32)m->imm != PL_CBPF_MAGIC && (__u32)m->imm != PL_CBPF_MAGIC_PACKET))
			continue;
		if (!is_mov_reg(&m[1]) || !is_mov_reg(&m[2]) || !is_mov_reg(&m[3]))
			continue;
		for (j = 0; j < PL_CBPF_REGION_LEN; j++)
			if (!is_nop(&m[4 + j]))
				break;
		if (j < PL_CBPF_REGION_LEN)
			continue;
		found = i;
		regs->flavor = (__u32)m->imm == PL_CBPF_MAGIC_PACKET ? PL_CBPF_PACKET
								     : PL_CBPF_WINDOW;
		regs->a = m[0].dst_reg;
		regs->x = m[1].dst_reg;
		regs->base = m[1].src_reg;
		regs->t = m[2].dst_reg;
		regs->bound = m[2].src_reg;
		regs->res = m[3].dst_reg;
		regs->mem = m[3].src_reg;
		break;
	}
	return found == (size_t)-1 ? -1 : (int)found;
}

/* ---- translation ---- */

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

/*
 * A classic instruction with absolute targets (t: the jump, or `ja`'s
 * target; f: the false branch), in the order the code is laid out.
 * libpcap's `protochain` walks the extension headers with a loop (a `ja`
 * back); the verifier cannot prove such a loop ends (a chain of AH
 * headers can point at itself), so expand() lays the loop's body out
 * PL_CBPF_TURNS times, and a jump back from the last copy fails the
 * block as a load past the frame would. The host counts the turns the
 * same way (pl_cbpf_run_host).
 */
#define STEP_ABORT	  -1
#define PL_CBPF_MAX_STEPS (PL_FILTER_MAX_CBPF * 2)

struct step {
	struct sock_filter c;
	int t, f;
};

static bool jumps_back(const struct sock_filter *c, int i)
{
	return BPF_CLASS(c[i].code) == BPF_JMP && BPF_OP(c[i].code) == BPF_JA && (__s32)c[i].k < 0;
}

/* The steps of a block of len instructions into st; their number, -1
 * when a jump leaves the block, -2 for a loop it cannot lay out. */
static int expand(const struct sock_filter *c, int len, struct step *st)
{
	int lo = len, hi = -1, i, k, copies, body, n, v;

	/* the loop: from the first target of a jump back to the last jump */
	for (i = 0; i < len; i++) {
		if (!jumps_back(c, i))
			continue;
		v = i + 1 + (__s32)c[i].k;
		if (v < 0)
			return -1;
		lo = v < lo ? v : lo;
		hi = i;
	}
	copies = hi < 0 ? 1 : PL_CBPF_TURNS;
	body = hi < 0 ? 0 : hi - lo + 1;
	if (hi < 0)
		lo = len;
	n = len + (copies - 1) * body;
	if (n > PL_CBPF_MAX_STEPS)
		return -2;
		/* where instruction v of copy k lies */
#define AT(v, k) \
	((v) < lo ? (v) : (v) <= hi ? lo + (k)*body + (v)-lo : lo + copies * body + (v)-hi - 1)
	for (k = 0; k < copies; k++) {
		for (i = 0; i < len; i++) {
			struct step *s;
			int t, f;

			if ((i < lo || i > hi) && k > 0)
				continue; /* outside the loop: laid out once */
			s = &st[AT(i, k)];
			s->c = c[i];
			if (BPF_CLASS(c[i].code) != BPF_JMP) {
				if (BPF_CLASS(c[i].code) != BPF_RET && (i + 1 >= len || i == hi))
					return -1; /* runs off the end, or out of the loop */
				s->t = s->f = AT(i + 1, k);
				continue;
			}
			if (BPF_OP(c[i].code) == BPF_JA) {
				t = i + 1 + (__s32)c[i].k;
				if (t >= len)
					return -1;
				if (t <= i) /* back: the next turn, or none left */
					s->t = k + 1 < copies ? AT(t, k + 1) : STEP_ABORT;
				else
					s->t = AT(t, t >= lo && t <= hi
							     ? (i >= lo && i <= hi ? k : 0)
							     : 0);
				s->f = s->t;
				continue;
			}
			t = i + 1 + c[i].jt;
			f = i + 1 + c[i].jf;
			if (t >= len || f >= len)
				return -1;
			s->t = AT(t, t >= lo && t <= hi ? (i >= lo ? k : 0) : 0);
			s->f = AT(f, f >= lo && f <= hi ? (i >= lo ? k : 0) : 0);
		}
	}
#undef AT
	return n;
}

struct xlat {
	const struct pl_cbpf_regs *r;
	enum pl_cbpf_flavor flavor;
	struct bpf_insn *out; /* NULL: only count */
	int n;
	int cap;
	int *start;    /* eBPF index of each step */
	int block_end; /* eBPF index where the block's code ends */
	int block;
	char *err;
	size_t errlen;
};

static void emit(struct xlat *x, struct bpf_insn i)
{
	if (x->out && x->n < x->cap)
		x->out[x->n] = i;
	x->n++;
}

/* A jump to eBPF index `to` from the next emitted instruction. */
static __s16 rel(const struct xlat *x, int to)
{
	return (__s16)(to - (x->n + 1));
}

static void jump_to(struct xlat *x, int to)
{
	emit(x, INSN(BPF_JMP | BPF_JA, 0, 0, rel(x, to), 0));
}

static void set_bit(struct xlat *x, int bit)
{
	emit(x, INSN(BPF_ALU64 | BPF_OR | BPF_K, x->r->res, 0, 0, (__s32)(1u << bit)));
}

/* A load failed: the block's abort bit, then its end. */
static void abort_block(struct xlat *x)
{
	set_bit(x, PL_CBPF_ABORT_BIT + x->block);
	jump_to(x, x->block_end);
}

/* if (dst OP imm) skip the abort: the load's bounds test */
static void abort_unless(struct xlat *x, __u8 op_ok, __u8 dst, __s32 imm)
{
	emit(x, INSN(BPF_JMP | op_ok | BPF_K, dst, 0, 2, imm));
	abort_block(x);
}

static void abort_unless_reg(struct xlat *x, __u8 op_ok, __u8 dst, __u8 src)
{
	emit(x, INSN(BPF_JMP | op_ok | BPF_X, dst, src, 2, 0));
	abort_block(x);
}

/* The eBPF size code of a load of size bytes (4, 2 or 1). */
static __u8 ebpf_size(int size)
{
	return size == 4 ? BPF_W : size == 2 ? BPF_H : BPF_B;
}

static void swap_loaded(struct xlat *x, __u8 reg, int size)
{
	if (size > 1)
		emit(x, INSN(BPF_ALU | BPF_END | BPF_TO_BE, reg, 0, 0, size * 8));
}

/* dst = the size bytes at the constant offset k, big-endian. */
static void load_abs(struct xlat *x, __u8 dst, __u32 k, int size)
{
	const struct pl_cbpf_regs *r = x->r;

	if (k > PL_WIN - (__u32)size) {
		abort_block(x);
		return;
	}
	if (x->flavor == PL_CBPF_WINDOW) {
		abort_unless(x, BPF_JGE, r->bound, (__s32)(k + (__u32)size));
	} else {
		emit(x, INSN(BPF_ALU64 | BPF_MOV | BPF_X, r->t, r->base, 0, 0));
		emit(x, INSN(BPF_ALU64 | BPF_ADD | BPF_K, r->t, 0, 0, (__s32)(k + (__u32)size)));
		abort_unless_reg(x, BPF_JGE, r->bound, r->t);
	}
	emit(x, INSN(BPF_LDX | BPF_MEM | ebpf_size(size), dst, r->base, (__s16)k, 0));
	swap_loaded(x, dst, size);
}

/* A = the size bytes at X + k, big-endian. */
static void load_ind(struct xlat *x, __u32 k, int size)
{
	const struct pl_cbpf_regs *r = x->r;

	if (k > PL_WIN - (__u32)size) {
		abort_block(x);
		return;
	}
	/* t = X + k, at most PL_WIN - size: a bound the verifier sees */
	emit(x, INSN(BPF_ALU | BPF_MOV | BPF_X, r->t, r->x, 0, 0));
	emit(x, INSN(BPF_ALU64 | BPF_ADD | BPF_K, r->t, 0, 0, (__s32)k));
	abort_unless(x, BPF_JLE, r->t, (__s32)(PL_WIN - (__u32)size));
	if (x->flavor == PL_CBPF_WINDOW) {
		emit(x, INSN(BPF_ALU64 | BPF_ADD | BPF_K, r->t, 0, 0, size));
		abort_unless_reg(x, BPF_JGE, r->bound, r->t);
		emit(x, INSN(BPF_ALU64 | BPF_ADD | BPF_X, r->t, r->base, 0, 0));
	} else {
		emit(x, INSN(BPF_ALU64 | BPF_ADD | BPF_X, r->t, r->base, 0, 0));
		emit(x, INSN(BPF_ALU64 | BPF_ADD | BPF_K, r->t, 0, 0, size));
		abort_unless_reg(x, BPF_JGE, r->bound, r->t);
	}
	emit(x, INSN(BPF_LDX | BPF_MEM | ebpf_size(size), r->a, r->t, (__s16)-size, 0));
	swap_loaded(x, r->a, size);
}

/* The eBPF jump op that is true when the classic one is false, or 0. */
static __u8 negated(__u8 op)
{
	switch (op) {
	case BPF_JEQ:
		return BPF_JNE;
	case BPF_JGT:
		return BPF_JLE;
	case BPF_JGE:
		return BPF_JLT;
	default:
		return 0; /* JSET has no negation */
	}
}

static void cond_jump(struct xlat *x, const struct step *st, int i)
{
	const struct sock_filter *c = &st->c;
	__u8 op = BPF_OP(c->code), src = BPF_SRC(c->code);
	__u8 sreg = src == BPF_X ? x->r->x : 0;
	__s32 imm = src == BPF_X ? 0 : (__s32)c->k;
	int t = x->start[st->t], f = x->start[st->f];

	if (st->t == i + 1 && st->f == i + 1)
		return;
	if (st->f == i + 1) {
		emit(x, INSN(BPF_JMP32 | op | src, x->r->a, sreg, rel(x, t), imm));
	} else if (st->t == i + 1 && negated(op)) {
		emit(x, INSN(BPF_JMP32 | negated(op) | src, x->r->a, sreg, rel(x, f), imm));
	} else {
		emit(x, INSN(BPF_JMP32 | op | src, x->r->a, sreg, rel(x, t), imm));
		jump_to(x, f);
	}
}

static void alu(struct xlat *x, const struct sock_filter *c)
{
	const struct pl_cbpf_regs *r = x->r;
	__u8 op = BPF_OP(c->code);

	if (op == BPF_NEG) {
		emit(x, INSN(BPF_ALU | BPF_NEG, r->a, 0, 0, 0));
		return;
	}
	if (BPF_SRC(c->code) == BPF_K) {
		if ((op == BPF_DIV || op == BPF_MOD) && c->k == 0) {
			jump_to(x, x->block_end); /* libpcap: return 0 */
			return;
		}
		if ((op == BPF_LSH || op == BPF_RSH) && c->k >= 32) {
			emit(x, INSN(BPF_ALU | BPF_MOV | BPF_K, r->a, 0, 0, 0));
			return;
		}
		emit(x, INSN(BPF_ALU | op | BPF_K, r->a, 0, 0, (__s32)c->k));
		return;
	}
	if (op == BPF_DIV || op == BPF_MOD) {
		/* division by X == 0: libpcap's program returns 0 */
		emit(x, INSN(BPF_JMP32 | BPF_JNE | BPF_K, r->x, 0, 1, 0));
		jump_to(x, x->block_end);
	}
	if (op == BPF_LSH || op == BPF_RSH) {
		/* a shift by 32 or more gives 0, as in libpcap's bpf_filter() */
		emit(x, INSN(BPF_JMP32 | BPF_JLT | BPF_K, r->x, 0, 2, 32));
		emit(x, INSN(BPF_ALU | BPF_MOV | BPF_K, r->a, 0, 0, 0));
		emit(x, INSN(BPF_JMP | BPF_JA, 0, 0, 1, 0));
	}
	emit(x, INSN(BPF_ALU | op | BPF_X, r->a, r->x, 0, 0));
}

static int bad(struct xlat *x, const char *what, int i)
{
	snprintf(x->err, x->errlen, "libpcap's code: %s at instruction %d of block %d", what, i,
		 x->block);
	return -1;
}

static int xlat_insn(struct xlat *x, const struct step *st, int i)
{
	const struct sock_filter *c = &st->c;
	const struct pl_cbpf_regs *r = x->r;
	__u16 code = c->code;
	__s16 moff = (__s16)(c->k * 4);

	switch (BPF_CLASS(code)) {
	case BPF_LD:
	case BPF_LDX: {
		__u8 dst = BPF_CLASS(code) == BPF_LD ? r->a : r->x;

		switch (BPF_MODE(code)) {
		case BPF_IMM:
			emit(x, INSN(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, (__s32)c->k));
			return 0;
		case BPF_MEM:
			if (c->k >= 16)
				return bad(x, "scratch memory out of range", i);
			emit(x, INSN(BPF_LDX | BPF_MEM | BPF_W, dst, r->mem, moff, 0));
			return 0;
		case BPF_LEN:
			emit(x, INSN(BPF_LDX | BPF_MEM | BPF_W, dst, r->mem,
				     (__s16)offsetof(struct pl_cbpf_mem, wire_len), 0));
			return 0;
		case BPF_ABS:
			if (BPF_CLASS(code) != BPF_LD)
				break;
			load_abs(x, r->a, c->k, (int)pl_cbpf_load_size(code));
			return 0;
		case BPF_IND:
			if (BPF_CLASS(code) != BPF_LD)
				break;
			load_ind(x, c->k, (int)pl_cbpf_load_size(code));
			return 0;
		case BPF_MSH:
			if (BPF_CLASS(code) != BPF_LDX)
				break;
			load_abs(x, r->x, c->k, 1);
			emit(x, INSN(BPF_ALU | BPF_AND | BPF_K, r->x, 0, 0, 0xf));
			emit(x, INSN(BPF_ALU | BPF_LSH | BPF_K, r->x, 0, 0, 2));
			return 0;
		}
		return bad(x, "unknown load", i);
	}
	case BPF_ST:
	case BPF_STX:
		if (c->k >= 16)
			return bad(x, "scratch memory out of range", i);
		emit(x, INSN(BPF_STX | BPF_MEM | BPF_W, r->mem,
			     BPF_CLASS(code) == BPF_ST ? r->a : r->x, moff, 0));
		return 0;
	case BPF_ALU:
		alu(x, c);
		return 0;
	case BPF_JMP:
		if (BPF_OP(code) != BPF_JA)
			cond_jump(x, st, i);
		else if (st->t == STEP_ABORT)
			abort_block(x); /* protochain's walk, past its last turn */
		else
			jump_to(x, x->start[st->t]);
		return 0;
	case BPF_RET:
		if (BPF_RVAL(code) == BPF_K) {
			if (c->k)
				set_bit(x, x->block);
		} else {
			emit(x, INSN(BPF_JMP32 | BPF_JEQ | BPF_K,
				     BPF_RVAL(code) == BPF_X ? r->x : r->a, 0, 1, 0));
			set_bit(x, x->block);
		}
		jump_to(x, x->block_end);
		return 0;
	case BPF_MISC:
		if (BPF_MISCOP(code) == BPF_TAX)
			emit(x, INSN(BPF_ALU | BPF_MOV | BPF_X, r->x, r->a, 0, 0));
		else
			emit(x, INSN(BPF_ALU | BPF_MOV | BPF_X, r->a, r->x, 0, 0));
		return 0;
	}
	return bad(x, "unknown instruction", i);
}

/* Marks the steps a run can reach (libpcap's optimizer leaves nothing
 * unreachable, but the verifier refuses any, so be sure). */
static void mark_reachable(const struct step *st, int n, bool *reach)
{
	int i;

	memset(reach, 0, (size_t)n);
	reach[0] = n > 0;
	for (i = 0; i < n; i++) { /* every jump goes forward now */
		__u16 code = st[i].c.code;

		if (!reach[i] || BPF_CLASS(code) == BPF_RET)
			continue;
		if (BPF_CLASS(code) != BPF_JMP) {
			reach[i + 1] = true;
			continue;
		}
		if (st[i].t >= 0)
			reach[st[i].t] = true;
		if (BPF_OP(code) != BPF_JA)
			reach[st[i].f] = true;
	}
}

int pl_cbpf_translate(const struct pl_filter *f, enum pl_cbpf_flavor flavor,
		      const struct pl_cbpf_regs *regs, struct bpf_insn *out, char *err,
		      size_t errlen)
{
	static struct step st[PL_CBPF_MAX_STEPS];
	static int starts[PL_FILTER_MAX_BLOCKS][PL_CBPF_MAX_STEPS];
	int ends[PL_FILTER_MAX_BLOCKS + 1] = {}; /* where block b - 1 ends */
	bool reach[PL_CBPF_MAX_STEPS];
	struct xlat x = { .r = regs,
			  .flavor = flavor,
			  .cap = 4 + PL_CBPF_REGION_LEN,
			  .err = err,
			  .errlen = errlen };
	__u32 b;
	int i, pass;

	if (f->n_blocks > PL_FILTER_MAX_BLOCKS ||
	    f->block_start[f->n_blocks] > PL_FILTER_MAX_CBPF) {
		snprintf(err, errlen, "too many blocks of libpcap's code");
		return -1;
	}
	/* sizes do not depend on jump distances: pass 0 learns where each
	 * instruction and block goes, pass 1 writes the code */
	for (pass = 0; pass < 2; pass++) {
		x.out = pass ? out : NULL;
		x.n = 0;
		emit(&x, INSN(BPF_ALU64 | BPF_MOV | BPF_K, regs->res, 0, 0, 0));
		for (b = 0; b < f->n_blocks; b++) {
			const struct sock_filter *c = (const void *)&f->cbpf[f->block_start[b]];
			int len = f->block_start[b + 1] - f->block_start[b], n;

			x.block = (int)b;
			x.start = starts[b];
			x.block_end = ends[b + 1];
			n = expand(c, len, st);
			if (n < 0)
				return bad(&x,
					   n == -2 ? "a loop pktlens cannot unroll"
						   : "a block that does not end in a return",
					   0);
			mark_reachable(st, n, reach);
			/* classic BPF starts with A = X = 0 */
			emit(&x, INSN(BPF_ALU | BPF_MOV | BPF_K, regs->a, 0, 0, 0));
			emit(&x, INSN(BPF_ALU | BPF_MOV | BPF_K, regs->x, 0, 0, 0));
			for (i = 0; i < n; i++) {
				if (!pass)
					x.start[i] = x.n;
				if (reach[i] && xlat_insn(&x, &st[i], i))
					return -1;
			}
			ends[b + 1] = x.n;
		}
		if (x.n > x.cap) {
			snprintf(err, errlen,
				 "the filter's header tests need %d eBPF instructions, more than "
				 "the %d the kernel program reserves",
				 x.n, x.cap);
			return -1;
		}
	}
	for (i = x.n; i < x.cap; i++)
		out[i] = INSN(BPF_JMP | BPF_JA, 0, 0, 0, 0);
	return 0;
}

/* ---- into the programs, before load ---- */

int pl_filter_splice(struct bpf_object *obj, const struct pl_filter *f, char *err, size_t errlen)
{
	struct bpf_program *prog;

	if (!f->n_blocks)
		return 0;
	bpf_object__for_each_program(prog, obj) {
		size_t n = bpf_program__insn_cnt(prog), at = 0;
		const struct bpf_insn *orig = bpf_program__insns(prog);
		struct bpf_insn *insns;
		struct pl_cbpf_regs regs;
		int i, found = 0;

		insns = malloc(n * sizeof(*insns));
		if (!insns) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		memcpy(insns, orig, n * sizeof(*insns));
		/* clang may have copied the region: write every copy */
		while ((i = pl_cbpf_find_region(insns + at, n - at, &regs)) >= 0) {
			if (pl_cbpf_translate(f, regs.flavor, &regs, insns + at + (size_t)i, err,
					      errlen)) {
				free(insns);
				return -1;
			}
			at += (size_t)i + 4 + PL_CBPF_REGION_LEN;
			found++;
		}
		if (found && bpf_program__set_insns(prog, insns, n)) {
			snprintf(err, errlen, "cannot write the filter into %s",
				 bpf_program__name(prog));
			free(insns);
			return -1;
		}
		free(insns);
	}
	return 0;
}
