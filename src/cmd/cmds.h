/* SPDX-License-Identifier: BSD-2-Clause */
/* The subcommands. */
#ifndef PKTLENS_CMDS_H
#define PKTLENS_CMDS_H

#include "opts.h"

int cmd_read(struct pl_opts *o);
int cmd_watch(struct pl_opts *o);
int cmd_flows(struct pl_opts *o);
int cmd_top(struct pl_opts *o);
int cmd_agent(struct pl_opts *o);
int cmd_tcp(struct pl_opts *o);
int cmd_detect(struct pl_opts *o);
int cmd_block(struct pl_opts *o);

#endif
