// SPDX-License-Identifier: BSD-2-Clause
/* Pinning the drop list for `pktlens block`, and finding it again. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pin.h"
#include "host.h"
#include "util/log.h"
#include "runtime/packet_skel.h"

/* meta last: it tells `block` that the rest is there */
void pl_det_prepare(struct packet_bpf *skel, const struct pl_det_config *cfg, bool detect)
{
	memcpy((void *)&skel->rodata->det_cfg, cfg, sizeof(*cfg));
	skel->rodata->detect_enabled = detect;
	skel->rodata->droplist_enabled = 1;
	if (detect) {
		bpf_map__set_max_entries(skel->maps.det_src, PL_DET_SRC_ENTRIES);
		bpf_map__set_max_entries(skel->maps.det_srcq, PL_DET_SRCQ_SLOTS);
		bpf_map__set_max_entries(skel->maps.det_dst, PL_DET_DST_SLOTS);
		bpf_map__set_max_entries(skel->maps.det_frag, PL_DET_FRAG_SLOTS);
		bpf_map__set_max_entries(skel->maps.det_arp, PL_DET_ARP_ENTRIES);
		bpf_map__set_max_entries(skel->maps.det_dns, PL_DET_DNS_ENTRIES);
	}
	if (cfg->rate_limit_pps)
		bpf_map__set_max_entries(skel->maps.det_rl, PL_DET_RL_ENTRIES);
}

static const char *const pin_names[] = { "drop4", "drop6", "allow4", "allow6", "state", "meta" };
#define N_PINS (sizeof(pin_names) / sizeof(pin_names[0]))

#define BPF_FS_MAGIC_ 0xcafe4a11
#define OWNER_NOTE "/run/pktlens/pin-owner"

static bool pinned_by_us;

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && (unsigned long)st.f_type == BPF_FS_MAGIC_;
}

/* Where this process pins: /sys/fs/bpf/pktlens, with a BPF filesystem
 * mounted on /sys/fs/bpf first when this mount namespace has none (inside
 * `ip netns exec`, which mounts a fresh /sys, that mount is private to it;
 * `block` then finds the pins through /proc/PID/root, see find_pins()). */
static const char *pin_dir_here(void)
{
	if (!is_bpffs("/sys/fs/bpf") && mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
		return NULL;
	return PL_PIN_DIR;
}

/* Field 22 of /proc/PID/stat: when the process started (clock ticks after
 * boot); 0 when there is no such process. */
static uint64_t proc_start(uint32_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	FILE *f;
	size_t n;
	int i;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')'); /* the command name may hold spaces */
	if (!p)
		return 0;
	for (i = 2; i < 22 && p; i++)
		p = strchr(p + 1, ' ');
	if (p)
		sscanf(p + 1, "%llu", &v);
	return v;
}

static bool owner_alive(const struct pl_det_meta *m)
{
	return m->pid && proc_start(m->pid) == m->start_ticks;
}

static int read_meta(int fd, struct pl_det_meta *m)
{
	__u32 zero = 0;

	memset(m, 0, sizeof(*m));
	return bpf_map_lookup_elem(fd, &zero, m);
}

/* The pins of a running pktlens: in this mount namespace, else where the
 * owner note in /run (shared by `ip netns exec`) says. Returns the meta
 * map's fd with *m and dir filled, or -1 (m->pid names a stale owner). */
static int find_pins(char *dir, size_t n, struct pl_det_meta *m)
{
	char cand[2][128], path[192];
	unsigned pid = 0;
	int i, fd, nc = 0;
	FILE *f;

	memset(m, 0, sizeof(*m));
	if (is_bpffs("/sys/fs/bpf"))
		snprintf(cand[nc++], sizeof(cand[0]), "%s", PL_PIN_DIR);
	f = fopen(OWNER_NOTE, "r");
	if (f) {
		if (fscanf(f, "%u", &pid) == 1 && pid && pid != (unsigned)getpid())
			snprintf(cand[nc++], sizeof(cand[0]), "/proc/%u/root%s", pid, PL_PIN_DIR);
		fclose(f);
	}
	for (i = 0; i < nc; i++) {
		snprintf(path, sizeof(path), "%s/meta", cand[i]);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		if (!read_meta(fd, m) && owner_alive(m)) {
			snprintf(dir, n, "%s", cand[i]);
			return fd;
		}
		close(fd);
	}
	return -1;
}

static struct bpf_map *map_of(struct packet_bpf *skel, size_t i)
{
	struct bpf_map *maps[N_PINS] = { skel->maps.det_drop4, skel->maps.det_drop6,
					 skel->maps.det_allow4, skel->maps.det_allow6,
					 skel->maps.det_state, skel->maps.det_meta };

	return maps[i];
}

int pl_det_pin(struct packet_bpf *skel, const char *cmd)
{
	struct pl_det_meta m = { 0 };
	char path[192], other[160];
	const char *dir;
	__u32 zero = 0;
	size_t i;
	int fd;
	FILE *f;

	fd = find_pins(other, sizeof(other), &m);
	if (fd >= 0) {
		close(fd);
		pl_warn("pktlens %s (pid %u) holds the drop list in %s; 'pktlens block' acts on its list, not on this one's",
			m.cmd[0] ? m.cmd : "?", m.pid, PL_PIN_DIR);
		return 1;
	}
	dir = pin_dir_here();
	if (!dir) {
		pl_warn("no BPF filesystem on /sys/fs/bpf and none can be mounted (%s); 'pktlens block' will not reach this drop list",
			strerror(errno));
		return -1;
	}
	/* nothing there, or pins of a pktlens that is gone: take over */
	for (i = 0; i < N_PINS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, pin_names[i]);
		unlink(path);
	}
	if (mkdir(dir, 0700) && errno != EEXIST) {
		pl_warn("cannot create %s (%s); 'pktlens block' will not reach this drop list",
			dir, strerror(errno));
		return -1;
	}
	memset(&m, 0, sizeof(m));
	m.pid = (uint32_t)getpid();
	m.start_ticks = proc_start(m.pid);
	snprintf(m.cmd, sizeof(m.cmd), "%s", cmd);
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.det_meta), &zero, &m, BPF_ANY))
		return -1;
	for (i = 0; i < N_PINS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, pin_names[i]);
		if (bpf_map__pin(map_of(skel, i), path)) {
			pl_warn("cannot pin %s (%s); 'pktlens block' will not reach this drop list",
				path, strerror(errno));
			pinned_by_us = true;
			pl_det_unpin(skel);
			return -1;
		}
	}
	pinned_by_us = true;
	/* for `block` in another mount namespace */
	mkdir("/run/pktlens", 0755);
	f = fopen(OWNER_NOTE, "w");
	if (f) {
		fprintf(f, "%u\n", m.pid);
		fclose(f);
	}
	return 0;
}

void pl_det_unpin(struct packet_bpf *skel)
{
	unsigned pid = 0;
	size_t i;
	FILE *f;

	if (!pinned_by_us || !skel)
		return;
	for (i = 0; i < N_PINS; i++)
		if (bpf_map__is_pinned(map_of(skel, i)))
			bpf_map__unpin(map_of(skel, i), NULL);
	rmdir(PL_PIN_DIR); /* fails, harmlessly, when something else is pinned there */
	f = fopen(OWNER_NOTE, "r");
	if (f) {
		if (fscanf(f, "%u", &pid) == 1 && pid == (unsigned)getpid())
			unlink(OWNER_NOTE);
		fclose(f);
	}
	pinned_by_us = false;
}

int pl_det_open_pinned(struct pl_pinned *p)
{
	int *fds[N_PINS] = { &p->drop4, &p->drop6, &p->allow4, &p->allow6, &p->state, NULL };
	char dir[160], path[224];
	size_t i;
	int meta;

	memset(p, 0, sizeof(*p));
	p->drop4 = p->drop6 = p->allow4 = p->allow6 = p->state = -1;
	meta = find_pins(dir, sizeof(dir), &p->meta);
	if (meta < 0) {
		if (p->meta.pid)
			pl_err("no running 'pktlens detect' or 'pktlens agent': the one that pinned %s (pid %u) is gone; start one, e.g. pktlens detect -i IFACE",
			       PL_PIN_DIR, p->meta.pid);
		else
			pl_err("no running 'pktlens detect' or 'pktlens agent' (nothing pinned in %s); start one, e.g. pktlens detect -i IFACE",
			       PL_PIN_DIR);
		return PL_EXIT_RUNTIME;
	}
	close(meta);
	for (i = 0; i < N_PINS - 1; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, pin_names[i]);
		*fds[i] = bpf_obj_get(path);
		if (*fds[i] < 0) {
			pl_err("cannot open %s: %s; is pktlens %s (pid %u) still starting? try again",
			       path, strerror(errno), p->meta.cmd, p->meta.pid);
			pl_det_close_pinned(p);
			return PL_EXIT_RUNTIME;
		}
	}
	return 0;
}

void pl_det_close_pinned(struct pl_pinned *p)
{
	if (p->drop4 >= 0)
		close(p->drop4);
	if (p->drop6 >= 0)
		close(p->drop6);
	if (p->allow4 >= 0)
		close(p->allow4);
	if (p->allow6 >= 0)
		close(p->allow6);
	if (p->state >= 0)
		close(p->state);
	p->drop4 = p->drop6 = p->allow4 = p->allow6 = p->state = -1;
}

/* One trie: collect the expired keys first (deleting while walking would
 * lose the walk's place), then delete them. *left counts what stays. */
static int sweep_one(int fd, uint64_t now, int *left)
{
	struct pl_lpm6 key, next, *dead = NULL;
	struct pl_block b;
	size_t n = 0, cap = 0, i;
	void *prev = NULL;
	int deleted = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &b))
			continue;
		if (!b.expires_ns || b.expires_ns > now) {
			(*left)++;
			continue;
		}
		if (n == cap) {
			struct pl_lpm6 *d = realloc(dead, (cap ? cap * 2 : 16) * sizeof(*d));

			if (!d) {
				(*left)++;
				break;
			}
			dead = d;
			cap = cap ? cap * 2 : 16;
		}
		dead[n++] = key;
	}
	for (i = 0; i < n; i++)
		if (!bpf_map_delete_elem(fd, &dead[i]))
			deleted++;
	free(dead);
	return deleted;
}

static bool trie_empty(int fd)
{
	struct pl_lpm6 next;

	return bpf_map_get_next_key(fd, NULL, &next) != 0;
}

int pl_det_set_state(int state_fd, bool maybe)
{
	struct pl_det_state st = { .maybe = maybe };
	__u32 zero = 0;

	return bpf_map_update_elem(state_fd, &zero, &st, BPF_ANY);
}

int pl_det_sweep(int drop4_fd, int drop6_fd, int state_fd, uint64_t now_mono_ns)
{
	int left = 0, n;

	n = sweep_one(drop4_fd, now_mono_ns, &left) + sweep_one(drop6_fd, now_mono_ns, &left);
	if (left)
		return n;
	/* both empty: XDP may skip the lookups, unless an entry came meanwhile
	 * (its adder sets the flag after its insert, so check after clearing) */
	pl_det_set_state(state_fd, false);
	if (!trie_empty(drop4_fd) || !trie_empty(drop6_fd))
		pl_det_set_state(state_fd, true);
	return n;
}
