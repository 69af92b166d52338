/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Formatting of packet records (SPEC.md "Per-packet record").
 *
 * JSON: one object per line, keys are Wireshark display-filter names, absent
 * layers are absent keys. Text: one tcpdump-like line.
 *
 * The record comes from the kernel: every length and count in it is clamped
 * to the size of its array before use, and every string from the packet is
 * escaped (JSON's escapes in JSON, util/escape.h's rule in text, which
 * also quotes a value that could pass for more than one field), so a bad
 * record can neither overrun a buffer, reach the terminal raw nor forge a
 * field of a line. Everything is written through the one
 * streaming writer, src/output/json.c.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "output.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define TCP_FIN 0x001
#define TCP_SYN 0x002
#define TCP_RST 0x004
#define TCP_PSH 0x008
#define TCP_ACK 0x010
#define TCP_URG 0x020
#define TCP_ECE 0x040
#define TCP_CWR 0x080
#define TCP_AE	0x100 /* formerly NS */

/* ---- name tables ---- */

static const char *const mal_reasons[PL_MAL__COUNT] = {
	[PL_MAL_IP4_HDR_LEN] = "ip.hdr_len < 20",
	[PL_MAL_IP4_TOTAL_LEN] = "ip.len < ip.hdr_len",
	[PL_MAL_IP6_EXT_LEN] = "ipv6 extension header past payload",
	[PL_MAL_IP6_EXT_DEPTH] = "too many ipv6 extension headers",
	[PL_MAL_TCP_HDR_LEN] = "tcp.hdr_len < 20",
	[PL_MAL_TCP_OPT] = "bad tcp option length",
	[PL_MAL_UDP_LEN] = "udp.length < 8",
	[PL_MAL_DNS_NAME] = "bad dns name",
	[PL_MAL_TLS_RECORD] = "bad tls clienthello lengths",
	[PL_MAL_ARP] = "unsupported arp sizes",
	[PL_MAL_IP_VERSION] = "ip version does not match ethertype",
	[PL_MAL_PAST_LENGTH] = "header past the ip/udp length",
	[PL_MAL_MPLS_DEPTH] = "mpls stack deeper than 8",
	[PL_MAL_GRE] = "gre version or flags not decoded",
	[PL_MAL_GENEVE] = "bad geneve version or options length",
	[PL_MAL_QUIC_HDR] = "bad quic long header lengths",
	[PL_MAL_QUIC_DECRYPT] = "quic initial decryption failed",
	[PL_MAL_QUIC_CRYPTO] = "bad quic initial frames",
};

static const char *mal_reason(unsigned int m)
{
	if (m < ARRAY_SIZE(mal_reasons) && mal_reasons[m])
		return mal_reasons[m];
	return "unknown";
}

struct code_name {
	unsigned int code;
	const char *name;
};

static const struct code_name dns_qtypes[] = {
	{ 1, "A" },   { 2, "NS" },   { 5, "CNAME" }, { 6, "SOA" },  { 10, "NULL" },  { 12, "PTR" },
	{ 15, "MX" }, { 16, "TXT" }, { 28, "AAAA" }, { 33, "SRV" }, { 65, "HTTPS" }, { 255, "ANY" },
};

static const struct code_name ip_protos[] = {
	{ 1, "icmp" }, { 2, "igmp" }, { 6, "tcp" },	   { 17, "udp" },
	{ 47, "gre" }, { 50, "esp" }, { 58, "ipv6-icmp" }, { 132, "sctp" },
};

static const struct code_name dns_rcodes[] = {
	{ 0, "NOERROR" },  { 1, "FORMERR" }, { 2, "SERVFAIL" },
	{ 3, "NXDOMAIN" }, { 4, "NOTIMP" },  { 5, "REFUSED" },	{ 6, "YXDOMAIN" },
	{ 7, "YXRRSET" },  { 8, "NXRRSET" }, { 9, "NOTAUTH" },	{ 10, "NOTZONE" },
};

static const char *code_name(const struct code_name *t, size_t n, unsigned int code)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].code == code)
			return t[i].name;
	return NULL;
}

const char *pl_ip_proto_name(unsigned int proto)
{
	return code_name(ip_protos, ARRAY_SIZE(ip_protos), proto);
}

const char *pl_dns_qtype_name(unsigned int qtype)
{
	return code_name(dns_qtypes, ARRAY_SIZE(dns_qtypes), qtype);
}

const char *pl_dns_rcode_name(unsigned int rcode)
{
	return code_name(dns_rcodes, ARRAY_SIZE(dns_rcodes), rcode);
}

/* ---- small helpers ---- */

static size_t clamp(size_t n, size_t max)
{
	return n < max ? n : max;
}

static bool has(const struct pl_pkt *p, uint32_t bits)
{
	return (p->present & bits) == bits;
}

/*
 * Walks the raw ALPN protocol_name_list (<len><name bytes>...), calling
 * fn for each name (empty ones too, as tshark lists them); stops at an
 * overlong length.
 */
static void alpn_each(const struct pl_pkt *p,
		      void (*fn)(struct pl_out *o, const __u8 *name, size_t len, bool first),
		      struct pl_out *o)
{
	size_t total = clamp(p->l7.tls.alpn_len, PL_TLS_ALPN_MAX);
	const __u8 *a = p->l7.tls.alpn;
	size_t pos = 0, len;
	bool first = true;

	while (pos < total) {
		len = a[pos];
		if (len > total - pos - 1)
			break;
		fn(o, a + pos + 1, len, first);
		first = false;
		pos += 1 + len;
	}
}

/* ---- JSON ---- */

/* Element i of an array of unsigned integers of `width` bytes (1, 2 or 4). */
static uint64_t uint_at(const void *v, size_t i, size_t width)
{
	const __u8 *b = v;
	__u16 w;
	__u32 d;

	if (width == 1)
		return b[i];
	if (width == 4) {
		memcpy(&d, b + 4 * i, 4);
		return d;
	}
	memcpy(&w, b + 2 * i, 2);
	return w;
}

/* "key":[a,b,...] of n unsigned integers of `width` bytes (1, 2 or 4) */
static void j_uint_array(struct pl_out *o, const char *key, const void *v, size_t n, size_t width)
{
	size_t i;

	pl_json_key(o, key);
	pl_out_char(o, '[');
	for (i = 0; i < n; i++) {
		if (i)
			pl_out_char(o, ',');
		pl_out_u64(o, uint_at(v, i, width));
	}
	pl_out_char(o, ']');
}

static void json_meta(struct pl_out *o, const struct pl_meta *m, const struct pl_pkt *p)
{
	pl_json_key(o, "frame.time_epoch");
	pl_out_epoch(o, m->ts_epoch_ns);
	pl_json_uint(o, "frame.len", p->frame_len);
	if (m->ifname)
		pl_json_cstr(o, "pktlens.ifname", m->ifname);
	if (m->frame_number)
		pl_json_uint(o, "frame.number", m->frame_number);
	if (m->if_name)
		pl_json_cstr(o, "frame.interface_name", m->if_name);
	if (m->proc)
		pl_json_proc(o, m->proc);
}

void pl_json_proc(struct pl_out *o, const struct pl_proc *p)
{
	if (p->pid) {
		pl_json_uint(o, "process.pid", p->pid);
		pl_json_cstr(o, "process.name", p->name);
		if (p->exe[0])
			pl_json_cstr(o, "process.executable", p->exe);
	}
	if (p->container[0])
		pl_json_cstr(o, "container.id", p->container);
	if (p->cgroup_id)
		pl_json_uint(o, "pktlens.cgroup_id", p->cgroup_id);
}

/* Ethernet and its VLAN tags; a Linux cooked header has only a type. */
static void json_eth(struct pl_out *o, const struct pl_pkt *p)
{
	if (has(p, PL_HAS_ETH)) {
		pl_json_mac(o, "eth.src", p->eth_src);
		pl_json_mac(o, "eth.dst", p->eth_dst);
		if (p->eth_type >= 0x0600) /* below: an 802.3 length */
			pl_json_uint(o, "eth.type", p->eth_type);
		if (p->n_vlan)
			j_uint_array(o, "vlan.id", p->vlan_id, clamp(p->n_vlan, PL_MAX_VLAN),
				     sizeof(p->vlan_id[0]));
	} else if (has(p, PL_HAS_SLL)) {
		pl_json_uint(o, "sll.etype", p->eth_type);
	}
}

static void json_arp(struct pl_out *o, const struct pl_pkt *p)
{
	if (!has(p, PL_HAS_ARP))
		return;
	pl_json_uint(o, "arp.opcode", p->arp_opcode);
	if (!has(p, PL_HAS_ARP_ADDRS))
		return;
	pl_json_ip4(o, "arp.src.proto_ipv4", p->arp_spa);
	pl_json_ip4(o, "arp.dst.proto_ipv4", p->arp_tpa);
}

static void json_ip4(struct pl_out *o, const struct pl_pkt *p)
{
	pl_json_uint(o, "ip.version", 4);
	if (has(p, PL_HAS_IP4_HDR_ONLY)) {
		pl_json_uint(o, "ip.hdr_len", p->ip_hdr_len);
		return;
	}
	pl_json_ip4(o, "ip.src", p->ip_src);
	pl_json_ip4(o, "ip.dst", p->ip_dst);
	pl_json_uint(o, "ip.ttl", p->ip_ttl);
	pl_json_uint(o, "ip.proto", p->ip_proto);
	pl_json_uint(o, "ip.dsfield.dscp", p->ip_dscp);
	pl_json_uint(o, "ip.dsfield.ecn", p->ip_ecn);
	pl_json_uint(o, "ip.id", p->ip_id);
	pl_json_bool(o, "ip.flags.df", p->ip_df);
	pl_json_bool(o, "ip.flags.mf", p->ip_mf);
	pl_json_uint(o, "ip.frag_offset", p->ip_frag_offset);
	pl_json_uint(o, "ip.hdr_len", p->ip_hdr_len);
	pl_json_uint(o, "ip.len", p->ip_len);
}

static void json_ip6(struct pl_out *o, const struct pl_pkt *p)
{
	pl_json_ip6(o, "ipv6.src", p->ip_src);
	pl_json_ip6(o, "ipv6.dst", p->ip_dst);
	pl_json_uint(o, "ipv6.hlim", p->ip_ttl);
	pl_json_uint(o, "ipv6.nxt", p->ip_proto);
	pl_json_uint(o, "ipv6.flow", p->ip6_flow);
	if (has(p, PL_HAS_IP6_L4))
		pl_json_uint(o, "pktlens.l4proto", p->l4_proto);
	if (p->ip6_n_ext)
		j_uint_array(o, "pktlens.ip6_ext", p->ip6_ext, clamp(p->ip6_n_ext, PL_MAX_IP6_EXT),
			     sizeof(p->ip6_ext[0]));
}

static void json_ip(struct pl_out *o, const struct pl_pkt *p)
{
	if (has(p, PL_HAS_IP4))
		json_ip4(o, p);
	else if (has(p, PL_HAS_IP6))
		json_ip6(o, p);
}

static void json_tcp(struct pl_out *o, const struct pl_pkt *p)
{
	pl_json_uint(o, "tcp.srcport", p->sport);
	pl_json_uint(o, "tcp.dstport", p->dport);
	if (has(p, PL_HAS_L4_PORTS_ONLY))
		return;
	pl_json_uint(o, "tcp.seq_raw", p->tcp_seq);
	pl_json_uint(o, "tcp.ack_raw", p->tcp_ack);
	pl_json_uint(o, "tcp.flags", p->tcp_flags);
	pl_json_uint(o, "tcp.window_size_value", p->tcp_window);
	pl_json_uint(o, "tcp.hdr_len", p->tcp_hdr_len);
	if (has(p, PL_HAS_TCP_MSS))
		pl_json_uint(o, "tcp.options.mss_val", p->tcp_mss);
	if (has(p, PL_HAS_TCP_WSCALE))
		pl_json_uint(o, "tcp.options.wscale.shift", p->tcp_wscale);
	if (has(p, PL_HAS_TCP_SACK_PERM))
		pl_json_bool(o, "tcp.options.sack_perm", true);
	if (has(p, PL_HAS_TCP_TS)) {
		pl_json_uint(o, "tcp.options.timestamp.tsval", p->tcp_tsval);
		pl_json_uint(o, "tcp.options.timestamp.tsecr", p->tcp_tsecr);
	}
}

/* Every L4 bit that is set is printed (their keys never collide); a sane
 * record has at most one. */
static void json_l4(struct pl_out *o, const struct pl_pkt *p)
{
	if (has(p, PL_HAS_TCP))
		json_tcp(o, p);
	if (has(p, PL_HAS_UDP)) {
		pl_json_uint(o, "udp.srcport", p->sport);
		pl_json_uint(o, "udp.dstport", p->dport);
		if (!has(p, PL_HAS_L4_PORTS_ONLY))
			pl_json_uint(o, "udp.length", p->udp_len);
	}
	if (has(p, PL_HAS_ICMP)) {
		pl_json_uint(o, "icmp.type", p->icmp_type);
		pl_json_uint(o, "icmp.code", p->icmp_code);
	}
	if (has(p, PL_HAS_ICMP6)) {
		pl_json_uint(o, "icmpv6.type", p->icmp_type);
		pl_json_uint(o, "icmpv6.code", p->icmp_code);
	}
	if (has(p, PL_HAS_SCTP)) {
		pl_json_uint(o, "sctp.srcport", p->sport);
		pl_json_uint(o, "sctp.dstport", p->dport);
	}
}

/* n addresses (IPv4, or IPv6 when v6) one after the other at a: a JSON
 * array of strings under key, or " key=A,B" in text; nothing when n is 0 */
static void addr_list(struct pl_out *o, const char *key, bool json, const __u8 *a, size_t n,
		      bool v6)
{
	size_t i;

	if (!n)
		return;
	if (json) {
		pl_json_key(o, key);
		pl_out_char(o, '[');
	} else {
		pl_out_char(o, ' ');
		pl_out_str(o, key);
		pl_out_char(o, '=');
	}
	for (i = 0; i < n; i++) {
		if (i)
			pl_out_char(o, ',');
		if (json)
			pl_out_char(o, '"');
		pl_out_ip(o, v6, a + i * (v6 ? 16 : 4));
		if (json)
			pl_out_char(o, '"');
	}
	if (json)
		pl_out_char(o, ']');
}

static void json_dns(struct pl_out *o, const struct pl_pkt *p)
{
	pl_json_uint(o, "dns.id", p->l7.dns.id);
	pl_json_bool(o, "dns.flags.response", p->l7.dns.flags >> 15);
	if (p->l7.dns.flags >> 15) /* a query has no response code */
		pl_json_uint(o, "dns.flags.rcode", p->l7.dns.flags & 0x0f);
	if (has(p, PL_HAS_DNS_QRY)) {
		pl_json_str(o, "dns.qry.name", p->l7.dns.name,
			    clamp(p->l7.dns.name_len, PL_DNS_NAME_MAX));
		if (has(p, PL_HAS_DNS_QTYPE))
			pl_json_uint(o, "dns.qry.type", p->l7.dns.qtype);
	}
	pl_json_uint(o, "dns.count.answers", p->l7.dns.ancount);
	addr_list(o, "dns.a", true, p->l7.dns.a[0], clamp(p->l7.dns.n_a, PL_DNS_MAX_ADDRS), false);
	addr_list(o, "dns.aaaa", true, p->l7.dns.aaaa[0],
		  clamp(p->l7.dns.n_aaaa, PL_DNS_MAX_ADDRS), true);
	if (p->l7.dns.time_ns) { /* seconds, as Wireshark's dns.time */
		pl_json_key(o, "dns.time");
		pl_out_decimal(o, p->l7.dns.time_ns, 1000000000ull, 9);
	}
}

static void json_http(struct pl_out *o, const struct pl_pkt *p)
{
	pl_json_str(o, "http.request.method", p->l7.http.method,
		    clamp(p->l7.http.method_len, PL_HTTP_METHOD_MAX));
	pl_json_str(o, "http.request.uri", p->l7.http.uri,
		    clamp(p->l7.http.uri_len, PL_HTTP_URI_MAX));
	if (has(p, PL_HAS_HTTP_HOST))
		pl_json_str(o, "http.host", p->l7.http.host,
			    clamp(p->l7.http.host_len, PL_HTTP_HOST_MAX));
}

static void json_alpn_name(struct pl_out *o, const __u8 *name, size_t len, bool first)
{
	if (!first)
		pl_out_char(o, ',');
	pl_out_char(o, '"');
	pl_out_escaped(o, name, len);
	pl_out_char(o, '"');
}

static void json_tls(struct pl_out *o, const struct pl_pkt *p)
{
	if (p->l7.tls.hs_type)
		pl_json_uint(o, "tls.handshake.type", p->l7.tls.hs_type);
	pl_json_uint(o, "tls.handshake.version", p->l7.tls.version);
	if (p->l7.tls.n_versions)
		j_uint_array(o, "tls.handshake.extensions.supported_version", p->l7.tls.versions,
			     clamp(p->l7.tls.n_versions, PL_TLS_VERS_MAX),
			     sizeof(p->l7.tls.versions[0]));
	if (has(p, PL_HAS_TLS_SNI))
		pl_json_str(o, "tls.handshake.extensions_server_name", p->l7.tls.sni,
			    clamp(p->l7.tls.sni_len, PL_TLS_SNI_MAX));
	if (has(p, PL_HAS_TLS_ALPN)) {
		pl_json_key(o, "tls.handshake.extensions_alpn_str");
		pl_out_char(o, '[');
		alpn_each(p, json_alpn_name, o);
		pl_out_char(o, ']');
	}
}

/* A connection ID as tshark -T fields shows bytes: lowercase hex. */
static void out_cid(struct pl_out *o, const __u8 *cid, size_t len)
{
	size_t i;

	for (i = 0; i < clamp(len, PL_QUIC_CID_MAX); i++)
		pl_out_hex(o, cid[i], 2);
}

static void json_cid(struct pl_out *o, const char *key, const __u8 *cid, size_t len)
{
	pl_json_key(o, key);
	pl_out_char(o, '"');
	out_cid(o, cid, len);
	pl_out_char(o, '"');
}

/* RFC 9369 renumbered the long packet types; Wireshark keeps the two
 * fields apart. Version negotiation (version 0) has no type. */
static void json_quic(struct pl_out *o, const struct pl_pkt *p)
{
	pl_json_uint(o, "quic.version", p->l7.tls.quic.version);
	if (p->l7.tls.quic.version)
		pl_json_uint(o,
			     p->l7.tls.quic.version == 0x6b3343cfu ? "quic.long.packet_type_v2"
								  : "quic.long.packet_type",
			     p->l7.tls.quic.type);
	json_cid(o, "quic.dcid", p->l7.tls.quic.dcid, p->l7.tls.quic.dcid_len);
	json_cid(o, "quic.scid", p->l7.tls.quic.scid, p->l7.tls.quic.scid_len);
	/* tshark's packet length: the header and what its Length covers */
	if (p->l7.tls.quic.length && p->l7.tls.quic.payload_off > p->l4_payload_off)
		pl_json_uint(o, "quic.packet_length",
			     (unsigned)(p->l7.tls.quic.payload_off - p->l4_payload_off) +
				     p->l7.tls.quic.length);
}

/* l7 is a union holding at most one protocol; a record claiming more than
 * one is reported as the first of DNS, HTTP, TLS (QUIC carries TLS). */
static void json_l7(struct pl_out *o, const struct pl_pkt *p)
{
	if (has(p, PL_HAS_DNS)) {
		json_dns(o, p);
	} else if (has(p, PL_HAS_HTTP)) {
		json_http(o, p);
	} else {
		if (has(p, PL_HAS_QUIC))
			json_quic(o, p);
		if (has(p, PL_HAS_TLS))
			json_tls(o, p);
	}
}

static void json_flags(struct pl_out *o, const struct pl_pkt *p)
{
	if (p->truncated)
		pl_json_bool(o, "pktlens.truncated", true);
	if (p->malformed)
		pl_json_cstr(o, "pktlens.malformed", mal_reason(p->malformed));
}

static void json_mpls(struct pl_out *o, const struct pl_pkt *p)
{
	if (p->n_mpls)
		j_uint_array(o, "mpls.label", p->mpls_label, clamp(p->n_mpls, PL_MAX_MPLS),
			     sizeof(p->mpls_label[0]));
}

/* The tunnel header's keys, then the inner packet's headers and L7 hint
 * (the record's one) under pktlens.inner. */
static void json_tunnel(struct pl_out *o, const struct pl_pkt *p, struct pl_pkt *in)
{
	switch (p->tun_kind) {
	case PL_TUN_VXLAN:
		pl_json_uint(o, "vxlan.vni", p->tun_vni);
		break;
	case PL_TUN_GENEVE:
		pl_json_uint(o, "geneve.vni", p->tun_vni);
		pl_json_uint(o, "geneve.proto_type", p->tun_proto);
		break;
	case PL_TUN_GRE:
		pl_json_uint(o, "gre.flags_and_version", p->gre_flags);
		pl_json_uint(o, "gre.proto", p->tun_proto);
		if (p->tun_flags & PL_TUNF_GRE_KEY)
			pl_json_uint(o, "gre.key", p->gre_key);
		if (p->tun_flags & PL_TUNF_GRE_SEQ)
			pl_json_uint(o, "gre.sequence_number", p->gre_seq);
		break;
	}
	if (!pl_pkt_inner(p, in))
		return;
	pl_json_object_begin(o, "pktlens.inner");
	json_eth(o, in);
	json_arp(o, in);
	json_ip(o, in);
	json_l4(o, in);
	json_l7(o, in);
	pl_json_object_end(o);
}

void pl_write_json(struct pl_out *o, const struct pl_meta *meta, const struct pl_pkt *pkt)
{
	struct pl_pkt in;

	pl_json_begin(o);
	json_meta(o, meta, pkt);
	json_eth(o, pkt);
	json_mpls(o, pkt);
	json_arp(o, pkt);
	json_ip(o, pkt);
	json_l4(o, pkt);
	if (pkt->tun_kind)
		json_tunnel(o, pkt, &in);
	else
		json_l7(o, pkt);
	json_flags(o, pkt);
	pl_json_end(o);
}

/* ---- text ---- */

/* " N" after a literal: " seq 123" */
static void t_uint(struct pl_out *o, const char *lit, uint64_t v)
{
	pl_out_str(o, lit);
	pl_out_u64(o, v);
}

/* Appends to a comment of n bytes (used of them taken), truncating. */
__attribute__((format(printf, 4, 5))) static void comment_add(char *out, size_t n, size_t *used,
							     const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(out + *used, n - *used, fmt, ap);
	va_end(ap);
	if (k > 0)
		*used = *used + (size_t)k < n ? *used + (size_t)k : n - 1;
}

void pl_proc_comment(const struct pl_proc *p, char *out, size_t n)
{
	size_t used = 0, i;

	if (!n)
		return;
	out[0] = '\0';
	if (p->pid) {
		comment_add(out, n, &used, "process.pid=%u; process.name=%s", p->pid, p->name);
		if (p->exe[0])
			comment_add(out, n, &used, "; process.executable=%s", p->exe);
	}
	if (p->container[0])
		comment_add(out, n, &used, "%scontainer.id=%s", used ? "; " : "", p->container);
	if (p->cgroup_id)
		comment_add(out, n, &used, "%spktlens.cgroup_id=%llu", used ? "; " : "",
			    (unsigned long long)p->cgroup_id);
	for (i = 0; i < used; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = '?';
}

void pl_text_proc(struct pl_out *o, const struct pl_proc *p)
{
	if (!p->pid)
		return;
	pl_out_str(o, " | proc ");
	pl_out_text(o, p->name, strlen(p->name), PL_ESC_FIELD);
	t_uint(o, "[", p->pid);
	pl_out_char(o, ']');
	if (p->container[0]) {
		pl_out_str(o, " container ");
		pl_out_str(o, p->container);
	}
}


/* "HH:MM:SS.uuuuuu " in local time, then the interface name. */
static void text_prefix(struct pl_out *o, const struct pl_meta *m)
{
	pl_out_clock(o, m->ts_epoch_ns);
	pl_out_char(o, ' ');
	if (m->ifname || m->if_name) {
		const char *name = m->ifname ? m->ifname : m->if_name;

		pl_out_text(o, name, strlen(name), PL_ESC_FIELD);
		pl_out_char(o, ' ');
	}
}

/* "LIT a,b,c " of n ids of `width` bytes (2 or 4): VLAN ids, MPLS labels */
static void text_ids(struct pl_out *o, const char *lit, const void *ids, size_t n, size_t width)
{
	size_t i;

	pl_out_str(o, lit);
	for (i = 0; i < n; i++) {
		if (i)
			pl_out_char(o, ',');
		pl_out_u64(o, uint_at(ids, i, width));
	}
	pl_out_char(o, ' ');
}

static void text_vlan(struct pl_out *o, const struct pl_pkt *p)
{
	size_t n = clamp(p->n_vlan, PL_MAX_VLAN);

	if (has(p, PL_HAS_ETH) && n)
		text_ids(o, "vlan ", p->vlan_id, n, sizeof(p->vlan_id[0]));
}

static void text_arp(struct pl_out *o, const struct pl_pkt *p)
{
	if (!has(p, PL_HAS_ARP_ADDRS)) { /* sizes other than Ethernet/IPv4 */
		t_uint(o, "ARP opcode ", p->arp_opcode);
		return;
	}
	switch (p->arp_opcode) {
	case 1:
		pl_out_str(o, "ARP request who-has ");
		pl_out_ip4(o, p->arp_tpa);
		pl_out_str(o, " tell ");
		pl_out_ip4(o, p->arp_spa);
		break;
	case 2:
		pl_out_str(o, "ARP reply ");
		pl_out_ip4(o, p->arp_spa);
		break;
	default:
		t_uint(o, "ARP opcode ", p->arp_opcode);
		pl_out_char(o, ' ');
		pl_out_ip4(o, p->arp_spa);
		pl_out_str(o, " > ");
		pl_out_ip4(o, p->arp_tpa);
		break;
	}
}

/* tcpdump's flag letters, in tcpdump's order; "none" when no bit is set. */
void pl_out_tcp_flags(struct pl_out *o, unsigned int flags)
{
	static const struct {
		unsigned int bit;
		char letter;
	} letters[] = {
		{ TCP_FIN, 'F' }, { TCP_SYN, 'S' }, { TCP_RST, 'R' },
		{ TCP_PSH, 'P' }, { TCP_ACK, '.' }, { TCP_URG, 'U' },
		{ TCP_ECE, 'E' }, { TCP_CWR, 'W' }, { TCP_AE, 'e' },
	};
	char *p = pl_out_room(o, 16), *q = p;
	size_t i;

	*q++ = '[';
	for (i = 0; i < ARRAY_SIZE(letters); i++)
		if (flags & letters[i].bit)
			*q++ = letters[i].letter;
	if (q == p + 1) {
		memcpy(q, "none", 4);
		q += 4;
	}
	*q++ = ']';
	o->len += (size_t)(q - p);
}

static void text_tcp(struct pl_out *o, const struct pl_pkt *p)
{
	pl_out_mem(o, "TCP", 3);
	if (has(p, PL_HAS_L4_PORTS_ONLY))
		return;
	pl_out_char(o, ' ');
	pl_out_tcp_flags(o, p->tcp_flags);
	t_uint(o, " seq ", p->tcp_seq);
	if (p->tcp_flags & TCP_ACK)
		t_uint(o, " ack ", p->tcp_ack);
	t_uint(o, " win ", p->tcp_window);
	if (has(p, PL_HAS_TCP_MSS))
		t_uint(o, " mss ", p->tcp_mss);
	if (has(p, PL_HAS_TCP_WSCALE))
		t_uint(o, " ws ", p->tcp_wscale);
	if (has(p, PL_HAS_TCP_SACK_PERM))
		pl_out_str(o, " sackOK");
	if (has(p, PL_HAS_TCP_TS)) {
		t_uint(o, " ts ", p->tcp_tsval);
		t_uint(o, " ", p->tcp_tsecr);
	}
}

static void text_addr(struct pl_out *o, const struct pl_pkt *p, const __u8 *a, bool port,
		      unsigned int portnum)
{
	if (has(p, PL_HAS_IP4))
		pl_out_ip4(o, a);
	else
		pl_out_ip6(o, a);
	if (port)
		t_uint(o, ".", portnum);
}

/* "src[.port] > dst[.port]: L4 ... ttl N" */
static void text_ip(struct pl_out *o, const struct pl_pkt *p)
{
	bool v4 = has(p, PL_HAS_IP4);
	bool ports = p->present & (PL_HAS_TCP | PL_HAS_UDP | PL_HAS_SCTP);

	if (v4 && has(p, PL_HAS_IP4_HDR_ONLY)) {
		t_uint(o, "IP hdr_len ", p->ip_hdr_len);
		return;
	}
	text_addr(o, p, p->ip_src, ports, p->sport);
	pl_out_mem(o, " > ", 3);
	text_addr(o, p, p->ip_dst, ports, p->dport);
	pl_out_mem(o, ": ", 2);

	if (has(p, PL_HAS_TCP)) {
		text_tcp(o, p);
	} else if (has(p, PL_HAS_UDP)) {
		pl_out_mem(o, "UDP", 3);
		if (!has(p, PL_HAS_L4_PORTS_ONLY))
			t_uint(o, " len ", p->udp_len);
	} else if (has(p, PL_HAS_SCTP)) {
		pl_out_str(o, "SCTP");
	} else if (has(p, PL_HAS_ICMP)) {
		t_uint(o, "ICMP type ", p->icmp_type);
		t_uint(o, " code ", p->icmp_code);
	} else if (has(p, PL_HAS_ICMP6)) {
		t_uint(o, "ICMP6 type ", p->icmp_type);
		t_uint(o, " code ", p->icmp_code);
	} else if (v4 || !has(p, PL_HAS_IP6_L4)) {
		t_uint(o, "proto ", p->ip_proto);
	} else {
		t_uint(o, "proto ", p->l4_proto);
	}

	if (v4) {
		/* fragment offset in bytes, "+" when more follow */
		if (p->ip_frag_offset || p->ip_mf) {
			t_uint(o, " frag ", p->ip_frag_offset * 8u);
			if (p->ip_mf)
				pl_out_char(o, '+');
		}
		t_uint(o, " ttl ", p->ip_ttl);
	} else {
		t_uint(o, " hlim ", p->ip_ttl);
	}
}

static void text_dns(struct pl_out *o, const struct pl_pkt *p)
{
	bool resp = p->l7.dns.flags >> 15;
	unsigned int rcode = p->l7.dns.flags & 0x0f;
	const char *name;

	t_uint(o, "dns id=", p->l7.dns.id);
	if (resp)
		pl_out_str(o, " resp");
	if (has(p, PL_HAS_DNS_QRY)) {
		pl_out_str(o, " q=");
		pl_out_text(o, p->l7.dns.name, clamp(p->l7.dns.name_len, PL_DNS_NAME_MAX),
			    PL_ESC_FIELD);
	}
	if (has(p, PL_HAS_DNS_QRY) && has(p, PL_HAS_DNS_QTYPE)) {
		name = code_name(dns_qtypes, ARRAY_SIZE(dns_qtypes), p->l7.dns.qtype);
		if (name) {
			pl_out_str(o, " type=");
			pl_out_str(o, name);
			t_uint(o, "(", p->l7.dns.qtype);
			pl_out_char(o, ')');
		} else {
			t_uint(o, " type=", p->l7.dns.qtype);
		}
	}
	if (resp) {
		name = code_name(dns_rcodes, ARRAY_SIZE(dns_rcodes), rcode);
		if (name) {
			pl_out_str(o, " rcode=");
			pl_out_str(o, name);
		} else {
			t_uint(o, " rcode=", rcode);
		}
		t_uint(o, " an=", p->l7.dns.ancount);
	}
	addr_list(o, "a", false, p->l7.dns.a[0], clamp(p->l7.dns.n_a, PL_DNS_MAX_ADDRS), false);
	addr_list(o, "aaaa", false, p->l7.dns.aaaa[0], clamp(p->l7.dns.n_aaaa, PL_DNS_MAX_ADDRS),
		  true);
	if (p->l7.dns.time_ns) {
		pl_out_str(o, " time=");
		pl_out_decimal(o, p->l7.dns.time_ns, 1000000000ull, 6);
	}
}

static void text_http(struct pl_out *o, const struct pl_pkt *p)
{
	pl_out_str(o, "http ");
	pl_out_text(o, p->l7.http.method, clamp(p->l7.http.method_len, PL_HTTP_METHOD_MAX),
		    PL_ESC_FIELD);
	pl_out_char(o, ' ');
	pl_out_text(o, p->l7.http.uri, clamp(p->l7.http.uri_len, PL_HTTP_URI_MAX), PL_ESC_FIELD);
	if (has(p, PL_HAS_HTTP_HOST)) {
		pl_out_str(o, " host=");
		pl_out_text(o, p->l7.http.host, clamp(p->l7.http.host_len, PL_HTTP_HOST_MAX),
			    PL_ESC_FIELD);
	}
}

static void text_alpn_name(struct pl_out *o, const __u8 *name, size_t len, bool first)
{
	if (!first)
		pl_out_char(o, ',');
	pl_out_text(o, name, len, PL_ESC_FIELD | PL_ESC_ITEM);
}

static const char *const quic_types[2][4] = {
	{ "Initial", "0-RTT", "Handshake", "Retry" },
	{ "Retry", "Initial", "0-RTT", "Handshake" }, /* QUIC v2, RFC 9369 3.2 */
};

/* "quic Initial v1 dcid=... scid=..." and, once decrypted, the hello */
static void text_quic(struct pl_out *o, const struct pl_pkt *p)
{
	__u32 v = p->l7.tls.quic.version;

	pl_out_str(o, "quic ");
	if (!v) {
		pl_out_str(o, "version-negotiation");
	} else {
		pl_out_str(o, quic_types[v == 0x6b3343cfu][p->l7.tls.quic.type & 3]);
		pl_out_str(o, v == 1 ? " v1" : v == 0x6b3343cfu ? " v2" : " v0x");
		if (v != 1 && v != 0x6b3343cfu)
			pl_out_hex(o, v, 8);
	}
	pl_out_str(o, " dcid=");
	out_cid(o, p->l7.tls.quic.dcid, p->l7.tls.quic.dcid_len);
	pl_out_str(o, " scid=");
	out_cid(o, p->l7.tls.quic.scid, p->l7.tls.quic.scid_len);
}

static void text_tls(struct pl_out *o, const struct pl_pkt *p)
{
	if (has(p, PL_HAS_QUIC))
		text_quic(o, p);
	if (!has(p, PL_HAS_TLS))
		return;
	if (!has(p, PL_HAS_QUIC))
		pl_out_str(o, "tls");
	if (has(p, PL_HAS_TLS_SNI)) {
		pl_out_str(o, " sni=");
		pl_out_text(o, p->l7.tls.sni, clamp(p->l7.tls.sni_len, PL_TLS_SNI_MAX),
			    PL_ESC_FIELD);
	}
	if (has(p, PL_HAS_TLS_ALPN)) {
		pl_out_str(o, " alpn=");
		alpn_each(p, text_alpn_name, o);
	}
	pl_out_str(o, " ver=0x");
	pl_out_hex(o, p->l7.tls.version, 4);
}

/* " | hint", the same one protocol as json_l7(). */
static void text_l7(struct pl_out *o, const struct pl_pkt *p)
{
	if (!(p->present & PL_HAS_L7))
		return;
	pl_out_mem(o, " | ", 3);
	if (has(p, PL_HAS_DNS))
		text_dns(o, p);
	else if (has(p, PL_HAS_HTTP))
		text_http(o, p);
	else
		text_tls(o, p);
}

/* "MPLS 100 " (labels outer first, comma-separated, as VLAN ids are) */
static void text_mpls(struct pl_out *o, const struct pl_pkt *p)
{
	size_t n = clamp(p->n_mpls, PL_MAX_MPLS);

	if (n)
		text_ids(o, "MPLS ", p->mpls_label, n, sizeof(p->mpls_label[0]));
}

/* The headers of a packet, without its L7 hint. */
static void text_headers(struct pl_out *o, const struct pl_pkt *p)
{
	text_vlan(o, p);
	text_mpls(o, p);
	if (has(p, PL_HAS_ARP)) {
		text_arp(o, p);
	} else if (p->present & (PL_HAS_IP4 | PL_HAS_IP6)) {
		text_ip(o, p);
	} else if (p->present & (PL_HAS_ETH | PL_HAS_SLL)) {
		pl_out_str(o, "ethertype 0x");
		pl_out_hex(o, p->eth_type, 4);
	} else {
		t_uint(o, "len ", p->frame_len);
	}
}

/* " | vxlan 1234 | inner HEADERS", the inner packet's L7 hint after it. */
static void text_tunnel(struct pl_out *o, const struct pl_pkt *p)
{
	struct pl_pkt in;

	switch (p->tun_kind) {
	case PL_TUN_VXLAN:
		t_uint(o, " | vxlan ", p->tun_vni);
		break;
	case PL_TUN_GENEVE:
		t_uint(o, " | geneve ", p->tun_vni);
		break;
	case PL_TUN_GRE:
		pl_out_str(o, " | gre");
		if (p->tun_flags & PL_TUNF_GRE_KEY)
			t_uint(o, " key ", p->gre_key);
		pl_out_str(o, " proto 0x");
		pl_out_hex(o, p->tun_proto, 4);
		break;
	default:
		pl_out_str(o, " | ipip");
		break;
	}
	if (!pl_pkt_inner(p, &in))
		return;
	pl_out_str(o, " | inner ");
	text_headers(o, &in);
	text_l7(o, &in);
}

void pl_write_text(struct pl_out *o, const struct pl_meta *meta, const struct pl_pkt *pkt)
{
	text_prefix(o, meta);
	text_headers(o, pkt);
	if (pkt->tun_kind)
		text_tunnel(o, pkt);
	else
		text_l7(o, pkt);
	if (meta->proc)
		pl_text_proc(o, meta->proc);
	if (pkt->truncated)
		pl_out_str(o, " [truncated]");
	if (pkt->malformed) {
		pl_out_str(o, " [malformed: ");
		pl_out_str(o, mal_reason(pkt->malformed));
		pl_out_char(o, ']');
	}
	pl_out_char(o, '\n');
	pl_out_end_record(o);
}
