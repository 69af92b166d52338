// SPDX-License-Identifier: BSD-2-Clause
#include <stdint.h>
#include <time.h>
#include "clock.h"

uint64_t pl_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t pl_mono_to_epoch_ns(void)
{
	return pl_clock_ns(CLOCK_REALTIME) - pl_clock_ns(CLOCK_MONOTONIC);
}
