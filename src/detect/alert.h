/* SPDX-License-Identifier: BSD-2-Clause */
/* Alert records: a text line, or one JSON object with ECS field names. */
#ifndef PKTLENS_DETECT_ALERT_H
#define PKTLENS_DETECT_ALERT_H

#include <stdint.h>
#include <stdio.h>
#include "records/record.h"
#include "output/json.h"

struct pl_proc;
/* `a` at wall-clock time epoch_ns; ifname NULL in read; proc: the owner
 * of the local socket it targets (--attribute), or NULL. */
void pl_write_alert(struct pl_out *o, int json, const struct pl_alert_event *a, uint64_t epoch_ns,
		    const char *ifname, const struct pl_proc *proc);

#endif
