/* SPDX-License-Identifier: BSD-2-Clause */
/* The subcommands. */
#ifndef PKTLENS_CMDS_H
#define PKTLENS_CMDS_H

#include <stdio.h>
#include "opts.h"

int cmd_read(struct pl_opts *o);
/* `read` from the stream f instead (named o->file in messages), closed on
 * return; f NULL: opens o->file. The fuzzer's and the truncation test's
 * way in (tests/fuzz/). */
int pl_read_stream(struct pl_opts *o, FILE *f);
int cmd_watch(struct pl_opts *o);
int cmd_flows(struct pl_opts *o);
int cmd_top(struct pl_opts *o);
int cmd_agent(struct pl_opts *o);
int cmd_tcp(struct pl_opts *o);
int cmd_detect(struct pl_opts *o);
int cmd_block(struct pl_opts *o);

#endif
