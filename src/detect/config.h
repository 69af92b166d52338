/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The detectors' settings on the host: rule and threshold names, defaults,
 * parsing of `--threshold NAME=VALUE` (also what a config file would call),
 * and CIDR prefixes for the drop and allow lists.
 */
#ifndef PKTLENS_DETECT_CONFIG_H
#define PKTLENS_DETECT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "detect.h"

struct pl_rule_info {
	const char *name;     /* rule.name */
	const char *category; /* rule.category */
	int thr;	      /* enum pl_thr it compares with, or -1 */
	const char *count;    /* what pktlens.count is, for text output */
};

/* Indexed by enum pl_rule; [0] is unused. */
extern const struct pl_rule_info pl_rules[PL_RULE__COUNT];

/* "manual" for PL_RULE_MANUAL, "unknown" for what is not a rule. */
const char *pl_rule_name(unsigned rule);

/* Every rule on, default thresholds, a window of 1 s, no enforcement. */
void pl_det_config_default(struct pl_det_config *cfg);

/*
 * One setting: NAME is a threshold (port_scan_ports, dns_entropy, ...), a
 * rule name, or "window"; VALUE is a positive number (seconds for window,
 * bits per character for dns_entropy), or "off"/"on" to switch the rules
 * NAME covers. Returns 0, or -1 with a message in err.
 */
int pl_det_config_set(struct pl_det_config *cfg, const char *name, const char *value, char *err,
		      size_t errlen);
/* NAME=VALUE[,NAME=VALUE...] */
int pl_det_config_set_list(struct pl_det_config *cfg, const char *list, char *err, size_t errlen);

/* Threshold names and their help, for --help and docs. */
struct pl_thr_info {
	const char *name;
	const char *unit;
	const char *help;
};
extern const struct pl_thr_info pl_thrs[PL_THR__COUNT];

/* --window and --threshold of a command (src/cmd/detect.c): cfg from them.
 * Returns 0, or PL_EXIT_USAGE after printing the problem. */
struct pl_opts;
int pl_det_opts_config(const struct pl_opts *o, struct pl_det_config *cfg);

/* ---- prefixes ---- */

struct pl_cidr {
	bool ip6;
	uint8_t addr[16]; /* masked to the prefix */
	uint32_t prefixlen;
};

/* "198.18.0.2", "198.18.0.0/15", "2001:db8::/32". Returns 0 or -1. */
int pl_parse_cidr(const char *s, struct pl_cidr *out);
/* Whether two prefixes share an address (one holds the other). */
bool pl_cidr_overlap(const struct pl_cidr *a, const struct pl_cidr *b);
/* Formats as parsed (a full-length prefix without "/N"). */
void pl_format_cidr(const struct pl_cidr *c, char *buf, size_t n);

#endif
