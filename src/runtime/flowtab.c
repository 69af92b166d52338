// SPDX-License-Identifier: BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "flowtab.h"
#include "percpu.h"
#include "ifaces.h"
#include "output/output.h"
#include "parse/parse.h"
#include "records/flow_key.h"
#include "util/htab.h"
#include "privacy/privacy.h"
#include "util/log.h"
#include "packet_skel.h"
#include "skel_common.h"

/* The atomic OR in flow_account.h works on the 8 bytes at tcp_flags. */
_Static_assert(offsetof(struct pl_flow_val, tcp_flags) % 8 == 0, "tcp_flags alignment");
_Static_assert(sizeof(struct pl_flow_key) == 48, "flow key layout");

#define BATCH 4096
/* cfg.quic: the ring that takes the QUIC Initials (1.2 kB and more each)
 * between two reads, 100 ms apart at most: about 800 */
#define QUIC_RING (1u << 20)
#define PORTS_BYTES ((size_t)PL_PORT_SLOTS * sizeof(struct pl_port_val))

const char *pl_flow_end_name(enum pl_flow_end why)
{
	switch (why) {
	case PL_END_IDLE:
		return "idle";
	case PL_END_ACTIVE:
		return "active";
	case PL_END_EXIT:
		return "end";
	}
	return "?";
}

void pl_flowtab_cfg_defaults(struct pl_flowtab_cfg *cfg)
{
	const char *pc = getenv("PKTLENS_FLOW_PERCPU"), *cache = getenv("PKTLENS_FLOW_CACHE");

	cfg->flow_entries = PL_FLOW_ENTRIES_DEFAULT;
	cfg->table_entries = PL_TABLE_ENTRIES_DEFAULT;
	cfg->flags = PL_FLOW_TABLE;
	cfg->atomic = !(pc && *pc == '1');
	cfg->cache = !(cache && *cache == '0');
	cfg->quic = false;
	cfg->ifs = NULL;
}

void pl_flowtab_cfg_opts(struct pl_flowtab_cfg *cfg, const struct pl_opts *o, uint32_t flags)
{
	pl_flowtab_cfg_defaults(cfg);
	cfg->flags = flags | (o->inner ? PL_FLOW_INNER : 0);
	if (o->flow_entries)
		cfg->flow_entries = o->flow_entries;
	if (o->table_entries)
		cfg->table_entries = o->table_entries;
}

static struct bpf_map *table_map(struct packet_bpf *skel, int which)
{
	switch (which) {
	case -1:
		return skel->maps.flows;
	case PL_TBL_SOURCES:
		return skel->maps.sources;
	case PL_TBL_PORTS:
		return skel->maps.ports;
	case PL_TBL_SNIS:
		return skel->maps.snis;
	case PL_TBL_DNS:
		return skel->maps.dns_names;
	case PL_TBL_HTTP:
		return skel->maps.http_hosts;
	case PL_TBL_IFACES:
		return skel->maps.ifaces;
	}
	return NULL; /* PL_TBL_QUIC_SNIS is user space's */
}

static bool quic_on(const struct pl_flowtab_cfg *cfg)
{
	return cfg->quic && (cfg->flags & PL_FLOW_NAMES);
}

/* Is a table in use under this configuration? */
static bool table_used(const struct pl_flowtab_cfg *cfg, int which)
{
	uint32_t flags = cfg->flags;

	switch (which) {
	case -1:
		return flags & PL_FLOW_TABLE;
	case PL_TBL_SOURCES:
		return flags & PL_FLOW_SOURCES;
	case PL_TBL_PORTS:
		return flags & PL_FLOW_PORTS;
	case PL_TBL_SNIS:
	case PL_TBL_DNS:
	case PL_TBL_HTTP:
		return flags & PL_FLOW_NAMES;
	case PL_TBL_IFACES:
		return flags & PL_FLOW_IFACES;
	case PL_TBL_QUIC_SNIS:
		return quic_on(cfg);
	}
	return false;
}

/* The per-CPU caches, when cfg asks for them and a table they serve is
 * used: their maps sized, their drain loaded. */
static int configure_cache(struct packet_bpf *skel, const struct pl_flowtab_cfg *cfg)
{
	if (!cfg->cache || !(cfg->flags & (PL_FLOW_TABLE | PL_FLOW_NAMES)))
		return 0;
	if (!pl_drain_possible()) {
		pl_info("flow caches off: this process may not run on every CPU "
			"(taskset or a cpuset), so it could not drain them; the tables are "
			"updated directly");
		return 0;
	}
	return pl_flow_caches_on(skel);
}

int pl_flowtab_configure(struct packet_bpf *skel, const struct pl_flowtab_cfg *cfg)
{
	enum bpf_map_type type = cfg->atomic ? BPF_MAP_TYPE_LRU_HASH : BPF_MAP_TYPE_LRU_PERCPU_HASH;
	int which, err = 0;
	long page = sysconf(_SC_PAGESIZE);

	skel->rodata->flow_flags = cfg->flags | (cfg->atomic ? PL_FLOW_ATOMIC : 0);
	for (which = -1; which < PL_TBL__COUNT; which++) {
		struct bpf_map *m = table_map(skel, which);
		uint32_t n = which == -1 ? cfg->flow_entries : cfg->table_entries;

		if (!m)
			continue;
		if (which == PL_TBL_IFACES)
			n = 4096; /* interfaces x protocols */
		if (which == PL_TBL_PORTS)
			n = PL_PORT_SLOTS; /* an array of every port, shared */
		else
			err = err ?: bpf_map__set_type(m, type);
		if (table_used(cfg, which))
			err = err ?: bpf_map__set_max_entries(m, n);
	}
	if ((cfg->flags & PL_FLOW_NAMES) && (cfg->flags & PL_FLOW_TABLE))
		err = err ?: bpf_map__set_max_entries(skel->maps.flow_names, cfg->table_entries);
	err = err ?: configure_cache(skel, cfg);
	/* flows, top and agent send no records: the smallest ring will do,
	 * unless QUIC Initials come up for their names */
	skel->rodata->quic_initials = quic_on(cfg);
	if (!skel->rodata->emit_records && page > 0)
		err = err ?: bpf_map__set_max_entries(skel->maps.events, quic_on(cfg)
									 ? QUIC_RING
									 : (uint32_t)page);
	if (err)
		pl_err("cannot size the flow tables: %s", strerror(-err));
	return err;
}

uint32_t pl_flowtab_max_entries(const struct pl_flowtab *t, int which)
{
	struct bpf_map *m = table_map(t->skel, which);

	if (which == PL_TBL_QUIC_SNIS)
		return t->quic_snis ? t->quic_snis->cap : 0;
	return m && table_used(&t->cfg, which) ? bpf_map__max_entries(m) : 0;
}

int pl_flowtab_open(struct pl_flowtab *t, struct packet_bpf *skel, const struct pl_flowtab_cfg *cfg)
{
	size_t vmax = sizeof(struct pl_flow_entry);

	memset(t, 0, sizeof(*t));
	t->skel = skel;
	t->cfg = *cfg;
	t->ncpu = cfg->atomic ? 1 : libbpf_num_possible_cpus();
	if (t->ncpu <= 0)
		return -EINVAL;
	if (sizeof(struct pl_flow_name) > vmax)
		vmax = sizeof(struct pl_flow_name);
	t->buf_keys = BATCH * sizeof(struct pl_name_key); /* the largest key */
	t->buf_vals = BATCH * (size_t)t->ncpu * ((vmax + 7) & ~(size_t)7);
	t->keys = malloc(t->buf_keys);
	t->vals = malloc(t->buf_vals);
	t->one = malloc((size_t)t->ncpu * ((vmax + 7) & ~(size_t)7));
	if (quic_on(cfg)) {
		t->quic_snis = calloc(1, sizeof(*t->quic_snis));
		if (t->quic_snis && pl_htab_init(t->quic_snis, sizeof(struct pl_name_key),
						 sizeof(__u64), cfg->table_entries)) {
			pl_htab_free(t->quic_snis);
			free(t->quic_snis);
			t->quic_snis = NULL;
		}
	}
	if (!t->keys || !t->vals || !t->one || (quic_on(cfg) && !t->quic_snis)) {
		pl_flowtab_close(t);
		return -ENOMEM;
	}
	if (table_used(cfg, PL_TBL_PORTS)) {
		void *m = mmap(NULL, PORTS_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
			       bpf_map__fd(skel->maps.ports), 0);

		if (m == MAP_FAILED) {
			int err = -errno;

			pl_flowtab_close(t);
			return err;
		}
		t->ports = m;
	}
	return 0;
}

void pl_flowtab_close(struct pl_flowtab *t)
{
	ring_buffer__free(t->rb);
	t->rb = NULL;
	if (t->quic_snis)
		pl_htab_free(t->quic_snis);
	free(t->quic_snis);
	t->quic_snis = NULL;
	free(t->keys);
	free(t->vals);
	free(t->one);
	t->keys = t->vals = t->one = NULL;
	if (t->ports)
		munmap(t->ports, PORTS_BYTES);
	t->ports = NULL;
}

int pl_flowtab_load(const struct pl_filter *filter, const struct pl_flowtab_cfg *cfg,
		    void (*before_load)(struct packet_bpf *skel, void *ctx), void *ctx,
		    struct packet_bpf **skel, struct pl_flowtab *t)
{
	struct packet_bpf *s = pl_open_packet(filter, 0);
	int ret = PL_EXIT_RUNTIME;

	*skel = NULL;
	if (!s)
		return PL_EXIT_RUNTIME;
	if (pl_flowtab_configure(s, cfg))
		goto fail;
	if (before_load)
		before_load(s, ctx);
	ret = pl_load_packet(s);
	if (ret)
		goto fail;
	if (pl_flowtab_open(t, s, cfg)) {
		pl_err("out of memory");
		ret = PL_EXIT_RUNTIME;
		goto fail;
	}
	/* the QUIC Initials of an L7 filter are judged here, decrypted */
	t->l7_filter = filter->needs_l7 ? filter : NULL;
	if (quic_on(cfg) && !pl_flowtab_ring(t, NULL, NULL)) {
		pl_flowtab_close(t);
		ret = PL_EXIT_RUNTIME;
		goto fail;
	}
	*skel = s;
	return 0;
fail:
	packet_bpf__destroy(s);
	return ret;
}

void pl_flowtab_read_counters(struct pl_flowtab *t)
{
	pl_sum_percpu(bpf_map__fd(t->skel->maps.flow_counters), PL_FCNT__COUNT, t->counters);
}

/* ---- summing per-CPU values ---- */

static size_t stride(size_t vsz)
{
	return (vsz + 7) & ~(size_t)7;
}

/* Sums n CPUs' flow entries at src (each stride(sizeof) apart) into dst;
 * the key is that of a CPU that counted the flow. */
static void sum_flow(struct pl_flow_entry *dst, const void *src, int n)
{
	const struct pl_flow_entry *e;
	const struct pl_flow_val *v;
	bool any = false;
	int c;

	memset(dst, 0, sizeof(*dst));
	for (c = 0; c < n; c++) {
		e = (const void *)((const char *)src + (size_t)c * stride(sizeof(*e)));
		v = &e->val;
		if (!v->packets)
			continue;
		if (!any)
			dst->key = e->key;
		dst->val.packets += v->packets;
		dst->val.bytes += v->bytes;
		dst->val.tcp_flags |= v->tcp_flags;
		if (v->handshake_us > dst->val.handshake_us)
			dst->val.handshake_us = v->handshake_us;
		if (!any || (v->first_ns && v->first_ns < dst->val.first_ns))
			dst->val.first_ns = v->first_ns;
		if (v->last_ns > dst->val.last_ns)
			dst->val.last_ns = v->last_ns;
		if (!any || v->ttl_min < dst->val.ttl_min)
			dst->val.ttl_min = v->ttl_min;
		if (v->ttl_max > dst->val.ttl_max)
			dst->val.ttl_max = v->ttl_max;
		any = true;
	}
}

/* Values made only of __u64 counters: summed word by word. */
static void sum_u64s(void *dst, const void *src, size_t vsz, int n)
{
	__u64 *d = dst;
	const __u64 *s;
	size_t w, words = vsz / 8;
	int c;

	memset(dst, 0, vsz);
	for (c = 0; c < n; c++) {
		s = (const void *)((const char *)src + (size_t)c * stride(vsz));
		for (w = 0; w < words; w++)
			d[w] += s[w];
	}
}

/* Name table values: packets summed, the name from a CPU that has it: a
 * per-CPU entry another CPU created starts all zero here, and count_name()
 * then counts on it without writing the name. */
static void sum_name(struct pl_name_val *dst, const void *src, int n)
{
	const struct pl_name_val *v;
	int c;

	memset(dst, 0, sizeof(*dst));
	for (c = 0; c < n; c++) {
		v = (const void *)((const char *)src + (size_t)c * stride(sizeof(*v)));
		if (v->name[0] && !dst->name[0])
			memcpy(dst->name, v->name, sizeof(dst->name));
		dst->packets += v->packets;
	}
}

/* ---- walking a map in batches ---- */

_Static_assert(sizeof(struct pl_name_val) <= sizeof(struct pl_flow_name), "the walk's value "
									  "buffers hold a name "
									  "table value");

struct walk {
	int fd;
	size_t ksz, vsz;
	bool flow; /* values are struct pl_flow_entry: the callback gets its
		    * key and its struct pl_flow_val */
	bool name; /* values are struct pl_name_val: the callback gets the
		    * name as the key and the packets as the value */
	bool del;  /* lookup and delete */
	bool src;  /* values are struct pl_src_entry: the callback gets its key
		    * and its struct pl_src_val */
	bool out;  /* the entries go to an output as they are (not expire) */
	pl_entry_fn fn;
	void *ctx;
};

/* Hands one summed entry to the walk's callback: with --anonymize or
 * --redact, its address or name as they leave (top, /metrics). */
static int deliver(const struct walk *w, const void *key, const void *val)
{
	const struct pl_name_val *nv = val;
	const struct pl_flow_entry *fe = val;
	const struct pl_src_entry *se = val;
	union {
		struct pl_flow_key flow;
		struct pl_src_key src;
		char name[sizeof(nv->name)];
	} k;

	if (w->flow)
		key = &fe->key, val = &fe->val;
	else if (w->src)
		key = &se->key, val = &se->val;
	if (!pl_privacy || !w->out)
		return w->name ? w->fn(w->ctx, nv->name, &nv->packets) : w->fn(w->ctx, key, val);
	if (w->name) {
		memcpy(k.name, nv->name, sizeof(k.name));
		pl_privacy_padded_name(k.name, sizeof(k.name));
		return w->fn(w->ctx, k.name, &nv->packets);
	}
	if (w->flow) {
		memcpy(&k.flow, key, sizeof(k.flow));
		pl_privacy_addr(k.flow.ip_ver == 6, k.flow.src);
		pl_privacy_addr(k.flow.ip_ver == 6, k.flow.dst);
		return w->fn(w->ctx, &k.flow, val);
	}
	if (w->src) {
		memcpy(&k.src, key, sizeof(k.src));
		pl_privacy_addr(k.src.ip_ver == 6, k.src.addr);
		return w->fn(w->ctx, &k.src, val);
	}
	return w->fn(w->ctx, key, val);
}

/* Sums n CPUs' source entries: the counters word by word (the key's words
 * too, then replaced), the key that of a CPU that counted the source. */
static void sum_source(struct pl_src_entry *dst, const void *src, int n)
{
	const struct pl_src_entry *e;
	int c;

	sum_u64s(dst, src, sizeof(*dst), n);
	memset(&dst->key, 0, sizeof(dst->key));
	for (c = 0; c < n; c++) {
		e = (const void *)((const char *)src + (size_t)c * stride(sizeof(*e)));
		if (e->val.packets) {
			dst->key = e->key;
			break;
		}
	}
}

static void summed(struct pl_flowtab *t, const struct walk *w, const void *raw, void *out)
{
	if (w->flow)
		sum_flow(out, raw, t->ncpu);
	else if (w->src)
		sum_source(out, raw, t->ncpu);
	else if (w->name)
		sum_name(out, raw, t->ncpu);
	else
		sum_u64s(out, raw, w->vsz, t->ncpu);
}

/* One entry at a time, for kernels without batch operations. */
static long walk_slow(struct pl_flowtab *t, const struct walk *w)
{
	char key[sizeof(struct pl_name_key)], next[sizeof(struct pl_name_key)];
	__u64 val[(sizeof(struct pl_flow_name) + 7) / 8];
	long n = 0;
	bool first = true;

	while (!bpf_map_get_next_key(w->fd, first ? NULL : key, next)) {
		first = false;
		memcpy(key, next, w->ksz);
		if ((w->del ? bpf_map_lookup_and_delete_elem(w->fd, key, t->vals)
			    : bpf_map_lookup_elem(w->fd, key, t->vals)))
			continue;
		summed(t, w, t->vals, val);
		n++;
		if (deliver(w, key, val))
			break;
	}
	return n;
}

static long walk_map(struct pl_flowtab *t, const struct walk *w)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u64 val[(sizeof(struct pl_flow_name) + 7) / 8];
	__u64 in = 0, out = 0;
	bool first = true;
	long n = 0;
	__u32 count, i;
	int err;

	if (t->no_batch)
		return walk_slow(t, w);
	for (;;) {
		count = BATCH;
		err = w->del ? bpf_map_lookup_and_delete_batch(w->fd, first ? NULL : &in, &out,
							       t->keys, t->vals, &count, &opts)
			     : bpf_map_lookup_batch(w->fd, first ? NULL : &in, &out, t->keys,
						    t->vals, &count, &opts);
		err = err ? -errno : 0;
		if (err && err != -ENOENT) {
			if (first && (err == -EINVAL || err == -ENOTSUP || err == -EOPNOTSUPP)) {
				t->no_batch = true;
				return walk_slow(t, w);
			}
			return err;
		}
		for (i = 0; i < count; i++) {
			summed(t, w, (char *)t->vals + (size_t)i * t->ncpu * stride(w->vsz), val);
			n++;
			if (deliver(w, (char *)t->keys + (size_t)i * w->ksz, val))
				return n;
		}
		if (err == -ENOENT)
			return n;
		first = false;
		in = out;
	}
}

/* The ports array's slots that counted a packet, in port order. */
static long walk_ports(struct pl_flowtab *t, const struct walk *w)
{
	struct pl_port_val v;
	struct pl_port_key k;
	long n = 0;
	__u32 i;

	if (!t->ports)
		return 0;
	for (i = 0; i < PL_PORT_SLOTS; i++) {
		v.packets = __atomic_load_n(&t->ports[i].packets, __ATOMIC_RELAXED);
		if (!v.packets)
			continue;
		v.bytes = __atomic_load_n(&t->ports[i].bytes, __ATOMIC_RELAXED);
		k = pl_port_key_of_slot(i);
		n++;
		if (deliver(w, &k, &v))
			break;
	}
	return n;
}

/* ---- QUIC names (cfg.quic) ----
 *
 * The kernel cannot read a QUIC client Initial's SNI: the ClientHello is
 * encrypted with keys user space derives (parse/quic_initial.c). With
 * cfg.quic the kernel counts the Initial in the tables as any packet and
 * sends it up whole (packet.bpf.c, quic_up()); here it is decrypted, its
 * SNI counted in quic_snis and made its flow's name, marked as QUIC
 * (PL_NAMEF_QUIC). A filter with L7 terms cannot be judged in the kernel
 * for an Initial: the kernel then leaves its accounting too, and
 * quic_account() does it here once the filter took the decrypted record.
 */

/* One more of a per-CPU counter of flow_counters, on CPU 0's slot. */
static void bump_counter(struct pl_flowtab *t, __u32 which)
{
	int fd = bpf_map__fd(t->skel->maps.flow_counters), ncpu = libbpf_num_possible_cpus();
	__u64 *v = ncpu > 0 ? calloc((size_t)ncpu, sizeof(*v)) : NULL;

	if (v && !bpf_map_lookup_elem(fd, &which, v)) {
		v[0]++;
		bpf_map_update_elem(fd, &which, v, BPF_ANY);
	}
	free(v);
}

/* m's value of key into t->one: zeroed and counted as new_counter when
 * the table has none. Per-CPU tables come as every CPU's value; these
 * updates go to the first CPU's. */
static void *lookup_or_new(struct pl_flowtab *t, struct bpf_map *m, const void *key,
			   __u32 new_counter)
{
	if (bpf_map_lookup_elem(bpf_map__fd(m), key, t->one)) {
		memset(t->one, 0, (size_t)t->ncpu * stride(bpf_map__value_size(m)));
		bump_counter(t, new_counter);
	}
	return t->one;
}

/* Does an entry keyed by a hash (pl_flow_entry, pl_src_entry) hold k?
 * An empty one takes it; another key's is a clash, counted as fail and
 * left alone, as entry_holds() does in the kernel. */
static bool entry_takes(struct pl_flowtab *t, void *ekey, __u64 packets, const void *k,
			size_t size, __u32 fail)
{
	if (!packets)
		memcpy(ekey, k, size);
	else if (!pl_key_eq(ekey, k, (__u32)(size / 8))) {
		bump_counter(t, fail);
		return false;
	}
	return true;
}

/* t->one back into m under key; a failure is counted as fail. */
static void store(struct pl_flowtab *t, struct bpf_map *m, const void *key, __u32 fail)
{
	if (bpf_map_update_elem(bpf_map__fd(m), key, t->one, BPF_ANY))
		bump_counter(t, fail);
}

/* One more packet of `bytes` in a table whose values start with {packets,
 * bytes} and whose key is the real one (ports, ifaces). The update is not
 * atomic: a packet the kernel counts in the same entry meanwhile may be
 * lost, which only an L7 filter's matches can do. */
static void add_packet(struct pl_flowtab *t, struct bpf_map *m, const void *key, uint64_t bytes,
		       __u32 new_counter)
{
	__u64 *v = lookup_or_new(t, m, key, new_counter);

	v[0]++;
	v[1] += bytes;
	store(t, m, key, PL_FCNT_TABLE_FAIL);
}

/* flow_account() for an Initial the filter took here: p is the record,
 * fp the packet its flow is of (p's inner one with --inner), k its key. */
static void quic_account(struct pl_flowtab *t, const struct pl_pkt *p, const struct pl_pkt *fp,
			 const struct pl_flow_key *k, const struct pl_frame_event *h)
{
	uint32_t flags = t->cfg.flags;

	if (flags & PL_FLOW_IFACES) {
		struct pl_iface_key ik = { .ifindex = h->ifindex };

		ik.ip_ver = (p->present & PL_HAS_IP6) ? 6 : (p->present & PL_HAS_IP4) ? 4 : 0;
		ik.proto = (p->present & PL_HAS_IP6_L4) ? p->l4_proto : ik.ip_ver ? p->ip_proto : 0;
		add_packet(t, t->skel->maps.ifaces, &ik, h->frame_len, PL_FCNT_IFACE_NEW);
	}
	if (flags & PL_FLOW_TABLE) {
		__u64 hash = pl_flow_hash(k);
		struct pl_flow_entry *e = lookup_or_new(t, t->skel->maps.flows, &hash,
							 PL_FCNT_FLOW_NEW);
		struct pl_flow_val *v = &e->val;

		if (entry_takes(t, &e->key, v->packets, k, sizeof(*k), PL_FCNT_FLOW_FAIL)) {
			if (!v->packets) {
				v->first_ns = v->last_ns = h->ts_mono_ns;
				v->ttl_min = v->ttl_max = fp->ip_ttl;
			}
			v->packets++;
			v->bytes += h->frame_len;
			if (h->ts_mono_ns > v->last_ns)
				v->last_ns = h->ts_mono_ns;
			if (fp->ip_ttl < v->ttl_min)
				v->ttl_min = fp->ip_ttl;
			if (fp->ip_ttl > v->ttl_max)
				v->ttl_max = fp->ip_ttl;
			store(t, t->skel->maps.flows, &hash, PL_FCNT_FLOW_FAIL);
		}
	}
	if (flags & PL_FLOW_SOURCES) {
		struct pl_src_key sk;
		__u64 hash;
		struct pl_src_entry *e;

		pl_src_key_of(k->ip_ver, fp->ip_src, &sk);
		hash = pl_src_hash(&sk);
		e = lookup_or_new(t, t->skel->maps.sources, &hash, PL_FCNT_SRC_NEW);
		if (entry_takes(t, &e->key, e->val.packets, &sk, sizeof(sk), PL_FCNT_TABLE_FAIL)) {
			e->val.packets++;
			e->val.bytes += h->frame_len;
			store(t, t->skel->maps.sources, &hash, PL_FCNT_TABLE_FAIL);
		}
	}
	/* t->ports: mapped when PL_FLOW_PORTS is on */
	if (t->ports && pl_pkt_port_slot(fp) < PL_PORT_SLOTS) {
		struct pl_port_val *v = t->ports + pl_pkt_port_slot(fp);

		/* the kernel adds to the same slots meanwhile */
		__atomic_fetch_add(&v->packets, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&v->bytes, h->frame_len, __ATOMIC_RELAXED);
	}
}

/* The Initial's SNI: counted, and its flow's name unless it has one. */
static void quic_name(struct pl_flowtab *t, const struct pl_pkt *p, const struct pl_flow_key *k)
{
	struct pl_flow_name fn = { .kind = PL_NAME_SNI, .flags = PL_NAMEF_QUIC };
	size_t len = p->l7.tls.sni_len < PL_NAME_MAX ? p->l7.tls.sni_len : PL_NAME_MAX;
	__u64 *n, hash;

	memcpy(fn.name, p->l7.tls.sni, len);
	n = pl_htab_find(t->quic_snis, fn.name);
	if (!n) {
		n = pl_htab_get(t->quic_snis, fn.name);
		t->quic_created++;
	}
	(*n)++;
	hash = pl_flow_hash(k);
	if ((t->cfg.flags & PL_FLOW_TABLE) &&
	    !bpf_map_update_elem(bpf_map__fd(t->skel->maps.flow_names), &hash, &fn, BPF_NOEXIST))
		bump_counter(t, PL_FCNT_FLOWNAME_NEW);
}

static int quic_frame(struct pl_flowtab *t, const void *data, size_t size)
{
	static struct pl_pkt p, inner;
	const struct pl_pkt *fp = &p;
	struct pl_frame_event h;
	struct pl_flow_key k = { 0 };
	__u16 linktype;

	memcpy(&h, data, sizeof(h));
	if (h.frame_len > size - sizeof(h))
		return 0;
	t->quic_initials++;
	linktype = t->cfg.ifs ? pl_ifaces_linktype(t->cfg.ifs, h.ifindex) : PL_LINK_ETHERNET;
	if (!pl_parse_frame_match(&p, t->l7_filter, (enum pl_linktype)linktype,
				  (const uint8_t *)data + sizeof(h), h.frame_len, h.frame_len))
		return 0;
	if ((t->cfg.flags & PL_FLOW_INNER) && pl_pkt_inner(&p, &inner))
		fp = &inner;
	if (!(fp->present & (PL_HAS_IP4 | PL_HAS_IP6)))
		return 0;
	pl_flow_key_of(fp, h.ifindex, &k);
	if (t->l7_filter)
		quic_account(t, &p, fp, &k, &h);
	if (!(p.present & PL_HAS_TLS_SNI) || !p.l7.tls.sni_len)
		return 0;
	t->quic_named++;
	quic_name(t, &p, &k);
	return 0;
}

static int on_ring(void *ctx, void *data, size_t size)
{
	struct pl_flowtab *t = ctx;
	__u16 type;

	if (size < sizeof(type))
		return 0;
	memcpy(&type, data, sizeof(type)); /* the kernel owns the ring's memory */
	if (type == PL_EV_QUIC_FRAME && size >= sizeof(struct pl_frame_event))
		return t->quic_snis ? quic_frame(t, data, size) : 0;
	return t->other ? t->other(t->other_ctx, data, size) : 0;
}

struct ring_buffer *pl_flowtab_ring(struct pl_flowtab *t, int (*fn)(void *, void *, size_t),
				    void *ctx)
{
	t->other = fn;
	t->other_ctx = ctx;
	if (!t->rb)
		t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_ring, t, NULL);
	if (!t->rb)
		pl_err("cannot set up the ring buffer: %s", strerror(errno));
	return t->rb;
}

int pl_flowtab_poll(struct pl_flowtab *t)
{
	int n = t->rb ? ring_buffer__consume(t->rb) : 0;

	return n < 0 && n != -EINTR ? n : 0;
}

int pl_flowtab_ring_fd(const struct pl_flowtab *t)
{
	return t->rb ? ring_buffer__epoll_fd(t->rb) : -1;
}

/* The QUIC names, as walk_map() hands out a kernel name table's. */
static long walk_quic(struct pl_flowtab *t, pl_entry_fn fn, void *ctx)
{
	struct walk w = { .name = true, .out = true, .fn = fn, .ctx = ctx };
	struct pl_name_val v;
	uint32_t i;

	for (i = 0; i < t->quic_snis->n; i++) {
		memcpy(v.name, pl_htab_key(t->quic_snis, i), sizeof(v.name));
		memcpy(&v.packets, pl_htab_val(t->quic_snis, i), sizeof(v.packets));
		if (deliver(&w, NULL, &v))
			return i + 1;
	}
	return i;
}

/* ---- flows ---- */

struct expire_ctx {
	struct pl_flowtab *t;
	uint64_t now, idle, active;
	bool all;
	pl_flow_fn fn;
	void *ctx;
	long exported;
	uint64_t seen;
};

static enum pl_flow_end end_reason(const struct expire_ctx *x, const struct pl_flow_val *v)
{
	if (x->all)
		return PL_END_EXIT;
	return pl_flow_end_reason(x->now, x->idle, x->active, v);
}

/* Exports one flow whose value is `v`; its L7 name goes with it. */
static void export_flow(struct expire_ctx *x, const struct pl_flow_key *k,
			const struct pl_flow_val *v, enum pl_flow_end why)
{
	struct pl_flowtab *t = x->t;
	struct pl_flow f;

	memset(&f, 0, sizeof(f));
	f.key = *k;
	f.val = *v;
	__u64 hash = pl_flow_hash(k);

	if (bpf_map_lookup_and_delete_elem(bpf_map__fd(t->skel->maps.flow_names), &hash, &f.name))
		memset(&f.name, 0, sizeof(f.name));
	if (t->attribute)
		t->attribute(t->attribute_ctx, k, &f.proc);
	t->flows_deleted++;
	if (why >= PL_END_IDLE && why <= PL_END_EXIT)
		t->exported[why]++;
	x->exported++;
	pl_privacy_flow(&f); /* every sink gets the record as it leaves */
	if (f.val.packets)
		x->fn(x->ctx, &f, why);
}

static int on_flow_all(void *ctx, const void *key, const void *val)
{
	struct expire_ctx *x = ctx;

	x->seen++;
	export_flow(x, key, val, PL_END_EXIT);
	return 0;
}

static int on_flow_timeout(void *ctx, const void *key, const void *val)
{
	struct expire_ctx *x = ctx;
	struct pl_flowtab *t = x->t;
	struct pl_flow_entry fresh;
	enum pl_flow_end why;
	__u64 hash = pl_flow_hash(key);

	x->seen++;
	if (!end_reason(x, val)) {
		if (t->attribute) /* a flow is attributed when first seen */
			t->attribute(t->attribute_ctx, key, NULL);
		return 0;
	}
	/* the value as it is when it leaves the table: packets that came
	 * since the batch was read are in the record */
	if (bpf_map_lookup_and_delete_elem(bpf_map__fd(t->skel->maps.flows), &hash, t->one))
		return 0; /* evicted meanwhile */
	sum_flow(&fresh, t->one, t->ncpu);
	why = end_reason(x, &fresh.val);
	export_flow(x, key, &fresh.val, why ? why : PL_END_IDLE);
	return 0;
}

/* The caches into the tables before a read; a drain that fails (no CPU
 * affinity any more, say) is said once, and the read goes on without what
 * the caches still hold. */
static void drain_caches(struct pl_flowtab *t)
{
	pl_drain_percpu_said(t->skel, &t->drain_failed,
			     "the counts read lag by what the flow caches hold; "
			     "PKTLENS_FLOW_CACHE=0 turns them off");
}

long pl_flowtab_expire(struct pl_flowtab *t, uint64_t now_mono_ns, uint64_t idle_ns,
		       uint64_t active_ns, bool all, pl_flow_fn fn, void *ctx)
{
	struct expire_ctx x = { .t = t,
				.now = now_mono_ns,
				.idle = idle_ns,
				.active = active_ns,
				.all = all,
				.fn = fn,
				.ctx = ctx };
	struct walk w = { .fd = bpf_map__fd(t->skel->maps.flows),
			  .ksz = sizeof(__u64),
			  .vsz = sizeof(struct pl_flow_entry),
			  .flow = true,
			  .del = all,
			  .fn = all ? on_flow_all : on_flow_timeout,
			  .ctx = &x };
	uint64_t deleted_before = t->flows_deleted, created, est;
	long n;

	if (!(t->cfg.flags & PL_FLOW_TABLE))
		return 0;
	/* the names of the QUIC flows that leave now are in */
	n = pl_flowtab_poll(t);
	if (n < 0)
		return n;
	drain_caches(t);
	pl_flowtab_read_counters(t);
	created = t->counters[PL_FCNT_FLOW_NEW];
	n = walk_map(t, &w);
	if (n < 0)
		return n;
	/* flows inserted = exported by us + evicted by the LRU + still there;
	 * what this walk exported was there when the counter was read */
	t->flow_entries = x.seen - (t->flows_deleted - deleted_before);
	if (all)
		t->flow_entries = 0;
	if (created > deleted_before + x.seen) {
		est = created - deleted_before - x.seen;
		if (est > t->flow_evictions)
			t->flow_evictions = est;
	}
	return x.exported;
}

long pl_flowtab_walk_flows(struct pl_flowtab *t, pl_entry_fn fn, void *ctx)
{
	struct walk w = { .fd = bpf_map__fd(t->skel->maps.flows),
			  .ksz = sizeof(__u64),
			  .vsz = sizeof(struct pl_flow_entry),
			  .flow = true,
			  .fn = fn,
			  .ctx = ctx,
			  .out = true };
	long n;

	if (!(t->cfg.flags & PL_FLOW_TABLE))
		return 0;
	drain_caches(t);
	n = walk_map(t, &w);
	if (n >= 0)
		t->flow_entries = (uint64_t)n;
	return n;
}

long pl_flowtab_walk(struct pl_flowtab *t, enum pl_table which, pl_entry_fn fn, void *ctx)
{
	static const __u32 new_counter[PL_TBL__COUNT] = {
		[PL_TBL_SOURCES] = PL_FCNT_SRC_NEW, [PL_TBL_SNIS] = PL_FCNT_SNI_NEW,
		[PL_TBL_DNS] = PL_FCNT_DNS_NEW,
		[PL_TBL_HTTP] = PL_FCNT_HTTP_NEW,   [PL_TBL_IFACES] = PL_FCNT_IFACE_NEW,
	};
	struct bpf_map *m = table_map(t->skel, which);
	struct walk w = { .fn = fn, .ctx = ctx, .out = true };
	uint64_t created;
	long n;

	if (which == PL_TBL_QUIC_SNIS && t->quic_snis) {
		n = pl_flowtab_poll(t);
		if (n < 0)
			return n;
		n = walk_quic(t, fn, ctx);
		t->tbl_entries[which] = (uint64_t)n;
		if (t->quic_created > (uint64_t)n &&
		    t->quic_created - (uint64_t)n > t->tbl_evictions[which])
			t->tbl_evictions[which] = t->quic_created - (uint64_t)n;
		return n;
	}
	if (!m || !table_used(&t->cfg, which))
		return 0;
	if (which != PL_TBL_IFACES)
		drain_caches(t);
	if (which == PL_TBL_PORTS) {
		n = walk_ports(t, &w);
		t->tbl_entries[which] = (uint64_t)n; /* and an array evicts nothing */
		return n;
	}
	w.fd = bpf_map__fd(m);
	w.ksz = bpf_map__key_size(m);
	w.vsz = bpf_map__value_size(m);
	w.name = which == PL_TBL_SNIS || which == PL_TBL_DNS || which == PL_TBL_HTTP;
	w.src = which == PL_TBL_SOURCES;
	pl_flowtab_read_counters(t);
	created = t->counters[new_counter[which]];
	n = walk_map(t, &w);
	if (n < 0)
		return n;
	t->tbl_entries[which] = (uint64_t)n;
	/* nothing removes these entries but the LRU */
	if (created > (uint64_t)n && created - (uint64_t)n > t->tbl_evictions[which])
		t->tbl_evictions[which] = created - (uint64_t)n;
	return n;
}

/* ---- formatting ---- */

const char *pl_proto_name(uint8_t proto, char *buf, size_t len)
{
	const char *name = pl_ip_proto_name(proto);

	if (name)
		return name;
	snprintf(buf, len, "%u", proto);
	return buf;
}

const char *pl_addr_str(uint8_t ip_ver, const uint8_t *addr, char *buf, size_t len)
{
	if (!inet_ntop(ip_ver == 6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}
