/* SPDX-License-Identifier: BSD-2-Clause */
/* For the fuzz targets that compile filters (once per binary). */
#ifndef PKTLENS_FUZZ_NO_DNS_H
#define PKTLENS_FUZZ_NO_DNS_H

#include <dlfcn.h>
#include <netdb.h>

/*
 * No name service while fuzzing: libpcap looks up a host name it is given
 * (`src host 099.17.0.`) with getaddrinfo(), and without a network that
 * waits on DNS past libFuzzer's timeout. Numeric addresses still go to
 * the real getaddrinfo; a name fails at once, as an unknown host.
 */
int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		struct addrinfo **res)
{
	static int (*real)(const char *, const char *, const struct addrinfo *,
			   struct addrinfo **);
	struct addrinfo h = { 0 };

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "getaddrinfo");
	if (hints)
		h = *hints;
	h.ai_flags |= AI_NUMERICHOST;
	return real ? real(node, service, &h, res) : EAI_FAIL;
}

#endif
