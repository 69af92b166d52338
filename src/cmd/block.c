// SPDX-License-Identifier: BSD-2-Clause
/*
 * pktlens block add CIDR [--ttl S] | del CIDR | list: the XDP drop list of
 * a running `detect` or `agent`, through the maps it pinned under
 * /sys/fs/bpf/pktlens/ (src/detect/pin.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "cmds.h"
#include "util/log.h"
#include "output/output.h"
#include "runtime/skel_common.h"
#include "detect/config.h"
#include "detect/pin.h"

#define NSEC 1000000000ull

static void put_time(FILE *f, uint64_t epoch_ns)
{
	time_t t = (time_t)(epoch_ns / NSEC);
	struct tm tm;
	char buf[32];

	localtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	fputs(buf, f);
}

/* One entry as a JSON line, through the record writer. */
static void list_json(struct pl_out *w, const char *name, const struct pl_block *b, uint64_t now,
		      uint64_t to_epoch)
{
	pl_json_begin(w);
	pl_json_cstr(w, "event", "block");
	pl_json_cstr(w, "pktlens.block.prefix", name);
	pl_json_cstr(w, "rule.name", pl_rule_name(b->reason));
	pl_json_iso_time(w, "event.start", b->added_ns + to_epoch, 0);
	if (b->expires_ns) {
		pl_json_iso_time(w, "event.end", b->expires_ns + to_epoch, 0);
		pl_json_key(w, "pktlens.block.ttl_left");
		pl_out_printf(w, "%.1f", (double)(b->expires_ns - now) / 1e9);
	}
	pl_json_uint(w, "pktlens.block.drops", b->drops);
	pl_json_uint(w, "pktlens.block.bytes", b->bytes);
	pl_json_end(w);
}

static int key_of(const struct pl_cidr *c, struct pl_lpm6 *k)
{
	memset(k, 0, sizeof(*k));
	k->prefixlen = c->prefixlen;
	memcpy(k->addr, c->addr, c->ip6 ? 16 : 4);
	return 0;
}

static int block_add(const struct pl_pinned *p, const struct pl_cidr *c, double ttl)
{
	int fd = c->ip6 ? p->drop6 : p->drop4;
	uint64_t now = pl_clock_ns(CLOCK_MONOTONIC);
	struct pl_block b = { 0 }, old;
	struct pl_lpm6 k;
	char name[64];

	key_of(c, &k);
	/* a prefix already there keeps its counters */
	if (!bpf_map_lookup_elem(fd, &k, &old) && old.prefixlen == c->prefixlen) {
		b.drops = old.drops;
		b.bytes = old.bytes;
	}
	b.added_ns = now;
	b.expires_ns = ttl > 0 ? now + (uint64_t)(ttl * 1e9) : 0;
	b.prefixlen = c->prefixlen;
	b.reason = PL_RULE_MANUAL;
	b.ip6 = c->ip6;
	memcpy(b.addr, c->addr, 16);
	pl_format_cidr(c, name, sizeof(name));
	if (bpf_map_update_elem(fd, &k, &b, BPF_ANY)) {
		pl_err("cannot add %s to the drop list: %s%s", name, strerror(errno),
		       errno == ENOSPC || errno == E2BIG ? " (it is full: delete entries first)"
							 : "");
		return PL_EXIT_RUNTIME;
	}
	pl_det_set_state(p->state, true); /* after the insert: XDP looks it up */
	printf("blocked %s ", name);
	if (b.expires_ns) {
		printf("until ");
		put_time(stdout, b.expires_ns + pl_mono_to_epoch_ns());
		printf(" (%g s)\n", ttl);
	} else {
		printf("until deleted (pktlens block del %s)\n", name);
	}
	return 0;
}

/* The first prefix of the allow list (trie fd) that overlaps c, in *hit. */
static bool on_allow_list(int fd, const struct pl_cidr *c, struct pl_cidr *hit)
{
	struct pl_lpm6 key, next;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		memset(hit, 0, sizeof(*hit));
		hit->ip6 = c->ip6;
		hit->prefixlen = key.prefixlen;
		memcpy(hit->addr, key.addr, c->ip6 ? 16 : 4);
		if (pl_cidr_overlap(c, hit))
			return true;
	}
	return false;
}

/* Before block add. The drop list is looked up before the allow list is,
 * so a manual block of allowed sources would drop them: refused unless
 * --force. A /0 drops everything of its family: a warning. */
static int check_add(const struct pl_pinned *p, const struct pl_cidr *c, bool force)
{
	struct pl_cidr a;
	char name[64], allowed[64], holder[48];

	pl_format_cidr(c, name, sizeof(name));
	snprintf(holder, sizeof(holder), "pktlens %s (pid %u)", p->meta.cmd, p->meta.pid);
	if (!c->prefixlen)
		pl_warn("block add %s: every %s packet that reaches %s will be dropped, whatever "
			"its source",
			name, c->ip6 ? "IPv6" : "IPv4", holder);
	if (!on_allow_list(c->ip6 ? p->allow6 : p->allow4, c, &a))
		return 0;
	pl_format_cidr(&a, allowed, sizeof(allowed));
	if (force) {
		pl_warn("block add %s: --force: the sources of %s, on the allow list of %s, will "
			"be dropped too",
			name, allowed, holder);
		return 0;
	}
	if (c->prefixlen >= a.prefixlen)
		pl_err("block add %s: it is on the allow list of %s (--allow %s), and a block "
		       "would drop it all the same; give --force to block it anyway",
		       name, holder, allowed);
	else
		pl_err("block add %s: it holds %s, on the allow list of %s, and a block would drop "
		       "those sources all the same; block a narrower prefix, or give --force to "
		       "block it anyway",
		       name, allowed, holder);
	return PL_EXIT_RUNTIME;
}

static int block_del(const struct pl_pinned *p, const struct pl_cidr *c)
{
	struct pl_lpm6 k;
	char name[64];

	key_of(c, &k);
	pl_format_cidr(c, name, sizeof(name));
	if (bpf_map_delete_elem(c->ip6 ? p->drop6 : p->drop4, &k)) {
		if (errno == ENOENT)
			pl_err("%s is not on the drop list (see pktlens block list)", name);
		else
			pl_err("cannot delete %s: %s", name, strerror(errno));
		return PL_EXIT_RUNTIME;
	}
	printf("unblocked %s\n", name);
	return 0;
}

static int list_one(int fd, bool ip6, struct pl_out *json, uint64_t now, uint64_t to_epoch, int *n)
{
	struct pl_lpm6 key, next;
	struct pl_block b;
	struct pl_cidr c;
	void *prev = NULL;
	char name[64];

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &b))
			continue;
		if (b.expires_ns && b.expires_ns <= now)
			continue; /* expired: the next packet or sweep deletes it */
		memset(&c, 0, sizeof(c));
		c.ip6 = ip6;
		c.prefixlen = key.prefixlen;
		memcpy(c.addr, key.addr, ip6 ? 16 : 4);
		pl_format_cidr(&c, name, sizeof(name));
		if (json) {
			list_json(json, name, &b, now, to_epoch);
		} else {
			if (!*n)
				printf("%-43s %-22s %-20s %12s %14s\n", "prefix", "reason", "until",
				       "drops", "bytes");
			printf("%-43s %-22s ", name, pl_rule_name(b.reason));
			if (b.expires_ns) {
				put_time(stdout, b.expires_ns + to_epoch);
				printf(" ");
			} else {
				printf("%-20s", "no expiry");
			}
			printf("%12llu %14llu\n", (unsigned long long)b.drops,
			       (unsigned long long)b.bytes);
		}
		(*n)++;
	}
	return 0;
}

int cmd_block(struct pl_opts *o)
{
	char *words[4] = { 0 }, *copy = NULL, *tok, *save = NULL;
	static char outbuf[PL_OUT_BUF_MIN];
	struct pl_out w, *json = NULL;
	struct pl_pinned p;
	struct pl_cidr c;
	int nw = 0, ret, n = 0;
	uint64_t now;

	if (o->filter) {
		copy = strdup(o->filter);
		for (tok = copy ? strtok_r(copy, " ", &save) : NULL; tok;
		     tok = strtok_r(NULL, " ", &save)) {
			if (nw == 4)
				break;
			words[nw++] = tok;
		}
	}
	ret = PL_EXIT_USAGE;
	if (!nw ||
	    (strcmp(words[0], "add") && strcmp(words[0], "del") && strcmp(words[0], "list"))) {
		pl_err("block: give add CIDR [--ttl SECONDS], del CIDR or list; see 'pktlens block "
		       "--help'");
		goto out;
	}
	if (!strcmp(words[0], "list") ? nw != 1 : nw != 2) {
		pl_err("block %s: %s; see 'pktlens block --help'", words[0],
		       !strcmp(words[0], "list") ? "takes no CIDR"
		       : nw < 2			 ? "needs a CIDR (e.g. 198.18.0.2 or 2001:db8::/64)"
						 : "takes one CIDR");
		goto out;
	}
	if ((o->ttl || o->force) && strcmp(words[0], "add")) {
		pl_err("block %s: %s is for block add", words[0], o->ttl ? "--ttl" : "--force");
		goto out;
	}
	if (nw == 2 && pl_parse_cidr(words[1], &c)) {
		pl_err("block %s: '%s' is not an IPv4 or IPv6 address or prefix (e.g. 198.18.0.2, "
		       "198.18.0.0/24, 2001:db8::/64)",
		       words[0], words[1]);
		goto out;
	}
	ret = pl_det_open_pinned(&p);
	if (ret)
		goto out;
	if (!strcmp(words[0], "add")) {
		ret = check_add(&p, &c, o->force);
		if (!ret)
			ret = block_add(&p, &c, o->ttl);
	} else if (!strcmp(words[0], "del")) {
		ret = block_del(&p, &c);
	} else {
		now = pl_clock_ns(CLOCK_MONOTONIC);
		if (o->json) {
			pl_out_init_file(&w, stdout, outbuf, sizeof(outbuf));
			json = &w;
		}
		list_one(p.drop4, false, json, now, pl_mono_to_epoch_ns(), &n);
		list_one(p.drop6, true, json, now, pl_mono_to_epoch_ns(), &n);
		if (!n && !o->json)
			printf("the drop list of pktlens %s (pid %u) is empty\n", p.meta.cmd,
			       p.meta.pid);
		ret = 0;
	}
	pl_det_close_pinned(&p);
out:
	free(copy);
	return ret;
}
