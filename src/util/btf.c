// SPDX-License-Identifier: BSD-2-Clause
#include <stdlib.h>
#include <unistd.h>
#include "log.h"
#include "btf.h"

int pl_check_btf(void)
{
	/* PKTLENS_SYSFS_BTF lets the tests play a kernel without BTF */
	const char *btf = getenv("PKTLENS_SYSFS_BTF");

	if (!btf)
		btf = "/sys/kernel/btf/vmlinux";
	if (access(btf, R_OK)) {
		pl_err("this kernel has no BTF (%s); pktlens needs a kernel built with CONFIG_DEBUG_INFO_BTF=y",
		       btf);
		return PL_EXIT_RUNTIME;
	}
	return 0;
}
