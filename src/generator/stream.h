/* stream: the generator's loop: draw events, pace them, produce them to
 * Kafka (or write them as JSON lines), count every delivery report, and
 * flush what is in flight on the way out. */
#ifndef KTRIO_STREAM_H
#define KTRIO_STREAM_H

#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "ktrio/log.h"

typedef struct kt_stream_opts {
	double rate;          /* events/s, 0 = as fast as possible */
	uint64_t count;       /* stop after this many, 0 = no limit */
	int64_t duration_ms;  /* stop after this long, 0 = no limit */
	int64_t start_time_ms;/* ts of event 0 when fixed (has_start_time) */
	bool has_start_time;
	const char *topic;
	int32_t partition;    /* RD_KAFKA_PARTITION_UA to let librdkafka pick */
	const char *key_field;/* event field used as message key, or NULL */
	int64_t flush_timeout_ms;
	bool progress;        /* refresh a progress line on stderr each second */
	bool progress_in_place; /* on a TTY: redraw the line with \r */
} kt_stream_opts;

typedef struct kt_stream_stats {
	uint64_t produced;  /* handed to librdkafka (or written, dry run) */
	uint64_t delivered; /* acknowledged by the broker */
	uint64_t failed;    /* delivery reports with an error */
	uint64_t bytes;     /* payload bytes produced */
	double elapsed_s;
} kt_stream_stats;

/* Install the delivery-report callback on a producer conf whose opaque is
 * a kt_kafka_ctx (arg unused; use as a kt_conf_hook). Each report counts
 * into the stats its message was produced with by kt_stream_produce, so
 * those must outlive the handle. */
void kt_stream_conf_hook(rd_kafka_conf_t *conf, void *arg);

/* Produce until count, duration or *stop. Returns 0 when every produced
 * event was delivered, -1 otherwise (reasons logged). */
int kt_stream_produce(rd_kafka_t *rk, kt_event_gen *gen,
		      const kt_stream_opts *o, kt_stream_stats *stats,
		      volatile sig_atomic_t *stop, const kt_log *log);

/* The same loop, writing events as JSON lines to out instead of Kafka
 * (written counts as delivered). -1 on a write error ("cannot write to
 * stdout", logged). */
int kt_stream_write(FILE *out, kt_event_gen *gen, const kt_stream_opts *o,
		    kt_stream_stats *stats, volatile sig_atomic_t *stop,
		    const kt_log *log);

#endif
