// SPDX-License-Identifier: BSD-2-Clause
/* The privacy settings, the key file and the records (privacy.h). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libpsl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "privacy/privacy.h"
#include "privacy/cryptopan.h"
#include "records/flow_record.h"
#include "records/tcp_events.h"
#include "runtime/flowtab.h"
#include "util/htab.h"
#include "util/log.h"

/* Mapped addresses kept: a v6 address costs 128 AES blocks, a hit none. */
#define CACHE_ENTRIES 65536

struct pl_privacy {
	bool anon; /* a key was given */
	bool no_payload;
	enum pl_redact redact;
	struct pl_cpan cpan;
	uint8_t hkey[32]; /* the names' HMAC key, derived from the key */
	const psl_ctx_t *psl;
	/* the agent's /metrics thread walks the top-N tables too */
	pthread_mutex_t lock;
	struct pl_htab cache; /* family byte + 16 bytes -> 16 bytes */
};

struct pl_privacy *pl_privacy;
static struct pl_privacy the_privacy;

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* 32 raw bytes, or 64 hex digits with white space around them */
static int parse_key(const uint8_t *buf, size_t n, uint8_t key[32])
{
	size_t i = 0, k = 0;

	if (n == 32) {
		memcpy(key, buf, 32);
		return 0;
	}
	while (i < n && isspace(buf[i]))
		i++;
	for (; k < 32 && i + 1 < n; k++, i += 2) {
		int hi = hexval(buf[i]), lo = hexval(buf[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		key[k] = (uint8_t)(hi << 4 | lo);
	}
	while (i < n && isspace(buf[i]))
		i++;
	return k == 32 && i == n ? 0 : -1;
}

int pl_privacy_check_key(const char *key_file, uint8_t key[32], char *msg, size_t len)
{
	uint8_t buf[160];
	struct stat st;
	ssize_t n;
	int fd = open(key_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		snprintf(msg, len, "cannot open the key file '%s': %s; make one with 'openssl rand -hex 32 > %s; chmod 600 %s'",
			 key_file, strerror(errno), key_file, key_file);
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(msg, len, "the key file '%s' is not a regular file; give a file of 64 hex digits", key_file);
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(msg, len, "the key file '%s' has mode %04o: group or others may read it; run 'chmod 600 %s'",
			 key_file, (unsigned int)(st.st_mode & 07777), key_file);
		close(fd);
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0 || parse_key(buf, (size_t)n, key)) {
		snprintf(msg, len, "the key file '%s' holds no key: give 32 bytes, or 64 hex digits ('openssl rand -hex 32 > %s')",
			 key_file, key_file);
		OPENSSL_cleanse(buf, sizeof(buf));
		return -1;
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

int pl_privacy_start(const char *key_file, enum pl_redact redact, bool no_payload,
		     const char *what)
{
	struct pl_privacy *p = &the_privacy;
	static const char label[] = "pktlens l7 redaction";
	uint8_t key[32];
	unsigned int hlen = sizeof(p->hkey);
	char msg[512];

	pl_privacy_stop();
	if (!key_file && redact) {
		pl_err("--redact hashes names with the key of --anonymize KEYFILE (privacy.key_file); give it too");
		return PL_EXIT_USAGE;
	}
	if (!key_file && !no_payload)
		return 0;
	memset(p, 0, sizeof(*p));
	p->redact = redact;
	p->no_payload = no_payload;
	if (key_file) {
		if (pl_privacy_check_key(key_file, key, msg, sizeof(msg))) {
			pl_err("%s: %s", what, msg);
			return PL_EXIT_USAGE;
		}
		if (pl_cpan_init(&p->cpan, key) ||
		    !HMAC(EVP_sha256(), key, sizeof(key), (const uint8_t *)label, sizeof(label) - 1,
			  p->hkey, &hlen) ||
		    pl_htab_init(&p->cache, 17, 16, CACHE_ENTRIES)) {
			OPENSSL_cleanse(key, sizeof(key));
			pl_cpan_free(&p->cpan);
			pl_htab_free(&p->cache);
			pl_err("%s: libcrypto cannot set up AES-128 and HMAC-SHA-256 (out of memory?)", what);
			return PL_EXIT_RUNTIME;
		}
		OPENSSL_cleanse(key, sizeof(key));
		p->anon = true;
	}
	if (redact == PL_REDACT_L7_SUFFIX) {
		/* the system's list (Debian's publicsuffix) when newer than the built-in one */
		p->psl = psl_latest(NULL);
		if (!p->psl)
			p->psl = psl_builtin();
		if (!p->psl) {
			pl_err("--redact l7:keep-suffix: libpsl has no public suffix list; install the publicsuffix package or use --redact l7");
			pl_privacy_stop();
			return PL_EXIT_RUNTIME;
		}
	}
	pthread_mutex_init(&p->lock, NULL);
	pl_privacy = p;
	return 0;
}

void pl_privacy_stop(void)
{
	struct pl_privacy *p = pl_privacy;

	if (!p)
		return;
	pl_privacy = NULL;
	pl_cpan_free(&p->cpan);
	pl_htab_free(&p->cache);
	if (p->psl && p->psl != psl_builtin())
		psl_free((psl_ctx_t *)p->psl);
	pthread_mutex_destroy(&p->lock);
	OPENSSL_cleanse(p, sizeof(*p));
}

void pl_privacy_addr(bool ip6, uint8_t *a)
{
	struct pl_privacy *p = pl_privacy;
	size_t n = ip6 ? 16 : 4;
	uint8_t key[17] = { 0 };
	uint8_t *v;

	if (!p || !p->anon)
		return;
	key[0] = ip6;
	memcpy(key + 1, a, n);
	pthread_mutex_lock(&p->lock);
	v = pl_htab_find(&p->cache, key);
	if (!v) {
		v = pl_htab_get(&p->cache, key);
		pl_cpan_anon(&p->cpan, ip6, a, v);
	}
	memcpy(a, v, n);
	pthread_mutex_unlock(&p->lock);
}

/* ---- names ---- */

/* "198.18.0.2", "198.18.0.2:80", "2001:db8::2", "[2001:db8::2]:80" mapped
 * as addresses: the new text's length, or 0 when s is no address */
static size_t map_literal(char *s, size_t len, size_t cap)
{
	char txt[64], out[80], port[64] = "";
	uint8_t a[16];
	bool ip6 = false;
	size_t n = len;
	int k;

	if (len == 0 || len >= sizeof(txt))
		return 0;
	memcpy(txt, s, len);
	txt[len] = 0;
	if (txt[0] == '[') {
		char *e = strchr(txt, ']');

		if (!e || (e[1] && e[1] != ':'))
			return 0;
		snprintf(port, sizeof(port), "%s", e + 1);
		*e = 0;
		memmove(txt, txt + 1, strlen(txt + 1) + 1);
		ip6 = true;
	} else if (strchr(txt, ':') && strchr(txt, ':') == strrchr(txt, ':')) {
		char *c = strchr(txt, ':');

		snprintf(port, sizeof(port), "%s", c); /* IPv4 with a port */
		*c = 0;
	} else if (strchr(txt, ':')) {
		ip6 = true;
	}
	if (inet_pton(ip6 ? AF_INET6 : AF_INET, txt, a) != 1)
		return 0;
	pl_privacy_addr(ip6, a);
	if (!inet_ntop(ip6 ? AF_INET6 : AF_INET, a, txt, sizeof(txt)))
		return 0;
	k = snprintf(out, sizeof(out), "%s%s%s%s", s[0] == '[' ? "[" : "", txt,
		     s[0] == '[' ? "]" : "", port);
	n = (size_t)k;
	if (k < 0 || n > cap)
		return 0;
	memcpy(s, out, n);
	return n;
}

/* "4.3.2.1.in-addr.arpa" and the 32 nibbles of ip6.arpa: the address in
 * them mapped; the new length, or 0 when it is no such name */
static size_t map_arpa(char *s, size_t len, size_t cap)
{
	static const char v4[] = ".in-addr.arpa", v6[] = ".ip6.arpa";
	char txt[80], out[128];
	uint8_t a[16];
	unsigned int b[4];
	int i, k, used = 0;

	if (len >= sizeof(txt))
		return 0;
	memcpy(txt, s, len);
	txt[len] = 0;
	if (len > sizeof(v4) - 1 && !strcasecmp(txt + len - (sizeof(v4) - 1), v4)) {
		if (sscanf(txt, "%3u.%3u.%3u.%3u.%n", &b[3], &b[2], &b[1], &b[0], &used) != 4 ||
		    (size_t)used != len - (sizeof(v4) - 2) || b[0] > 255 || b[1] > 255 ||
		    b[2] > 255 || b[3] > 255)
			return 0;
		for (i = 0; i < 4; i++)
			a[i] = (uint8_t)b[i];
		pl_privacy_addr(false, a);
		k = snprintf(out, sizeof(out), "%u.%u.%u.%u%s", a[3], a[2], a[1], a[0], v4);
	} else if (len == 63 + sizeof(v6) - 1 && !strcasecmp(txt + 63, v6)) {
		memset(a, 0, sizeof(a));
		for (i = 0; i < 32; i++) {
			int h = hexval(txt[2 * i]);

			if (h < 0 || txt[2 * i + 1] != '.')
				return 0;
			a[15 - i / 2] |= (uint8_t)(i % 2 ? h << 4 : h);
		}
		pl_privacy_addr(true, a);
		for (i = 0, k = 0; i < 32; i++)
			k += snprintf(out + k, sizeof(out) - (size_t)k, "%x.",
				      (a[15 - i / 2] >> (i % 2 ? 4 : 0)) & 0xf);
		k += snprintf(out + k, sizeof(out) - (size_t)k, "%s", v6 + 1);
	} else {
		return 0;
	}
	if (k < 0 || (size_t)k > cap)
		return 0;
	memcpy(s, out, (size_t)k);
	return (size_t)k;
}

/* PL_REDACT_HEX hex digits of HMAC-SHA-256(hkey, s) into out */
static void keyed_hash(const struct pl_privacy *p, const char *s, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	HMAC(EVP_sha256(), p->hkey, sizeof(p->hkey), (const uint8_t *)s, n, md, &mdlen);
	for (i = 0; i < PL_REDACT_HEX / 2; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
}

/* Bytes at the end of name[0..len) that are its public suffix (with the
 * dot before it), 0 when none is known, len when it is all suffix */
static size_t suffix_len(const struct pl_privacy *p, const char *name, size_t len)
{
	char low[PL_NAME_MAX + 1];
	const char *suf;
	size_t i;

	if (len > PL_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (!name[i])
			return 0;
		low[i] = (char)tolower((unsigned char)name[i]);
	}
	while (len && low[len - 1] == '.')
		len--;
	low[len] = 0;
	suf = psl_unregistrable_domain(p->psl, low);
	if (!suf)
		return 0;
	if (suf == low)
		return len;
	return len - (size_t)(suf - low) + 1;
}

size_t pl_privacy_name(char *name, size_t len, size_t cap, int kind)
{
	struct pl_privacy *p = pl_privacy;
	char out[PL_REDACT_HEX + 1 + PL_NAME_MAX];
	size_t n, keep = 0;

	if (!p || !len)
		return len;
	if (len > cap)
		len = cap;
	if (kind == 0 && p->anon) {
		n = map_literal(name, len, cap);
		if (!n)
			n = map_arpa(name, len, cap);
		if (n)
			return n;
	}
	if (!p->redact)
		return len;
	if (kind == 1) {
		/* a path keeps its leading '/' */
		n = name[0] == '/';
		out[0] = '/';
	} else {
		n = 0;
		if (p->redact == PL_REDACT_L7_SUFFIX)
			keep = suffix_len(p, name, len);
		if (keep >= len)
			return len; /* a public suffix alone names no host */
	}
	keyed_hash(p, name, len, out + n);
	n += PL_REDACT_HEX;
	if (keep && n + keep <= sizeof(out)) {
		memcpy(out + n, name + len - keep, keep);
		n += keep;
	}
	if (n > cap)
		n = cap;
	memcpy(name, out, n);
	return n;
}

void pl_privacy_padded_name(char *name, size_t cap)
{
	size_t len = strnlen(name, cap), n;

	if (!pl_privacy || !len)
		return;
	n = pl_privacy_name(name, len, cap, 0);
	if (n < cap)
		memset(name + n, 0, cap - n);
}

/* ---- records ---- */

static void name16(char *s, __u16 *len, size_t cap, int kind)
{
	*len = (__u16)pl_privacy_name(s, *len < cap ? *len : cap, cap, kind);
}

static void name8(char *s, __u8 *len, size_t cap, int kind)
{
	*len = (__u8)pl_privacy_name(s, *len < cap ? *len : cap, cap, kind);
}

const struct pl_pkt *pl_privacy_pkt(const struct pl_pkt *rec, struct pl_pkt *tmp)
{
	bool ip6 = rec->present & PL_HAS_IP6;

	if (!pl_privacy)
		return rec;
	*tmp = *rec;
	if (rec->present & PL_HAS_ARP) {
		pl_privacy_addr(false, tmp->arp_spa);
		pl_privacy_addr(false, tmp->arp_tpa);
	}
	if (rec->present & (PL_HAS_IP4 | PL_HAS_IP6)) {
		pl_privacy_addr(ip6, tmp->ip_src);
		pl_privacy_addr(ip6, tmp->ip_dst);
	}
	if (rec->tun_flags & PL_TUNF_INNER) {
		/* a tunnel's inner headers: a record's header part of their own */
		struct pl_pkt in;
		bool in6;

		memcpy(&in, rec->inner, PL_PKT_HDRS_LEN);
		in6 = in.present & PL_HAS_IP6;
		if (in.present & PL_HAS_ARP) {
			pl_privacy_addr(false, in.arp_spa);
			pl_privacy_addr(false, in.arp_tpa);
		}
		if (in.present & (PL_HAS_IP4 | PL_HAS_IP6)) {
			pl_privacy_addr(in6, in.ip_src);
			pl_privacy_addr(in6, in.ip_dst);
		}
		memcpy(tmp->inner, &in, PL_PKT_HDRS_LEN);
	}
	if (rec->present & PL_HAS_DNS) {
		unsigned int i;

		/* dns.a and dns.aaaa are addresses like the rest */
		for (i = 0; i < tmp->l7.dns.n_a && i < PL_DNS_MAX_ADDRS; i++)
			pl_privacy_addr(false, tmp->l7.dns.a[i]);
		for (i = 0; i < tmp->l7.dns.n_aaaa && i < PL_DNS_MAX_ADDRS; i++)
			pl_privacy_addr(true, tmp->l7.dns.aaaa[i]);
	}
	if (rec->present & PL_HAS_DNS_QRY)
		name16(tmp->l7.dns.name, &tmp->l7.dns.name_len, PL_DNS_NAME_MAX, 0);
	if (rec->present & PL_HAS_HTTP) {
		name16(tmp->l7.http.uri, &tmp->l7.http.uri_len, PL_HTTP_URI_MAX, 1);
		if (rec->present & PL_HAS_HTTP_HOST)
			name8(tmp->l7.http.host, &tmp->l7.http.host_len, PL_HTTP_HOST_MAX, 0);
	}
	if (rec->present & PL_HAS_TLS_SNI)
		name16(tmp->l7.tls.sni, &tmp->l7.tls.sni_len, PL_TLS_SNI_MAX, 0);
	return tmp;
}

const struct pl_alert_event *pl_privacy_alert(const struct pl_alert_event *rec,
					      struct pl_alert_event *tmp)
{
	bool ip6 = rec->flags & PL_ALERT_IP6;

	if (!pl_privacy)
		return rec;
	*tmp = *rec;
	if (rec->flags & PL_ALERT_SRC)
		pl_privacy_addr(ip6, tmp->src);
	if (rec->flags & PL_ALERT_DST)
		pl_privacy_addr(ip6, tmp->dst);
	if (rec->flags & PL_ALERT_DNS) {
		size_t n = strnlen(tmp->detail, sizeof(tmp->detail));

		/* detail_len is the whole name's; the hash covers the kept end */
		n = pl_privacy_name(tmp->detail, n, sizeof(tmp->detail), 0);
		if (n < sizeof(tmp->detail))
			memset(tmp->detail + n, 0, sizeof(tmp->detail) - n);
		tmp->detail_len = (__u16)n;
	}
	return tmp;
}

void pl_privacy_flow(struct pl_flow *f)
{
	if (!pl_privacy)
		return;
	pl_privacy_addr(f->key.ip_ver == 6, f->key.src);
	pl_privacy_addr(f->key.ip_ver == 6, f->key.dst);
	if (f->name.kind)
		pl_privacy_padded_name(f->name.name, sizeof(f->name.name));
}

void pl_privacy_tcp(struct pl_tcp_event *e)
{
	if (!pl_privacy)
		return;
	pl_privacy_addr(e->family == 6, e->saddr);
	pl_privacy_addr(e->family == 6, e->daddr);
}

static void map_addr(void *ctx, bool ip6, uint8_t *a)
{
	(void)ctx;
	pl_privacy_addr(ip6, a);
}

uint32_t pl_privacy_frame(uint8_t *data, uint32_t caplen, uint32_t linktype)
{
	struct pl_privacy *p = pl_privacy;

	if (!p)
		return caplen;
	return pl_rewrite_frame_of(data, caplen, linktype, p->no_payload, p->anon ? map_addr : NULL,
				   NULL);
}
