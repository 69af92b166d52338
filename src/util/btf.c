// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "log.h"
#include "btf.h"

/* PKTLENS_SYSFS_BTF lets the tests play a kernel without BTF */
static const char *kernel_btf_path(void)
{
	const char *path = getenv("PKTLENS_SYSFS_BTF");

	return path ? path : "/sys/kernel/btf/vmlinux";
}

int pl_check_btf(void)
{
	const char *btf = kernel_btf_path();

	if (access(btf, R_OK)) {
		pl_err("this kernel has no BTF (%s); pktlens needs a kernel built with "
		       "CONFIG_DEBUG_INFO_BTF=y",
		       btf);
		return PL_EXIT_RUNTIME;
	}
	return 0;
}

struct btf *pl_open_kernel_btf(void)
{
	const char *path = kernel_btf_path();
	struct btf *btf;

	if (pl_check_btf())
		return NULL;
	btf = btf__parse(path, NULL);
	if (!btf)
		pl_err("cannot read the kernel's BTF from %s: %s", path, strerror(errno));
	return btf;
}
