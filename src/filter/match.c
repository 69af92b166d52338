/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Evaluation of a compiled filter (filter.h) against a parsed packet.
 * Semantics follow libpcap's for the pcap-filter primitives, so that
 * `pktlens read FILE FILTER` selects what `tcpdump -r FILE FILTER` does:
 * IPv4 ports only in first fragments, IPv6 ports and protocols only right
 * after the fixed header, `vlan` shifting the tests that follow it.
 */
#include "../parse/cursor.h"
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

/* Applies a direction to the results of the source and destination tests. */
PL_INLINE bool pl_fdir(__u32 dir, bool src, bool dst)
{
	if (dir == PL_FD_SRC)
		return src;
	if (dir == PL_FD_DST)
		return dst;
	if (dir == PL_FD_BOTH)
		return src && dst;
	return src || dst;
}

PL_INLINE bool pl_at_depth(const struct pl_pkt *p, __u32 depth)
{
	return p->n_vlan == depth;
}

PL_INLINE bool pl_match_addr(const __u8 *a, const volatile __u8 *want,
			     __u32 prefix, __u32 n)
{
	__u32 i, bits;
	__u8 m;

	for (i = 0; i < n; i++) {
		bits = prefix > i * 8 ? prefix - i * 8 : 0;
		m = bits >= 8 ? 0xff : (__u8)(0xff << (8 - bits));
		if ((a[i] & m) != (want[i] & m))
			return false;
	}
	return true;
}

PL_INLINE __u32 pl_port_proto_bit(__u8 proto)
{
	return proto == 6 ? PL_PORT_TCP : proto == 17 ? PL_PORT_UDP :
	       proto == 132 ? PL_PORT_SCTP : 0;
}

/* Returns 1 (true), 0 (false) or -1: the packet lacks bytes the test reads
 * (libpcap rejects the packet then). */
PL_INLINE int pl_test_port(const volatile struct pl_fnode *n, const struct pl_pkt *p)
{
	bool v4 = (p->present & PL_HAS_IP4) && p->ip_frag_offset == 0 &&
		  !(p->present & PL_HAS_IP4_HDR_ONLY);
	bool v6 = (p->present & PL_HAS_IP6) && p->ip6_n_ext == 0;

	if (!pl_at_depth(p, n->depth) || !(v4 || v6))
		return 0;
	if (!(pl_port_proto_bit(p->ip_proto) & n->mask))
		return 0;
	if (!(p->present & (PL_HAS_TCP | PL_HAS_UDP | PL_HAS_SCTP)))
		return -1; /* cut before the ports */
	return pl_fdir(n->dir, p->sport >= n->lo && p->sport <= n->hi,
		       p->dport >= n->lo && p->dport <= n->hi);
}

PL_INLINE int pl_test_bytes(const volatile struct pl_fnode *n, struct pl_scratch *s)
{
	const struct pl_pkt *p = &s->ev.pkt;
	__u32 off = n->lo, size = n->arg8, i, v = 0;

	if (n->arg8b != PL_FB_ETHER) {
		if (!pl_at_depth(p, n->depth) || p->eth_type != 0x0800)
			return 0;
		off += s->l3_off;
	}
	if (n->arg8b == PL_FB_L4) {
		if (!(p->present & PL_HAS_IP4) || p->ip_proto != n->arg8 >> 4 ||
		    p->ip_frag_offset)
			return 0;
		off += p->ip_hdr_len;
		size &= 0x0f;
	}
	if (off + size > s->avail)
		return -1;
	if (off + size > s->len)
		return -1; /* past the window: the compiler keeps offsets inside it */
	for (i = 0; i < 4; i++)
		if (i < size)
			v = v << 8 | pl_u8(s, off + i);
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

struct pl_fstr_walk {
	struct pl_scratch *s;
	__u32 field, len, plen, nocase, found;
};

/* Does the pattern (s->fpat, plen bytes) stand at byte `at` of the field? */
PL_INLINE bool pl_fstr_at(struct pl_scratch *s, const char *str, __u32 len,
			  __u32 at, __u32 plen, bool nocase)
{
	__u32 i;

	if (at + plen > len)
		return false;
	for (i = 0; i < PL_FILTER_STR_MAX; i++) {
		if (i >= plen)
			break;
		if (pl_fold((__u8)str[(at + i) & (PL_TLS_SNI_MAX - 1)], nocase) !=
		    pl_fold((__u8)s->fpat[i], nocase))
			return false;
	}
	return true;
}

static long pl_fstr_step(__u32 at, void *ctx)
{
	struct pl_fstr_walk *w = ctx;
	struct pl_scratch *s = w->s;
	const char *str;
	__u32 len;

	if (!s)
		return 1;
	str = pl_fstr_field(&s->ev.pkt, w->field, &len);
	if (!str || at + w->plen > len)
		return 1;
	if (pl_fstr_at(s, str, len, at, w->plen, w->nocase)) {
		w->found = 1;
		return 1;
	}
	return 0;
}

/* Matches a string field against s->fpat (plen bytes). Host names, SNI and
 * DNS names compare without case, as DNS does. */
PL_SUBPROG int pl_fstr_match(struct pl_scratch *s, __u32 field, __u32 cmp,
			     __u32 plen)
{
	struct pl_fstr_walk w = {};
	const char *str;
	__u32 len;
	bool nocase;

	if (!s)
		return 0;
	str = pl_fstr_field(&s->ev.pkt, field, &len);
	if (!str)
		return 0;
	/* every string field fits in 256 bytes (the largest, SNI/URI/name) */
	if (len > PL_TLS_SNI_MAX)
		len = PL_TLS_SNI_MAX;
	plen &= PL_FILTER_STR_MAX - 1;
	nocase = field == PL_FF_TLS_SNI || field == PL_FF_DNS_QNAME ||
		 field == PL_FF_HTTP_HOST;
	switch (cmp) {
	case PL_FC_EQ:
		return len == plen && pl_fstr_at(s, str, len, 0, plen, nocase);
	case PL_FC_NE:
		return !(len == plen && pl_fstr_at(s, str, len, 0, plen, nocase));
	case PL_FC_PREFIX:
		return pl_fstr_at(s, str, len, 0, plen, nocase);
	case PL_FC_SUFFIX:
		return len >= plen && pl_fstr_at(s, str, len, len - plen, plen, nocase);
	case PL_FC_SUBSTR:
		w.s = s;
		w.field = field;
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
			   const volatile struct pl_fnode *n, struct pl_scratch *s)
{
	const struct pl_pkt *p = &s->ev.pkt;

	switch (n->test) {
	case PL_FT_LINK_PROTO:
		return pl_at_depth(p, n->depth) && p->eth_type == n->lo;
	case PL_FT_IP_PROTO:
		if (!pl_at_depth(p, n->depth) || p->ip_proto != n->arg8)
			return 0;
		return ((n->arg8b & PL_FP_V4) && (p->present & PL_HAS_IP4)) ||
		       ((n->arg8b & PL_FP_V6) && (p->present & PL_HAS_IP6));
	case PL_FT_HOST4:
		if (!pl_at_depth(p, n->depth))
			return 0;
		if (p->present & PL_HAS_IP4)
			return pl_fdir(n->dir, pl_match_addr(p->ip_src, n->addr, n->arg8, 4),
				       pl_match_addr(p->ip_dst, n->addr, n->arg8, 4));
		if ((p->present & PL_HAS_ARP) && n->arg8b)
			return pl_fdir(n->dir, pl_match_addr(p->arp_spa, n->addr, n->arg8, 4),
				       pl_match_addr(p->arp_tpa, n->addr, n->arg8, 4));
		return 0;
	case PL_FT_HOST6:
		if (!pl_at_depth(p, n->depth) || !(p->present & PL_HAS_IP6))
			return 0;
		return pl_fdir(n->dir, pl_match_addr(p->ip_src, n->addr, n->arg8, 16),
			       pl_match_addr(p->ip_dst, n->addr, n->arg8, 16));
	case PL_FT_PORT:
		return pl_test_port(n, p);
	case PL_FT_ETHER:
		if (!(p->present & PL_HAS_ETH))
			return 0;
		return pl_fdir(n->dir, pl_match_addr(p->eth_src, n->addr, 48, 6),
			       pl_match_addr(p->eth_dst, n->addr, 48, 6));
	case PL_FT_VLAN:
		if (p->n_vlan <= n->depth || n->depth >= PL_MAX_VLAN)
			return 0;
		return !n->arg8b || p->vlan_id[n->depth & (PL_MAX_VLAN - 1)] == n->lo;
	case PL_FT_LEN:
		return pl_fcmp32(n->cmp, p->frame_len, n->lo);
	case PL_FT_BYTES:
		return pl_test_bytes(n, s);
	case PL_FT_STR:
		return pl_test_str(f, n, s);
	case PL_FT_NUM:
		return pl_test_num(n, p);
	}
	return 0;
}

/* Runs the filter on a parsed packet; true when it matches. */
PL_INLINE bool pl_filter_match(const volatile struct pl_filter *f,
			       struct pl_scratch *s)
{
	__u32 pc = f->entry, step;
	int r;

	for (step = 0; step < PL_FILTER_MAX_NODES; step++) {
		if (pc >= PL_FILTER_MAX_NODES)
			break;
		r = pl_test_node(f, &f->nodes[pc & (PL_FILTER_MAX_NODES - 1)], s);
		if (r < 0)
			return false;
		pc = r ? f->nodes[pc & (PL_FILTER_MAX_NODES - 1)].jt :
			 f->nodes[pc & (PL_FILTER_MAX_NODES - 1)].jf;
	}
	return pc == PL_FILTER_ACCEPT;
}
