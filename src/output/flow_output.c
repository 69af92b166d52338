// SPDX-License-Identifier: BSD-2-Clause
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include "flow_output.h"
#include "output.h"

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

void pl_put_iso_time(FILE *out, uint64_t epoch_ns)
{
	time_t sec = (time_t)(epoch_ns / 1000000000);
	struct tm tm;
	char buf[32];

	if (!gmtime_r(&sec, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(buf, sizeof(buf), "1970-01-01T00:00:00");
	fprintf(out, "%s.%09" PRIu64 "Z", buf, epoch_ns % 1000000000);
}

static bool has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132;
}

static bool is_icmp(const struct pl_flow_key *k)
{
	return (k->ip_ver == 4 && k->proto == 1) || (k->ip_ver == 6 && k->proto == 58);
}

static void jkey(FILE *f, const char *key)
{
	fprintf(f, ",\"%s\":", key);
}

static void jstr(FILE *f, const char *key, const char *s, size_t n)
{
	jkey(f, key);
	fputc('"', f);
	pl_put_escaped(f, s, n);
	fputc('"', f);
}

static void jlit(FILE *f, const char *key, const char *s)
{
	jstr(f, key, s, strlen(s));
}

static void juint(FILE *f, const char *key, uint64_t v)
{
	jkey(f, key);
	fprintf(f, "%" PRIu64, v);
}

static void jtime(FILE *f, const char *key, uint64_t epoch_ns)
{
	jkey(f, key);
	fputc('"', f);
	pl_put_iso_time(f, epoch_ns);
	fputc('"', f);
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

void pl_print_flow_json(FILE *out, const struct pl_flow *fl, enum pl_flow_end why,
			uint64_t mono_to_epoch_ns, const char *ifname)
{
	const struct pl_flow_key *k = &fl->key;
	const struct pl_flow_val *v = &fl->val;
	char a[64], pbuf[8];
	const char *nf = name_field(fl->name.kind);

	fputs("{\"event\":\"flow\"", out);
	jtime(out, "@timestamp", v->last_ns + mono_to_epoch_ns);
	jtime(out, "event.start", v->first_ns + mono_to_epoch_ns);
	jtime(out, "event.end", v->last_ns + mono_to_epoch_ns);
	juint(out, "event.duration", v->last_ns - v->first_ns);
	jlit(out, "event.reason", reason_text(why));
	if (ifname)
		jlit(out, "observer.ingress.interface.name", ifname);
	jlit(out, "network.type", k->ip_ver == 6 ? "ipv6" : "ipv4");
	jlit(out, "network.transport", pl_proto_name(k->proto, pbuf, sizeof(pbuf)));
	snprintf(pbuf, sizeof(pbuf), "%u", k->proto);
	jlit(out, "network.iana_number", pbuf);
	if (k->n_vlan) {
		snprintf(pbuf, sizeof(pbuf), "%u", k->vlan_id);
		jlit(out, "network.vlan.id", pbuf);
	}
	jlit(out, "source.ip", pl_addr_str(k->ip_ver, k->src, a, sizeof(a)));
	if (has_ports(k->proto))
		juint(out, "source.port", k->sport);
	jlit(out, "destination.ip", pl_addr_str(k->ip_ver, k->dst, a, sizeof(a)));
	if (has_ports(k->proto))
		juint(out, "destination.port", k->dport);
	juint(out, "source.packets", v->packets);
	juint(out, "source.bytes", v->bytes);
	juint(out, "network.packets", v->packets);
	juint(out, "network.bytes", v->bytes);
	if (nf)
		jstr(out, nf, fl->name.name, pl_name_len(fl->name.name));
	if (k->proto == 6)
		juint(out, "pktlens.tcp_flags", v->tcp_flags);
	if (is_icmp(k)) {
		juint(out, "pktlens.icmp_type", k->dport >> 8);
		juint(out, "pktlens.icmp_code", k->dport & 0xff);
	}
	juint(out, "pktlens.ttl_min", v->ttl_min);
	juint(out, "pktlens.ttl_max", v->ttl_max);
	if (k->n_vlan)
		juint(out, "pktlens.vlan_tags", k->n_vlan);
	fputs("}\n", out);
}

static void text_end(FILE *f, const struct pl_flow_key *k, const uint8_t *addr,
		     uint16_t port)
{
	char a[64];

	fputs(pl_addr_str(k->ip_ver, addr, a, sizeof(a)), f);
	if (has_ports(k->proto))
		fprintf(f, ".%u", port);
}

void pl_print_flow_text(FILE *out, const struct pl_flow *fl, enum pl_flow_end why,
			uint64_t mono_to_epoch_ns, const char *ifname)
{
	const struct pl_flow_key *k = &fl->key;
	const struct pl_flow_val *v = &fl->val;
	uint64_t dur = v->last_ns - v->first_ns;
	char pbuf[8];

	pl_put_clock(out, v->first_ns + mono_to_epoch_ns);
	fputc(' ', out);
	if (ifname)
		fprintf(out, "%s ", ifname);
	if (k->n_vlan)
		fprintf(out, "vlan %u ", k->vlan_id);
	fprintf(out, "%s ", pl_proto_name(k->proto, pbuf, sizeof(pbuf)));
	text_end(out, k, k->src, k->sport);
	fputs(" > ", out);
	text_end(out, k, k->dst, k->dport);
	fprintf(out, ": %" PRIu64 " packet%s, %" PRIu64 " bytes, %" PRIu64 ".%06" PRIu64 " s",
		(uint64_t)v->packets, v->packets == 1 ? "" : "s", (uint64_t)v->bytes,
		dur / 1000000000, dur % 1000000000 / 1000);
	if (is_icmp(k))
		fprintf(out, ", type %u code %u", k->dport >> 8, k->dport & 0xff);
	if (k->proto == 6) {
		fputs(", flags ", out);
		pl_put_tcp_flags(out, v->tcp_flags);
	}
	if (v->ttl_min == v->ttl_max)
		fprintf(out, ", ttl %u", v->ttl_min);
	else
		fprintf(out, ", ttl %u-%u", v->ttl_min, v->ttl_max);
	fprintf(out, ", %s", reason_text(why));
	switch (fl->name.kind) {
	case PL_NAME_SNI:
		fputs(" | tls sni=", out);
		break;
	case PL_NAME_DNS:
		fputs(" | dns qry=", out);
		break;
	case PL_NAME_HTTP:
		fputs(" | http host=", out);
		break;
	default:
		fputc('\n', out);
		return;
	}
	pl_put_escaped(out, fl->name.name, pl_name_len(fl->name.name));
	fputc('\n', out);
}
