// SPDX-License-Identifier: BSD-2-Clause
/* An LRU hash table of fixed-size keys and values (util/htab.h). */
#include <stdlib.h>
#include <string.h>
#include "htab.h"


int pl_htab_init(struct pl_htab *t, uint32_t ksz, uint32_t vsz, uint32_t cap)
{
	memset(t, 0, sizeof(*t));
	t->ksz = ksz;
	t->vsz = vsz;
	t->cap = cap;
	for (t->nbuckets = 1; t->nbuckets < cap; t->nbuckets <<= 1)
		;
	t->bucket = calloc(t->nbuckets, sizeof(uint32_t));
	t->chain = calloc(cap, sizeof(uint32_t));
	t->newer = calloc(cap, sizeof(uint32_t));
	t->older = calloc(cap, sizeof(uint32_t));
	t->keys = calloc(cap, ksz);
	t->vals = calloc(cap, vsz);
	return t->bucket && t->chain && t->newer && t->older && t->keys && t->vals ? 0 : -1;
}

void pl_htab_free(struct pl_htab *t)
{
	free(t->bucket);
	free(t->chain);
	free(t->newer);
	free(t->older);
	free(t->keys);
	free(t->vals);
}

static uint32_t htab_hash(const struct pl_htab *t, const void *key)
{
	const uint8_t *k = key;
	uint64_t h = 1469598103934665603ull;
	uint32_t i;

	for (i = 0; i < t->ksz; i++)
		h = (h ^ k[i]) * 1099511628211ull;
	return (uint32_t)(h ^ (h >> 32)) & (t->nbuckets - 1);
}

/* Only the used entries are cleared. */
void pl_htab_reset(struct pl_htab *t)
{
	uint32_t i;

	for (i = 0; i < t->n; i++)
		t->bucket[htab_hash(t, t->keys + (size_t)i * t->ksz)] = 0;
	memset(t->chain, 0, (size_t)t->n * sizeof(uint32_t));
	memset(t->newer, 0, (size_t)t->n * sizeof(uint32_t));
	memset(t->older, 0, (size_t)t->n * sizeof(uint32_t));
	memset(t->keys, 0, (size_t)t->n * t->ksz);
	memset(t->vals, 0, (size_t)t->n * t->vsz);
	t->n = t->head = t->tail = 0;
}

static void lru_unlink(struct pl_htab *t, uint32_t i)
{
	uint32_t nw = t->newer[i], od = t->older[i];

	if (nw)
		t->older[nw - 1] = od;
	else
		t->head = od;
	if (od)
		t->newer[od - 1] = nw;
	else
		t->tail = nw;
	t->newer[i] = t->older[i] = 0;
}

static void lru_push(struct pl_htab *t, uint32_t i)
{
	t->older[i] = t->head;
	t->newer[i] = 0;
	if (t->head)
		t->newer[t->head - 1] = i + 1;
	t->head = i + 1;
	if (!t->tail)
		t->tail = i + 1;
}

static void chain_unlink(struct pl_htab *t, uint32_t i)
{
	uint32_t *p = &t->bucket[htab_hash(t, t->keys + (size_t)i * t->ksz)];

	while (*p && *p != i + 1)
		p = &t->chain[*p - 1];
	if (*p)
		*p = t->chain[i];
	t->chain[i] = 0;
}


/* The index + 1 of key's entry, or 0. */
static uint32_t htab_index(const struct pl_htab *t, const void *key)
{
	uint32_t e;

	for (e = t->bucket[htab_hash(t, key)]; e; e = t->chain[e - 1])
		if (!memcmp(t->keys + (size_t)(e - 1) * t->ksz, key, t->ksz))
			return e;
	return 0;
}

void *pl_htab_find(struct pl_htab *t, const void *key)
{
	uint32_t e = htab_index(t, key);

	if (!e)
		return NULL;
	if (t->head != e) {
		lru_unlink(t, e - 1);
		lru_push(t, e - 1);
	}
	return t->vals + (size_t)(e - 1) * t->vsz;
}

void *pl_htab_get(struct pl_htab *t, const void *key)
{
	void *v = pl_htab_find(t, key);
	uint32_t b = htab_hash(t, key), i;

	if (v)
		return v;
	if (t->n < t->cap) {
		i = t->n++;
	} else {
		i = t->tail - 1;
		lru_unlink(t, i);
		chain_unlink(t, i);
	}
	memcpy(t->keys + (size_t)i * t->ksz, key, t->ksz);
	memset(t->vals + (size_t)i * t->vsz, 0, t->vsz);
	t->chain[i] = t->bucket[b];
	t->bucket[b] = i + 1;
	lru_push(t, i);
	return t->vals + (size_t)i * t->vsz;
}

/* Entry `from` moves to the free slot `to`: its chain, its neighbours in
 * the LRU list, its key and value follow. */
static void htab_move(struct pl_htab *t, uint32_t from, uint32_t to)
{
	uint32_t *p = &t->bucket[htab_hash(t, t->keys + (size_t)from * t->ksz)];
	uint32_t nw = t->newer[from], od = t->older[from];

	while (*p != from + 1)
		p = &t->chain[*p - 1];
	*p = to + 1;
	t->chain[to] = t->chain[from];
	t->newer[to] = nw;
	t->older[to] = od;
	if (nw)
		t->older[nw - 1] = to + 1;
	else
		t->head = to + 1;
	if (od)
		t->newer[od - 1] = to + 1;
	else
		t->tail = to + 1;
	memcpy(t->keys + (size_t)to * t->ksz, t->keys + (size_t)from * t->ksz, t->ksz);
	memcpy(t->vals + (size_t)to * t->vsz, t->vals + (size_t)from * t->vsz, t->vsz);
	t->chain[from] = t->newer[from] = t->older[from] = 0;
}

void pl_htab_del(struct pl_htab *t, const void *key)
{
	uint32_t e = htab_index(t, key), i, last;

	if (!e)
		return;
	i = e - 1;
	lru_unlink(t, i);
	chain_unlink(t, i);
	last = --t->n;
	if (i != last)
		htab_move(t, last, i);
	memset(t->keys + (size_t)last * t->ksz, 0, t->ksz);
	memset(t->vals + (size_t)last * t->vsz, 0, t->vsz);
}
