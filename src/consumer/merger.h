/* merger: consumer --merge: reads the partials that members of a
 * scaled-out group produce (partials.h) and writes each window once every
 * partition of the input topics has sealed it, merged in a fixed order
 * (topic, then partition), through the same report as a plain consumer.
 * A repeated set of partials for a (window, partition) already sealed is a
 * duplicate when equal, a conflict when not; partials of other settings
 * are refused. */
#ifndef KTRIO_MERGER_H
#define KTRIO_MERGER_H

#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fields.h"
#include "ktrio/log.h"
#include "report.h"
#include "sink.h"

typedef struct kt_merger_opts {
	const char *topic;  /* the partials topic (for the commits) */
	bool exit_at_end;   /* stop once the partials are read to their end */
	int64_t timeout_ms; /* write an unsealed window this long after its
			     * first partial, incomplete; 0: 3 windows */
	size_t max_groups;  /* per merged window */
	size_t max_windows; /* open at once (0: 1000); beyond, the oldest is
			     * written incomplete and counted (windows_overflow) */
	kt_sink *sink;      /* --output-topic (borrowed), or NULL */
} kt_merger_opts;

/* Run over consumer rk (subscribed to the partials topic, its rebalance
 * callback left to librdkafka's default) until *stop or, with exit_at_end,
 * the end of the partials: then the windows still open are written as
 * incomplete (after *stop they are left to the next run). After each
 * window written it commits its offsets of the partials topic, with
 * metadata (mstate.h) by which a merger restarted in the same group drops
 * the replayed partials of the windows already written. spec takes its group-by, stats and distinct names from the
 * first partial's settings (it must be empty); report must use spec.
 * Returns 0, 1 after a runtime failure, 2 when partials of other settings
 * came (logged, naming the setting). */
int kt_merger_run(rd_kafka_t *rk, const kt_merger_opts *o, kt_fieldspec *spec,
		  kt_report *report, FILE *out, const kt_log *log,
		  volatile sig_atomic_t *stop);

#endif
