/* SPDX-License-Identifier: BSD-2-Clause */
/* Flow records as text lines and as ECS JSON lines (SPEC.md). */
#ifndef PKTLENS_FLOW_OUTPUT_H
#define PKTLENS_FLOW_OUTPUT_H

#include <stdint.h>
#include <stdio.h>
#include "runtime/flowtab.h"
#include "output/json.h"

/* The flow's Community ID (util/community_id.h) into out; its length, 0
 * when none could be made. network.community_id and the Kafka key. */
size_t pl_flow_community_id(const struct pl_flow_key *k, char out[31]);
/* One JSON object and a newline: "event":"flow" and ECS names. */
void pl_write_flow_json(struct pl_out *o, const struct pl_flow *f, enum pl_flow_end why,
			uint64_t mono_to_epoch_ns, const char *ifname);
/* One text line. */
void pl_write_flow_text(struct pl_out *o, const struct pl_flow *f, enum pl_flow_end why,
			uint64_t mono_to_epoch_ns, const char *ifname);
/* Length of an L7 name (zero-padded, at most PL_NAME_MAX bytes). */
size_t pl_name_len(const char *name);

#endif
