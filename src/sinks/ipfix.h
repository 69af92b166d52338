/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPFIX (RFC 7011) export of flow records over UDP through libfixbuf:
 * IANA elements for the 5-tuple, counters, times, TCP flags, TTLs, VLAN and
 * end reason; enterprise elements (docs/agent.md) for the TLS SNI, DNS
 * query name and HTTP host.
 */
#ifndef PKTLENS_IPFIX_H
#define PKTLENS_IPFIX_H

#include <stdint.h>
#include "runtime/flowtab.h"

struct pl_ipfix;

/* Opens an exporter to HOST:PORT (UDP). NULL after a message. */
/* 0 when collector is HOST:PORT (an IPv4 address, [IPv6] or a host name;
 * a port from 1 to 65535), else -1; checked before anything changes. */
int pl_ipfix_check_collector(const char *collector);
#define PL_IPFIX_COLLECTOR_FORMAT "HOST:PORT (e.g. 192.0.2.10:4739 or [2001:db8::10]:4739)"
struct pl_ipfix *pl_ipfix_open(const char *collector, uint32_t observation_domain,
			       uint32_t enterprise);
/* Appends one flow record (times: bpf_ktime_get_ns() + mono_to_epoch_ns). */
int pl_ipfix_add(struct pl_ipfix *x, const struct pl_flow *f, enum pl_flow_end why,
		 uint64_t mono_to_epoch_ns);
/* Sends what is buffered; with `templates`, the template set first (UDP
 * collectors learn templates only from these periodic copies). */
int pl_ipfix_flush(struct pl_ipfix *x, int templates);
void pl_ipfix_close(struct pl_ipfix *x);

struct pl_ipfix_stats {
	uint64_t records, messages, errors;
};
void pl_ipfix_stats(const struct pl_ipfix *x, struct pl_ipfix_stats *s);

#endif
