/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * An LRU hash table of fixed-size keys and values and a fixed capacity:
 * the host's stand-in for the kernel's LRU hash maps (read --detect's
 * detector state, read --flows' flow table). A full table makes room for a
 * new key by dropping its least recently used entry, as the kernel's LRU
 * maps do (theirs is approximate, per CPU; with fewer keys than entries
 * both keep all).
 */
#ifndef PKTLENS_HTAB_H
#define PKTLENS_HTAB_H

#include <stdint.h>

struct pl_htab {
	uint32_t ksz, vsz, cap, nbuckets, n;
	uint32_t *bucket;	 /* first entry + 1, 0 = empty */
	uint32_t *chain;	 /* next entry in the bucket + 1 */
	uint32_t *newer, *older; /* LRU list (+ 1); head = most recent */
	uint32_t head, tail;
	uint8_t *keys, *vals;
};

/* 0, or -1 when out of memory (pl_htab_free() then frees what was made). */
int pl_htab_init(struct pl_htab *t, uint32_t ksz, uint32_t vsz, uint32_t cap);
void pl_htab_free(struct pl_htab *t);
/* Empty again, as pl_htab_init() leaves it. */
void pl_htab_reset(struct pl_htab *t);
/* The value for key, or NULL; a hit becomes the most recently used. */
void *pl_htab_find(struct pl_htab *t, const void *key);
/* The value for key, created zeroed when absent (dropping the least
 * recently used entry when the table is full). */
void *pl_htab_get(struct pl_htab *t, const void *key);
/* Removes key's entry, if any. The entries' order in pl_htab_entry()
 * changes: the last one takes the removed one's place. */
void pl_htab_del(struct pl_htab *t, const void *key);
/* Entry i (0 <= i < t->n): its key and value. */
static inline const void *pl_htab_key(const struct pl_htab *t, uint32_t i)
{
	return t->keys + (size_t)i * t->ksz;
}
static inline void *pl_htab_val(const struct pl_htab *t, uint32_t i)
{
	return t->vals + (size_t)i * t->vsz;
}

#endif
