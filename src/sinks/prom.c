// SPDX-License-Identifier: BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>
#include "util/num.h"
#include "util/log.h"
#include "prom.h"

/* libmicrohttpd before 0.9.71 returns int from handlers */
#if MHD_VERSION >= 0x00097002
#define MHD_RET enum MHD_Result
#else
#define MHD_RET int
#endif

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct pl_prom {
	struct MHD_Daemon *d;
	pthread_mutex_t lock;
	char *text;
	size_t len;
	uint64_t scrapes;
};

static MHD_RET answer(void *cls, struct MHD_Connection *conn, const char *url,
		      const char *method, const char *version, const char *upload_data,
		      size_t *upload_size, void **con_cls)
{
	struct pl_prom *p = cls;
	struct MHD_Response *r;
	MHD_RET ret;
	unsigned status = MHD_HTTP_OK;
	static const char not_found[] = "pktlens agent: see /metrics\n";

	(void)version, (void)upload_data, (void)upload_size, (void)con_cls;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		ret = MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, r);
		MHD_destroy_response(r);
		return ret;
	}
	if (!strcmp(url, "/metrics")) {
		pthread_mutex_lock(&p->lock);
		r = MHD_create_response_from_buffer(p->len, p->text, MHD_RESPMEM_MUST_COPY);
		p->scrapes++;
		pthread_mutex_unlock(&p->lock);
		if (r)
			MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	} else {
		status = MHD_HTTP_NOT_FOUND;
		r = MHD_create_response_from_buffer(sizeof(not_found) - 1, (void *)not_found,
						    MHD_RESPMEM_PERSISTENT);
	}
	if (!r)
		return MHD_NO;
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* "127.0.0.1:9464", "[::1]:9464", ":9464" (all IPv4 addresses) */
static int parse_listen(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	char host[64];
	const char *colon;
	uint64_t port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		colon = strstr(s, "]:");
		if (!colon)
			return -1;
		hl = (size_t)(colon - s - 1);
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, s + 1, hl);
		host[hl] = 0;
		colon++;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hl = (size_t)(colon - s);
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, s, hl);
		host[hl] = 0;
	}
	if (pl_parse_uint(colon + 1, 1, 65535, &port))
		return -1;
	if (s[0] == '[') {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, host, &s6->sin6_addr) == 1 ? 0 : -1;
	}
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	if (!*host)
		return 0; /* INADDR_ANY */
	return inet_pton(AF_INET, host, &s4->sin_addr) == 1 ? 0 : -1;
}

int pl_prom_check_listen(const char *listen)
{
	struct sockaddr_storage ss;

	return parse_listen(listen, &ss);
}

struct pl_prom *pl_prom_start(const char *listen)
{
	struct sockaddr_storage ss;
	struct pl_prom *p;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;

	if (parse_listen(listen, &ss)) {
		pl_err("metrics: '%s' is not ADDR:PORT (e.g. 127.0.0.1:9464 or [::1]:9464)", listen);
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	p->d = MHD_start_daemon(flags, 0, NULL, NULL, answer, p, MHD_OPTION_SOCK_ADDR, &ss,
				MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_CONNECTION_TIMEOUT,
				10u, MHD_OPTION_END);
	if (!p->d) {
		pl_err("metrics: cannot listen on %s (%s); is the port in use? choose another with --metrics ADDR:PORT",
		       listen, strerror(errno));
		pthread_mutex_destroy(&p->lock);
		free(p);
		return NULL;
	}
	return p;
}

void pl_prom_stop(struct pl_prom *p)
{
	if (!p)
		return;
	MHD_stop_daemon(p->d);
	pthread_mutex_destroy(&p->lock);
	free(p->text);
	free(p);
}

void pl_prom_publish(struct pl_prom *p, char *text, size_t len)
{
	char *old;

	pthread_mutex_lock(&p->lock);
	old = p->text;
	p->text = text;
	p->len = len;
	pthread_mutex_unlock(&p->lock);
	free(old);
}

uint64_t pl_prom_scrapes(struct pl_prom *p)
{
	uint64_t n;

	pthread_mutex_lock(&p->lock);
	n = p->scrapes;
	pthread_mutex_unlock(&p->lock);
	return n;
}

/* ---- text ---- */

static void grow(struct pl_text *t, size_t more)
{
	size_t cap;
	char *b;

	if (t->oom || t->len + more + 1 <= t->cap)
		return;
	cap = t->cap ? t->cap : 4096;
	while (cap < t->len + more + 1)
		cap *= 2;
	b = realloc(t->buf, cap);
	if (!b) {
		t->oom = 1;
		return;
	}
	t->buf = b;
	t->cap = cap;
}

void pl_text_printf(struct pl_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	grow(t, (size_t)n);
	if (t->oom)
		return;
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

void pl_text_family(struct pl_text *t, const char *name, const char *type, const char *help)
{
	pl_text_printf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void pl_text_label(struct pl_text *t, const char *s, size_t n)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '\\' || c == '"')
			pl_text_printf(t, "\\%c", c);
		else if (c == '\n')
			pl_text_printf(t, "\\n");
		else if (c < 0x20 || c >= 0x7f)
			pl_text_printf(t, "\\\\x%02x", c);
		else
			pl_text_printf(t, "%c", c);
	}
}
