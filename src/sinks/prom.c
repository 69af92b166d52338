// SPDX-License-Identifier: BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "runtime/skel_common.h"
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

/*
 * Slow clients (issue 14). libmicrohttpd's connection timeout counts from
 * the last byte, so a client that sent a header line every few seconds kept
 * its connection for ever, and 64 of them starved /metrics. So:
 * - at most PROM_PER_IP_CONNS connections from one address (libmicrohttpd's
 *   own cap, against one attacking address);
 * - a request must be whole (its headers in) PROM_REQUEST_SECONDS after its
 *   connection was accepted: a sweep every SWEEP_MS shuts the socket of a
 *   late one down, and libmicrohttpd closes it (against many addresses);
 * - a connection that leaves fewer than SPARE_CONNS of PROM_MAX_CONNS free
 *   shuts the oldest unfinished request down, so a scrape that comes while
 *   slow clients fill the table is served at once, not after the deadline;
 * - every response closes its connection: one request per connection, so
 *   each request gets its own deadline.
 */
#define SPARE_CONNS 8
#define SWEEP_MS    250

enum {
	CUT_DEADLINE,
	CUT_ROOM
};

/* One accepted connection, from MHD_CONNECTION_NOTIFY_STARTED to _CLOSED
 * (libmicrohttpd closes the socket only after _CLOSED, so fd stays its). */
struct prom_conn {
	int fd;		   /* -1: a free slot */
	bool whole;	   /* its request came whole: answer() ran */
	bool cut;	   /* shut down; libmicrohttpd is closing it */
	uint64_t start_ns; /* CLOCK_MONOTONIC, when accepted */
};

struct pl_prom {
	struct MHD_Daemon *d;
	pthread_mutex_t lock; /* everything below */
	pthread_cond_t wake;  /* the sweeper's: stopping */
	pthread_t sweeper;
	bool stopping;
	char *text;
	size_t len;
	uint64_t scrapes;
	uint64_t cut[2]; /* by CUT_* */
	struct prom_conn conns[PROM_MAX_CONNS];
};

/* Under p->lock. */
static void cut_conn(struct pl_prom *p, struct prom_conn *c, int why)
{
	shutdown(c->fd, SHUT_RDWR);
	c->cut = true;
	p->cut[why]++;
}

static bool unfinished(const struct prom_conn *c)
{
	return c->fd >= 0 && !c->whole && !c->cut;
}

/* Under p->lock: a new connection (not yet in the table) takes a slot; if
 * that leaves too few free, the oldest unfinished request goes. */
static struct prom_conn *conn_add(struct pl_prom *p, int fd)
{
	struct prom_conn *slot = NULL, *oldest = NULL, *c;
	unsigned used = 0;

	for (c = p->conns; c < p->conns + PROM_MAX_CONNS; c++) {
		if (c->fd < 0) {
			if (!slot)
				slot = c;
			continue;
		}
		if (!c->cut)
			used++;
		if (unfinished(c) && (!oldest || c->start_ns < oldest->start_ns))
			oldest = c;
	}
	if (used + 1 > PROM_MAX_CONNS - SPARE_CONNS && oldest)
		cut_conn(p, oldest, CUT_ROOM);
	if (slot)
		*slot = (struct prom_conn){ .fd = fd, .start_ns = pl_clock_ns(CLOCK_MONOTONIC) };
	return slot;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct pl_prom *p = cls;
	const union MHD_ConnectionInfo *ci;
	struct prom_conn *c;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (!ci)
			return;
		pthread_mutex_lock(&p->lock);
		*socket_context = conn_add(p, ci->connect_fd);
		pthread_mutex_unlock(&p->lock);
		return;
	}
	c = *socket_context;
	if (!c)
		return;
	pthread_mutex_lock(&p->lock);
	c->fd = -1;
	pthread_mutex_unlock(&p->lock);
	*socket_context = NULL;
}

/* Shuts down the requests not whole PROM_REQUEST_SECONDS after their
 * connection was accepted, every SWEEP_MS until pl_prom_stop. */
static void *sweep(void *arg)
{
	struct pl_prom *p = arg;
	const uint64_t limit = PROM_REQUEST_SECONDS * 1000000000ull;
	struct prom_conn *c;
	struct timespec until;
	uint64_t now;

	pthread_mutex_lock(&p->lock);
	while (!p->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += SWEEP_MS * 1000000l;
		until.tv_sec += until.tv_nsec / 1000000000l;
		until.tv_nsec %= 1000000000l;
		pthread_cond_timedwait(&p->wake, &p->lock, &until);
		now = pl_clock_ns(CLOCK_MONOTONIC);
		for (c = p->conns; c < p->conns + PROM_MAX_CONNS; c++)
			if (unfinished(c) && now - c->start_ns >= limit)
				cut_conn(p, c, CUT_DEADLINE);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* The request on conn came whole: the deadline no longer applies. */
static void mark_whole(struct pl_prom *p, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct prom_conn *c = ci ? ci->socket_context : NULL;

	if (!c)
		return;
	pthread_mutex_lock(&p->lock);
	c->whole = true;
	pthread_mutex_unlock(&p->lock);
}

/* Queues r with status on conn, closing the connection after it. */
static MHD_RET respond(struct MHD_Connection *conn, unsigned status, struct MHD_Response *r)
{
	MHD_RET ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static MHD_RET answer(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
		      const char *version, const char *upload_data, size_t *upload_size,
		      void **con_cls)
{
	struct pl_prom *p = cls;
	struct MHD_Response *r;
	unsigned status = MHD_HTTP_OK;
	static const char not_found[] = "pktlens agent: see /metrics\n";

	(void)version, (void)upload_data, (void)upload_size, (void)con_cls;
	mark_whole(p, conn);
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return respond(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
			       MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT));
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
	return respond(conn, status, r);
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
	pthread_condattr_t ca;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;
	int i;

	if (parse_listen(listen, &ss)) {
		pl_err("metrics: '%s' is not ADDR:PORT (e.g. 127.0.0.1:9464 or [::1]:9464)",
		       listen);
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->wake, &ca);
	pthread_condattr_destroy(&ca);
	for (i = 0; i < PROM_MAX_CONNS; i++)
		p->conns[i].fd = -1;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	p->d = MHD_start_daemon(flags, 0, NULL, NULL, answer, p, MHD_OPTION_SOCK_ADDR, &ss,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)PROM_MAX_CONNS,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)PROM_PER_IP_CONNS,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)PROM_IDLE_SECONDS,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, p, MHD_OPTION_END);
	if (!p->d) {
		pl_err("metrics: cannot listen on %s (%s); is the port in use? choose another with "
		       "--metrics ADDR:PORT",
		       listen, strerror(errno));
		goto fail;
	}
	errno = pthread_create(&p->sweeper, NULL, sweep, p);
	if (errno) {
		pl_err("metrics: cannot start a thread: %s", strerror(errno));
		MHD_stop_daemon(p->d);
		goto fail;
	}
	return p;
fail:
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
	return NULL;
}

void pl_prom_stop(struct pl_prom *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->sweeper, NULL);
	MHD_stop_daemon(p->d);
	pthread_cond_destroy(&p->wake);
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

void pl_prom_stats(struct pl_prom *p, struct pl_prom_stats *s)
{
	pthread_mutex_lock(&p->lock);
	s->scrapes = p->scrapes;
	s->cut_deadline = p->cut[CUT_DEADLINE];
	s->cut_room = p->cut[CUT_ROOM];
	pthread_mutex_unlock(&p->lock);
}
