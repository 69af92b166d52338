/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Evaluation of a compiled filter (filter.h), by the same C code in the
 * kernel and on the host: the header parts are libpcap's own code (the
 * blocks), run by pl_cbpf_region() in the kernel and pl_cbpf_run_host()
 * on the host, so `pktlens read FILE FILTER` selects what `tcpdump -r
 * FILE FILTER` does; the decision graph combines their result bits with
 * the L7 tests, which read the parsed record.
 */
#include "parse/cursor.h"
#include "filter.h"

PL_INLINE bool pl_fcmp32(__u32 cmp, __u32 a, __u32 b)
{
	switch (cmp) {
	case PL_FC_EQ:
		return a == b;
	case PL_FC_NE:
		return a != b;
	case PL_FC_LT:
		return a < b;
	case PL_FC_LE:
		return a <= b;
	case PL_FC_GT:
		return a > b;
	default:
		return a >= b;
	}
}

/* String fields: where they are in the record, if present. */
PL_INLINE const char *pl_fstr_field(const struct pl_pkt *p, __u32 field, __u32 *len)
{
	if (field == PL_FF_TLS_SNI && (p->present & PL_HAS_TLS_SNI)) {
		*len = p->l7.tls.sni_len;
		return p->l7.tls.sni;
	}
	if (field == PL_FF_DNS_QNAME && (p->present & PL_HAS_DNS_QRY)) {
		*len = p->l7.dns.name_len;
		return p->l7.dns.name;
	}
	if (field == PL_FF_HTTP_HOST && (p->present & PL_HAS_HTTP_HOST)) {
		*len = p->l7.http.host_len;
		return p->l7.http.host;
	}
	if (field == PL_FF_HTTP_METHOD && (p->present & PL_HAS_HTTP)) {
		*len = p->l7.http.method_len;
		return p->l7.http.method;
	}
	if (field == PL_FF_HTTP_URI && (p->present & PL_HAS_HTTP)) {
		*len = p->l7.http.uri_len;
		return p->l7.http.uri;
	}
	return NULL;
}

PL_INLINE __u8 pl_fold(__u8 c, bool nocase)
{
	return nocase && c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Copies a string field into s->fstr; returns its length + 1, or 0 when
 * the packet lacks it. One fixed buffer keeps the comparisons simple for
 * the verifier. */
PL_SUBPROG __u32 pl_fstr_load(struct pl_scratch *s, __u32 field)
{
	const char *str;
	__u32 len, i;
	__u64 w;

	if (!s)
		return 0;
	str = pl_fstr_field(&s->ev.pkt, field, &len);
	if (!str)
		return 0;
	if (len > PL_TLS_SNI_MAX)
		len = PL_TLS_SNI_MAX;
	for (i = 0; i < PL_TLS_SNI_MAX / 8; i++) {
		if (i * 8 >= len)
			break;
		/* may read past a short field: still inside struct pl_scratch */
		__builtin_memcpy(&w, str + i * 8, 8);
		__builtin_memcpy(s->fstr + i * 8, &w, 8);
	}
	return len + 1;
}

/* Does s->fpat (plen bytes) stand at byte `at` of s->fstr? */
PL_SUBPROG int pl_fstr_at(struct pl_scratch *s, __u32 at, __u32 plen, __u32 nocase)
{
	__u32 i;

	if (!s)
		return 0;
	for (i = 0; i < PL_FILTER_STR_MAX; i++) {
		if (i >= plen)
			break;
		if (pl_fold((__u8)s->fstr[pl_mask(at + i, PL_TLS_SNI_MAX - 1)], nocase) !=
		    pl_fold((__u8)s->fpat[i], nocase))
			return 0;
	}
	return 1;
}

struct pl_fstr_walk {
	struct pl_scratch *s;
	__u32 len, plen, nocase, found;
};

static long pl_fstr_step(__u32 at, void *ctx)
{
	struct pl_fstr_walk *w = ctx;

	if (at + w->plen > w->len)
		return 1;
	if (pl_fstr_at(w->s, at, w->plen, w->nocase)) {
		w->found = 1;
		return 1;
	}
	return 0;
}

/* Matches a string field against s->fpat (plen bytes). Host names, SNI and
 * DNS names compare without case, as DNS does. */
PL_INLINE int pl_fstr_match(struct pl_scratch *s, __u32 field, __u32 cmp, __u32 plen)
{
	struct pl_fstr_walk w = {};
	__u32 len = pl_fstr_load(s, field);
	bool nocase;

	if (!len--)
		return 0;
	nocase = field == PL_FF_TLS_SNI || field == PL_FF_DNS_QNAME || field == PL_FF_HTTP_HOST;
	switch (cmp) {
	case PL_FC_EQ:
		return len == plen && pl_fstr_at(s, 0, plen, nocase);
	case PL_FC_NE:
		return !(len == plen && pl_fstr_at(s, 0, plen, nocase));
	case PL_FC_PREFIX:
		return len >= plen && pl_fstr_at(s, 0, plen, nocase);
	case PL_FC_SUFFIX:
		return len >= plen && pl_fstr_at(s, len - plen, plen, nocase);
	case PL_FC_SUBSTR:
		w.s = s;
		w.len = len;
		w.plen = plen;
		w.nocase = nocase;
		pl_loop(PL_TLS_SNI_MAX, pl_fstr_step, &w);
		return w.found;
	}
	return 0;
}

PL_INLINE int pl_test_str(const volatile struct pl_filter *f, const volatile struct pl_fnode *n,
			  struct pl_scratch *s)
{
	__u32 slot = n->arg8 & (PL_FILTER_MAX_STRS - 1), i;

	/* as in Wireshark, a test on an absent field is false, even != */
	if (!pl_fstr_field(&s->ev.pkt, n->lo, &i))
		return 0;
	for (i = 0; i < PL_FILTER_STR_MAX; i++)
		s->fpat[i] = f->strs[slot][i];
	return pl_fstr_match(s, n->lo, n->cmp, n->arg8b);
}

PL_INLINE int pl_test_num(const volatile struct pl_fnode *n, const struct pl_pkt *p)
{
	switch (n->lo) {
	case PL_FF_DNS_QTYPE:
		return (p->present & PL_HAS_DNS_QTYPE) && pl_fcmp32(n->cmp, p->l7.dns.qtype, n->hi);
	case PL_FF_DNS_RCODE:
		return (p->present & PL_HAS_DNS) && pl_fcmp32(n->cmp, p->l7.dns.flags & 0xf, n->hi);
	case PL_FF_DNS_ID:
		return (p->present & PL_HAS_DNS) && pl_fcmp32(n->cmp, p->l7.dns.id, n->hi);
	case PL_FF_TLS_VERSION:
		return (p->present & PL_HAS_TLS) && pl_fcmp32(n->cmp, p->l7.tls.version, n->hi);
	}
	return 0;
}

/* Is the address in slot `slot` (len 4 or 16) the one at a? */
PL_INLINE bool pl_faddr_eq(const volatile struct pl_filter *f, __u32 slot, __u32 len,
			   const __u8 *a)
{
	const volatile char *w = f->strs[slot & (PL_FILTER_MAX_STRS - 1)];
	__u32 i;

	for (i = 0; i < 16; i++) {
		if (i >= len)
			break;
		if ((__u8)w[i] != a[i])
			return false;
	}
	return true;
}

/* Tunnel tests: the tunnel's own fields, or the inner packet's headers
 * (pl_pkt.inner, laid out as the start of a struct pl_pkt). A packet
 * without an inner packet fails every `inner` test. */
PL_INLINE int pl_test_tun(const volatile struct pl_filter *f, const volatile struct pl_fnode *n,
			  const struct pl_pkt *p)
{
	const struct pl_pkt *in = (const struct pl_pkt *)p->inner;
	__u32 what = n->lo, v = n->hi, len = n->arg8b;
	bool v6;

	if (what == PL_FTUN_KIND)
		return p->tun_kind == v;
	if (what == PL_FTUN_VXLAN_VNI)
		return p->tun_kind == PL_TUN_VXLAN && p->tun_vni == v;
	if (!(p->tun_flags & PL_TUNF_INNER))
		return 0;
	v6 = in->present & PL_HAS_IP6;
	switch (what) {
	case PL_FTUN_PROTO:
		return (in->present & (PL_HAS_IP4 | PL_HAS_IP6)) && in->l4_proto == v;
	case PL_FTUN_IPVER:
		return (in->present & (v == 6 ? PL_HAS_IP6 : PL_HAS_IP4)) != 0;
	case PL_FTUN_PORT:
	case PL_FTUN_SPORT:
	case PL_FTUN_DPORT:
		if (!(in->present & (PL_HAS_TCP | PL_HAS_UDP | PL_HAS_SCTP)))
			return 0;
		return (what != PL_FTUN_DPORT && in->sport == v) ||
		       (what != PL_FTUN_SPORT && in->dport == v);
	case PL_FTUN_HOST:
	case PL_FTUN_SRC:
	case PL_FTUN_DST:
		if (!(in->present & (len == 16 ? PL_HAS_IP6 : PL_HAS_IP4)) || v6 != (len == 16))
			return 0;
		return (what != PL_FTUN_DST && pl_faddr_eq(f, n->arg8, len, in->ip_src)) ||
		       (what != PL_FTUN_SRC && pl_faddr_eq(f, n->arg8, len, in->ip_dst));
	}
	return 0;
}

/* One node: 1 true, 0 false, -1 rejects the packet. */
PL_INLINE int pl_test_node(const volatile struct pl_filter *f, const volatile struct pl_fnode *n,
			   __u32 cbpf_bits, struct pl_scratch *s)
{
	switch (n->test) {
	case PL_FT_CBPF:
		/* a block that read past the frame rejects the packet, as the
		 * whole of libpcap's program would */
		if (cbpf_bits >> (PL_CBPF_ABORT_BIT + (n->arg8 & 7)) & 1)
			return -1;
		return cbpf_bits >> (n->arg8 & 7) & 1;
	case PL_FT_STR:
		return s ? pl_test_str(f, n, s) : 0;
	case PL_FT_NUM:
		return s ? pl_test_num(n, &s->ev.pkt) : 0;
	case PL_FT_TUN:
		return s ? pl_test_tun(f, n, &s->ev.pkt) : 0;
	}
	return 0;
}

/* Runs the filter on the blocks' result bits and, for L7 tests, the record
 * in s (NULL: a filter without them, f->needs_l7 == 0). True when it
 * matches. */
PL_INLINE bool pl_filter_run(const volatile struct pl_filter *f, __u32 cbpf_bits,
			     struct pl_scratch *s)
{
	__u32 pc = f->entry, i;
	int r;

	/* Jumps only go forward: walk the nodes in order and test the one the
	 * last test jumped to. Every path then reaches node i in the same
	 * state (i == pc), so the verifier checks each node's test once
	 * rather than once per path through the graph. */
	for (i = 0; i < PL_FILTER_MAX_NODES; i++) {
		if (pc >= PL_FILTER_MAX_NODES)
			break;
		if (i != pc)
			continue;
		r = pl_test_node(f, &f->nodes[i], cbpf_bits, s);
		if (r < 0)
			return false;
		pc = r ? f->nodes[i].jt : f->nodes[i].jf;
	}
	return pc == PL_FILTER_ACCEPT;
}

/* Does node n test a field a QUIC client Initial's hello fills? */
PL_INLINE bool pl_fnode_tls(const volatile struct pl_fnode *n)
{
	return (n->test == PL_FT_STR && n->lo == PL_FF_TLS_SNI) ||
	       (n->test == PL_FT_NUM && n->lo == PL_FF_TLS_VERSION);
}

/*
 * May the filter match a QUIC client Initial once user space has decrypted
 * its ClientHello? In the kernel its TLS tests are unknown, so both of
 * their ways are followed: reach has a bit per node some path gets to. The
 * kernel sends the Initial up when it may (packet.bpf.c), and user space
 * runs the filter on the whole record.
 */
PL_INLINE bool pl_filter_may_match(const volatile struct pl_filter *f, struct pl_scratch *s)
{
	__u64 reach;
	__u32 i, j, k;
	int r;

	if (f->entry >= PL_FILTER_MAX_NODES)
		return f->entry == PL_FILTER_ACCEPT;
	reach = 1ull << f->entry;
	for (i = 0; i < PL_FILTER_MAX_NODES; i++) {
		if (!(reach >> i & 1))
			continue;
		if (pl_fnode_tls(&f->nodes[i]))
			r = 2;
		else
			r = pl_test_node(f, &f->nodes[i], s->cbpf_bits, s);
		if (r < 0)
			continue;
		for (k = 0; k < 2; k++) {
			if (k == 0 ? r == 0 : r == 1)
				continue; /* k 0: the true way, k 1: the false way */
			j = k == 0 ? f->nodes[i].jt : f->nodes[i].jf;
			if (j == PL_FILTER_ACCEPT)
				return true;
			if (j < PL_FILTER_MAX_NODES)
				reach |= 1ull << j;
		}
	}
	return false;
}

/* Runs the filter on the window and record of s; true when it matches. */
PL_INLINE bool pl_filter_match(const volatile struct pl_filter *f, struct pl_scratch *s)
{
	return pl_filter_run(f, s->cbpf_bits, s);
}

#ifdef __bpf__
#define PL_STR(x)  #x
#define PL_XSTR(x) PL_STR(x)

/*
 * The kernel's run of the filter's libpcap blocks (filter/cbpf.h): user
 * space writes their translation over this region before load, in place
 * of the marker and the `goto +0`s; the marker's magic says what base and
 * bound are, and its moves which registers hold what. mem: struct
 * pl_cbpf_mem. Returns the blocks' result bits. Call it only when
 * f->n_blocks, a constant of .rodata, so that the verifier drops it
 * otherwise.
 */
#define PL_CBPF_REGION(magic, base, bound, mem)                                             \
	({                                                                                  \
		__u64 a_, x_, t_, res_;                                                     \
		asm volatile("%[a] = " PL_XSTR(magic) "\n\t"                               \
			     "%[x] = %[b]\n\t"                                              \
			     "%[t] = %[bd]\n\t"                                             \
			     "%[res] = %[m]\n\t"                                            \
			     ".rept " PL_XSTR(PL_CBPF_REGION_LEN) "\n\t"                    \
			     "goto +0\n\t"                                                  \
			     ".endr"                                                        \
			     : [a] "=&r"(a_), [x] "=&r"(x_), [t] "=&r"(t_), [res] "=&r"(res_) \
			     : [b] "r"(base), [bd] "r"(bound), [m] "r"(mem)                  \
			     : "memory");                                                   \
		(__u32)res_;                                                                \
	})

/* On a copy of the frame: base a map value of PL_WIN bytes or more, bound
 * the bytes in it. */
PL_INLINE __u32 pl_cbpf_region(const void *base, __u64 bound, __u32 *mem)
{
	return PL_CBPF_REGION(PL_CBPF_MAGIC, base, bound, mem);
}

/* On the frame in packet memory (XDP, or a linear skb at TC): data and
 * data_end as the context gives them. */
PL_INLINE __u32 pl_cbpf_packet(const void *data, const void *data_end, __u32 *mem)
{
	return PL_CBPF_REGION(PL_CBPF_MAGIC_PACKET, data, data_end, mem);
}
#endif

#ifndef __bpf__
/* The parts of the parse the filter's L7 tests read (filter.h). */
__u32 pl_filter_parse_parts(const struct pl_filter *f)
{
	__u32 parts = 0, i;

	for (i = 0; i < f->n_nodes && i < PL_FILTER_MAX_NODES; i++) {
		const struct pl_fnode *n = &f->nodes[i];

		if (n->test != PL_FT_STR && n->test != PL_FT_NUM)
			continue;
		parts |= PL_PART_L7;
		if (n->lo == PL_FF_HTTP_METHOD || n->lo == PL_FF_HTTP_URI)
			parts |= PL_PART_L7_ALL;
	}
	return parts;
}

/*
 * The host's run of the filter's libpcap blocks, under the rules of the
 * kernel's translation (filter/cbpf.c): libpcap's bpf_filter() cannot
 * tell a failed load from a "no", which the graph needs to reject the
 * packet as libpcap's whole program would. tests/unit/test_filter.c
 * checks the two agree on every verdict.
 */
#include <linux/filter.h>

/* The size bytes at off, big-endian, under the kernel's rules: inside the
 * first PL_WIN bytes and the n the frame has. */
static int host_load(const __u8 *d, __u32 n, __u64 off, int size, __u32 *v)
{
	if (off > (__u64)(PL_WIN - size) || off + (__u64)size > n)
		return -1;
	if (size == 4)
		*v = (__u32)d[off] << 24 | (__u32)d[off + 1] << 16 | (__u32)d[off + 2] << 8 |
		     d[off + 3];
	else if (size == 2)
		*v = (__u32)d[off] << 8 | d[off + 1];
	else
		*v = d[off];
	return 0;
}

static bool host_jump(__u8 op, __u32 a, __u32 b)
{
	switch (op) {
	case BPF_JEQ:
		return a == b;
	case BPF_JGT:
		return a > b;
	case BPF_JGE:
		return a >= b;
	default:
		return a & b;
	}
}

static __u32 host_alu(__u8 op, __u32 a, __u32 b)
{
	switch (op) {
	case BPF_ADD:
		return a + b;
	case BPF_SUB:
		return a - b;
	case BPF_MUL:
		return a * b;
	case BPF_DIV:
		return a / b; /* b != 0: the caller checked */
	case BPF_MOD:
		return a % b;
	case BPF_OR:
		return a | b;
	case BPF_AND:
		return a & b;
	case BPF_XOR:
		return a ^ b;
	case BPF_LSH:
		return b < 32 ? a << b : 0;
	case BPF_RSH:
		return b < 32 ? a >> b : 0;
	default: /* BPF_NEG */
		return -a;
	}
}

enum {
	HOST_NO,
	HOST_YES,
	HOST_ABORT
};

static int host_block(const struct sock_filter *c, int len, const __u8 *d, __u32 n, __u32 wire_len)
{
	__u32 a = 0, x = 0, mem[16] = { 0 }, v, *dst, turns = 0;
	int pc;

	for (pc = 0; pc >= 0 && pc < len; pc++) {
		const struct sock_filter *i = &c[pc];

		__u16 code = i->code;

		switch (BPF_CLASS(code)) {
		case BPF_LD:
		case BPF_LDX:
			dst = BPF_CLASS(code) == BPF_LD ? &a : &x;
			switch (BPF_MODE(code)) {
			case BPF_IMM:
				*dst = i->k;
				break;
			case BPF_MEM:
				*dst = i->k < 16 ? mem[i->k] : 0;
				break;
			case BPF_LEN:
				*dst = wire_len;
				break;
			case BPF_ABS:
				if (host_load(d, n, i->k, (int)pl_cbpf_load_size(code), &v))
					return HOST_ABORT;
				a = v;
				break;
			case BPF_IND:
				if (host_load(d, n, (__u64)x + i->k, (int)pl_cbpf_load_size(code),
					      &v))
					return HOST_ABORT;
				a = v;
				break;
			case BPF_MSH:
				if (host_load(d, n, i->k, 1, &v))
					return HOST_ABORT;
				x = (v & 0xf) << 2;
				break;
			}
			break;
		case BPF_ST:
		case BPF_STX:
			if (i->k < 16)
				mem[i->k] = BPF_CLASS(code) == BPF_ST ? a : x;
			break;
		case BPF_ALU:
			v = BPF_SRC(code) == BPF_X ? x : i->k;
			if ((BPF_OP(code) == BPF_DIV || BPF_OP(code) == BPF_MOD) && v == 0)
				return HOST_NO;
			a = host_alu(BPF_OP(code), a, v);
			break;
		case BPF_JMP:
			/* protochain's walk loops back: PL_CBPF_TURNS turns at most,
			 * as the kernel's unrolled copy has it */
			if (BPF_OP(code) == BPF_JA && (__s32)i->k < 0 && ++turns >= PL_CBPF_TURNS)
				return HOST_ABORT;
			if (BPF_OP(code) == BPF_JA)
				pc += (__s32)i->k;
			else
				pc += host_jump(BPF_OP(code), a, BPF_SRC(code) == BPF_X ? x : i->k)
					      ? i->jt
					      : i->jf;
			break;
		case BPF_RET:
			v = BPF_RVAL(code) == BPF_K ? i->k : BPF_RVAL(code) == BPF_X ? x : a;
			return v ? HOST_YES : HOST_NO;
		case BPF_MISC:
			if (BPF_MISCOP(code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		}
	}
	return HOST_NO; /* the compiler checked that every path returns */
}

__u32 pl_cbpf_run_host(const struct pl_filter *f, const __u8 *data, __u32 caplen, __u32 wire_len)
{
	__u32 bits = 0, n = caplen < PL_WIN ? caplen : PL_WIN, b;

	for (b = 0; b < f->n_blocks && b < PL_FILTER_MAX_BLOCKS; b++) {
		const struct sock_filter *c = (const void *)&f->cbpf[f->block_start[b]];
		int r = host_block(c, f->block_start[b + 1] - f->block_start[b], data, n, wire_len);

		if (r == HOST_YES)
			bits |= 1u << b;
		else if (r == HOST_ABORT)
			bits |= 1u << (PL_CBPF_ABORT_BIT + b);
	}
	return bits;
}

#endif
