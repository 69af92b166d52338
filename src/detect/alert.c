// SPDX-License-Identifier: BSD-2-Clause
/*
 * Alert records (SPEC.md "Alert, flow and TCP records"): `"event":"alert"`
 * and ECS names where ECS has one (rule.name, rule.category, source.ip,
 * source.port, source.mac, destination.ip, destination.port,
 * network.transport, network.type, dns.question.name, dns.question.type,
 * event.action, observer.ingress.interface.name), pktlens.* otherwise
 * (pktlens.count, pktlens.window, pktlens.threshold, ...). docs/detect.md
 * shows both forms.
 */
#include <arpa/inet.h>
#include <string.h>
#include <time.h>
#include "alert.h"
#include "config.h"
#include "output/output.h"

static void addr_str(const struct pl_alert_event *a, const __u8 *ip, char *buf, size_t n)
{
	inet_ntop(a->flags & PL_ALERT_IP6 ? AF_INET6 : AF_INET, ip, buf, (socklen_t)n);
}

static void mac_str(const __u8 *m, char *buf, size_t n)
{
	snprintf(buf, n, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* count and threshold as the rule counts them */
static void value_str(const struct pl_alert_event *a, uint64_t v, char *buf, size_t n)
{
	if (a->rule == PL_RULE_DNS_HIGH_ENTROPY)
		snprintf(buf, n, "%.2f", (double)v / 1000.0);
	else
		snprintf(buf, n, "%llu", (unsigned long long)v);
}

/* The query name, escaped; a name longer than the record keeps its end,
 * shown after "...". */
static void put_name(FILE *f, const struct pl_alert_event *a)
{
	size_t n = a->detail_len;

	if (n <= sizeof(a->detail)) {
		pl_put_escaped(f, a->detail, n);
		return;
	}
	fputs("...", f);
	pl_put_escaped(f, a->detail + 3, sizeof(a->detail) - 3);
}

static void put_iso_time(FILE *f, uint64_t ns)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "%s.%06lluZ", buf, (unsigned long long)(ns % 1000000000ull / 1000));
}

static void print_json(FILE *f, const struct pl_alert_event *a, uint64_t epoch_ns,
		       const char *ifname)
{
	unsigned r = a->rule < PL_RULE__COUNT ? a->rule : 0;
	const char *tp = pl_ip_proto_name(a->l4_proto), *qt;
	char ip[64], v[32];

	fprintf(f, "{\"event\":\"alert\",\"@timestamp\":\"");
	put_iso_time(f, epoch_ns);
	fprintf(f, "\",\"pktlens.time_epoch\":%llu.%09llu",
		(unsigned long long)(epoch_ns / 1000000000ull),
		(unsigned long long)(epoch_ns % 1000000000ull));
	fprintf(f, ",\"rule.name\":\"%s\"", pl_rule_name(a->rule));
	if (r)
		fprintf(f, ",\"rule.category\":\"%s\"", pl_rules[r].category);
	if (ifname)
		fprintf(f, ",\"observer.ingress.interface.name\":\"%s\"", ifname);
	if (a->flags & PL_ALERT_SRC) {
		addr_str(a, a->src, ip, sizeof(ip));
		fprintf(f, ",\"source.ip\":\"%s\"", ip);
		if (a->flags & PL_ALERT_PORTS)
			fprintf(f, ",\"source.port\":%u", a->sport);
	}
	if (a->flags & PL_ALERT_MAC) {
		mac_str(a->mac, ip, sizeof(ip));
		fprintf(f, ",\"source.mac\":\"%s\"", ip);
		if (a->rule == PL_RULE_ARP_MAC_CHANGE) {
			mac_str(a->mac_prev, ip, sizeof(ip));
			fprintf(f, ",\"pktlens.arp.previous_mac\":\"%s\"", ip);
		}
	}
	if (a->flags & PL_ALERT_DST) {
		addr_str(a, a->dst, ip, sizeof(ip));
		fprintf(f, ",\"destination.ip\":\"%s\"", ip);
	}
	if (a->flags & PL_ALERT_PORTS)
		fprintf(f, ",\"destination.port\":%u", a->dport);
	if (a->flags & PL_ALERT_MAC)
		fprintf(f, ",\"network.type\":\"ipv4\",\"network.protocol\":\"arp\"");
	else
		fprintf(f, ",\"network.type\":\"%s\"", a->flags & PL_ALERT_IP6 ? "ipv6" : "ipv4");
	if (tp && !(a->flags & PL_ALERT_MAC))
		fprintf(f, ",\"network.transport\":\"%s\"", tp);
	if (a->flags & PL_ALERT_DNS) {
		fprintf(f, ",\"dns.question.name\":\"");
		put_name(f, a);
		fputc('"', f);
		if (a->detail_len > sizeof(a->detail))
			fprintf(f, ",\"pktlens.dns.name_length\":%u", a->detail_len);
		qt = pl_dns_qtype_name(a->dns_qtype);
		if (qt)
			fprintf(f, ",\"dns.question.type\":\"%s\"", qt);
		else
			fprintf(f, ",\"dns.question.type\":\"TYPE%u\"", a->dns_qtype);
	}
	value_str(a, a->count, v, sizeof(v));
	fprintf(f, ",\"pktlens.count\":%s", v);
	value_str(a, a->threshold, v, sizeof(v));
	fprintf(f, ",\"pktlens.threshold\":%s", v);
	fprintf(f, ",\"pktlens.window\":%u.%03u", a->window_ms / 1000, a->window_ms % 1000);
	if (a->flags & PL_ALERT_BLOCKED)
		fprintf(f, ",\"event.action\":\"blocked\",\"pktlens.block.ttl\":%u", a->block_ttl_s);
	fprintf(f, "}\n");
}

static void print_text(FILE *f, const struct pl_alert_event *a, uint64_t epoch_ns,
		       const char *ifname)
{
	unsigned r = a->rule < PL_RULE__COUNT ? a->rule : 0;
	char ip[64], mac[32], v[32], t[32];

	pl_put_clock(f, epoch_ns);
	if (ifname)
		fprintf(f, " %s", ifname);
	fprintf(f, " ALERT %s", pl_rule_name(a->rule));
	if (a->flags & PL_ALERT_SRC) {
		addr_str(a, a->src, ip, sizeof(ip));
		fprintf(f, " %s", ip);
		if (a->flags & PL_ALERT_PORTS)
			fprintf(f, ".%u", a->sport);
	}
	if (a->flags & PL_ALERT_DST) {
		addr_str(a, a->dst, ip, sizeof(ip));
		fprintf(f, " > %s", ip);
		if (a->flags & PL_ALERT_PORTS)
			fprintf(f, ".%u", a->dport);
	} else if (a->flags & PL_ALERT_PORTS) {
		fprintf(f, " > *.%u", a->dport);
	}
	fputc(':', f);
	if (a->flags & PL_ALERT_MAC) {
		mac_str(a->mac, mac, sizeof(mac));
		fprintf(f, " is-at %s", mac);
		if (a->rule == PL_RULE_ARP_MAC_CHANGE) {
			mac_str(a->mac_prev, mac, sizeof(mac));
			fprintf(f, " (was %s)", mac);
		}
	} else {
		value_str(a, a->count, v, sizeof(v));
		value_str(a, a->threshold, t, sizeof(t));
		if (a->rule == PL_RULE_TINY_FRAGMENT)
			fprintf(f, " %s %s (threshold: fewer than %s)", v,
				r ? pl_rules[r].count : "", t);
		else if (a->rule == PL_RULE_DNS_LONG_NAME || a->rule == PL_RULE_DNS_HIGH_ENTROPY)
			fprintf(f, " %s %s (threshold %s)", v, r ? pl_rules[r].count : "", t);
		else
			fprintf(f, " %s %s in %u.%03us (threshold %s)", v,
				r ? pl_rules[r].count : "", a->window_ms / 1000,
				a->window_ms % 1000, t);
	}
	if (a->flags & PL_ALERT_DNS) {
		fprintf(f, " | dns q=");
		put_name(f, a);
		if (pl_dns_qtype_name(a->dns_qtype))
			fprintf(f, " type=%s(%u)", pl_dns_qtype_name(a->dns_qtype), a->dns_qtype);
		else
			fprintf(f, " type=%u", a->dns_qtype);
	}
	if (a->flags & PL_ALERT_BLOCKED)
		fprintf(f, " | blocked for %us", a->block_ttl_s);
	fputc('\n', f);
}

void pl_print_alert(FILE *f, int json, const struct pl_alert_event *a, uint64_t epoch_ns,
		    const char *ifname)
{
	if (json)
		print_json(f, a, epoch_ns, ifname);
	else
		print_text(f, a, epoch_ns, ifname);
}
