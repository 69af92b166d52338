/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Kafka export of the agent's records through librdkafka: each record is
 * one message, the same JSON line the log gets (written by output/json.c
 * into the sink's writer), keyed by the flow's Community ID so that a
 * flow's records share a partition.
 *
 * Delivery is at-least-once: librdkafka retries until message.timeout.ms
 * and reports each message's fate (delivered, or failed and counted). Its
 * producer queue is the bounded in-memory queue in front of the brokers
 * (queue.buffering.max.messages = `queue`): rd_kafka_producev() never
 * blocks, and a record that finds it full is dropped and counted, so the
 * agent's scan (and the packet path behind it) never waits for Kafka.
 */
#ifndef PKTLENS_KAFKA_H
#define PKTLENS_KAFKA_H

#include <stdint.h>
#include "output/json.h"

/* The record kinds, each to a topic of its own. (The agent exports no TCP
 * lifecycle events yet: `pktlens tcp` is a command of its own.) */
enum pl_kafka_kind {
	PL_KAFKA_FLOWS,
	PL_KAFKA_ALERTS,
	PL_KAFKA__KINDS
};

#define PL_KAFKA_MAX_PROPS 32
#define PL_KAFKA_QUEUE_DEFAULT 100000
#define PL_KAFKA_COMPRESSIONS "none, gzip, snappy, lz4, zstd"

struct pl_kafka_cfg {
	const char *brokers;			  /* bootstrap.servers */
	const char *topics[PL_KAFKA__KINDS];	  /* NULL: that kind is not sent */
	const char *compression;		  /* compression.codec */
	uint32_t queue;				  /* messages held at most */
	const char *props[PL_KAFKA_MAX_PROPS][2]; /* more librdkafka settings */
	int n_props;
};

struct pl_kafka;

/* 0 when s is one of PL_KAFKA_COMPRESSIONS. */
int pl_kafka_check_compression(const char *s);
/* A producer for c; NULL after a message naming the setting at fault. */
struct pl_kafka *pl_kafka_open(const struct pl_kafka_cfg *c);
/* The writer for one record of `kind` with message key `key` (NULL: none):
 * the record written to it next, up to pl_json_end(), is queued as one
 * message. NULL when the kind has no topic. */
struct pl_out *pl_kafka_record(struct pl_kafka *k, enum pl_kafka_kind kind, const char *key);
/* Serves delivery reports; never waits. */
void pl_kafka_poll(struct pl_kafka *k);
/* Waits up to timeout_ms for the queue to drain (at exit); returns the
 * messages still queued. */
int pl_kafka_flush(struct pl_kafka *k, int timeout_ms);
void pl_kafka_close(struct pl_kafka *k);

struct pl_kafka_stats {
	uint64_t queued;    /* records accepted into the queue */
	uint64_t delivered; /* acknowledged by the brokers */
	uint64_t dropped;   /* the queue was full */
	uint64_t errors;    /* failed for good (delivery report, or refused) */
	uint64_t depth;	    /* in the queue now, waiting or in flight */
};
void pl_kafka_stats(const struct pl_kafka *k, struct pl_kafka_stats *s);

#endif
