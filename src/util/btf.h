/* SPDX-License-Identifier: BSD-2-Clause */
/* The kernel's BTF. */
#ifndef PKTLENS_BTF_H
#define PKTLENS_BTF_H

/* PL_EXIT_RUNTIME with a message when the kernel has no BTF. */
int pl_check_btf(void);

struct btf;
/* The kernel's BTF, parsed; NULL after a message (pl_check_btf's, or why
 * it cannot be read). */
struct btf *pl_open_kernel_btf(void);

#endif
