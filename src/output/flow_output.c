// SPDX-License-Identifier: BSD-2-Clause
/* Flow records (SPEC.md), through the one writer, src/output/json.c. */
#include <string.h>
#include "flow_output.h"
#include "output.h"
#include "util/community_id.h"

/* IPFIX flowEndReason (RFC 7011 / IANA) words, for event.reason. */
static const char *reason_text(enum pl_flow_end why)
{
	switch (why) {
	case PL_END_IDLE:
		return "idle timeout";
	case PL_END_ACTIVE:
		return "active timeout";
	case PL_END_EXIT:
		return "forced end";
	}
	return "unknown";
}

size_t pl_name_len(const char *name)
{
	size_t n = 0;

	while (n < PL_NAME_MAX && name[n])
		n++;
	return n;
}

static bool has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132;
}

static bool is_icmp(const struct pl_flow_key *k)
{
	return (k->ip_ver == 4 && k->proto == 1) || (k->ip_ver == 6 && k->proto == 58);
}

static const char *name_field(uint32_t kind)
{
	switch (kind) {
	case PL_NAME_SNI:
		return "tls.client.server_name";
	case PL_NAME_DNS:
		return "dns.question.name";
	case PL_NAME_HTTP:
		return "url.domain";
	}
	return NULL;
}

size_t pl_flow_community_id(const struct pl_flow_key *k, char out[PL_COMMUNITY_ID_LEN])
{
	/* the flow key holds an ICMP flow's type and code in dport */
	if (is_icmp(k))
		return pl_community_id(out, 0, k->ip_ver == 6, k->src, k->dst, k->proto,
				       k->dport >> 8, k->dport & 0xff);
	return pl_community_id(out, 0, k->ip_ver == 6, k->src, k->dst, k->proto, k->sport,
			       k->dport);
}

/* "key":"N", a number ECS keeps as a string */
static void json_num_str(struct pl_out *o, const char *key, uint64_t v)
{
	pl_json_key(o, key);
	pl_out_char(o, '"');
	pl_out_u64(o, v);
	pl_out_char(o, '"');
}

/* the IANA name, or the number */
static void put_proto(struct pl_out *o, uint8_t proto)
{
	const char *name = pl_ip_proto_name(proto);

	if (name)
		pl_out_str(o, name);
	else
		pl_out_u64(o, proto);
}

void pl_write_flow_json(struct pl_out *o, const struct pl_flow *fl, enum pl_flow_end why,
			uint64_t mono_to_epoch_ns, const char *ifname)
{
	const struct pl_flow_key *k = &fl->key;
	const struct pl_flow_val *v = &fl->val;
	const char *nf = name_field(fl->name.kind);
	char cid[PL_COMMUNITY_ID_LEN];
	size_t cid_len = pl_flow_community_id(k, cid);

	pl_json_begin(o);
	pl_json_cstr(o, "event", "flow");
	pl_json_iso_time(o, "@timestamp", v->last_ns + mono_to_epoch_ns, 9);
	pl_json_iso_time(o, "event.start", v->first_ns + mono_to_epoch_ns, 9);
	pl_json_iso_time(o, "event.end", v->last_ns + mono_to_epoch_ns, 9);
	pl_json_uint(o, "event.duration", v->last_ns - v->first_ns);
	pl_json_cstr(o, "event.reason", reason_text(why));
	if (ifname)
		pl_json_cstr(o, "observer.ingress.interface.name", ifname);
	pl_json_cstr(o, "network.type", k->ip_ver == 6 ? "ipv6" : "ipv4");
	pl_json_key(o, "network.transport");
	pl_out_char(o, '"');
	put_proto(o, k->proto);
	pl_out_char(o, '"');
	json_num_str(o, "network.iana_number", k->proto);
	if (k->n_vlan)
		json_num_str(o, "network.vlan.id", k->vlan_id);
	pl_json_ip(o, "source.ip", k->ip_ver == 6, k->src);
	if (has_ports(k->proto))
		pl_json_uint(o, "source.port", k->sport);
	pl_json_ip(o, "destination.ip", k->ip_ver == 6, k->dst);
	if (has_ports(k->proto))
		pl_json_uint(o, "destination.port", k->dport);
	if (cid_len)
		pl_json_str(o, "network.community_id", cid, cid_len);
	pl_json_uint(o, "source.packets", v->packets);
	pl_json_uint(o, "source.bytes", v->bytes);
	pl_json_uint(o, "network.packets", v->packets);
	pl_json_uint(o, "network.bytes", v->bytes);
	if (nf)
		pl_json_str(o, nf, fl->name.name, pl_name_len(fl->name.name));
	/* the name came from a QUIC Initial: the flow's application protocol
	 * (ECS network.protocol; Zeek's conn.log says service "quic") */
	if (fl->name.kind == PL_NAME_SNI && (fl->name.flags & PL_NAMEF_QUIC))
		pl_json_cstr(o, "network.protocol", "quic");
	if (fl->name.dns_time_ns) { /* seconds, Wireshark's dns.time */
		pl_json_key(o, "dns.time");
		pl_out_decimal(o, fl->name.dns_time_ns, 1000000000ull, 9);
	}
	if (k->proto == 6)
		pl_json_uint(o, "pktlens.tcp_flags", v->tcp_flags);
	if (k->proto == 6 && v->handshake_us) {
		pl_json_key(o, "pktlens.tcp.handshake_rtt");
		pl_out_decimal(o, v->handshake_us, 1000000, 6);
	}
	if (is_icmp(k)) {
		pl_json_uint(o, "pktlens.icmp_type", k->dport >> 8);
		pl_json_uint(o, "pktlens.icmp_code", k->dport & 0xff);
	}
	pl_json_uint(o, "pktlens.ttl_min", v->ttl_min);
	pl_json_uint(o, "pktlens.ttl_max", v->ttl_max);
	if (k->n_vlan)
		pl_json_uint(o, "pktlens.vlan_tags", k->n_vlan);
	pl_json_proc(o, &fl->proc); /* --attribute; nothing when unknown */
	pl_json_end(o);
}

static void text_end(struct pl_out *o, const struct pl_flow_key *k, const uint8_t *addr,
		     uint16_t port)
{
	pl_out_ip(o, k->ip_ver == 6, addr);
	if (has_ports(k->proto)) {
		pl_out_char(o, '.');
		pl_out_u64(o, port);
	}
}

void pl_write_flow_text(struct pl_out *o, const struct pl_flow *fl, enum pl_flow_end why,
			uint64_t mono_to_epoch_ns, const char *ifname)
{
	const struct pl_flow_key *k = &fl->key;
	const struct pl_flow_val *v = &fl->val;
	uint64_t dur = v->last_ns - v->first_ns;

	pl_out_clock(o, v->first_ns + mono_to_epoch_ns);
	pl_out_char(o, ' ');
	if (ifname) {
		pl_out_text(o, ifname, strlen(ifname), PL_ESC_FIELD);
		pl_out_char(o, ' ');
	}
	if (k->n_vlan) {
		pl_out_str(o, "vlan ");
		pl_out_u64(o, k->vlan_id);
		pl_out_char(o, ' ');
	}
	put_proto(o, k->proto);
	pl_out_char(o, ' ');
	text_end(o, k, k->src, k->sport);
	pl_out_str(o, " > ");
	text_end(o, k, k->dst, k->dport);
	pl_out_str(o, ": ");
	pl_out_u64(o, v->packets);
	pl_out_str(o, v->packets == 1 ? " packet, " : " packets, ");
	pl_out_u64(o, v->bytes);
	pl_out_str(o, " bytes, ");
	pl_out_u64(o, dur / 1000000000);
	pl_out_char(o, '.');
	pl_out_u64_fixed(o, dur % 1000000000 / 1000, 6);
	pl_out_str(o, " s");
	if (is_icmp(k)) {
		pl_out_str(o, ", type ");
		pl_out_u64(o, k->dport >> 8);
		pl_out_str(o, " code ");
		pl_out_u64(o, k->dport & 0xff);
	}
	if (k->proto == 6) {
		pl_out_str(o, ", flags ");
		pl_out_tcp_flags(o, v->tcp_flags);
	}
	pl_out_str(o, ", ttl ");
	pl_out_u64(o, v->ttl_min);
	if (v->ttl_min != v->ttl_max) {
		pl_out_char(o, '-');
		pl_out_u64(o, v->ttl_max);
	}
	pl_out_str(o, ", ");
	pl_out_str(o, reason_text(why));
	switch (fl->name.kind) {
	case PL_NAME_SNI:
		/* as the packet's line says it: "quic Initial ... sni=" */
		pl_out_str(o, fl->name.flags & PL_NAMEF_QUIC ? " | quic sni=" : " | tls sni=");
		break;
	case PL_NAME_DNS:
		pl_out_str(o, " | dns qry=");
		break;
	case PL_NAME_HTTP:
		pl_out_str(o, " | http host=");
		break;
	default:
		pl_text_proc(o, &fl->proc);
		pl_out_char(o, '\n');
		pl_out_end_record(o);
		return;
	}
	pl_out_text(o, fl->name.name, pl_name_len(fl->name.name), PL_ESC_FIELD);
	if (fl->name.dns_time_ns) {
		pl_out_str(o, " time=");
		pl_out_decimal(o, fl->name.dns_time_ns, 1000000000ull, 6);
	}
	pl_text_proc(o, &fl->proc); /* --attribute */
	pl_out_char(o, '\n');
	pl_out_end_record(o);
}
