/* engine: the consumer's loop: read records from a consumer group, decode,
 * filter and extract them, put them in tumbling windows, emit each window
 * when it closes and only then commit the offsets it covered. */
#ifndef KTRIO_ENGINE_H
#define KTRIO_ENGINE_H

#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fields.h"
#include "filter.h"
#include "ktrio/kafka.h"
#include "ktrio/log.h"
#include "partials.h"
#include "report.h"
#include "sink.h"

typedef struct kt_engine_opts {
	int64_t window_ms;
	bool event_time;       /* windows by record time (else processing time) */
	bool kafka_time;       /* ... taken from the message timestamp */
	int64_t lateness_ms;
	int64_t idle_ms;       /* a partition caught up this long holds nothing back */
	int64_t max_future_ms; /* event times further ahead of the clock are bad */
	bool exit_at_end;      /* stop when every assigned partition is at its end */
	size_t max_groups;     /* per window */
	size_t max_record_bytes;
	size_t threads;        /* threads decoding records (1..KT_ENGINE_MAX_THREADS) */
	int32_t total_partitions; /* of the subscribed topics (0: unknown) */
	const char *group;        /* for messages */
	bool warn_partial;        /* say once when holding only some partitions */
	bool from_set, until_set; /* --from-time, --until-time */
	int64_t from_ms, until_ms; /* epoch ms */
	int64_t query_timeout_ms; /* for the offsets of --from-time */
	const char *reset_policy; /* auto.offset.reset, for messages */
	/* A member of a scaled-out group (--partials-to, event time only):
	 * each window of each partition goes to the merger as partials
	 * (borrowed) instead of to the report; the partition counts of the
	 * subscribed topics go in every seal. */
	kt_partials *partials;
	/* --output-topic (borrowed, may be NULL): each window written is
	 * also produced there, delivered before its offsets are committed. */
	kt_sink *sink;
	const char *const *topics;
	const int32_t *topic_partitions;
	size_t ntopics;
} kt_engine_opts;

#define KT_ENGINE_MAX_THREADS 8

typedef struct kt_engine kt_engine;

/* The consumer handle's context: the shared one, and the engine its
 * rebalance callback serves. It outlives the handle, whose opaque is
 * &kafka (pass &ctx.kafka to kt_kafka_conf_new). */
typedef struct kt_engine_ctx {
	kt_kafka_ctx kafka; /* first: the handle's opaque */
	kt_engine *engine;  /* set by kt_engine_new */
} kt_engine_ctx;

/* An engine over consumer rk (borrowed), made with a kt_engine_ctx and
 * kt_engine_rebalance_cb; spec, report and out are borrowed and must
 * outlive it. filter (may be NULL: keep every record) is only read here:
 * each decoding thread gets a copy of its own, owned by the engine (a
 * filter is not shared between threads). NULL on OOM or when a decoding
 * thread cannot start. */
kt_engine *kt_engine_new(rd_kafka_t *rk, const kt_engine_opts *o,
			 kt_fieldspec *spec, const kt_filter *filter,
			 kt_report *report, FILE *out, const kt_log *log);
void kt_engine_free(kt_engine *e);

/* The rebalance callback the engine needs (emit and commit before giving
 * partitions up): set it on the consumer's conf before the handle is made;
 * it reaches the engine through the handle's kt_engine_ctx. */
void kt_engine_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
			    rd_kafka_topic_partition_list_t *parts, void *opaque);

/* Run until *stop, or the end of every partition with exit_at_end; then
 * emit the open windows and commit. Returns 0, or -1 after a fatal error
 * (output failure, allocation failure), logged. The shutdown that begins
 * then (this commit and kt_engine_close) is bounded: at most 5 s from the
 * stop. A commit that gets no answer in time (an absent broker, a deleted
 * topic) is given up and the offsets not committed are named on stderr;
 * so is a commit at a rebalance after 10 s. */
int kt_engine_run(kt_engine *e, volatile sig_atomic_t *stop);

/* After kt_engine_run: leave the group (rd_kafka_consumer_close_queue,
 * the revocation written and committed as at any rebalance) within the
 * shutdown's time. 0 when closed; -1 when not (said on stderr): then
 * destroy the handle with RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE. */
int kt_engine_close(kt_engine *e);

/* Whether the shutdown (kt_engine_run's end, kt_engine_close) left
 * offsets uncommitted: the group reads those records again. */
bool kt_engine_uncommitted(const kt_engine *e);

/* Records counted so far (valid, invalid, filtered, late). */
uint64_t kt_engine_records_seen(const kt_engine *e);

/* Whether a partition's committed offset was found gone from the log
 * (and said): the group had offsets, it did not start at the end for
 * want of them. */
bool kt_engine_commit_lost(const kt_engine *e);

#endif
