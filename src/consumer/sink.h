/* sink: consumer --output-topic: each window written is also produced to
 * a Kafka topic as its JSON object (the one --format json prints, without
 * the newline), keyed by the window's start as that object gives it
 * ("2026-01-01T00:00:05.000Z"), by an idempotent producer with acks=all.
 * A window counts as written only once its record is delivered: the
 * offsets it covers are committed after that. */
#ifndef KTRIO_SINK_H
#define KTRIO_SINK_H

#include <stdint.h>

#include "ktrio/config.h"
#include "ktrio/log.h"
#include "report.h"

typedef struct kt_sink kt_sink;

/* A producer to topic, which must exist (asked with a metadata request
 * for all topics, which no broker answers by creating one): NULL with err
 * ("output topic 'x' does not exist", or why the producer cannot be
 * made). */
kt_sink *kt_sink_new(const kt_config *cfg, const char *topic, const kt_log *log, char *err,
		     size_t errlen);

/* Render window w with h through report r's JSON writer (r's --top
 * applies as to --format json) and produce it, then wait for its delivery
 * (bounded by message.timeout.ms, 30 s unless -X sets it). 0 once
 * delivered; -1 when it cannot be produced or delivered (said on stderr,
 * naming the window): the caller must not commit what it covers. */
int kt_sink_window(kt_sink *s, kt_report *r, const kt_window *w, const kt_health *h);

/* Records delivered so far. */
uint64_t kt_sink_delivered(const kt_sink *s);

/* Flush what is still queued (at most timeout_ms) and free s; NULL is a
 * no-op. -1 when something was not delivered (said). */
int kt_sink_close(kt_sink *s, int64_t timeout_ms);

#endif
