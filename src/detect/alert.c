// SPDX-License-Identifier: BSD-2-Clause
/*
 * Alert records (SPEC.md "Alert, flow and TCP records"): `"event":"alert"`
 * and ECS names where ECS has one (rule.name, rule.category, source.ip,
 * source.port, source.mac, destination.ip, destination.port,
 * network.transport, network.type, dns.question.name, dns.question.type,
 * event.action, observer.ingress.interface.name), pktlens.* otherwise
 * (pktlens.count, pktlens.window, pktlens.threshold, ...). docs/detect.md
 * shows both forms. Both are written through src/output/json.c, every
 * string escaped (in text by util/escape.h's rule).
 */
#include <string.h>
#include "alert.h"
#include "config.h"
#include "output/output.h"
#include "privacy/privacy.h"

/* count and threshold as the rule counts them */
static void put_value(struct pl_out *o, const struct pl_alert_event *a, uint64_t v)
{
	if (a->rule == PL_RULE_DNS_HIGH_ENTROPY)
		pl_out_printf(o, "%.2f", (double)v / 1000.0);
	else
		pl_out_u64(o, v);
}

/* The query name, escaped for JSON or for a text line; a name longer than
 * the record keeps its end, shown after "...". */
static void put_name(struct pl_out *o, const struct pl_alert_event *a, bool text)
{
	char shown[sizeof(a->detail)];
	size_t n = a->detail_len;

	if (n <= sizeof(a->detail)) {
		memcpy(shown, a->detail, n);
	} else {
		memcpy(shown, "...", 3);
		memcpy(shown + 3, a->detail + 3, sizeof(a->detail) - 3);
		n = sizeof(a->detail);
	}
	if (text)
		pl_out_text(o, shown, n, PL_ESC_FIELD);
	else
		pl_out_escaped(o, shown, n);
}

/* "s.mmm", the window in seconds */
static void put_window(struct pl_out *o, const struct pl_alert_event *a)
{
	pl_out_u64(o, a->window_ms / 1000);
	pl_out_char(o, '.');
	pl_out_u64_fixed(o, a->window_ms % 1000, 3);
}

static void print_json(struct pl_out *o, const struct pl_alert_event *a, uint64_t epoch_ns,
		       const char *ifname, const struct pl_proc *proc)
{
	unsigned r = a->rule < PL_RULE__COUNT ? a->rule : 0;
	const char *tp = pl_ip_proto_name(a->l4_proto), *qt;

	pl_json_begin(o);
	pl_json_cstr(o, "event", "alert");
	pl_json_iso_time(o, "@timestamp", epoch_ns, 6);
	pl_json_key(o, "pktlens.time_epoch");
	pl_out_epoch(o, epoch_ns);
	pl_json_cstr(o, "rule.name", pl_rule_name(a->rule));
	if (r)
		pl_json_cstr(o, "rule.category", pl_rules[r].category);
	if (ifname)
		pl_json_cstr(o, "observer.ingress.interface.name", ifname);
	if (a->flags & PL_ALERT_SRC) {
		pl_json_ip(o, "source.ip", a->flags & PL_ALERT_IP6, a->src);
		if (a->flags & PL_ALERT_PORTS)
			pl_json_uint(o, "source.port", a->sport);
	}
	if (a->flags & PL_ALERT_MAC) {
		pl_json_mac(o, "source.mac", a->mac);
		if (a->rule == PL_RULE_ARP_MAC_CHANGE)
			pl_json_mac(o, "pktlens.arp.previous_mac", a->mac_prev);
	}
	if (a->flags & PL_ALERT_DST)
		pl_json_ip(o, "destination.ip", a->flags & PL_ALERT_IP6, a->dst);
	if (a->flags & PL_ALERT_PORTS)
		pl_json_uint(o, "destination.port", a->dport);
	if (a->flags & PL_ALERT_MAC) {
		pl_json_cstr(o, "network.type", "ipv4");
		pl_json_cstr(o, "network.protocol", "arp");
	} else {
		pl_json_cstr(o, "network.type", a->flags & PL_ALERT_IP6 ? "ipv6" : "ipv4");
	}
	if (tp && !(a->flags & PL_ALERT_MAC))
		pl_json_cstr(o, "network.transport", tp);
	if (a->flags & PL_ALERT_DNS) {
		pl_json_key(o, "dns.question.name");
		pl_out_char(o, '"');
		put_name(o, a, false);
		pl_out_char(o, '"');
		if (a->detail_len > sizeof(a->detail))
			pl_json_uint(o, "pktlens.dns.name_length", a->detail_len);
		qt = pl_dns_qtype_name(a->dns_qtype);
		pl_json_key(o, "dns.question.type");
		pl_out_char(o, '"');
		if (qt) {
			pl_out_str(o, qt);
		} else {
			pl_out_mem(o, "TYPE", 4);
			pl_out_u64(o, a->dns_qtype);
		}
		pl_out_char(o, '"');
	}
	pl_json_key(o, "pktlens.count");
	put_value(o, a, a->count);
	pl_json_key(o, "pktlens.threshold");
	put_value(o, a, a->threshold);
	pl_json_key(o, "pktlens.window");
	put_window(o, a);
	if (a->flags & PL_ALERT_BLOCKED) {
		pl_json_cstr(o, "event.action", "blocked");
		pl_json_uint(o, "pktlens.block.ttl", a->block_ttl_s);
	}
	if (proc)
		pl_json_proc(o, proc);
	pl_json_end(o);
}

static void print_text(struct pl_out *o, const struct pl_alert_event *a, uint64_t epoch_ns,
		       const char *ifname, const struct pl_proc *proc)
{
	unsigned r = a->rule < PL_RULE__COUNT ? a->rule : 0;
	const char *what = r ? pl_rules[r].count : "";

	pl_out_clock(o, epoch_ns);
	if (ifname) {
		pl_out_char(o, ' ');
		pl_out_text(o, ifname, strlen(ifname), PL_ESC_FIELD);
	}
	pl_out_str(o, " ALERT ");
	pl_out_str(o, pl_rule_name(a->rule));
	if (a->flags & PL_ALERT_SRC) {
		pl_out_char(o, ' ');
		pl_out_ip(o, a->flags & PL_ALERT_IP6, a->src);
		if (a->flags & PL_ALERT_PORTS) {
			pl_out_char(o, '.');
			pl_out_u64(o, a->sport);
		}
	}
	if (a->flags & PL_ALERT_DST) {
		pl_out_str(o, " > ");
		pl_out_ip(o, a->flags & PL_ALERT_IP6, a->dst);
		if (a->flags & PL_ALERT_PORTS) {
			pl_out_char(o, '.');
			pl_out_u64(o, a->dport);
		}
	} else if (a->flags & PL_ALERT_PORTS) {
		pl_out_str(o, " > *.");
		pl_out_u64(o, a->dport);
	}
	pl_out_char(o, ':');
	if (a->flags & PL_ALERT_MAC) {
		pl_out_str(o, " is-at ");
		pl_out_mac(o, a->mac);
		if (a->rule == PL_RULE_ARP_MAC_CHANGE) {
			pl_out_str(o, " (was ");
			pl_out_mac(o, a->mac_prev);
			pl_out_char(o, ')');
		}
	} else {
		pl_out_char(o, ' ');
		put_value(o, a, a->count);
		pl_out_char(o, ' ');
		pl_out_str(o, what);
		if (a->rule == PL_RULE_TINY_FRAGMENT) {
			pl_out_str(o, " (threshold: fewer than ");
		} else if (a->rule == PL_RULE_DNS_LONG_NAME ||
			   a->rule == PL_RULE_DNS_HIGH_ENTROPY) {
			pl_out_str(o, " (threshold ");
		} else {
			pl_out_str(o, " in ");
			put_window(o, a);
			pl_out_str(o, "s (threshold ");
		}
		put_value(o, a, a->threshold);
		pl_out_char(o, ')');
	}
	if (a->flags & PL_ALERT_DNS) {
		pl_out_str(o, " | dns q=");
		put_name(o, a, true);
		if (pl_dns_qtype_name(a->dns_qtype)) {
			pl_out_str(o, " type=");
			pl_out_str(o, pl_dns_qtype_name(a->dns_qtype));
			pl_out_char(o, '(');
			pl_out_u64(o, a->dns_qtype);
			pl_out_char(o, ')');
		} else {
			pl_out_str(o, " type=");
			pl_out_u64(o, a->dns_qtype);
		}
	}
	if (a->flags & PL_ALERT_BLOCKED) {
		pl_out_str(o, " | blocked for ");
		pl_out_u64(o, a->block_ttl_s);
		pl_out_char(o, 's');
	}
	if (proc)
		pl_text_proc(o, proc);
	pl_out_char(o, '\n');
	pl_out_end_record(o);
}

void pl_write_alert(struct pl_out *o, int json, const struct pl_alert_event *a, uint64_t epoch_ns,
		    const char *ifname, const struct pl_proc *proc)
{
	struct pl_alert_event tmp;

	/* every alert record leaves through here (detect, read, agent) */
	a = pl_privacy_alert(a, &tmp);
	if (json)
		print_json(o, a, epoch_ns, ifname, proc);
	else
		print_text(o, a, epoch_ns, ifname, proc);
}
