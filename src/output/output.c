/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Formatting of packet records (SPEC.md "Per-packet record").
 *
 * JSON: one object per line, keys are Wireshark display-filter names, absent
 * layers are absent keys. Text: one tcpdump-like line.
 *
 * The record comes from the kernel: every length and count in it is clamped
 * to the size of its array before use, and every byte that is not printable
 * ASCII is escaped, so a bad record can garble a line but never overrun a
 * buffer or reach the terminal raw.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

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
#define TCP_AE 0x100 /* formerly NS */

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
	{ 1, "A" },    { 2, "NS" },	{ 5, "CNAME" }, { 6, "SOA" },
	{ 10, "NULL" }, { 12, "PTR" }, { 15, "MX" },	{ 16, "TXT" },	{ 28, "AAAA" },
	{ 33, "SRV" }, { 65, "HTTPS" }, { 255, "ANY" },
};

static const struct code_name ip_protos[] = {
	{ 1, "icmp" }, { 2, "igmp" }, { 6, "tcp" }, { 17, "udp" }, { 47, "gre" },
	{ 50, "esp" }, { 58, "ipv6-icmp" }, { 132, "sctp" },
};

static const struct code_name dns_rcodes[] = {
	{ 0, "NOERROR" },  { 1, "FORMERR" }, { 2, "SERVFAIL" },
	{ 3, "NXDOMAIN" }, { 4, "NOTIMP" },  { 5, "REFUSED" },
};

static const char *code_name(const struct code_name *t, size_t n,
			     unsigned int code)
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

/* ---- small helpers ---- */

static size_t clamp(size_t n, size_t max)
{
	return n < max ? n : max;
}

static bool has(const struct pl_pkt *p, uint32_t bits)
{
	return (p->present & bits) == bits;
}

/* Bytes as a JSON string body: ", \ and non-printable bytes escaped. */
void pl_put_escaped(FILE *f, const void *buf, size_t n)
{
	const unsigned char *s = buf;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
		} else if (c < 0x20 || c >= 0x7f) {
			fprintf(f, "\\u%04x", c);
		} else {
			fputc(c, f);
		}
	}
}

static void put_ip4(FILE *f, const __u8 *a)
{
	fprintf(f, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

/* RFC 5952 form, from inet_ntop(). */
static void put_ip6(FILE *f, const __u8 *a)
{
	char buf[INET6_ADDRSTRLEN];

	if (inet_ntop(AF_INET6, a, buf, sizeof(buf)))
		fputs(buf, f);
	else
		fputs("?", f);
}

static void put_mac(FILE *f, const __u8 *m)
{
	fprintf(f, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
		m[4], m[5]);
}

/*
 * Walks the raw ALPN protocol_name_list (<len><name bytes>...), calling
 * fn for each name (empty ones too, as tshark lists them); stops at an
 * overlong length.
 */
static void alpn_each(const struct pl_pkt *p,
		      void (*fn)(FILE *f, const __u8 *name, size_t len,
				 bool first),
		      FILE *f)
{
	size_t total = clamp(p->l7.tls.alpn_len, PL_TLS_ALPN_MAX);
	const __u8 *a = p->l7.tls.alpn;
	size_t pos = 0, len;
	bool first = true;

	while (pos < total) {
		len = a[pos];
		if (len > total - pos - 1)
			break;
		fn(f, a + pos + 1, len, first);
		first = false;
		pos += 1 + len;
	}
}

/* ---- JSON ---- */

/* A JSON object being written: `first` until its first key is out. */
struct jw {
	FILE *f;
	bool first;
};

/* `,"key":` (no comma before the first key). Keys are our own literals. */
static void j_key(struct jw *w, const char *key)
{
	fprintf(w->f, "%s\"%s\":", w->first ? "" : ",", key);
	w->first = false;
}

static void j_uint(struct jw *w, const char *key, uint64_t v)
{
	j_key(w, key);
	fprintf(w->f, "%" PRIu64, v);
}

static void j_bool(struct jw *w, const char *key, bool v)
{
	j_key(w, key);
	fputs(v ? "true" : "false", w->f);
}

static void j_str(struct jw *w, const char *key, const void *s, size_t n)
{
	j_key(w, key);
	fputc('"', w->f);
	pl_put_escaped(w->f, s, n);
	fputc('"', w->f);
}

static void j_ip4(struct jw *w, const char *key, const __u8 *a)
{
	j_key(w, key);
	fputc('"', w->f);
	put_ip4(w->f, a);
	fputc('"', w->f);
}

static void j_ip6(struct jw *w, const char *key, const __u8 *a)
{
	j_key(w, key);
	fputc('"', w->f);
	put_ip6(w->f, a);
	fputc('"', w->f);
}

static void j_mac(struct jw *w, const char *key, const __u8 *m)
{
	j_key(w, key);
	fputc('"', w->f);
	put_mac(w->f, m);
	fputc('"', w->f);
}

/* "key":[a,b,...] */
static void j_u8_array(struct jw *w, const char *key, const __u8 *v, size_t n)
{
	size_t i;

	j_key(w, key);
	fputc('[', w->f);
	for (i = 0; i < n; i++)
		fprintf(w->f, "%s%u", i ? "," : "", v[i]);
	fputc(']', w->f);
}

static void j_u16_array(struct jw *w, const char *key, const __u16 *v, size_t n)
{
	size_t i;

	j_key(w, key);
	fputc('[', w->f);
	for (i = 0; i < n; i++)
		fprintf(w->f, "%s%u", i ? "," : "", v[i]);
	fputc(']', w->f);
}

static void json_meta(struct jw *w, const struct pl_meta *m,
		      const struct pl_pkt *p)
{
	j_key(w, "frame.time_epoch");
	fprintf(w->f, "%" PRIu64 ".%09" PRIu64, m->ts_epoch_ns / 1000000000,
		m->ts_epoch_ns % 1000000000);
	j_uint(w, "frame.len", p->frame_len);
	if (m->ifname)
		j_str(w, "pktlens.ifname", m->ifname, strlen(m->ifname));
	if (m->frame_number)
		j_uint(w, "frame.number", m->frame_number);
}

/* Ethernet and its VLAN tags; a Linux cooked header has only a type. */
static void json_eth(struct jw *w, const struct pl_pkt *p)
{
	if (has(p, PL_HAS_ETH)) {
		j_mac(w, "eth.src", p->eth_src);
		j_mac(w, "eth.dst", p->eth_dst);
		if (p->eth_type >= 0x0600) /* below: an 802.3 length */
			j_uint(w, "eth.type", p->eth_type);
		if (p->n_vlan)
			j_u16_array(w, "vlan.id", p->vlan_id,
				    clamp(p->n_vlan, PL_MAX_VLAN));
	} else if (has(p, PL_HAS_SLL)) {
		j_uint(w, "sll.etype", p->eth_type);
	}
}

static void json_arp(struct jw *w, const struct pl_pkt *p)
{
	if (!has(p, PL_HAS_ARP))
		return;
	j_uint(w, "arp.opcode", p->arp_opcode);
	j_ip4(w, "arp.src.proto_ipv4", p->arp_spa);
	j_ip4(w, "arp.dst.proto_ipv4", p->arp_tpa);
}

static void json_ip4(struct jw *w, const struct pl_pkt *p)
{
	j_uint(w, "ip.version", 4);
	if (has(p, PL_HAS_IP4_HDR_ONLY)) {
		j_uint(w, "ip.hdr_len", p->ip_hdr_len);
		return;
	}
	j_ip4(w, "ip.src", p->ip_src);
	j_ip4(w, "ip.dst", p->ip_dst);
	j_uint(w, "ip.ttl", p->ip_ttl);
	j_uint(w, "ip.proto", p->ip_proto);
	j_uint(w, "ip.dsfield.dscp", p->ip_dscp);
	j_uint(w, "ip.dsfield.ecn", p->ip_ecn);
	j_uint(w, "ip.id", p->ip_id);
	j_bool(w, "ip.flags.df", p->ip_df);
	j_bool(w, "ip.flags.mf", p->ip_mf);
	j_uint(w, "ip.frag_offset", p->ip_frag_offset);
	j_uint(w, "ip.hdr_len", p->ip_hdr_len);
	j_uint(w, "ip.len", p->ip_len);
}

static void json_ip6(struct jw *w, const struct pl_pkt *p)
{
	j_ip6(w, "ipv6.src", p->ip_src);
	j_ip6(w, "ipv6.dst", p->ip_dst);
	j_uint(w, "ipv6.hlim", p->ip_ttl);
	j_uint(w, "ipv6.nxt", p->ip_proto);
	j_uint(w, "ipv6.flow", p->ip6_flow);
	if (has(p, PL_HAS_IP6_L4))
		j_uint(w, "pktlens.l4proto", p->l4_proto);
	if (p->ip6_n_ext)
		j_u8_array(w, "pktlens.ip6_ext", p->ip6_ext,
			   clamp(p->ip6_n_ext, PL_MAX_IP6_EXT));
}

static void json_ip(struct jw *w, const struct pl_pkt *p)
{
	if (has(p, PL_HAS_IP4))
		json_ip4(w, p);
	else if (has(p, PL_HAS_IP6))
		json_ip6(w, p);
}

static void json_tcp(struct jw *w, const struct pl_pkt *p)
{
	j_uint(w, "tcp.srcport", p->sport);
	j_uint(w, "tcp.dstport", p->dport);
	if (has(p, PL_HAS_L4_PORTS_ONLY))
		return;
	j_uint(w, "tcp.seq_raw", p->tcp_seq);
	j_uint(w, "tcp.ack_raw", p->tcp_ack);
	j_uint(w, "tcp.flags", p->tcp_flags);
	j_uint(w, "tcp.window_size_value", p->tcp_window);
	j_uint(w, "tcp.hdr_len", p->tcp_hdr_len);
	if (has(p, PL_HAS_TCP_MSS))
		j_uint(w, "tcp.options.mss_val", p->tcp_mss);
	if (has(p, PL_HAS_TCP_WSCALE))
		j_uint(w, "tcp.options.wscale.shift", p->tcp_wscale);
	if (has(p, PL_HAS_TCP_SACK_PERM))
		j_bool(w, "tcp.options.sack_perm", true);
	if (has(p, PL_HAS_TCP_TS)) {
		j_uint(w, "tcp.options.timestamp.tsval", p->tcp_tsval);
		j_uint(w, "tcp.options.timestamp.tsecr", p->tcp_tsecr);
	}
}

/* Every L4 bit that is set is printed (their keys never collide); a sane
 * record has at most one. */
static void json_l4(struct jw *w, const struct pl_pkt *p)
{
	if (has(p, PL_HAS_TCP))
		json_tcp(w, p);
	if (has(p, PL_HAS_UDP)) {
		j_uint(w, "udp.srcport", p->sport);
		j_uint(w, "udp.dstport", p->dport);
		if (!has(p, PL_HAS_L4_PORTS_ONLY))
			j_uint(w, "udp.length", p->udp_len);
	}
	if (has(p, PL_HAS_ICMP)) {
		j_uint(w, "icmp.type", p->icmp_type);
		j_uint(w, "icmp.code", p->icmp_code);
	}
	if (has(p, PL_HAS_ICMP6)) {
		j_uint(w, "icmpv6.type", p->icmp_type);
		j_uint(w, "icmpv6.code", p->icmp_code);
	}
	if (has(p, PL_HAS_SCTP)) {
		j_uint(w, "sctp.srcport", p->sport);
		j_uint(w, "sctp.dstport", p->dport);
	}
}

static void json_dns(struct jw *w, const struct pl_pkt *p)
{
	j_uint(w, "dns.id", p->l7.dns.id);
	j_bool(w, "dns.flags.response", p->l7.dns.flags >> 15);
	if (p->l7.dns.flags >> 15) /* a query has no response code */
		j_uint(w, "dns.flags.rcode", p->l7.dns.flags & 0x0f);
	if (has(p, PL_HAS_DNS_QRY)) {
		j_str(w, "dns.qry.name", p->l7.dns.name,
		      clamp(p->l7.dns.name_len, PL_DNS_NAME_MAX));
		if (has(p, PL_HAS_DNS_QTYPE))
			j_uint(w, "dns.qry.type", p->l7.dns.qtype);
	}
}

static void json_http(struct jw *w, const struct pl_pkt *p)
{
	j_str(w, "http.request.method", p->l7.http.method,
	      clamp(p->l7.http.method_len, PL_HTTP_METHOD_MAX));
	j_str(w, "http.request.uri", p->l7.http.uri,
	      clamp(p->l7.http.uri_len, PL_HTTP_URI_MAX));
	if (has(p, PL_HAS_HTTP_HOST))
		j_str(w, "http.host", p->l7.http.host,
		      clamp(p->l7.http.host_len, PL_HTTP_HOST_MAX));
}

static void json_alpn_name(FILE *f, const __u8 *name, size_t len, bool first)
{
	if (!first)
		fputc(',', f);
	fputc('"', f);
	pl_put_escaped(f, name, len);
	fputc('"', f);
}

static void json_tls(struct jw *w, const struct pl_pkt *p)
{
	if (p->l7.tls.hs_type)
		j_uint(w, "tls.handshake.type", p->l7.tls.hs_type);
	j_uint(w, "tls.handshake.version", p->l7.tls.version);
	if (p->l7.tls.n_versions)
		j_u16_array(w, "tls.handshake.extensions.supported_version",
			    p->l7.tls.versions,
			    clamp(p->l7.tls.n_versions, PL_TLS_VERS_MAX));
	if (has(p, PL_HAS_TLS_SNI))
		j_str(w, "tls.handshake.extensions_server_name", p->l7.tls.sni,
		      clamp(p->l7.tls.sni_len, PL_TLS_SNI_MAX));
	if (has(p, PL_HAS_TLS_ALPN)) {
		j_key(w, "tls.handshake.extensions_alpn_str");
		fputc('[', w->f);
		alpn_each(p, json_alpn_name, w->f);
		fputc(']', w->f);
	}
}

/* l7 is a union holding at most one protocol; a record claiming more than
 * one is reported as the first of DNS, HTTP, TLS. */
static void json_l7(struct jw *w, const struct pl_pkt *p)
{
	if (has(p, PL_HAS_DNS))
		json_dns(w, p);
	else if (has(p, PL_HAS_HTTP))
		json_http(w, p);
	else if (has(p, PL_HAS_TLS))
		json_tls(w, p);
}

static void json_flags(struct jw *w, const struct pl_pkt *p)
{
	if (p->truncated)
		j_bool(w, "pktlens.truncated", true);
	if (p->malformed) {
		const char *r = mal_reason(p->malformed);

		j_str(w, "pktlens.malformed", r, strlen(r));
	}
}

void pl_print_json(FILE *out, const struct pl_meta *meta,
		   const struct pl_pkt *pkt)
{
	struct jw w = { .f = out, .first = true };

	flockfile(out); /* keep the line whole when threads share `out` */
	fputc('{', out);
	json_meta(&w, meta, pkt);
	json_eth(&w, pkt);
	json_arp(&w, pkt);
	json_ip(&w, pkt);
	json_l4(&w, pkt);
	json_l7(&w, pkt);
	json_flags(&w, pkt);
	fputs("}\n", out);
	funlockfile(out);
}

/* ---- text ---- */

/* "HH:MM:SS.uuuuuu " in local time, then the interface name. */
void pl_put_clock(FILE *f, uint64_t epoch_ns)
{
	time_t sec = (time_t)(epoch_ns / 1000000000);
	unsigned int usec = (unsigned int)(epoch_ns % 1000000000 / 1000);
	struct tm tm;

	if (localtime_r(&sec, &tm))
		fprintf(f, "%02d:%02d:%02d.%06u", tm.tm_hour, tm.tm_min,
			tm.tm_sec, usec);
	else
		fprintf(f, "??:??:??.%06u", usec);
}

static void text_prefix(FILE *f, const struct pl_meta *m)
{
	pl_put_clock(f, m->ts_epoch_ns);
	fputc(' ', f);
	if (m->ifname) {
		pl_put_escaped(f, m->ifname, strlen(m->ifname));
		fputc(' ', f);
	}
}

static void text_vlan(FILE *f, const struct pl_pkt *p)
{
	size_t i, n = clamp(p->n_vlan, PL_MAX_VLAN);

	if (!has(p, PL_HAS_ETH) || n == 0)
		return;
	fputs("vlan ", f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%u", i ? "," : "", p->vlan_id[i]);
	fputc(' ', f);
}

static void text_arp(FILE *f, const struct pl_pkt *p)
{
	switch (p->arp_opcode) {
	case 1:
		fputs("ARP request who-has ", f);
		put_ip4(f, p->arp_tpa);
		fputs(" tell ", f);
		put_ip4(f, p->arp_spa);
		break;
	case 2:
		fputs("ARP reply ", f);
		put_ip4(f, p->arp_spa);
		break;
	default:
		fprintf(f, "ARP opcode %u ", p->arp_opcode);
		put_ip4(f, p->arp_spa);
		fputs(" > ", f);
		put_ip4(f, p->arp_tpa);
		break;
	}
}

/* tcpdump's flag letters, in tcpdump's order; "none" when no bit is set. */
static void text_tcp_flags(FILE *f, unsigned int flags)
{
	static const struct code_name letters[] = {
		{ TCP_FIN, "F" }, { TCP_SYN, "S" }, { TCP_RST, "R" },
		{ TCP_PSH, "P" }, { TCP_ACK, "." }, { TCP_URG, "U" },
		{ TCP_ECE, "E" }, { TCP_CWR, "W" }, { TCP_AE, "e" },
	};
	bool any = false;
	size_t i;

	fputc('[', f);
	for (i = 0; i < ARRAY_SIZE(letters); i++) {
		if (flags & letters[i].code) {
			fputs(letters[i].name, f);
			any = true;
		}
	}
	fputs(any ? "]" : "none]", f);
}

void pl_put_tcp_flags(FILE *f, unsigned int flags)
{
	text_tcp_flags(f, flags);
}

static void text_tcp(FILE *f, const struct pl_pkt *p)
{
	fputs("TCP", f);
	if (has(p, PL_HAS_L4_PORTS_ONLY))
		return;
	fputc(' ', f);
	text_tcp_flags(f, p->tcp_flags);
	fprintf(f, " seq %u", p->tcp_seq);
	if (p->tcp_flags & TCP_ACK)
		fprintf(f, " ack %u", p->tcp_ack);
	fprintf(f, " win %u", p->tcp_window);
	if (has(p, PL_HAS_TCP_MSS))
		fprintf(f, " mss %u", p->tcp_mss);
	if (has(p, PL_HAS_TCP_WSCALE))
		fprintf(f, " ws %u", p->tcp_wscale);
	if (has(p, PL_HAS_TCP_SACK_PERM))
		fputs(" sackOK", f);
	if (has(p, PL_HAS_TCP_TS))
		fprintf(f, " ts %u %u", p->tcp_tsval, p->tcp_tsecr);
}

static void text_addr(FILE *f, const struct pl_pkt *p, const __u8 *a, bool port,
		      unsigned int portnum)
{
	if (has(p, PL_HAS_IP4))
		put_ip4(f, a);
	else
		put_ip6(f, a);
	if (port)
		fprintf(f, ".%u", portnum);
}

/* "src[.port] > dst[.port]: L4 ... ttl N" */
static void text_ip(FILE *f, const struct pl_pkt *p)
{
	bool v4 = has(p, PL_HAS_IP4);
	bool ports = p->present & (PL_HAS_TCP | PL_HAS_UDP | PL_HAS_SCTP);

	if (v4 && has(p, PL_HAS_IP4_HDR_ONLY)) {
		fprintf(f, "IP hdr_len %u", p->ip_hdr_len);
		return;
	}
	text_addr(f, p, p->ip_src, ports, p->sport);
	fputs(" > ", f);
	text_addr(f, p, p->ip_dst, ports, p->dport);
	fputs(": ", f);

	if (has(p, PL_HAS_TCP)) {
		text_tcp(f, p);
	} else if (has(p, PL_HAS_UDP)) {
		fputs("UDP", f);
		if (!has(p, PL_HAS_L4_PORTS_ONLY))
			fprintf(f, " len %u", p->udp_len);
	} else if (has(p, PL_HAS_SCTP)) {
		fputs("SCTP", f);
	} else if (has(p, PL_HAS_ICMP)) {
		fprintf(f, "ICMP type %u code %u", p->icmp_type, p->icmp_code);
	} else if (has(p, PL_HAS_ICMP6)) {
		fprintf(f, "ICMP6 type %u code %u", p->icmp_type, p->icmp_code);
	} else if (v4 || !has(p, PL_HAS_IP6_L4)) {
		fprintf(f, "proto %u", p->ip_proto);
	} else {
		fprintf(f, "proto %u", p->l4_proto);
	}

	if (v4) {
		/* fragment offset in bytes, "+" when more follow */
		if (p->ip_frag_offset || p->ip_mf)
			fprintf(f, " frag %u%s", p->ip_frag_offset * 8u,
				p->ip_mf ? "+" : "");
		fprintf(f, " ttl %u", p->ip_ttl);
	} else {
		fprintf(f, " hlim %u", p->ip_ttl);
	}
}

static void text_dns(FILE *f, const struct pl_pkt *p)
{
	bool resp = p->l7.dns.flags >> 15;
	unsigned int rcode = p->l7.dns.flags & 0x0f;
	const char *name;

	fprintf(f, "dns id=%u%s", p->l7.dns.id, resp ? " resp" : "");
	if (has(p, PL_HAS_DNS_QRY)) {
		fputs(" q=", f);
		pl_put_escaped(f, p->l7.dns.name,
			    clamp(p->l7.dns.name_len, PL_DNS_NAME_MAX));
	}
	if (has(p, PL_HAS_DNS_QRY) && has(p, PL_HAS_DNS_QTYPE)) {
		name = code_name(dns_qtypes, ARRAY_SIZE(dns_qtypes),
				 p->l7.dns.qtype);
		if (name)
			fprintf(f, " type=%s(%u)", name, p->l7.dns.qtype);
		else
			fprintf(f, " type=%u", p->l7.dns.qtype);
	}
	if (resp) {
		name = code_name(dns_rcodes, ARRAY_SIZE(dns_rcodes), rcode);
		if (name)
			fprintf(f, " rcode=%s", name);
		else
			fprintf(f, " rcode=%u", rcode);
	}
}

static void text_http(FILE *f, const struct pl_pkt *p)
{
	fputs("http ", f);
	pl_put_escaped(f, p->l7.http.method,
		    clamp(p->l7.http.method_len, PL_HTTP_METHOD_MAX));
	fputc(' ', f);
	pl_put_escaped(f, p->l7.http.uri,
		    clamp(p->l7.http.uri_len, PL_HTTP_URI_MAX));
	if (has(p, PL_HAS_HTTP_HOST)) {
		fputs(" host=", f);
		pl_put_escaped(f, p->l7.http.host,
			    clamp(p->l7.http.host_len, PL_HTTP_HOST_MAX));
	}
}

static void text_alpn_name(FILE *f, const __u8 *name, size_t len, bool first)
{
	if (!first)
		fputc(',', f);
	pl_put_escaped(f, name, len);
}

static void text_tls(FILE *f, const struct pl_pkt *p)
{
	fputs("tls", f);
	if (has(p, PL_HAS_TLS_SNI)) {
		fputs(" sni=", f);
		pl_put_escaped(f, p->l7.tls.sni,
			    clamp(p->l7.tls.sni_len, PL_TLS_SNI_MAX));
	}
	if (has(p, PL_HAS_TLS_ALPN)) {
		fputs(" alpn=", f);
		alpn_each(p, text_alpn_name, f);
	}
	fprintf(f, " ver=0x%04x", p->l7.tls.version);
}

/* " | hint", the same one protocol as json_l7(). */
static void text_l7(FILE *f, const struct pl_pkt *p)
{
	if (!(p->present & (PL_HAS_DNS | PL_HAS_HTTP | PL_HAS_TLS)))
		return;
	fputs(" | ", f);
	if (has(p, PL_HAS_DNS))
		text_dns(f, p);
	else if (has(p, PL_HAS_HTTP))
		text_http(f, p);
	else
		text_tls(f, p);
}

void pl_print_text(FILE *out, const struct pl_meta *meta,
		   const struct pl_pkt *pkt)
{
	flockfile(out);
	text_prefix(out, meta);
	text_vlan(out, pkt);
	if (has(pkt, PL_HAS_ARP))
		text_arp(out, pkt);
	else if (pkt->present & (PL_HAS_IP4 | PL_HAS_IP6))
		text_ip(out, pkt);
	else if (pkt->present & (PL_HAS_ETH | PL_HAS_SLL))
		fprintf(out, "ethertype 0x%04x", pkt->eth_type);
	else
		fprintf(out, "len %u", pkt->frame_len);
	text_l7(out, pkt);
	if (pkt->truncated)
		fputs(" [truncated]", out);
	if (pkt->malformed)
		fprintf(out, " [malformed: %s]", mal_reason(pkt->malformed));
	fputc('\n', out);
	funlockfile(out);
}
