/* SPDX-License-Identifier: BSD-2-Clause */
/* The kernel's BTF. */
#ifndef PKTLENS_BTF_H
#define PKTLENS_BTF_H

/* PL_EXIT_RUNTIME with a message when the kernel has no BTF. */
int pl_check_btf(void);

#endif
