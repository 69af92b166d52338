/* SPDX-License-Identifier: BSD-2-Clause */
/* The agent's TCP and drop metrics (tcp_side.c). */
#ifndef PKTLENS_AGENT_TCP_SIDE_H
#define PKTLENS_AGENT_TCP_SIDE_H

struct pl_agent_tcp;
struct pl_metrics;

/* Loads and attaches; NULL after a message. */
struct pl_agent_tcp *pl_agent_tcp_start(void);
void pl_agent_tcp_stop(struct pl_agent_tcp *t);
/* The kernel's counts into m: totals, the top_n ports, drops by reason. */
void pl_agent_tcp_read(struct pl_agent_tcp *t, struct pl_metrics *m, unsigned top_n);

#endif
