// SPDX-License-Identifier: BSD-2-Clause
/* Pinning the drop list for `pktlens block`, and finding it again. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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

/*
 * What each pin must be. /sys/fs/bpf may be world-writable (a BPF
 * filesystem mounted without mode= is 1777), so the directory and every pin
 * in it are checked before use: a squatted directory, a symbolic link or a
 * pin of another map is never written to or unlinked in. meta last: it
 * tells `block` that the rest is there.
 */
struct pin_spec {
	const char *name; /* file in PL_PIN_DIR */
	const char *map;  /* the map's name in the kernel */
	__u32 type, key_size, value_size;
};

static const struct pin_spec pins[] = {
	{ "drop4", "det_drop4", BPF_MAP_TYPE_LPM_TRIE, sizeof(struct pl_lpm4),
	  sizeof(struct pl_block) },
	{ "drop6", "det_drop6", BPF_MAP_TYPE_LPM_TRIE, sizeof(struct pl_lpm6),
	  sizeof(struct pl_block) },
	{ "allow4", "det_allow4", BPF_MAP_TYPE_LPM_TRIE, sizeof(struct pl_lpm4), sizeof(__u8) },
	{ "allow6", "det_allow6", BPF_MAP_TYPE_LPM_TRIE, sizeof(struct pl_lpm6), sizeof(__u8) },
	{ "state", "det_state", BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct pl_det_state) },
	{ "meta", "det_meta", BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct pl_det_meta) },
};
#define N_PINS (sizeof(pins) / sizeof(pins[0]))
#define META   (N_PINS - 1)

#define BPF_FS_MAGIC_ 0xcafe4a11
#define RUN_DIR	      "/run/pktlens"
#define OWNER_NAME    "pin-owner"
#define OWNER_NOTE    RUN_DIR "/" OWNER_NAME

enum {
	PIN_NONE = -1,
	PIN_REFUSED = -2,
	PIN_DENIED = -3
};

static bool pinned_by_us;
static int pin_dirfd = -1; /* the directory this process pinned in */

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && (unsigned long)st.f_type == BPF_FS_MAGIC_;
}

/* Ours: root, or the user pktlens runs as (with capabilities). */
static bool trusted_uid(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

static unsigned read_owner_note(enum pl_log_level level);

/*
 * The pins are root's (a directory of mode 0700, bpf() needs CAP_BPF), so a
 * user who is not root cannot tell whether a detect or agent runs: say that
 * it is a matter of permission (and name the running one when the owner
 * note, readable by all, does), never "nothing runs" or "remove it".
 * Returns PIN_DENIED after one line at `level`.
 */
static int say_denied(const char *path, int err, enum pl_log_level level)
{
	unsigned pid = read_owner_note(PL_LOG_DEBUG);

	if (pid && (!kill((pid_t)pid, 0) || errno == EPERM))
		pl_log(level,
		       "permission denied: %s (%s) holds the drop list of pktlens (pid %u), and "
		       "only root may use it; run pktlens block as root (e.g. sudo pktlens block "
		       "list)",
		       path, strerror(err), pid);
	else
		pl_log(level,
		       "permission denied: %s (%s) is where a running pktlens detect or agent "
		       "keeps its drop list, and only root may look; run pktlens block as root "
		       "(e.g. sudo pktlens block list)",
		       path, strerror(err));
	return PIN_DENIED;
}

static bool is_denied(int err)
{
	return err == EACCES || err == EPERM;
}

/* Opens dir when it is what pktlens makes: a directory, not a symbolic
 * link, owned by root, of mode 0700, on a BPF filesystem. Returns its fd,
 * PIN_NONE when there is none, PIN_REFUSED after one line at `level`
 * that says what to remove, or PIN_DENIED after one line (say_denied). */
static int open_pin_dir(const char *dir, enum pl_log_level level)
{
	char why[96];
	struct statfs sf;
	struct stat st;
	int fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return PIN_NONE;
	if (fd < 0 && is_denied(errno))
		return say_denied(dir, errno, level);
	if (fd < 0) {
		if (errno == ELOOP || errno == ENOTDIR)
			snprintf(why, sizeof(why), "is %s, not a directory",
				 !lstat(dir, &st) && S_ISLNK(st.st_mode) ? "a symbolic link"
									 : "a file");
		else
			snprintf(why, sizeof(why), "cannot be opened (%s)", strerror(errno));
	} else if (fstat(fd, &st) || fstatfs(fd, &sf)) {
		snprintf(why, sizeof(why), "cannot be checked (%s)", strerror(errno));
	} else if (!trusted_uid(st.st_uid)) {
		snprintf(why, sizeof(why), "is owned by uid %u, not root", (unsigned)st.st_uid);
	} else if ((st.st_mode & 07777) != 0700) {
		snprintf(why, sizeof(why), "has mode %04o, not 0700",
			 (unsigned)(st.st_mode & 07777));
	} else if ((unsigned long)sf.f_type != BPF_FS_MAGIC_) {
		snprintf(why, sizeof(why), "is not on a BPF filesystem");
	} else {
		return fd;
	}
	if (fd >= 0)
		close(fd);
	pl_log(level, "%s %s: pktlens will not use it; remove it (rm -r %s) and start again", dir,
	       why, dir);
	return PIN_REFUSED;
}

/* Opens pin i of the directory dirfd (named dir in messages) and checks
 * that it is the map pktlens pinned: not a symbolic link, and of the map's
 * name, type and key and value sizes. Returns the map's fd, PIN_NONE when
 * there is no such pin, or PIN_REFUSED or PIN_DENIED after one line at
 * `level`. */
static int open_pin(int dirfd, const char *dir, size_t i, enum pl_log_level level)
{
	const struct pin_spec *p = &pins[i];
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	char path[64], shown[192], why[160];
	struct stat st;
	int fd;

	snprintf(shown, sizeof(shown), "%s/%s", dir, p->name);
	if (fstatat(dirfd, p->name, &st, AT_SYMLINK_NOFOLLOW)) {
		if (errno == ENOENT)
			return PIN_NONE;
		if (is_denied(errno))
			return say_denied(shown, errno, level);
		snprintf(why, sizeof(why), "cannot be checked (%s)", strerror(errno));
		goto refuse;
	}
	if (S_ISLNK(st.st_mode)) {
		snprintf(why, sizeof(why), "is a symbolic link");
		goto refuse;
	}
	/* through the checked directory, never through the path again */
	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dirfd, p->name);
	fd = bpf_obj_get(path);
	if (fd < 0 && is_denied(errno))
		return say_denied(shown, errno, level);
	if (fd < 0) {
		snprintf(why, sizeof(why), "cannot be opened (%s)", strerror(errno));
		goto refuse;
	}
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		snprintf(why, sizeof(why), "is not a BPF map (%s)", strerror(errno));
	} else if (info.type != p->type || info.key_size != p->key_size ||
		   info.value_size != p->value_size || strcmp(info.name, p->map)) {
		snprintf(why, sizeof(why),
			 "is map '%s' (type %u, key %u, value %u bytes), not %s (type %u, key %u, "
			 "value %u bytes)",
			 info.name, info.type, info.key_size, info.value_size, p->map, p->type,
			 p->key_size, p->value_size);
	} else {
		return fd;
	}
	close(fd);
refuse:
	pl_log(level, "%s/%s %s: pktlens will not use it; remove %s (rm -r %s) and start again",
	       dir, p->name, why, dir, dir);
	return PIN_REFUSED;
}

/* Opens /run/pktlens when it is root's and writable by no one else.
 * Returns its fd, PIN_NONE, or PIN_REFUSED after one line at `level`. */
static int open_run_dir(enum pl_log_level level)
{
	struct stat st;
	char why[96];
	int fd;

	fd = open(RUN_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return PIN_NONE;
	if (fd < 0)
		snprintf(why, sizeof(why), "is not a directory (%s)", strerror(errno));
	else if (fstat(fd, &st))
		snprintf(why, sizeof(why), "cannot be checked (%s)", strerror(errno));
	else if (!trusted_uid(st.st_uid))
		snprintf(why, sizeof(why), "is owned by uid %u, not root", (unsigned)st.st_uid);
	else if (st.st_mode & 022)
		snprintf(why, sizeof(why), "has mode %04o: others may write in it",
			 (unsigned)(st.st_mode & 07777));
	else
		return fd;
	if (fd >= 0)
		close(fd);
	pl_log(level, "%s %s: pktlens will not use it; remove it (rm -r %s) and start again",
	       RUN_DIR, why, RUN_DIR);
	return PIN_REFUSED;
}

/* The pid in the owner note, or 0 (none, or refused after one line). */
static unsigned read_owner_note(enum pl_log_level level)
{
	unsigned pid = 0;
	struct stat st;
	int dfd, fd;
	FILE *f;

	dfd = open_run_dir(level);
	if (dfd < 0)
		return 0;
	fd = openat(dfd, OWNER_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (fd < 0) {
		if (errno != ENOENT)
			pl_log(level,
			       "%s is not a file pktlens wrote (%s): pktlens will not use it; "
			       "remove it (rm %s)",
			       OWNER_NOTE, strerror(errno), OWNER_NOTE);
		return 0;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || !trusted_uid(st.st_uid) ||
	    (st.st_mode & 022)) {
		pl_log(level,
		       "%s is not a file pktlens wrote (not root's, or writable by others): "
		       "pktlens will not use it; remove it (rm %s)",
		       OWNER_NOTE, OWNER_NOTE);
		close(fd);
		return 0;
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return 0;
	}
	if (fscanf(f, "%u", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid;
}

/* Writes this process's pid into the owner note, for `block` in another
 * mount namespace: a new file (O_EXCL, O_NOFOLLOW) in a checked directory. */
static void write_owner_note(void)
{
	char buf[16];
	int dfd, fd, n;

	if (mkdir(RUN_DIR, 0755) && errno != EEXIST)
		return;
	dfd = open_run_dir(PL_LOG_WARN);
	if (dfd < 0)
		return;
	unlinkat(dfd, OWNER_NAME, 0);
	fd = openat(dfd, OWNER_NAME, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	close(dfd);
	if (fd < 0) {
		pl_warn("cannot write %s (%s); 'pktlens block' outside this mount namespace will "
			"not find the drop list",
			OWNER_NOTE, strerror(errno));
		return;
	}
	n = snprintf(buf, sizeof(buf), "%u\n", (unsigned)getpid());
	if (write(fd, buf, (size_t)n) != n)
		pl_warn("cannot write %s (%s)", OWNER_NOTE, strerror(errno));
	close(fd);
}

static void remove_owner_note(void)
{
	int dfd;

	if (read_owner_note(PL_LOG_DEBUG) != (unsigned)getpid())
		return;
	dfd = open_run_dir(PL_LOG_DEBUG);
	if (dfd < 0)
		return;
	unlinkat(dfd, OWNER_NAME, 0);
	close(dfd);
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
 * owner note in /run (shared by `ip netns exec`) says. Returns the checked
 * directory's fd with *m and dir filled, PIN_NONE (m->pid names a stale
 * owner, if any), PIN_REFUSED when a directory or pin was not what
 * pktlens makes (after one line at `level` for each), or PIN_DENIED (after
 * one line) when this user may not look. */
static int find_pins(char *dir, size_t n, struct pl_det_meta *m, enum pl_log_level level)
{
	char cand[2][128];
	int i, dfd, fd, nc = 0, ret = PIN_NONE;
	unsigned pid;

	memset(m, 0, sizeof(*m));
	if (is_bpffs("/sys/fs/bpf"))
		snprintf(cand[nc++], sizeof(cand[0]), "%s", PL_PIN_DIR);
	pid = read_owner_note(level);
	if (pid && pid != (unsigned)getpid())
		snprintf(cand[nc++], sizeof(cand[0]), "/proc/%u/root%s", pid, PL_PIN_DIR);
	for (i = 0; i < nc; i++) {
		dfd = open_pin_dir(cand[i], level);
		if (dfd == PIN_DENIED)
			return PIN_DENIED;
		if (dfd == PIN_REFUSED)
			ret = PIN_REFUSED;
		if (dfd < 0)
			continue;
		fd = open_pin(dfd, cand[i], META, level);
		if (fd == PIN_DENIED) {
			close(dfd);
			return PIN_DENIED;
		}
		if (fd == PIN_REFUSED)
			ret = PIN_REFUSED;
		if (fd >= 0) {
			if (!read_meta(fd, m) && owner_alive(m)) {
				close(fd);
				snprintf(dir, n, "%s", cand[i]);
				return dfd;
			}
			close(fd);
		}
		close(dfd);
	}
	return ret;
}

static struct bpf_map *map_of(struct packet_bpf *skel, size_t i)
{
	struct bpf_map *maps[N_PINS] = { skel->maps.det_drop4,	skel->maps.det_drop6,
					 skel->maps.det_allow4, skel->maps.det_allow6,
					 skel->maps.det_state,	skel->maps.det_meta };

	return maps[i];
}

static unsigned pinned_mask; /* which of pins[] this process pinned */

int pl_det_pin(struct packet_bpf *skel, const char *cmd)
{
	struct pl_det_meta m = { 0 };
	char path[64], other[160];
	const char *dir;
	__u32 zero = 0;
	size_t i;
	int fd;

	dir = pin_dir_here();
	if (!dir) {
		pl_warn("no BPF filesystem on /sys/fs/bpf and none can be mounted (%s); 'pktlens "
			"block' will not reach this drop list",
			strerror(errno));
		return -1;
	}
	fd = find_pins(other, sizeof(other), &m, PL_LOG_WARN);
	if (fd >= 0) {
		close(fd);
		pl_warn("pktlens %s (pid %u) holds the drop list in %s; 'pktlens block' acts on "
			"its list, not on this one's",
			m.cmd[0] ? m.cmd : "?", m.pid, PL_PIN_DIR);
		return 1;
	}
	if (fd == PIN_REFUSED || fd == PIN_DENIED)
		return -1; /* said what to remove, or why not */
	if (mkdir(dir, 0700) && errno != EEXIST) {
		pl_warn("cannot create %s (%s); 'pktlens block' will not reach this drop list", dir,
			strerror(errno));
		return -1;
	}
	pin_dirfd = open_pin_dir(dir, PL_LOG_WARN);
	if (pin_dirfd < 0) {
		pin_dirfd = -1;
		return -1;
	}
	/* nothing there, or the checked pins of a pktlens that is gone: take over */
	for (i = 0; i < N_PINS; i++)
		unlinkat(pin_dirfd, pins[i].name, 0);
	memset(&m, 0, sizeof(m));
	m.pid = (uint32_t)getpid();
	m.start_ticks = proc_start(m.pid);
	snprintf(m.cmd, sizeof(m.cmd), "%s", cmd);
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.det_meta), &zero, &m, BPF_ANY))
		return -1;
	pinned_by_us = true;
	for (i = 0; i < N_PINS; i++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", pin_dirfd, pins[i].name);
		if (bpf_obj_pin(bpf_map__fd(map_of(skel, i)), path)) {
			pl_warn("cannot pin %s/%s (%s); 'pktlens block' will not reach this drop "
				"list",
				dir, pins[i].name, strerror(errno));
			pl_det_unpin(skel);
			return -1;
		}
		pinned_mask |= 1u << i;
	}
	write_owner_note();
	return 0;
}

void pl_det_unpin(struct packet_bpf *skel)
{
	size_t i;

	if (!pinned_by_us || !skel)
		return;
	/* meta first: `block` stops finding the list before it goes */
	for (i = N_PINS; i-- > 0;)
		if (pinned_mask & (1u << i))
			unlinkat(pin_dirfd, pins[i].name, 0);
	pinned_mask = 0;
	close(pin_dirfd);
	pin_dirfd = -1;
	rmdir(PL_PIN_DIR); /* fails, harmlessly, when something else is pinned there */
	remove_owner_note();
	pinned_by_us = false;
}

int pl_det_open_pinned(struct pl_pinned *p)
{
	int *fds[N_PINS] = { &p->drop4, &p->drop6, &p->allow4, &p->allow6, &p->state, NULL };
	char dir[160];
	size_t i;
	int dfd;

	memset(p, 0, sizeof(*p));
	p->drop4 = p->drop6 = p->allow4 = p->allow6 = p->state = -1;
	dfd = find_pins(dir, sizeof(dir), &p->meta, PL_LOG_ERROR);
	if (dfd == PIN_REFUSED || dfd == PIN_DENIED)
		return PL_EXIT_RUNTIME; /* said what to remove, or why not */
	if (dfd < 0) {
		if (p->meta.pid)
			pl_err("no running 'pktlens detect' or 'pktlens agent': the one that "
			       "pinned %s (pid %u) is gone; start one, e.g. pktlens detect -i "
			       "IFACE",
			       PL_PIN_DIR, p->meta.pid);
		else
			pl_err("no running 'pktlens detect' or 'pktlens agent' (nothing pinned in "
			       "%s); start one, e.g. pktlens detect -i IFACE",
			       PL_PIN_DIR);
		return PL_EXIT_RUNTIME;
	}
	for (i = 0; i < META; i++) {
		*fds[i] = open_pin(dfd, dir, i, PL_LOG_ERROR);
		if (*fds[i] == PIN_NONE)
			pl_err("cannot open %s/%s: %s; is pktlens %s (pid %u) still starting? try "
			       "again",
			       dir, pins[i].name, strerror(ENOENT), p->meta.cmd, p->meta.pid);
		if (*fds[i] < 0) {
			*fds[i] = -1;
			close(dfd);
			pl_det_close_pinned(p);
			return PL_EXIT_RUNTIME;
		}
	}
	close(dfd);
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
