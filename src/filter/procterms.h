/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The filter terms on who received a packet (--attribute): proc.name,
 * proc.pid and container.id. The kernel does not know the process (it
 * finds the socket; user space maps it), so these run in user space, on
 * each record the kernel's filter kept: they must be joined to the rest
 * of the expression by a top-level "and".
 */
#ifndef PKTLENS_PROCTERMS_H
#define PKTLENS_PROCTERMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "output/output.h"

#define PL_PROC_TERMS_MAX 8

enum pl_proc_field { PL_PF_NAME, PL_PF_PID, PL_PF_CONTAINER };
enum pl_proc_op { PL_PO_EQ, PL_PO_NE, PL_PO_SUBSTR };

struct pl_proc_terms {
	int n;
	struct {
		enum pl_proc_field field;
		enum pl_proc_op op;
		uint32_t pid;
		char str[80];
	} t[PL_PROC_TERMS_MAX];
};

/*
 * Splits expr into its proc terms (into *pt) and the rest, the kernel's
 * filter (into rest, "" when nothing is left). 0, or -1 with a message in
 * err: a proc term under "or" or "not" or in parentheses, a bad operator
 * or value, too many terms.
 */
int pl_proc_terms_split(const char *expr, struct pl_proc_terms *pt, char *rest, size_t rest_n,
			char *err, size_t err_n);
/* Does the record's process satisfy every term? (NULL: no process.) */
bool pl_proc_terms_match(const struct pl_proc_terms *pt, const struct pl_proc *p);

#endif
