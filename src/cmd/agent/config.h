/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pktlens agent's configuration: a YAML file read with libyaml
 * (docs/agent.md), then the command line's flags on top.
 */
#ifndef PKTLENS_AGENT_CONFIG_H
#define PKTLENS_AGENT_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "opts.h"
#include "detect/detect.h"
#include "sinks/kafka.h"

#define PL_METRICS_DEFAULT   "127.0.0.1:9464"
#define PL_DNS_TIMEOUT_DEFAULT 5.0 /* seconds */
#define PL_IPFIX_PEN_DEFAULT 32473 /* RFC 5612: the enterprise number for documentation */

struct pl_agent_config {
	char *ifaces[PL_MAX_IFACES];
	int n_ifaces;
	enum pl_attach_mode mode;
	bool reattach; /* reattach, --no-reattach (default true) */
	char *filter;  /* NULL: everything */
	bool dns;	     /* dns, --dns: DNS response times (dns_side.h) */
	bool inner;	     /* flows.inner, --inner: tunnelled packets keyed on the inner 5-tuple */
	bool attribute;	     /* attribute, --attribute: flows' and alerts' processes */
	double dns_timeout;  /* dns_timeout, --dns-timeout: seconds until unanswered */
	uint32_t flow_entries;
	uint32_t table_entries;
	double idle_timeout; /* seconds */
	double active_timeout;
	char *metrics;	/* ADDR:PORT, NULL: off */
	uint32_t top_n; /* label values per top-N gauge */
	char *ipfix;	/* HOST:PORT, NULL: off */
	uint32_t observation_domain;
	uint32_t enterprise;	 /* PEN of the L7 name elements */
	double template_refresh; /* seconds between IPFIX template sets */
	char *log_file;		 /* JSON lines; "-" stdout; NULL: off */
	/* kafka: brokers NULL (and no mock cluster property): off */
	char *kafka_brokers;
	char *kafka_topics[PL_KAFKA__KINDS]; /* NULL: that kind is not sent */
	char *kafka_compression;
	uint32_t kafka_queue;
	bool kafka_key; /* key: community_id (true) or none */
	char *kafka_props[PL_KAFKA_MAX_PROPS][2];
	int n_kafka_props;
	/* detect: the in-kernel detectors and the drop list (docs/agent.md) */
	bool detect;		    /* detect.enabled, --detect */
	struct pl_det_config det;   /* thresholds, window; enforce_ttl_ns,
				   * rate_limit_pps and allow_n filled in */
	bool enforce;		    /* detect.enforce, --enforce */
	double block_ttl;	    /* seconds */
	char *allow[PL_MAX_IFACES]; /* CIDR[,CIDR...] each */
	int n_allow;
	uint64_t rate_limit; /* packets/s per source; 0: off */
	/* privacy: --anonymize and --redact (docs/privacy.md) */
	char *key_file; /* privacy.key_file, --anonymize; NULL: addresses as they are */
	int redact;	/* privacy.redact, --redact: enum pl_redact */
	bool tcp;	     /* tcp, --tcp: TCP and drop metrics (tracepoints) */
};

/* Defaults, then `path` (NULL: no file), then the flags in o. Returns 0,
 * or PL_EXIT_USAGE after a message naming the file and line. */
int pl_agent_config_load(struct pl_agent_config *c, const char *path, const struct pl_opts *o);
/* The same from the open stream f (NULL: no file), named path in messages:
 * the fuzzer's way in (tests/fuzz/fuzz_config.c). */
int pl_agent_config_load_stream(struct pl_agent_config *c, const char *path, FILE *f,
				const struct pl_opts *o);
void pl_agent_config_free(struct pl_agent_config *c);
/* Is the Kafka sink on (brokers, or librdkafka's mock cluster)? */
bool pl_agent_kafka_on(const struct pl_agent_config *c);
/* c's Kafka settings as the sink takes them. */
void pl_agent_kafka_cfg(const struct pl_agent_config *c, struct pl_kafka_cfg *k);
/* Do a and b configure the Kafka sink differently? */
bool pl_agent_kafka_differs(const struct pl_agent_config *a, const struct pl_agent_config *b);
/* Do a and b need different BPF programs or maps (a reload of the kernel
 * side)? Any change of the detect section does. */
bool pl_agent_config_kernel_differs(const struct pl_agent_config *a,
				    const struct pl_agent_config *b);
/* Do a and b anonymise or redact differently? */
bool pl_agent_config_privacy_differs(const struct pl_agent_config *a,
				     const struct pl_agent_config *b);

#endif
