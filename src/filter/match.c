/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Evaluation of a compiled filter (filter.h) against a parsed packet.
 * Semantics follow libpcap's for the pcap-filter primitives, so that
 * `pktlens read FILE FILTER` selects what `tcpdump -r FILE FILTER` does:
 * header tests load the frame's bytes at libpcap's offsets (IPv4 ports
 * only in first fragments, IPv6 ports right after the fixed header, IPv6
 * protocols there or after one fragment header, `vlan` shifting the tests
 * that follow it, a load past the frame's end rejecting the packet); the
 * L7 tests read the parsed record.
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

/*
 * Header tests read the frame's bytes at the offsets libpcap's code reads,
 * not the parsed record: a header the parser found malformed or cut short
 * is tested as tcpdump tests it, and a load past the end of the frame
 * rejects the whole packet (-1). Each `vlan` before a test in the text
 * moves its link-layer offsets by 4 bytes (n->depth). The offsets stay
 * below PL_HDR_WIN, which the kernel always loads.
 */

/*
 * What header tests read: a frame's bytes [data, end), len of them loaded,
 * of a frame avail bytes long. Over the parser's window (pl_scratch_view)
 * or, in XDP, over the packet itself, so that a filter can reject a packet
 * before anything is copied or parsed.
 */
struct pl_fview {
	const __u8 *data;
	const __u8 *end;
	__u32 len;       /* bytes at data that may be read */
	__u32 avail;     /* bytes the frame has (caplen) */
	__u32 linktype;
	__u32 frame_len; /* frame.len, for less/greater */
	__u32 cbpf_bits; /* the libpcap blocks' result bits (filter/cbpf.h) */
};

PL_INLINE struct pl_fview pl_scratch_view(const struct pl_scratch *s)
{
	/* end bounds the reads for the verifier; len is the real limit */
	return (struct pl_fview){ .data = s->buf, .end = s->buf + PL_WIN, .len = s->len,
				  .avail = s->avail, .linktype = s->linktype,
				  .frame_len = s->ev.pkt.frame_len, .cbpf_bits = s->cbpf_bits };
}

/* Where libpcap finds the EtherType and the network header. */
PL_INLINE __u32 pl_ftype_off(const struct pl_fview *fv, __u32 depth)
{
	if (fv->linktype == PL_LINK_LINUX_SLL)
		return 14;
	if (fv->linktype == PL_LINK_LINUX_SLL2)
		return 0;
	return 12 + 4 * (depth & 0x0f);
}

PL_INLINE __u32 pl_fl3_off(const struct pl_fview *fv, __u32 depth)
{
	if (fv->linktype == PL_LINK_LINUX_SLL)
		return 16;
	if (fv->linktype == PL_LINK_LINUX_SLL2)
		return 20;
	return 14 + 4 * (depth & 0x0f);
}

/* Loads `size` (1, 2 or 4) bytes at off into *v; -1 past the frame's end.
 * Each size compares its own end, which is what lets the verifier see the
 * read inside the packet. */
PL_INLINE int pl_fload(const struct pl_fview *fv, __u32 off, __u32 size, __u32 *v)
{
	const __u8 *p;

	/* both tests, though len <= avail in every view: with the len test
	 * alone the flow programs grow past the verifier's limit (E2BIG) */
	if (off + size > fv->avail || off + size > fv->len)
		return -1;
	p = fv->data + pl_mask(off, PL_WIN - 1);
	if (size == 1) {
		if (p + 1 > fv->end)
			return -1;
		*v = *p;
	} else if (size == 2) {
		if (p + 2 > fv->end)
			return -1;
		*v = __builtin_bswap16(pl_load16(p));
	} else {
		if (p + 4 > fv->end)
			return -1;
		*v = __builtin_bswap32(pl_load32(p));
	}
	return 0;
}

/* After the source test gave `src` (0 or 1): the result when the direction
 * needs no destination test, else 2. libpcap tests the source first and
 * the destination only when needed, which decides what a short frame does. */
PL_INLINE int pl_fdir_src(__u32 dir, int src)
{
	if (dir == PL_FD_SRC)
		return src;
	if (dir == PL_FD_EITHER && src)
		return 1;
	if (dir == PL_FD_BOTH && !src)
		return 0;
	return 2;
}

PL_INLINE __u32 pl_faddr32(const volatile struct pl_fnode *n, __u32 i)
{
	return (__u32)n->addr[i * 4] << 24 | (__u32)n->addr[i * 4 + 1] << 16 |
	       (__u32)n->addr[i * 4 + 2] << 8 | n->addr[i * 4 + 3];
}

PL_INLINE __u32 pl_fmask32(__u32 prefix, __u32 word)
{
	__u32 bits = prefix > word * 32 ? prefix - word * 32 : 0;

	if (bits >= 32)
		return 0xffffffff;
	return bits ? ~(0xffffffffu >> bits) : 0;
}

/* One IPv4 (or ARP) address at off against the node's net; a zero mask
 * loads nothing, as libpcap's optimiser drops that load. */
PL_INLINE int pl_fnet4(const volatile struct pl_fnode *n, const struct pl_fview *fv,
		       __u32 off)
{
	__u32 m = pl_fmask32(n->arg8, 0), v;

	if (!m)
		return 1;
	if (pl_fload(fv, off, 4, &v))
		return -1;
	return (v & m) == (pl_faddr32(n, 0) & m);
}

/* One IPv6 address at off, word by word as libpcap compares it. */
PL_INLINE int pl_fnet6(const volatile struct pl_fnode *n, const struct pl_fview *fv,
		       __u32 off)
{
	__u32 i, m, v;

	for (i = 0; i < 4; i++) {
		m = pl_fmask32(n->arg8, i);
		if (!m)
			break;
		if (pl_fload(fv, off + i * 4, 4, &v))
			return -1;
		if ((v & m) != (pl_faddr32(n, i) & m))
			return 0;
	}
	return 1;
}

PL_INLINE int pl_test_host(const volatile struct pl_fnode *n, const struct pl_fview *fv)
{
	__u32 l3 = pl_fl3_off(fv, n->depth), type, so, dof;
	bool v6 = n->test == PL_FT_HOST6;
	int r;

	if (pl_fload(fv, pl_ftype_off(fv, n->depth), 2, &type))
		return -1;
	if (v6 ? type == 0x86dd : type == 0x0800) {
		so = v6 ? 8 : 12;
		dof = v6 ? 24 : 16;
	} else if (!v6 && n->arg8b && (type == 0x0806 || type == 0x8035)) {
		so = 14; /* ARP and RARP sender and target protocol addresses */
		dof = 24;
	} else {
		return 0;
	}
	if (n->dir != PL_FD_DST) {
		r = v6 ? pl_fnet6(n, fv, l3 + so) : pl_fnet4(n, fv, l3 + so);
		if (r < 0)
			return r;
		r = pl_fdir_src(n->dir, r);
		if (r != 2)
			return r;
	}
	return v6 ? pl_fnet6(n, fv, l3 + dof) : pl_fnet4(n, fv, l3 + dof);
}

/* IPv4 at l3, as libpcap looks past it: 1 with the header length the
 * packet states in *hlen when this is a first fragment, 0 for a later
 * fragment, -1 past the frame's end. */
PL_INLINE int pl_fip4_first(const struct pl_fview *fv, __u32 l3, __u32 *hlen)
{
	__u32 v;

	if (pl_fload(fv, l3 + 6, 2, &v))
		return -1;
	if (v & 0x1fff)
		return 0;
	if (pl_fload(fv, l3, 1, &v))
		return -1;
	*hlen = (v & 0x0f) * 4u;
	return 1;
}

PL_INLINE __u32 pl_port_proto_bit(__u32 proto)
{
	return proto == 6 ? PL_PORT_TCP : proto == 17 ? PL_PORT_UDP :
	       proto == 132 ? PL_PORT_SCTP : 0;
}

PL_INLINE int pl_fport(const volatile struct pl_fnode *n, const struct pl_fview *fv,
		       __u32 off)
{
	__u32 v;

	if (pl_fload(fv, off, 2, &v))
		return -1;
	return v >= n->lo && v <= n->hi;
}

/* IPv6: right after the fixed header. IPv4: in the first fragment only,
 * after the header length the packet states (even a bad one). */
PL_INLINE int pl_test_port(const volatile struct pl_fnode *n, const struct pl_fview *fv)
{
	__u32 l3 = pl_fl3_off(fv, n->depth), type, proto, v;
	int r;

	if (pl_fload(fv, pl_ftype_off(fv, n->depth), 2, &type))
		return -1;
	if (type == 0x86dd) {
		if (pl_fload(fv, l3 + 6, 1, &proto))
			return -1;
		if (!(pl_port_proto_bit(proto) & n->mask))
			return 0;
		l3 += 40;
	} else if (type == 0x0800) {
		if (pl_fload(fv, l3 + 9, 1, &proto))
			return -1;
		if (!(pl_port_proto_bit(proto) & n->mask))
			return 0;
		r = pl_fip4_first(fv, l3, &v);
		if (r <= 0)
			return r;
		l3 += v;
	} else {
		return 0;
	}
	if (n->dir != PL_FD_DST) {
		r = pl_fport(n, fv, l3);
		if (r < 0)
			return r;
		r = pl_fdir_src(n->dir, r);
		if (r != 2)
			return r;
	}
	return pl_fport(n, fv, l3 + 2);
}

/* tcp, udp, sctp, icmp, icmp6, igmp: the IPv4 protocol field; the IPv6
 * next header, or the one after a fragment header, as libpcap looks. */
PL_INLINE int pl_test_ip_proto(const volatile struct pl_fnode *n, const struct pl_fview *fv)
{
	__u32 l3 = pl_fl3_off(fv, n->depth), type, v;

	if (pl_fload(fv, pl_ftype_off(fv, n->depth), 2, &type))
		return -1;
	if (type == 0x0800 && (n->arg8b & PL_FP_V4)) {
		if (pl_fload(fv, l3 + 9, 1, &v))
			return -1;
		return v == n->arg8;
	}
	if (type != 0x86dd || !(n->arg8b & PL_FP_V6))
		return 0;
	if (pl_fload(fv, l3 + 6, 1, &v))
		return -1;
	if (v == n->arg8)
		return 1;
	if (v != 44)
		return 0;
	if (pl_fload(fv, l3 + 40, 1, &v))
		return -1;
	return v == n->arg8;
}

/* One MAC address at off against the node's. */
PL_INLINE int pl_fmac(const volatile struct pl_fnode *n, const struct pl_fview *fv,
		      __u32 off)
{
	__u32 hi, lo;

	if (pl_fload(fv, off, 4, &hi) || pl_fload(fv, off + 4, 2, &lo))
		return -1;
	return hi == pl_faddr32(n, 0) && lo == ((__u32)n->addr[4] << 8 | n->addr[5]);
}

/* ether [src|dst] host: Ethernet only (tcpdump refuses it on cooked
 * captures; pktlens compiles before it knows the link type). */
PL_INLINE int pl_test_ether(const volatile struct pl_fnode *n, const struct pl_fview *fv)
{
	int r;

	if (fv->linktype != PL_LINK_ETHERNET)
		return 0;
	if (n->dir != PL_FD_DST) {
		r = pl_fmac(n, fv, 6);
		if (r < 0)
			return r;
		r = pl_fdir_src(n->dir, r);
		if (r != 2)
			return r;
	}
	return pl_fmac(n, fv, 0);
}

/* vlan [ID]: a VLAN TPID where this test's EtherType would be. */
PL_INLINE int pl_test_vlan(const volatile struct pl_fnode *n, const struct pl_fview *fv)
{
	__u32 off = pl_ftype_off(fv, n->depth), v;

	if (fv->linktype != PL_LINK_ETHERNET)
		return 0;
	if (pl_fload(fv, off, 2, &v))
		return -1;
	if (v != 0x8100 && v != 0x88a8 && v != 0x9100)
		return 0;
	if (!n->arg8b)
		return 1;
	if (pl_fload(fv, off + 2, 2, &v))
		return -1;
	return (v & 0x0fff) == n->lo;
}

PL_INLINE int pl_test_bytes(const volatile struct pl_fnode *n, const struct pl_fview *fv)
{
	__u32 off = n->lo, l3 = pl_fl3_off(fv, n->depth), v;
	int r;

	if (n->arg8b != PL_FB_ETHER) {
		if (pl_fload(fv, pl_ftype_off(fv, n->depth), 2, &v))
			return -1;
		if (v != 0x0800)
			return 0;
		off += l3;
	}
	if (n->arg8b == PL_FB_L4) {
		if (pl_fload(fv, l3 + 9, 1, &v))
			return -1;
		if (v != n->addr[0])
			return 0;
		r = pl_fip4_first(fv, l3, &v);
		if (r <= 0)
			return r;
		off += v;
	}
	if (pl_fload(fv, off, n->arg8, &v))
		return -1;
	return pl_fcmp32(n->cmp, v & n->mask, n->hi);
}

/* String fields: where they are in the record, if present. */
PL_INLINE const char *pl_fstr_field(const struct pl_pkt *p, __u32 field,
				    __u32 *len)
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
PL_INLINE int pl_fstr_match(struct pl_scratch *s, __u32 field, __u32 cmp,
			    __u32 plen)
{
	struct pl_fstr_walk w = {};
	__u32 len = pl_fstr_load(s, field);
	bool nocase;

	if (!len--)
		return 0;
	nocase = field == PL_FF_TLS_SNI || field == PL_FF_DNS_QNAME ||
		 field == PL_FF_HTTP_HOST;
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

PL_INLINE int pl_test_str(const volatile struct pl_filter *f,
			  const volatile struct pl_fnode *n, struct pl_scratch *s)
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
		return (p->present & PL_HAS_DNS_QTYPE) &&
		       pl_fcmp32(n->cmp, p->l7.dns.qtype, n->hi);
	case PL_FF_DNS_RCODE:
		return (p->present & PL_HAS_DNS) &&
		       pl_fcmp32(n->cmp, p->l7.dns.flags & 0xf, n->hi);
	case PL_FF_DNS_ID:
		return (p->present & PL_HAS_DNS) && pl_fcmp32(n->cmp, p->l7.dns.id, n->hi);
	case PL_FF_TLS_VERSION:
		return (p->present & PL_HAS_TLS) &&
		       pl_fcmp32(n->cmp, p->l7.tls.version, n->hi);
	}
	return 0;
}

PL_INLINE int pl_test_node(const volatile struct pl_filter *f,
			   const volatile struct pl_fnode *n, const struct pl_fview *fv,
			   struct pl_scratch *s)
{
	__u32 v;

	switch (n->test) {
	case PL_FT_LINK_PROTO:
		if (pl_fload(fv, pl_ftype_off(fv, n->depth), 2, &v))
			return -1;
		return v == n->lo;
	case PL_FT_IP_PROTO:
		return pl_test_ip_proto(n, fv);
	case PL_FT_HOST4:
	case PL_FT_HOST6:
		return pl_test_host(n, fv);
	case PL_FT_PORT:
		return pl_test_port(n, fv);
	case PL_FT_ETHER:
		return pl_test_ether(n, fv);
	case PL_FT_VLAN:
		return pl_test_vlan(n, fv);
	case PL_FT_LEN:
		return pl_fcmp32(n->cmp, fv->frame_len, n->lo);
	case PL_FT_BYTES:
		return pl_test_bytes(n, fv);
	case PL_FT_STR:
		return s ? pl_test_str(f, n, s) : 0;
	case PL_FT_NUM:
		return s ? pl_test_num(n, &s->ev.pkt) : 0;
	case PL_FT_CBPF:
		/* a block that read past the frame rejects the packet, as the
		 * whole of libpcap's program would */
		if (fv->cbpf_bits >> (PL_CBPF_ABORT_BIT + (n->arg8 & 7)) & 1)
			return -1;
		return fv->cbpf_bits >> (n->arg8 & 7) & 1;
	}
	return 0;
}

/* Runs the filter on the frame fv shows; L7 tests read the record in s
 * (NULL: a filter without them, f->needs_l7 == 0). True when it matches. */
PL_INLINE bool pl_filter_run(const volatile struct pl_filter *f, const struct pl_fview *fv,
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
		r = pl_test_node(f, &f->nodes[i], fv, s);
		if (r < 0)
			return false;
		pc = r ? f->nodes[i].jt : f->nodes[i].jf;
	}
	return pc == PL_FILTER_ACCEPT;
}

/* Runs the filter on the window and record of s; true when it matches. */
PL_INLINE bool pl_filter_match(const volatile struct pl_filter *f, struct pl_scratch *s)
{
	struct pl_fview fv = pl_scratch_view(s);

	return pl_filter_run(f, &fv, s);
}

#ifndef __bpf__
/*
 * The host's run of the filter's libpcap blocks, under the rules of the
 * kernel's translation (filter/cbpf.c): libpcap's bpf_filter() cannot
 * tell a failed load from a "no", which the graph needs to reject the
 * packet as libpcap's whole program would. tests/unit/test_filter.c
 * checks the two agree on every verdict.
 */
#include <linux/filter.h>

static int cbpf_size(__u16 code)
{
	return BPF_SIZE(code) == BPF_W ? 4 : BPF_SIZE(code) == BPF_H ? 2 : 1;
}


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

enum { HOST_NO, HOST_YES, HOST_ABORT };

static int host_block(const struct sock_filter *c, int len, const __u8 *d, __u32 n,
		      __u32 wire_len)
{
	__u32 a = 0, x = 0, mem[16] = { 0 }, v, *dst;
	int pc;

	for (pc = 0; pc < len; pc++) {
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
				if (host_load(d, n, i->k, cbpf_size(code), &v))
					return HOST_ABORT;
				a = v;
				break;
			case BPF_IND:
				if (host_load(d, n, (__u64)x + i->k, cbpf_size(code), &v))
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
			if (BPF_OP(code) == BPF_JA)
				pc += (int)i->k;
			else
				pc += host_jump(BPF_OP(code), a, BPF_SRC(code) == BPF_X ? x : i->k) ? i->jt
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

__u32 pl_cbpf_run_host(const struct pl_filter *f, const __u8 *data, __u32 caplen,
		       __u32 wire_len)
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
