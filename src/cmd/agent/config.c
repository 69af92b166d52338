// SPDX-License-Identifier: BSD-2-Clause
/*
 * The agent's YAML configuration, through libyaml's document API:
 *
 *   interfaces: [eth1, eth2]      # or one name, or "eth1,eth2"
 *   mode: auto                    # xdp, xdp-generic, tc, auto
 *   reattach: true                # attach again to an interface that is back
 *   filter: "not port 22"         # pcap-filter syntax, as on the command line
 *   dns: true                     # DNS response times, matched in the kernel
 *   dns_timeout: 5                # seconds: a query unanswered by then counts
 *   attribute: true               # flows and alerts name the local socket's process
 *   flows:   { entries: 65536, table_entries: 16384,
 *              idle_timeout: 15, active_timeout: 120 }
 *   metrics: { listen: "127.0.0.1:9464", top: 10 }   # listen: off
 *   ipfix:   { collector: "192.0.2.10:4739", observation_domain: 1,
 *              enterprise_number: 32473, template_refresh: 60 }
 *   log:     { file: /var/log/pktlens/flows.json }   # "-": stdout
 *   kafka:   { brokers: "k1:9092,k2:9092", compression: lz4, queue: 100000,
 *              topics: { flows: pktlens.flows, alerts: pktlens.alerts },
 *              key: community_id, properties: { security.protocol: ssl } }
 *   privacy: { key_file: /etc/pktlens/anon.key,       # mode 0600
 *              redact: l7:keep-suffix }               # l7, off
 *   detect:  { enabled: true, window: 1,
 *              thresholds: { port_scan_ports: 20, land: off },
 *              enforce: false, block_ttl: 60, allow: [198.18.0.3],
 *              rate_limit: 0 }
 *
 * Unknown keys are errors: a typo must not silently fall back to a default.
 * So are a key given twice, a second YAML document and a value holding a
 * NUL byte ("ip\0"): each would leave part of the file unread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "config.h"
#include "detect/config.h"
#include "detect/pin.h"
#include "filter/filter.h"
#include "runtime/flowtab.h"
#include "sinks/ipfix.h"
#include "sinks/prom.h"
#include "privacy/privacy.h"
#include "util/log.h"
#include "util/num.h"

struct ctx {
	const char *path;
	yaml_document_t *doc;
	struct pl_agent_config *c;
};

static int fail(struct ctx *x, const yaml_node_t *n, const char *what, const char *key)
{
	pl_err("%s:%lu: %s%s%s", x->path, n ? (unsigned long)n->start_mark.line + 1 : 0ul,
	       key ? key : "", key ? ": " : "", what);
	return PL_EXIT_USAGE;
}

/* "'VALUE' is not WHAT, or off" at the node's line */
static int fail_value(struct ctx *x, const yaml_node_t *n, const char *key, const char *value,
		      const char *what)
{
	char msg[192];

	snprintf(msg, sizeof(msg), "'%.64s' is not %s, or off", value, what);
	return fail(x, n, msg, key);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int set_str(struct ctx *x, const yaml_node_t *n, const char *key, char **out)
{
	const char *s = scalar(n);

	if (!s)
		return fail(x, n, "expected a string", key);
	free(*out);
	*out = strdup(s);
	return *out ? 0 : PL_EXIT_RUNTIME;
}

/* The filter, compiled here as well as at attach time, so that a reload
 * with a filter that does not compile is refused before the kernel side
 * is torn down. */
static int set_filter(struct ctx *x, const yaml_node_t *n, const char *key, char **out)
{
	struct pl_filter *f;
	char err[256], msg[320];
	int col, ret = set_str(x, n, key, out);

	if (ret)
		return ret;
	f = malloc(sizeof(*f));
	if (!f)
		return PL_EXIT_RUNTIME;
	if (pl_filter_compile(*out, f, err, sizeof(err), &col)) {
		snprintf(msg, sizeof(msg), "bad filter: %s (column %d)", err, col);
		ret = fail(x, n, msg, key);
	}
	free(f);
	return ret;
}

static int set_u32(struct ctx *x, const yaml_node_t *n, const char *key, uint32_t *out,
		   uint32_t min, uint32_t max)
{
	const char *s = scalar(n);
	uint64_t v;

	if (!s || !*s)
		return fail(x, n, "expected a number", key);
	if (pl_parse_uint(s, min, max, &v)) {
		char msg[96];

		snprintf(msg, sizeof(msg), "'%s' is not a number from %u to %u", s, min, max);
		return fail(x, n, msg, key);
	}
	*out = (uint32_t)v;
	return 0;
}

static int set_seconds(struct ctx *x, const yaml_node_t *n, const char *key, double *out)
{
	const char *s = scalar(n);
	double v;

	if (!s || !*s)
		return fail(x, n, "expected a number of seconds", key);
	/* the same checked parser and range as the command line's seconds */
	if (pl_parse_decimal(s, 0.001, 86400.0 * 365, &v))
		return fail(x, n,
			    "expected a positive number of seconds (a decimal number from 0.001 to "
			    "31536000)",
			    key);
	*out = v;
	return 0;
}

static int add_iface(struct ctx *x, const yaml_node_t *n, const char *name)
{
	char *copy = strdup(name), *tok, *save = NULL;

	if (!copy)
		return PL_EXIT_RUNTIME;
	for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (x->c->n_ifaces == PL_MAX_IFACES) {
			free(copy);
			return fail(x, n, "too many interfaces", "interfaces");
		}
		x->c->ifaces[x->c->n_ifaces] = strdup(tok);
		if (!x->c->ifaces[x->c->n_ifaces]) {
			free(copy);
			return PL_EXIT_RUNTIME;
		}
		x->c->n_ifaces++;
	}
	free(copy);
	return 0;
}

static int set_ifaces(struct ctx *x, const yaml_node_t *n)
{
	yaml_node_item_t *it;
	int i, ret;

	for (i = 0; i < x->c->n_ifaces; i++)
		free(x->c->ifaces[i]);
	x->c->n_ifaces = 0;
	if (scalar(n))
		return add_iface(x, n, scalar(n));
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(x, n, "expected a list of interface names", "interfaces");
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		const yaml_node_t *item = yaml_document_get_node(x->doc, *it);

		if (!scalar(item))
			return fail(x, item, "expected an interface name", "interfaces");
		ret = add_iface(x, item, scalar(item));
		if (ret)
			return ret;
	}
	return 0;
}

static int set_mode(struct ctx *x, const yaml_node_t *n)
{
	static const char *const names[] = { "auto", "xdp", "xdp-generic", "tc" };
	const char *s = scalar(n);
	size_t i;

	for (i = 0; s && i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			x->c->mode = (enum pl_attach_mode)i;
			return 0;
		}
	}
	return fail(x, n, "expected one of auto, xdp, xdp-generic, tc", "mode");
}

/* "off", "no", "false", "" turn an exporter off */
static bool is_off(const char *s)
{
	return !*s || !strcmp(s, "off") || !strcmp(s, "no") || !strcmp(s, "false");
}

/* A string setting that "off" (is_off) turns into NULL. */
static int set_str_or_off(struct ctx *x, const yaml_node_t *n, const char *key, char **out)
{
	int ret = set_str(x, n, key, out);

	if (!ret && is_off(*out)) {
		free(*out);
		*out = NULL;
	}
	return ret;
}

static int set_bool(struct ctx *x, const yaml_node_t *n, const char *key, bool *out)
{
	const char *s = scalar(n);

	if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on"))) {
		*out = true;
		return 0;
	}
	if (s && (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off"))) {
		*out = false;
		return 0;
	}
	return fail(x, n, "expected true or false", key);
}

/* detect.window and detect.thresholds go through detect's own parser
 * (src/detect/config.c), as --window and --threshold do. */
static int set_det(struct ctx *x, const yaml_node_t *n, const char *key, const char *name,
		   const char *value)
{
	char err[256];

	if (!value)
		return fail(x, n, "expected a number, or on/off", key);
	if (pl_det_config_set(&x->c->det, name, value, err, sizeof(err)))
		return fail(x, n, err, key);
	return 0;
}

static int set_thresholds(struct ctx *x, const yaml_node_t *n, const char *key)
{
	yaml_node_pair_t *p;
	char err[256];
	int ret;

	if (scalar(n)) { /* "NAME=VALUE,..." as --threshold takes */
		if (*scalar(n) && pl_det_config_set_list(&x->c->det, scalar(n), err, sizeof(err)))
			return fail(x, n, err, key);
		return 0;
	}
	if (n->type != YAML_MAPPING_NODE)
		return fail(x, n, "expected a mapping of NAME: VALUE (docs/detect.md)", key);
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = yaml_document_get_node(x->doc, p->key);
		const yaml_node_t *v = yaml_document_get_node(x->doc, p->value);

		if (!scalar(k))
			return fail(x, k, "a threshold name must be a plain word", key);
		ret = set_det(x, v, key, scalar(k), scalar(v));
		if (ret)
			return ret;
	}
	return 0;
}

static int add_allow(struct ctx *x, const yaml_node_t *n, const char *key, const char *s)
{
	if (x->c->n_allow == PL_MAX_IFACES)
		return fail(x, n, "too many entries", key);
	x->c->allow[x->c->n_allow] = strdup(s);
	if (!x->c->allow[x->c->n_allow])
		return PL_EXIT_RUNTIME;
	x->c->n_allow++;
	return 0;
}

static int set_allow(struct ctx *x, const yaml_node_t *n, const char *key)
{
	yaml_node_item_t *it;
	int i, ret;

	for (i = 0; i < x->c->n_allow; i++)
		free(x->c->allow[i]);
	x->c->n_allow = 0;
	if (scalar(n))
		return *scalar(n) ? add_allow(x, n, key, scalar(n)) : 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(x, n, "expected a list of addresses or prefixes", key);
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		const yaml_node_t *item = yaml_document_get_node(x->doc, *it);

		if (!scalar(item))
			return fail(x, item, "expected an address or prefix", key);
		ret = add_allow(x, item, key, scalar(item));
		if (ret)
			return ret;
	}
	return 0;
}

/* kafka.topics: { flows: NAME, alerts: NAME }; "off" sends that kind nowhere */
static int set_topics(struct ctx *x, const yaml_node_t *n, const char *key)
{
	static const char *const kinds[PL_KAFKA__KINDS] = { "flows", "alerts" };
	yaml_node_pair_t *p;
	char full[96];
	int i, ret;

	if (n->type != YAML_MAPPING_NODE)
		return fail(x, n, "expected a mapping { flows: TOPIC, alerts: TOPIC }", key);
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = yaml_document_get_node(x->doc, p->key);
		const yaml_node_t *v = yaml_document_get_node(x->doc, p->value);
		const char *name = scalar(k);

		for (i = 0; name && i < PL_KAFKA__KINDS; i++)
			if (!strcmp(name, kinds[i]))
				break;
		if (!name || i == PL_KAFKA__KINDS)
			return fail(x, k, "unknown record kind: flows or alerts", key);
		snprintf(full, sizeof(full), "%.40s.%.40s", key, name);
		ret = set_str_or_off(x, v, full, &x->c->kafka_topics[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* kafka.properties: librdkafka settings, checked by librdkafka when the
 * sink starts */
static int set_props(struct ctx *x, const yaml_node_t *n, const char *key)
{
	struct pl_agent_config *c = x->c;
	yaml_node_pair_t *p;

	if (n->type != YAML_MAPPING_NODE)
		return fail(x, n, "expected a mapping of librdkafka settings", key);
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const char *k = scalar(yaml_document_get_node(x->doc, p->key));
		const char *v = scalar(yaml_document_get_node(x->doc, p->value));

		if (!k || !v)
			return fail(x, yaml_document_get_node(x->doc, p->key),
				    "expected NAME: VALUE, both plain words", key);
		if (c->n_kafka_props == PL_KAFKA_MAX_PROPS)
			return fail(x, n, "too many settings", key);
		c->kafka_props[c->n_kafka_props][0] = strdup(k);
		c->kafka_props[c->n_kafka_props][1] = strdup(v);
		c->n_kafka_props++;
		if (!c->kafka_props[c->n_kafka_props - 1][0] ||
		    !c->kafka_props[c->n_kafka_props - 1][1])
			return PL_EXIT_RUNTIME;
	}
	return 0;
}

/* The name a key is known by ("interface" is "interfaces"). */
static const char *key_name(const char *key)
{
	return strcmp(key, "interface") ? key : "interfaces";
}

/* "PATH.KEY" (or "KEY" at the top) into buf. */
static const char *key_path(char *buf, size_t len, const char *path, const char *key)
{
	snprintf(buf, len, "%s%s%s", path ? path : "", path ? "." : "", key);
	return buf;
}

#define MAX_DEPTH 32 /* far more than the file's three levels */

/*
 * Before anything is read: no key twice in a mapping, no NUL byte in a
 * scalar (libyaml keeps "\0" of a quoted string; C would stop there).
 * Each node once, so that aliases cannot make the walk explode.
 */
static int check_node(struct ctx *x, const yaml_node_t *n, const char *path, int depth, bool *seen)
{
	yaml_node_pair_t *p, *q;
	yaml_node_item_t *it;
	char buf[160], what[64];
	size_t id = (size_t)(n - x->doc->nodes.start);
	int ret;

	if (seen[id])
		return 0;
	seen[id] = true;
	if (depth > MAX_DEPTH)
		return fail(x, n, "nested too deeply", path);
	if (n->type == YAML_SCALAR_NODE) {
		if (memchr(n->data.scalar.value, 0, n->data.scalar.length))
			return fail(x, n, "the value holds a NUL byte (\\0); remove it", path);
		return 0;
	}
	if (n->type == YAML_SEQUENCE_NODE) {
		for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
			ret = check_node(x, yaml_document_get_node(x->doc, *it), path, depth + 1,
					 seen);
			if (ret)
				return ret;
		}
		return 0;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = yaml_document_get_node(x->doc, p->key);
		const char *key = scalar(k);

		if (!key) /* walk_map says what is wrong with it */
			continue;
		if (memchr(key, 0, k->data.scalar.length))
			return fail(x, k, "a key holds a NUL byte (\\0); remove it", path);
		for (q = n->data.mapping.pairs.start; q < p; q++) {
			const char *prev = scalar(yaml_document_get_node(x->doc, q->key));

			if (prev && !strcmp(key_name(prev), key_name(key))) {
				unsigned long line =
					(unsigned long)yaml_document_get_node(x->doc, q->key)
						->start_mark.line +
					1;

				if (strcmp(prev, key))
					snprintf(what, sizeof(what),
						 "the same setting as '%s' (line %lu); keep one",
						 prev, line);
				else
					snprintf(what, sizeof(what),
						 "given twice (first at line %lu); keep one", line);
				return fail(x, k, what, key_path(buf, sizeof(buf), path, key));
			}
		}
		ret = check_node(x, yaml_document_get_node(x->doc, p->value),
				 key_path(buf, sizeof(buf), path, key), depth + 1, seen);
		if (ret)
			return ret;
	}
	return 0;
}

/* privacy.key_file: checked now (mode, size), so that the agent refuses to
 * start, and a reload is refused, with a key others may read */
static int set_key_file(struct ctx *x, const yaml_node_t *n, const char *key, char **out)
{
	uint8_t k[32];
	char msg[512];
	int ret = set_str(x, n, key, out);

	if (ret)
		return ret;
	if (is_off(*out)) {
		free(*out);
		*out = NULL;
		return 0;
	}
	ret = pl_privacy_check_key(*out, k, msg, sizeof(msg));
	memset(k, 0, sizeof(k));
	return ret ? fail(x, n, msg, key) : 0;
}

static int set_redact(struct ctx *x, const yaml_node_t *n, const char *key, int *out)
{
	const char *s = scalar(n);

	if (s && !strcmp(s, "l7"))
		*out = PL_REDACT_L7;
	else if (s && !strcmp(s, "l7:keep-suffix"))
		*out = PL_REDACT_L7_SUFFIX;
	else if (s && is_off(s))
		*out = PL_REDACT_NONE;
	else
		return fail_value(x, n, key, s ? s : "", "l7 or l7:keep-suffix");
	return 0;
}

/* One key of a section (or of the top level when sect is NULL). */
static int set_key(struct ctx *x, const char *sect, const char *key, const yaml_node_t *v)
{
	struct pl_agent_config *c = x->c;
	char full[96];
	int ret;

	snprintf(full, sizeof(full), "%s%s%s", sect ? sect : "", sect ? "." : "", key);
	if (!sect) {
		if (!strcmp(key, "interfaces") || !strcmp(key, "interface"))
			return set_ifaces(x, v);
		if (!strcmp(key, "mode"))
			return set_mode(x, v);
		if (!strcmp(key, "reattach"))
			return set_bool(x, v, full, &c->reattach);
		if (!strcmp(key, "filter"))
			return set_filter(x, v, full, &c->filter);
		if (!strcmp(key, "tcp"))
			return set_bool(x, v, full, &c->tcp);
		if (!strcmp(key, "dns"))
			return set_bool(x, v, full, &c->dns);
		if (!strcmp(key, "attribute"))
			return set_bool(x, v, full, &c->attribute);
		if (!strcmp(key, "dns_timeout"))
			return set_seconds(x, v, full, &c->dns_timeout);
	} else if (!strcmp(sect, "flows")) {
		if (!strcmp(key, "entries"))
			return set_u32(x, v, full, &c->flow_entries, 64, 1u << 26);
		if (!strcmp(key, "table_entries"))
			return set_u32(x, v, full, &c->table_entries, 64, 1u << 26);
		if (!strcmp(key, "idle_timeout"))
			return set_seconds(x, v, full, &c->idle_timeout);
		if (!strcmp(key, "active_timeout"))
			return set_seconds(x, v, full, &c->active_timeout);
		if (!strcmp(key, "inner"))
			return set_bool(x, v, full, &c->inner);
	} else if (!strcmp(sect, "metrics")) {
		if (!strcmp(key, "listen")) {
			ret = set_str_or_off(x, v, full, &c->metrics);
			/* checked here, so that a bad reload changes nothing */
			if (!ret && c->metrics && pl_prom_check_listen(c->metrics))
				return fail_value(x, v, full, c->metrics, PL_PROM_LISTEN_FORMAT);
			return ret;
		}
		if (!strcmp(key, "top"))
			return set_u32(x, v, full, &c->top_n, 1, 100);
	} else if (!strcmp(sect, "ipfix")) {
		if (!strcmp(key, "collector")) {
			ret = set_str_or_off(x, v, full, &c->ipfix);
			if (!ret && c->ipfix && pl_ipfix_check_collector(c->ipfix))
				return fail_value(x, v, full, c->ipfix, PL_IPFIX_COLLECTOR_FORMAT);
			return ret;
		}
		if (!strcmp(key, "observation_domain"))
			return set_u32(x, v, full, &c->observation_domain, 0, UINT32_MAX);
		if (!strcmp(key, "enterprise_number"))
			return set_u32(x, v, full, &c->enterprise, 1, UINT32_MAX);
		if (!strcmp(key, "template_refresh"))
			return set_seconds(x, v, full, &c->template_refresh);
	} else if (!strcmp(sect, "detect")) {
		if (!strcmp(key, "enabled"))
			return set_bool(x, v, full, &c->detect);
		if (!strcmp(key, "window"))
			return set_det(x, v, full, "window", scalar(v));
		if (!strcmp(key, "thresholds"))
			return set_thresholds(x, v, full);
		if (!strcmp(key, "enforce"))
			return set_bool(x, v, full, &c->enforce);
		if (!strcmp(key, "block_ttl")) {
			ret = set_seconds(x, v, full, &c->block_ttl);
			if (!ret && c->block_ttl < 1)
				return fail(x, v, "at least 1 second", full);
			return ret;
		}
		if (!strcmp(key, "allow"))
			return set_allow(x, v, full);
		if (!strcmp(key, "rate_limit")) {
			uint32_t pps;

			if (scalar(v) && is_off(scalar(v))) {
				c->rate_limit = 0;
				return 0;
			}
			ret = set_u32(x, v, full, &pps, 0, 1000000000);
			c->rate_limit = pps;
			return ret;
		}
	} else if (!strcmp(sect, "kafka")) {
		if (!strcmp(key, "brokers"))
			return set_str_or_off(x, v, full, &c->kafka_brokers);
		if (!strcmp(key, "topics"))
			return set_topics(x, v, full);
		if (!strcmp(key, "compression")) {
			ret = set_str(x, v, full, &c->kafka_compression);
			if (!ret && pl_kafka_check_compression(c->kafka_compression))
				return fail(x, v, "expected one of " PL_KAFKA_COMPRESSIONS, full);
			return ret;
		}
		if (!strcmp(key, "queue"))
			return set_u32(x, v, full, &c->kafka_queue, 1, 10000000);
		if (!strcmp(key, "key")) {
			if (scalar(v) && !strcmp(scalar(v), "community_id"))
				c->kafka_key = true;
			else if (scalar(v) && !strcmp(scalar(v), "none"))
				c->kafka_key = false;
			else
				return fail(x, v, "expected community_id or none", full);
			return 0;
		}
		if (!strcmp(key, "properties"))
			return set_props(x, v, full);
	} else if (!strcmp(sect, "privacy")) {
		if (!strcmp(key, "key_file"))
			return set_key_file(x, v, full, &c->key_file);
		if (!strcmp(key, "redact"))
			return set_redact(x, v, full, &c->redact);
	} else if (!strcmp(sect, "log")) {
		if (!strcmp(key, "file"))
			return set_str_or_off(x, v, full, &c->log_file);
	}
	return fail(x, v, "unknown setting (see docs/agent.md)", full);
}

static int walk_map(struct ctx *x, const yaml_node_t *map, const char *sect)
{
	yaml_node_pair_t *p;
	int ret;

	if (map->type != YAML_MAPPING_NODE)
		return fail(x, map, "expected a mapping of settings", sect);
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = yaml_document_get_node(x->doc, p->key);
		const yaml_node_t *v = yaml_document_get_node(x->doc, p->value);
		const char *key = scalar(k);

		if (!key)
			return fail(x, k, "a key must be a plain word", sect);
		if (!sect &&
		    (!strcmp(key, "flows") || !strcmp(key, "metrics") || !strcmp(key, "ipfix") ||
		     !strcmp(key, "log") || !strcmp(key, "detect") || !strcmp(key, "kafka") ||
		     !strcmp(key, "privacy"))) {
			/* "ipfix:" alone (null) leaves the section at its defaults */
			if (scalar(v) && !*scalar(v))
				continue;
			ret = walk_map(x, v, key);
		} else {
			ret = set_key(x, sect, key, v);
		}
		if (ret)
			return ret;
	}
	return 0;
}

static int check_document(struct ctx *x, const yaml_node_t *root)
{
	size_t n = (size_t)(x->doc->nodes.top - x->doc->nodes.start);
	bool *seen = calloc(n ? n : 1, sizeof(*seen));
	int ret;

	if (!seen)
		return PL_EXIT_RUNTIME;
	ret = check_node(x, root, NULL, 0, seen);
	free(seen);
	return ret;
}

/* The configuration is one document: a second one ("---") is refused,
 * not ignored. */
static int check_one_document(yaml_parser_t *parser, const char *path)
{
	yaml_document_t next;
	yaml_node_t *root;
	unsigned long line;

	if (!yaml_parser_load(parser, &next)) {
		pl_err("%s:%lu:%lu: not valid YAML: %s", path,
		       (unsigned long)parser->problem_mark.line + 1,
		       (unsigned long)parser->problem_mark.column + 1,
		       parser->problem ? parser->problem : "?");
		return PL_EXIT_USAGE;
	}
	root = yaml_document_get_root_node(&next);
	line = (unsigned long)next.start_mark.line + 1;
	yaml_document_delete(&next);
	if (!root)
		return 0;
	pl_err("%s:%lu: a second YAML document: the configuration is one; remove the '---' and "
	       "what follows, or merge it",
	       path, line);
	return PL_EXIT_USAGE;
}

/* the YAML of f, named path in messages */
static int read_stream(struct pl_agent_config *c, const char *path, FILE *f)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	struct ctx x = { .path = path, .doc = &doc, .c = c };
	int ret;

	if (!yaml_parser_initialize(&parser))
		return PL_EXIT_RUNTIME;
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		pl_err("%s:%lu:%lu: not valid YAML: %s", path,
		       (unsigned long)parser.problem_mark.line + 1,
		       (unsigned long)parser.problem_mark.column + 1,
		       parser.problem ? parser.problem : "?");
		yaml_parser_delete(&parser);
		return PL_EXIT_USAGE;
	}
	root = yaml_document_get_root_node(&doc);
	ret = root ? check_document(&x, root) : 0; /* an empty file is all defaults */
	if (!ret && root)
		ret = walk_map(&x, root, NULL);
	if (!ret)
		ret = check_one_document(&parser, path);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return ret;
}

static int dup_into(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? strdup(src) : NULL;
	return src && !*dst ? PL_EXIT_RUNTIME : 0;
}

/* The detect flags on top of the file's detect section, then the checks
 * `pktlens detect` makes of the same settings. */
static int detect_flags(struct pl_agent_config *c, const struct pl_opts *o)
{
	char err[256];
	__u32 n = 0;
	int i, ret;

	if (o->detect)
		c->detect = true;
	if (o->window && pl_det_config_set(&c->det, "window", o->window, err, sizeof(err))) {
		pl_err("--%s", err);
		return PL_EXIT_USAGE;
	}
	for (i = 0; i < o->n_thresholds; i++) {
		if (pl_det_config_set_list(&c->det, o->thresholds[i], err, sizeof(err))) {
			pl_err("--threshold: %s", err);
			return PL_EXIT_USAGE;
		}
	}
	if (o->enforce)
		c->enforce = true;
	if (o->block_ttl) {
		if (o->block_ttl < 1) {
			pl_err("--block-ttl: at least 1 second");
			return PL_EXIT_USAGE;
		}
		c->block_ttl = o->block_ttl;
	}
	if (o->n_allow) {
		for (i = 0; i < c->n_allow; i++)
			free(c->allow[i]);
		c->n_allow = 0;
		for (i = 0; i < o->n_allow; i++) {
			c->allow[i] = strdup(o->allow[i]);
			if (!c->allow[i])
				return PL_EXIT_RUNTIME;
			c->n_allow++;
		}
	}
	if (o->rate_limit)
		c->rate_limit = o->rate_limit;
	if (!c->detect) {
		if (o->window || o->n_thresholds || o->enforce || o->block_ttl || o->n_allow ||
		    o->rate_limit) {
			pl_err("agent: the detect options need --detect (or 'detect: { enabled: "
			       "true }')");
			return PL_EXIT_USAGE;
		}
		return 0;
	}
	if ((c->enforce || c->rate_limit) && c->mode == PL_MODE_TC) {
		pl_err("agent: detect.enforce and detect.rate_limit drop at XDP; mode tc cannot: "
		       "use xdp, xdp-generic or auto");
		return PL_EXIT_USAGE;
	}
	ret = pl_det_load_allow(NULL, (const char *const *)c->allow, c->n_allow, &n);
	if (ret)
		return ret;
	c->det.enforce_ttl_ns = c->enforce ? (__u64)(c->block_ttl * 1e9) : 0;
	c->det.rate_limit_pps = c->rate_limit;
	c->det.allow_n = n;
	return 0;
}

int pl_agent_config_load(struct pl_agent_config *c, const char *path, const struct pl_opts *o)
{
	FILE *f = NULL;
	int ret;

	if (path) {
		f = fopen(path, "r");
		if (!f) {
			memset(c, 0, sizeof(*c));
			pl_err("cannot read the configuration '%s': %s", path, strerror(errno));
			return PL_EXIT_USAGE;
		}
	}
	ret = pl_agent_config_load_stream(c, path, f, o);
	if (f)
		fclose(f);
	return ret;
}

int pl_agent_config_load_stream(struct pl_agent_config *c, const char *path, FILE *f,
				const struct pl_opts *o)
{
	int ret, i;

	memset(c, 0, sizeof(*c));
	c->flow_entries = PL_FLOW_ENTRIES_DEFAULT;
	c->table_entries = PL_TABLE_ENTRIES_DEFAULT;
	c->idle_timeout = PL_IDLE_TIMEOUT_DEFAULT;
	c->active_timeout = PL_ACTIVE_TIMEOUT_DEFAULT;
	c->top_n = 10;
	c->reattach = true;
	c->observation_domain = 1;
	c->enterprise = PL_IPFIX_PEN_DEFAULT;
	c->template_refresh = 30;
	pl_det_config_default(&c->det);
	c->block_ttl = 60;
	c->dns_timeout = PL_DNS_TIMEOUT_DEFAULT;
	c->metrics = strdup(PL_METRICS_DEFAULT);
	c->kafka_topics[PL_KAFKA_FLOWS] = strdup("pktlens.flows");
	c->kafka_topics[PL_KAFKA_ALERTS] = strdup("pktlens.alerts");
	c->kafka_compression = strdup("none");
	c->kafka_queue = PL_KAFKA_QUEUE_DEFAULT;
	c->kafka_key = true;
	if (!c->metrics || !c->kafka_topics[PL_KAFKA_FLOWS] || !c->kafka_topics[PL_KAFKA_ALERTS] ||
	    !c->kafka_compression)
		return PL_EXIT_RUNTIME;
	if (f) {
		ret = read_stream(c, path, f);
		if (ret)
			return ret;
	}
	/* the command line wins */
	if (o->n_ifaces) {
		for (i = 0; i < c->n_ifaces; i++)
			free(c->ifaces[i]);
		c->n_ifaces = 0;
		for (i = 0; i < o->n_ifaces; i++) {
			c->ifaces[i] = strdup(o->ifaces[i]);
			if (!c->ifaces[i])
				return PL_EXIT_RUNTIME;
			c->n_ifaces++;
		}
	}
	if (o->mode != PL_MODE_AUTO)
		c->mode = o->mode;
	if (o->no_reattach)
		c->reattach = false;
	if (o->tcp)
		c->tcp = true;
	if (o->dns)
		c->dns = true;
	if (o->inner)
		c->inner = true;
	if (o->attribute)
		c->attribute = true;
	if (o->dns_timeout)
		c->dns_timeout = o->dns_timeout;
	if (o->filter && dup_into(&c->filter, o->filter))
		return PL_EXIT_RUNTIME;
	if (o->flow_entries)
		c->flow_entries = o->flow_entries;
	if (o->table_entries)
		c->table_entries = o->table_entries;
	if (o->idle_timeout)
		c->idle_timeout = o->idle_timeout;
	if (o->active_timeout)
		c->active_timeout = o->active_timeout;
	if (o->metrics && dup_into(&c->metrics, is_off(o->metrics) ? NULL : o->metrics))
		return PL_EXIT_RUNTIME;
	if (o->ipfix && dup_into(&c->ipfix, is_off(o->ipfix) ? NULL : o->ipfix))
		return PL_EXIT_RUNTIME;
	if (o->log_file && dup_into(&c->log_file, is_off(o->log_file) ? NULL : o->log_file))
		return PL_EXIT_RUNTIME;
	if (o->kafka && dup_into(&c->kafka_brokers, is_off(o->kafka) ? NULL : o->kafka))
		return PL_EXIT_RUNTIME;
	/* before anything is attached: a bad address is bad usage */
	if (o->metrics && c->metrics && pl_prom_check_listen(c->metrics)) {
		pl_err("--metrics: '%s' is not " PL_PROM_LISTEN_FORMAT ", or off", c->metrics);
		return PL_EXIT_USAGE;
	}
	if (o->ipfix && c->ipfix && pl_ipfix_check_collector(c->ipfix)) {
		pl_err("--ipfix: '%s' is not " PL_IPFIX_COLLECTOR_FORMAT ", or off", c->ipfix);
		return PL_EXIT_USAGE;
	}
	if (o->anonymize) {
		uint8_t k[32];
		char msg[512];

		if (dup_into(&c->key_file, o->anonymize))
			return PL_EXIT_RUNTIME;
		ret = pl_privacy_check_key(c->key_file, k, msg, sizeof(msg));
		memset(k, 0, sizeof(k));
		if (ret) {
			pl_err("--anonymize: %s", msg);
			return PL_EXIT_USAGE;
		}
	}
	if (o->redact)
		c->redact = o->redact;
	if (c->redact && !c->key_file) {
		pl_err("agent: privacy.redact hashes names with the key of privacy.key_file "
		       "(--anonymize KEYFILE); give it too");
		return PL_EXIT_USAGE;
	}
	if (!c->n_ifaces) {
		pl_err("agent: no interface: give -i IFACE or 'interfaces:' in the configuration");
		return PL_EXIT_USAGE;
	}
	return detect_flags(c, o);
}

void pl_agent_config_free(struct pl_agent_config *c)
{
	int i;

	for (i = 0; i < c->n_ifaces; i++)
		free(c->ifaces[i]);
	free(c->filter);
	free(c->metrics);
	free(c->ipfix);
	free(c->log_file);
	free(c->kafka_brokers);
	for (i = 0; i < PL_KAFKA__KINDS; i++)
		free(c->kafka_topics[i]);
	free(c->kafka_compression);
	for (i = 0; i < c->n_kafka_props; i++) {
		free(c->kafka_props[i][0]);
		free(c->kafka_props[i][1]);
	}
	free(c->key_file);
	for (i = 0; i < c->n_allow; i++)
		free(c->allow[i]);
	memset(c, 0, sizeof(*c));
}

static bool str_differs(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a && strcmp(a, b));
}

bool pl_agent_kafka_on(const struct pl_agent_config *c)
{
	int i;

	if (c->kafka_brokers)
		return true;
	for (i = 0; i < c->n_kafka_props; i++)
		if (!strcmp(c->kafka_props[i][0], "test.mock.num.brokers"))
			return true;
	return false;
}

void pl_agent_kafka_cfg(const struct pl_agent_config *c, struct pl_kafka_cfg *k)
{
	int i;

	memset(k, 0, sizeof(*k));
	k->brokers = c->kafka_brokers;
	for (i = 0; i < PL_KAFKA__KINDS; i++)
		k->topics[i] = c->kafka_topics[i];
	k->compression = c->kafka_compression;
	k->queue = c->kafka_queue;
	for (i = 0; i < c->n_kafka_props; i++) {
		k->props[i][0] = c->kafka_props[i][0];
		k->props[i][1] = c->kafka_props[i][1];
	}
	k->n_props = c->n_kafka_props;
}

bool pl_agent_kafka_differs(const struct pl_agent_config *a, const struct pl_agent_config *b)
{
	int i;

	if (pl_agent_kafka_on(a) != pl_agent_kafka_on(b) ||
	    str_differs(a->kafka_brokers, b->kafka_brokers) ||
	    str_differs(a->kafka_compression, b->kafka_compression) ||
	    a->kafka_queue != b->kafka_queue || a->kafka_key != b->kafka_key ||
	    a->n_kafka_props != b->n_kafka_props)
		return true;
	for (i = 0; i < PL_KAFKA__KINDS; i++)
		if (str_differs(a->kafka_topics[i], b->kafka_topics[i]))
			return true;
	for (i = 0; i < a->n_kafka_props; i++)
		if (strcmp(a->kafka_props[i][0], b->kafka_props[i][0]) ||
		    strcmp(a->kafka_props[i][1], b->kafka_props[i][1]))
			return true;
	return false;
}

bool pl_agent_config_kernel_differs(const struct pl_agent_config *a,
				    const struct pl_agent_config *b)
{
	int i;

	if (a->n_ifaces != b->n_ifaces || a->mode != b->mode ||
	    a->flow_entries != b->flow_entries || a->table_entries != b->table_entries ||
	    str_differs(a->filter, b->filter) || a->detect != b->detect || a->dns != b->dns ||
	    a->inner != b->inner ||
	    a->attribute != b->attribute ||
	    (a->detect && memcmp(&a->det, &b->det, sizeof(a->det))) || a->n_allow != b->n_allow)
		return true;
	for (i = 0; i < a->n_allow; i++)
		if (strcmp(a->allow[i], b->allow[i]))
			return true;
	for (i = 0; i < a->n_ifaces; i++)
		if (strcmp(a->ifaces[i], b->ifaces[i]))
			return true;
	return false;
}

bool pl_agent_config_privacy_differs(const struct pl_agent_config *a,
				     const struct pl_agent_config *b)
{
	return str_differs(a->key_file, b->key_file) || a->redact != b->redact;
}
