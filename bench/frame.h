/* SPDX-License-Identifier: BSD-2-Clause */
/* The benchmarks' frames: big-endian writers into a byte buffer
 * (kbench.c, flowbench.c). */
#ifndef PKTLENS_BENCH_FRAME_H
#define PKTLENS_BENCH_FRAME_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FRAME 2048

struct frame {
	uint8_t b[MAX_FRAME];
	size_t n;
};

static inline void put(struct frame *f, const void *d, size_t n)
{
	if (f->n + n > MAX_FRAME) {
		fprintf(stderr, "bench: frame too long\n");
		exit(1);
	}
	memcpy(f->b + f->n, d, n);
	f->n += n;
}

static inline void put8(struct frame *f, uint8_t v)
{
	put(f, &v, 1);
}

static inline void put16(struct frame *f, uint16_t v)
{
	put8(f, (uint8_t)(v >> 8));
	put8(f, (uint8_t)v);
}

static inline void put32(struct frame *f, uint32_t v)
{
	put16(f, (uint16_t)(v >> 16));
	put16(f, (uint16_t)v);
}

static inline void puts_(struct frame *f, const char *s)
{
	put(f, s, strlen(s));
}

#endif
