// SPDX-License-Identifier: BSD-2-Clause
/* The Kafka sink (kafka.h says what and why), on librdkafka. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include "kafka.h"
#include "util/log.h"

struct pl_kafka {
	rd_kafka_t *rk;
	rd_kafka_topic_t *topic[PL_KAFKA__KINDS];
	struct pl_out w; /* hands each record to on_record() */
	char buf[PL_OUT_BUF_MIN * 16];
	enum pl_kafka_kind kind; /* of the record being written */
	char key[64];
	size_t key_len;
	struct pl_kafka_stats st;
	/* records queued whose delivery report has yet to come: the depth.
	 * rd_kafka_outq_len() counts librdkafka's own requests and events
	 * too (one more than the queue holds, seen with the brokers down). */
	uint64_t unreported;
	int down; /* all brokers down, as librdkafka last said */
};

int pl_kafka_check_compression(const char *s)
{
	static const char *const ok[] = { "none", "gzip", "snappy", "lz4", "zstd" };
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(s, ok[i]))
			return 0;
	return -1;
}

/* librdkafka's own messages: problems as warnings, the rest with -v */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *msg)
{
	(void)rk;
	if (level <= 4)
		pl_warn("kafka: %s: %s", fac, msg);
	else
		pl_debug("kafka: %s: %s", fac, msg);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct pl_kafka *k = opaque;

	(void)rk;
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
		if (!k->down)
			pl_warn("kafka: every broker is unreachable (%s); records wait in the "
				"queue and are dropped and counted once it is full",
				reason);
		k->down = 1;
		return;
	}
	pl_warn("kafka: %s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct pl_kafka *k = opaque;

	(void)rk;
	if (k->unreported)
		k->unreported--;
	if (m->err) {
		k->st.errors++;
		return;
	}
	k->st.delivered++;
	k->down = 0;
}

/* One record from the writer: one message. */
static void on_record(void *ctx, const char *rec, size_t len)
{
	struct pl_kafka *k = ctx;
	rd_kafka_resp_err_t err;

	if (len && rec[len - 1] == '\n')
		len--; /* a message is the object, without the log's line end */
	err = rd_kafka_producev(k->rk, RD_KAFKA_V_RKT(k->topic[k->kind]),
				RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				RD_KAFKA_V_VALUE((void *)rec, len),
				RD_KAFKA_V_KEY(k->key_len ? k->key : NULL, k->key_len),
				RD_KAFKA_V_END);
	if (!err) {
		k->st.queued++;
		k->unreported++;
	} else if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
		k->st.dropped++;
	else
		k->st.errors++;
}

static int set(rd_kafka_conf_t *conf, const char *name, const char *value)
{
	char err[256];

	if (rd_kafka_conf_set(conf, name, value, err, sizeof(err)) == RD_KAFKA_CONF_OK)
		return 0;
	pl_err("kafka: %s: %s (docs/agent.md, 'Kafka'; librdkafka's CONFIGURATION.md lists the "
	       "settings)",
	       name, err);
	return -1;
}

struct pl_kafka *pl_kafka_open(const struct pl_kafka_cfg *c)
{
	struct pl_kafka *k = calloc(1, sizeof(*k));
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_mock_cluster_t *mock;
	char num[16], err[256];
	int i;

	if (!k || !conf)
		goto fail;
	rd_kafka_conf_set_opaque(conf, k);
	rd_kafka_conf_set_log_cb(conf, on_log);
	rd_kafka_conf_set_error_cb(conf, on_error);
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	snprintf(num, sizeof(num), "%u", c->queue ? c->queue : PL_KAFKA_QUEUE_DEFAULT);
	/* every replica acknowledges: a record counted delivered is stored */
	if (set(conf, "acks", "all") || set(conf, "queue.buffering.max.messages", num) ||
	    set(conf, "compression.codec", c->compression ? c->compression : "none") ||
	    (c->brokers && set(conf, "bootstrap.servers", c->brokers)))
		goto fail;
	for (i = 0; i < c->n_props; i++)
		if (set(conf, c->props[i][0], c->props[i][1]))
			goto fail;
	k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!k->rk) {
		pl_err("kafka: cannot create the producer: %s", err);
		goto fail;
	}
	conf = NULL; /* rd_kafka_new() owns it now */
	for (i = 0; i < PL_KAFKA__KINDS; i++) {
		if (!c->topics[i])
			continue;
		k->topic[i] = rd_kafka_topic_new(k->rk, c->topics[i], NULL);
		if (!k->topic[i]) {
			pl_err("kafka: topic '%s': %s", c->topics[i],
			       rd_kafka_err2str(rd_kafka_last_error()));
			goto fail;
		}
	}
	/* test.mock.num.brokers: say where librdkafka's mock cluster listens */
	mock = rd_kafka_handle_mock_cluster(k->rk);
	if (mock)
		pl_info("kafka: librdkafka's mock cluster at %s",
			rd_kafka_mock_cluster_bootstraps(mock));
	pl_out_init_fn(&k->w, on_record, k, k->buf, sizeof(k->buf));
	return k;
fail:
	if (conf)
		rd_kafka_conf_destroy(conf);
	pl_kafka_close(k);
	return NULL;
}

struct pl_out *pl_kafka_record(struct pl_kafka *k, enum pl_kafka_kind kind, const char *key)
{
	if (!k->topic[kind])
		return NULL;
	k->kind = kind;
	k->key_len = key ? strlen(key) : 0;
	if (k->key_len >= sizeof(k->key))
		k->key_len = sizeof(k->key) - 1;
	memcpy(k->key, key ? key : "", k->key_len);
	return &k->w;
}

void pl_kafka_poll(struct pl_kafka *k)
{
	if (k)
		rd_kafka_poll(k->rk, 0);
}

int pl_kafka_flush(struct pl_kafka *k, int timeout_ms)
{
	rd_kafka_flush(k->rk, timeout_ms);
	return (int)k->unreported;
}

void pl_kafka_close(struct pl_kafka *k)
{
	int i;

	if (!k)
		return;
	for (i = 0; i < PL_KAFKA__KINDS; i++)
		if (k->topic[i])
			rd_kafka_topic_destroy(k->topic[i]);
	if (k->rk)
		rd_kafka_destroy(k->rk);
	free(k);
}

void pl_kafka_stats(const struct pl_kafka *k, struct pl_kafka_stats *s)
{
	*s = k->st;
	s->depth = k->unreported;
}
