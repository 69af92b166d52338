// SPDX-License-Identifier: BSD-2-Clause
/*
 * util/htab.c against a model: a plain array of keys in recency order.
 * Random finds, gets and deletes on a small table, so that the LRU
 * eviction, the chains and the moves of pl_htab_del() are all exercised.
 */
#include <stdint.h>
#include <stdlib.h>
#include "check.h"
#include "util/htab.h"

#define CAP  16
#define KEYS 40

/* model: keys[0] is the most recent; vals are what the table should hold */
static uint32_t m_keys[CAP], m_vals[CAP];
static int m_n;

static int m_find(uint32_t k)
{
	int i;

	for (i = 0; i < m_n; i++)
		if (m_keys[i] == k)
			return i;
	return -1;
}

static void m_touch(int i)
{
	uint32_t k = m_keys[i], v = m_vals[i];

	memmove(m_keys + 1, m_keys, (size_t)i * sizeof(*m_keys));
	memmove(m_vals + 1, m_vals, (size_t)i * sizeof(*m_vals));
	m_keys[0] = k;
	m_vals[0] = v;
}

static void m_del(int i)
{
	memmove(m_keys + i, m_keys + i + 1, (size_t)(m_n - i - 1) * sizeof(*m_keys));
	memmove(m_vals + i, m_vals + i + 1, (size_t)(m_n - i - 1) * sizeof(*m_vals));
	m_n--;
}

/* the table holds exactly the model's keys and values */
static void same(struct pl_htab *t, int step)
{
	uint32_t i;
	int j;

	if (t->n != (uint32_t)m_n)
		failf(__LINE__, "step %d: %u entries, want %d", step, t->n, m_n);
	for (i = 0; i < t->n; i++) {
		uint32_t k, v;

		memcpy(&k, pl_htab_key(t, i), 4);
		memcpy(&v, pl_htab_val(t, i), 4);
		j = m_find(k);
		if (j < 0 || m_vals[j] != v)
			failf(__LINE__, "step %d: entry %u key %u val %u not in the model", step, i,
			      k, v);
	}
}

static void test_against_model(void)
{
	struct pl_htab t;
	int step, evictions = 0, deletes = 0;

	srand(7);
	TRUE(pl_htab_init(&t, 4, 4, CAP) == 0);
	for (step = 0; step < 200000 && !cur_failed; step++) {
		uint32_t k = (uint32_t)rand() % KEYS, *v;
		int op = rand() % 4, i = m_find(k);

		if (op == 0) { /* find */
			v = pl_htab_find(&t, &k);
			if ((v != NULL) != (i >= 0) || (v && *v != m_vals[i]))
				failf(__LINE__, "step %d: find %u", step, k);
			if (i >= 0)
				m_touch(i);
		} else if (op == 1) { /* delete */
			pl_htab_del(&t, &k);
			if (i >= 0) {
				m_del(i);
				deletes++;
			}
		} else { /* get: insert or update */
			v = pl_htab_get(&t, &k);
			if (i >= 0 && *v != m_vals[i])
				failf(__LINE__, "step %d: get %u gave %u, want %u", step, k, *v,
				      m_vals[i]);
			if (i < 0 && *v != 0)
				failf(__LINE__, "step %d: a new entry is not zeroed", step);
			*v = (uint32_t)step;
			if (i >= 0) {
				m_vals[i] = *v;
				m_touch(i);
			} else {
				if (m_n == CAP) { /* the least recently used goes */
					m_n--;
					evictions++;
				}
				memmove(m_keys + 1, m_keys, (size_t)m_n * sizeof(*m_keys));
				memmove(m_vals + 1, m_vals, (size_t)m_n * sizeof(*m_vals));
				m_keys[0] = k;
				m_vals[0] = *v;
				m_n++;
			}
		}
		same(&t, step);
	}
	/* the run reached every path */
	TRUE(evictions > 1000);
	TRUE(deletes > 1000);
	pl_htab_reset(&t);
	EQ(t.n, 0);
	m_n = 0;
	{
		uint32_t k = 3;

		TRUE(pl_htab_find(&t, &k) == NULL);
		*(uint32_t *)pl_htab_get(&t, &k) = 9;
		EQ(*(uint32_t *)pl_htab_find(&t, &k), 9);
	}
	pl_htab_free(&t);
}

int main(void)
{
	run("htab: finds, gets, deletes and LRU evictions agree with a model", test_against_model);
	return check_summary("test_htab");
}
