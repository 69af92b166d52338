/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --anonymize KEYFILE, --redact l7[:keep-suffix], --no-payload (and the
 * agent's privacy: section): what leaves pktlens carries no real address
 * or name (docs/privacy.md).
 *
 * Records are changed once, where they are handed to the writers and
 * sinks (packets in pl_write_record, flows where a table exports them,
 * alerts in pl_write_alert, tcp events in tcp_on_event, top-N entries in
 * the flow-table walk), so every output of a record agrees. Each address
 * goes through pl_privacy_addr(): Crypto-PAn (cryptopan.h) with a cache.
 * Names (SNI, DNS, HTTP host and path) become a keyed hash
 * (HMAC-SHA-256), with the public suffix kept when asked (libpsl); an
 * address written as a name (an HTTP host "198.18.0.2:8080", a PTR
 * query "2.0.18.198.in-addr.arpa") is mapped as an address.
 */
#ifndef PKTLENS_PRIVACY_H
#define PKTLENS_PRIVACY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "records/record.h"

enum pl_redact {
	PL_REDACT_NONE = 0,
	PL_REDACT_L7,	     /* names and paths: a keyed hash */
	PL_REDACT_L7_SUFFIX, /* the same, keeping the public suffix of names */
};

/* Hex digits of a redacted name or path. */
#define PL_REDACT_HEX 16

struct pl_privacy;
/* The process's settings; NULL while nothing is on (the common case costs
 * one test of this pointer per record). */
extern struct pl_privacy *pl_privacy;

/* Reads the key (32 bytes, raw or as 64 hex digits) from key_file, which
 * must be a regular file that neither group nor others may read, and turns
 * anonymisation on, with `redact` and `no_payload` (-w). `what` names the
 * setting in messages ("--anonymize", "privacy.key_file"). Returns 0, or
 * PL_EXIT_USAGE / PL_EXIT_RUNTIME after a message. */
int pl_privacy_start(const char *key_file, enum pl_redact redact, bool no_payload,
		     const char *what);
void pl_privacy_stop(void);

/* The key file's problem (mode, size, format) in msg, or 0 when it is
 * usable: the check pl_privacy_start() makes, for a config reload. */
int pl_privacy_check_key(const char *key_file, uint8_t key[32], char *msg, size_t len);

/* The entry point for an address: a (4 bytes, or 16 when ip6) mapped in
 * place; nothing when anonymisation is off. */
void pl_privacy_addr(bool ip6, uint8_t *a);

/* A name of len bytes in name[cap], mapped or redacted in place; returns
 * its new length (at most cap). kind: 0 a host name, 1 an HTTP path. */
size_t pl_privacy_name(char *name, size_t len, size_t cap, int kind);

/* The records: each returns rec itself when privacy is off, else tmp,
 * filled with the changed copy. */
const struct pl_pkt *pl_privacy_pkt(const struct pl_pkt *rec, struct pl_pkt *tmp);
const struct pl_alert_event *pl_privacy_alert(const struct pl_alert_event *rec,
					      struct pl_alert_event *tmp);
/* In place: a flow (key and L7 name), a tcp event, a top-N source key
 * (ip_ver, addr[16]) and a top-N name (zero-padded name[cap]). */
struct pl_flow;
void pl_privacy_flow(struct pl_flow *f);
struct pl_tcp_event;
void pl_privacy_tcp(struct pl_tcp_event *e);
void pl_privacy_padded_name(char *name, size_t cap);

/* -w (rewrite.c): the Ethernet frame data[0..caplen) with its addresses
 * mapped and the IPv4, TCP, UDP, ICMP and ICMPv6 checksums updated
 * (RFC 1624); returns the bytes to write: caplen, or with --no-payload
 * the end of the L4 header. */
uint32_t pl_privacy_frame(uint8_t *data, uint32_t caplen, uint32_t linktype);
/* Is -w's data to go through pl_privacy_frame()? */
static inline bool pl_privacy_rewrites(void)
{
	return pl_privacy != NULL;
}

/* The rewrite itself, for any address map (tests give their own):
 * map(ctx, ip6, addr) changes addr in place; with no_payload the length
 * is cut at the end of the L4 header. */
typedef void (*pl_addr_map_fn)(void *ctx, bool ip6, uint8_t *addr);
uint32_t pl_rewrite_frame(uint8_t *data, uint32_t caplen, bool no_payload, pl_addr_map_fn map,
			  void *ctx);
/* The same for a frame of any link type pktlens reads (enum pl_linktype);
 * pl_rewrite_frame() is it for Ethernet. */
uint32_t pl_rewrite_frame_of(uint8_t *data, uint32_t caplen, uint32_t linktype, bool no_payload,
			     pl_addr_map_fn map, void *ctx);

#endif
