/* SPDX-License-Identifier: BSD-2-Clause */
/* Clocks in ns. */
#ifndef PKTLENS_CLOCK_H
#define PKTLENS_CLOCK_H

#include <stdint.h>
#include <time.h>

uint64_t pl_clock_ns(clockid_t id);
/* CLOCK_REALTIME - CLOCK_MONOTONIC: adds to bpf_ktime_get_ns() values. */
uint64_t pl_mono_to_epoch_ns(void);

#endif
