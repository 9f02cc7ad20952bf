/* partials: what members of a scaled-out consumer group send to the merger
 * (consumer --partials-to / --merge). Per (window, input partition) a
 * member produces the window's summary (see summary.h) in one or more
 * records, then a seal naming how many came before it, the partition's
 * health counts and the offsets they cover. Every record carries the
 * settings that must agree for a merge to be valid.
 *
 * Record layout (version 1, see wire.h): "KTP" 1, kind (1 piece, 2 seal),
 * settings, input topic, partition, the topic's partition count, window
 * start and end; a piece: its index, then the summary bytes; a seal: the
 * number of pieces, invalid counts by reason, filtered, late, the first
 * and next offsets read from the partition for the window; an end or a
 * through marker: the header alone. Key: the input
 * "topic/partition", so one partition's records stay in order. */
#ifndef KTRIO_PARTIALS_H
#define KTRIO_PARTIALS_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktrio/config.h"
#include "ktrio/kafka.h"
#include "ktrio/log.h"
#include "report.h"
#include "summary.h"

#define KT_PARTIALS_VERSION 1
/* A piece's summary stays below this: well under the broker's default
 * 1 MB message limit, with room for the header. */
#define KT_PARTIALS_MAX_PIECE (512 * 1024)

/* An end marker (no window: start and end 0) says the partition was read
 * to its end by a member stopping with --exit-at-end: every window it has
 * not sealed is empty there. A through marker (start and end both T) says
 * every window ending at or before T that the partition has not sealed is
 * empty there: a member sends it for its idle partitions, which would
 * otherwise seal nothing (see engine.c), and counts their records of
 * those windows late from then on. */
enum kt_partial_kind {
	KT_PARTIAL_PIECE = 1,
	KT_PARTIAL_SEAL = 2,
	KT_PARTIAL_END = 3,
	KT_PARTIAL_THROUGH = 4
};

/* One decoded partials record; every pointer borrows from the record. */
typedef struct kt_partial {
	uint8_t kind;
	const char *settings;
	size_t settings_len;
	const char *topic;
	size_t topic_len;
	int32_t partition;
	int32_t topic_partitions;
	int64_t start, end;
	/* piece */
	uint32_t index;
	const uint8_t *body; /* the summary */
	size_t body_len;
	/* seal */
	uint32_t pieces;
	kt_health health; /* lag unused (-1) */
	int64_t first_offset, next_offset;
} kt_partial;

/* Read one record's value. 0, or -1 with err saying what is malformed. */
int kt_partial_decode(const void *data, size_t len, kt_partial *out, char *err,
		      size_t errlen);

/* The settings a merge needs to agree on, as "name=value" lines joined by
 * ';' (a stable text: equal settings, equal text). */
int kt_partial_settings(char *buf, size_t buflen, const kt_fieldspec *spec,
			int64_t window_ms, int64_t lateness_ms, int64_t max_future_ms,
			bool kafka_time, const char *const *filters, size_t nfilters,
			size_t max_groups);

/* When settings a and b differ, the name of the first setting that does
 * (into name) and 1; 0 when equal. */
int kt_partial_settings_differ(const char *a, size_t alen, const char *b, size_t blen,
			       char *name, size_t namelen);

typedef struct kt_partials kt_partials;

/* A producer to topic (idempotent, acks=all) for the settings text
 * (copied). NULL with err when it cannot be made or the topic does not
 * exist. */
kt_partials *kt_partials_new(const kt_config *cfg, const char *topic, const char *settings,
			     const kt_log *log, char *err, size_t errlen);
void kt_partials_free(kt_partials *p);

/* Produce window w's pieces for input partition (topic, partition, of
 * topic_partitions), then its seal with health h and the offsets
 * [first, next). w NULL: an empty window [start, end), a seal alone.
 * spec names the stats. -1 on a failure to produce (logged). */
int kt_partials_send(kt_partials *p, const kt_window *w, int64_t start, int64_t end,
		     const kt_fieldspec *spec, const char *topic, int32_t partition,
		     int32_t topic_partitions, const kt_health *h, int64_t first,
		     int64_t next);

/* Produce the end marker of input partition (topic, partition). */
int kt_partials_send_end(kt_partials *p, const char *topic, int32_t partition,
			 int32_t topic_partitions);

/* Produce the through marker of input partition (topic, partition): it
 * has nothing more for any window ending at or before t. */
int kt_partials_send_through(kt_partials *p, const char *topic, int32_t partition,
			     int32_t topic_partitions, int64_t t);

/* Wait until everything sent is delivered (at most timeout_ms). 0 when
 * every record was delivered, -1 (logged) otherwise: then nothing may be
 * committed. */
int kt_partials_flush(kt_partials *p, int64_t timeout_ms);

#endif
