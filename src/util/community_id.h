/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Community ID v1 (https://github.com/corelight/community-id-spec): a
 * flow's 5-tuple hashed with SHA1 (OpenSSL) into "1:<base64>", the same
 * for both directions, as Zeek, Suricata and ECS's network.community_id
 * compute it. The Kafka sink keys its records with it, so that a flow's
 * records share a partition.
 */
#ifndef PKTLENS_COMMUNITY_ID_H
#define PKTLENS_COMMUNITY_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "1:" + 28 base64 characters + NUL */
#define PL_COMMUNITY_ID_LEN 31

/*
 * The ID of one packet's or flow's tuple into out; returns its length (30).
 * src and dst are 16 bytes for IPv6, 4 for IPv4. For ICMP (1) and ICMPv6
 * (58) sport is the type and dport the code; other protocols without
 * ports (not TCP, UDP, SCTP) leave the ports out of the hash.
 */
size_t pl_community_id(char out[PL_COMMUNITY_ID_LEN], uint16_t seed, bool ip6,
		       const uint8_t *src, const uint8_t *dst, uint8_t proto, uint16_t sport,
		       uint16_t dport);

#endif
