// SPDX-License-Identifier: BSD-2-Clause
/*
 * pktlens tcp: names from the kernel's BTF enums (drop and reset reasons).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "cmd/tcp/tcp.h"
#include "filter/filter.h"
#include "tcp.skel.h"

/*
 * Reads enum `type` from the BTF, names without `prefix` (the other
 * prefixes in `also_strip` too). Names in `skip` are not reasons.
 */
int tcp_load_enum(const struct btf *btf, const char *type, const char *prefix,
		  const char *also_strip, struct enum_table *t)
{
	const struct btf_type *bt;
	int id, i, vlen;

	t->v = NULL;
	t->n = 0;
	id = btf__find_by_name_kind(btf, type, BTF_KIND_ENUM);
	if (id < 0)
		return -1;
	bt = btf__type_by_id(btf, id);
	vlen = btf_vlen(bt);
	t->v = calloc(vlen ? vlen : 1, sizeof(*t->v));
	if (!t->v)
		return -1;
	for (i = 0; i < vlen; i++) {
		const struct btf_enum *e = btf_enum(bt) + i;
		const char *name = btf__name_by_offset(btf, e->name_off);
		size_t lp = strlen(prefix), la = also_strip ? strlen(also_strip) : 0;

		if (!name)
			continue;
		if (!strncmp(name, prefix, lp))
			name += lp;
		else if (la && !strncmp(name, also_strip, la))
			name += la;
		/* bounds of the enum, not reasons */
		if (!strcmp(name, "MAX") || !strcmp(name, "SUBSYS_MASK"))
			continue;
		t->v[t->n].value = (uint32_t)e->val;
		snprintf(t->v[t->n].name, sizeof(t->v[t->n].name), "%s", name);
		t->n++;
	}
	return 0;
}

const char *tcp_enum_lookup(const struct enum_table *t, uint32_t v)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].value == v)
			return t->v[i].name;
	return NULL;
}

/* Reasons that are not drops: freed after use, unspecified, or queues
 * emptied when a socket is torn down. */
bool tcp_drop_is_normal(const char *name)
{
	static const char *const normal[] = { "NOT_DROPPED_YET", "CONSUMED", "NOT_SPECIFIED",
					      "QUEUE_PURGE" };
	size_t j;

	for (j = 0; j < ARRAY_SIZE(normal); j++)
		if (!strcmp(name, normal[j]))
			return true;
	return false;
}

void tcp_set_drop_ignore(struct tcp_bpf *skel, const struct enum_table *reasons)
{
	size_t i;

	for (i = 0; i < reasons->n; i++) {
		uint32_t v = reasons->v[i].value;

		if (tcp_drop_is_normal(reasons->v[i].name) && v < PL_TCP_DROP_IGNORE_MAX)
			((__u64 *)skel->rodata->drop_ignore)[v / 64] |= 1ull << (v % 64);
	}
}
