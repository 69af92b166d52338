// SPDX-License-Identifier: BSD-2-Clause
/* Rule and threshold names, defaults, --threshold parsing, CIDRs. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "util/num.h"

#define NSEC 1000000000ull

const struct pl_rule_info pl_rules[PL_RULE__COUNT] = {
	[PL_RULE_SYN_FLOOD_DST] = { "syn_flood_dst", "flood", PL_THR_SYN_FLOOD_DST, "SYNs" },
	[PL_RULE_SYN_RATE_SRC] = { "syn_rate_src", "flood", PL_THR_SYN_RATE_SRC, "SYNs" },
	[PL_RULE_PORT_SCAN_VERTICAL] = { "port_scan_vertical", "scan", PL_THR_SCAN_PORTS,
					 "destination ports" },
	[PL_RULE_PORT_SCAN_HORIZONTAL] = { "port_scan_horizontal", "scan", PL_THR_SCAN_HOSTS,
					   "destination hosts" },
	[PL_RULE_NULL_SCAN] = { "null_scan", "scan", PL_THR_STEALTH, "packets" },
	[PL_RULE_FIN_SCAN] = { "fin_scan", "scan", PL_THR_STEALTH, "packets" },
	[PL_RULE_XMAS_SCAN] = { "xmas_scan", "scan", PL_THR_STEALTH, "packets" },
	[PL_RULE_SYN_FIN_SCAN] = { "syn_fin_scan", "scan", PL_THR_STEALTH, "packets" },
	[PL_RULE_ICMP_FLOOD_SRC] = { "icmp_flood_src", "flood", PL_THR_ICMP_SRC, "packets" },
	[PL_RULE_ICMP_FLOOD_DST] = { "icmp_flood_dst", "flood", PL_THR_ICMP_DST, "packets" },
	[PL_RULE_UDP_FLOOD_SRC] = { "udp_flood_src", "flood", PL_THR_UDP_SRC, "packets" },
	[PL_RULE_UDP_FLOOD_DST] = { "udp_flood_dst", "flood", PL_THR_UDP_DST, "packets" },
	[PL_RULE_LAND] = { "land", "malformed", -1, "packets" },
	[PL_RULE_TINY_FRAGMENT] = { "tiny_fragment", "malformed", PL_THR_TINY_FRAG,
				    "payload bytes" },
	[PL_RULE_FRAGMENT_OVERLAP] = { "fragment_overlap", "malformed", -1,
				       "overlapping fragments" },
	[PL_RULE_MALFORMED] = { "malformed", "malformed", PL_THR_MALFORMED, "packets" },
	[PL_RULE_ARP_MAC_CHANGE] = { "arp_mac_change", "spoofing", -1, "changes" },
	[PL_RULE_ARP_UNSOLICITED] = { "arp_unsolicited_reply", "spoofing", -1, "replies" },
	[PL_RULE_DNS_LONG_NAME] = { "dns_long_name", "tunnel", PL_THR_DNS_NAME_LEN, "name bytes" },
	[PL_RULE_DNS_HIGH_ENTROPY] = { "dns_high_entropy", "tunnel", PL_THR_DNS_ENTROPY,
				       "bits per character" },
	[PL_RULE_DNS_TXT_RATE] = { "dns_txt_rate", "tunnel", PL_THR_DNS_TXT, "queries" },
};

const struct pl_thr_info pl_thrs[PL_THR__COUNT] = {
	[PL_THR_SYN_FLOOD_DST] = { "syn_flood_dst", "SYNs/window",
				   "SYNs to one destination while few complete" },
	[PL_THR_SYN_FLOOD_PCT] = { "syn_flood_completed_pct", "%",
				   "... and ACKs to it are below this share of the SYNs" },
	[PL_THR_SYN_RATE_SRC] = { "syn_rate_src", "SYNs/window", "SYNs from one source" },
	[PL_THR_SCAN_PORTS] = { "port_scan_ports", "ports/window",
				"distinct destination ports probed by one source" },
	[PL_THR_SCAN_HOSTS] = { "port_scan_hosts", "hosts/window",
				"distinct destination hosts probed by one source" },
	[PL_THR_STEALTH] = { "stealth_scan", "packets/window",
			     "NULL, FIN, XMAS or SYN+FIN packets from one source (each kind)" },
	[PL_THR_ICMP_SRC] = { "icmp_flood_src", "packets/window", "ICMP from one source" },
	[PL_THR_ICMP_DST] = { "icmp_flood_dst", "packets/window", "ICMP to one destination" },
	[PL_THR_UDP_SRC] = { "udp_flood_src", "packets/window", "UDP from one source" },
	[PL_THR_UDP_DST] = { "udp_flood_dst", "packets/window", "UDP to one destination" },
	[PL_THR_MALFORMED] = { "malformed", "packets/window",
			       "packets the parser calls malformed, from one source" },
	[PL_THR_TINY_FRAG] = { "tiny_fragment", "bytes",
			       "a first fragment with less payload than this" },
	[PL_THR_DNS_NAME_LEN] = { "dns_long_name", "bytes", "a query name this long" },
	[PL_THR_DNS_ENTROPY] = { "dns_entropy", "bits/char",
				 "entropy of a query name's subdomain part" },
	[PL_THR_DNS_ENTROPY_MIN] = { "dns_entropy_min_len", "chars",
				     "... judged only when it has this many characters" },
	[PL_THR_DNS_TXT] = { "dns_txt_rate", "queries/window",
			     "TXT or NULL queries of one source to one domain" },
};

const char *pl_rule_name(unsigned rule)
{
	if (rule == PL_RULE_MANUAL)
		return "manual";
	if (rule > PL_RULE_NONE && rule < PL_RULE__COUNT)
		return pl_rules[rule].name;
	return "unknown";
}

void pl_det_config_default(struct pl_det_config *cfg)
{
	unsigned r;

	memset(cfg, 0, sizeof(*cfg));
	cfg->half_ns = NSEC / 2;
	for (r = PL_RULE_NONE + 1; r < PL_RULE__COUNT; r++)
		cfg->rules |= 1u << r;
	cfg->thr[PL_THR_SYN_FLOOD_DST] = 500;
	cfg->thr[PL_THR_SYN_FLOOD_PCT] = 50;
	cfg->thr[PL_THR_SYN_RATE_SRC] = 500;
	cfg->thr[PL_THR_SCAN_PORTS] = 20;
	cfg->thr[PL_THR_SCAN_HOSTS] = 30;
	cfg->thr[PL_THR_STEALTH] = 5;
	cfg->thr[PL_THR_ICMP_SRC] = 200;
	cfg->thr[PL_THR_ICMP_DST] = 1000;
	cfg->thr[PL_THR_UDP_SRC] = 5000;
	cfg->thr[PL_THR_UDP_DST] = 20000;
	cfg->thr[PL_THR_MALFORMED] = 10;
	cfg->thr[PL_THR_TINY_FRAG] = 24;
	cfg->thr[PL_THR_DNS_NAME_LEN] = 100;
	cfg->thr[PL_THR_DNS_ENTROPY] = 4200;
	cfg->thr[PL_THR_DNS_ENTROPY_MIN] = 40;
	cfg->thr[PL_THR_DNS_TXT] = 20;
}

/* The rules a threshold name switches on or off. */
static uint32_t rules_of_thr(int thr)
{
	uint32_t m = 0;
	unsigned r;

	for (r = PL_RULE_NONE + 1; r < PL_RULE__COUNT; r++)
		if (pl_rules[r].thr == thr)
			m |= 1u << r;
	return m;
}

static int set_window(struct pl_det_config *cfg, const char *value, char *err, size_t errlen)
{
	double s;

	if (pl_parse_decimal(value, 0.01, 3600, &s)) {
		snprintf(err, errlen, "window: '%s' is not a number of seconds from 0.01 to 3600",
			 value);
		return -1;
	}
	cfg->half_ns = (uint64_t)(s * 1e9 / 2);
	return 0;
}

int pl_det_config_set(struct pl_det_config *cfg, const char *name, const char *value, char *err,
		      size_t errlen)
{
	uint32_t rules = 0;
	int thr = -1;
	unsigned r, t;
	uint64_t u = 0;
	double v = 0;

	if (!strcmp(name, "window"))
		return set_window(cfg, value, err, errlen);
	for (t = 0; t < PL_THR__COUNT; t++)
		if (!strcmp(name, pl_thrs[t].name))
			thr = (int)t;
	for (r = PL_RULE_NONE + 1; r < PL_RULE__COUNT; r++)
		if (!strcmp(name, pl_rules[r].name))
			rules = 1u << r;
	if (thr >= 0 && !rules)
		rules = rules_of_thr(thr);
	if (thr < 0 && !rules) {
		snprintf(err, errlen,
			 "'%s' is not a threshold or rule name (see docs/detect.md or 'pktlens "
			 "detect --help')",
			 name);
		return -1;
	}
	if (!strcmp(value, "off") || !strcmp(value, "on")) {
		if (!rules) {
			snprintf(err, errlen,
				 "%s: a threshold of a rule cannot be switched off; give a number",
				 name);
			return -1;
		}
		if (value[1] == 'f')
			cfg->rules &= ~rules;
		else
			cfg->rules |= rules;
		return 0;
	}
	if (thr < 0) {
		snprintf(err, errlen, "%s: this rule has no threshold; give on or off", name);
		return -1;
	}
	/* one checked parser (util/num.h): plain decimal, no sign, exponent,
	 * hex or junk; dns_entropy alone has a fraction */
	if (thr == PL_THR_DNS_ENTROPY ? pl_parse_decimal(value, 0, 4e9, &v) || !(v > 0)
				      : pl_parse_uint(value, 1, 4000000000u, &u)) {
		snprintf(err, errlen, "%s: '%s' is not a %s above zero (or off)", name, value,
			 thr == PL_THR_DNS_ENTROPY ? "number" : "whole number");
		return -1;
	}
	if (thr != PL_THR_DNS_ENTROPY)
		v = (double)u;
	if (thr == PL_THR_SYN_FLOOD_PCT && v > 100) {
		snprintf(err, errlen, "%s: '%s' is not a percentage from 1 to 100", name, value);
		return -1;
	}
	if (thr == PL_THR_DNS_ENTROPY) {
		if (v > 8) {
			snprintf(err, errlen, "%s: '%s' is above 8 bits per character", name,
				 value);
			return -1;
		}
		v *= 1000;
	}
	cfg->thr[thr] = (uint32_t)v;
	return 0;
}

int pl_det_config_set_list(struct pl_det_config *cfg, const char *list, char *err, size_t errlen)
{
	char *copy = strdup(list), *tok, *save = NULL, *eq;
	int ret = 0;

	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, ",", &save); tok && !ret; tok = strtok_r(NULL, ",", &save)) {
		eq = strchr(tok, '=');
		if (!eq || eq == tok || !eq[1]) {
			snprintf(err, errlen, "'%s' is not NAME=VALUE", tok);
			ret = -1;
			break;
		}
		*eq = 0;
		ret = pl_det_config_set(cfg, tok, eq + 1, err, errlen);
	}
	free(copy);
	return ret;
}

/* ---- prefixes ---- */

int pl_parse_cidr(const char *s, struct pl_cidr *out)
{
	char buf[64], *slash, *end;
	unsigned long len;
	uint32_t i, max;

	if (!s || strlen(s) >= sizeof(buf))
		return -1;
	memset(out, 0, sizeof(*out));
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		max = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->ip6 = true;
		max = 128;
	} else {
		return -1;
	}
	out->prefixlen = max;
	if (slash) {
		errno = 0;
		if (!slash[1] || slash[1] == '-' || slash[1] == '+')
			return -1;
		len = strtoul(slash + 1, &end, 10);
		if (errno || *end || len > max)
			return -1;
		out->prefixlen = (uint32_t)len;
	}
	for (i = out->prefixlen; i < max; i++)
		out->addr[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
	return 0;
}

bool pl_cidr_overlap(const struct pl_cidr *a, const struct pl_cidr *b)
{
	uint32_t n = a->prefixlen < b->prefixlen ? a->prefixlen : b->prefixlen, i;

	if (a->ip6 != b->ip6)
		return false;
	for (i = 0; i < n; i++)
		if ((a->addr[i / 8] ^ b->addr[i / 8]) & (0x80u >> (i % 8)))
			return false;
	return true;
}

void pl_format_cidr(const struct pl_cidr *c, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(c->ip6 ? AF_INET6 : AF_INET, c->addr, a, sizeof(a));
	if (c->prefixlen == (c->ip6 ? 128u : 32u))
		snprintf(buf, n, "%s", a);
	else
		snprintf(buf, n, "%s/%u", a, c->prefixlen);
}
