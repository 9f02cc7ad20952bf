/* window: the aggregate of one tumbling window: groups by key, each with a
 * count and per-field statistics (exact moments, a quantile sketch) and
 * an optional distinct counter, in bounded memory. */
#ifndef KTRIO_WINDOW_H
#define KTRIO_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fields.h"
#include "hll.h"
#include "sketch.h"
#include "moments.h"

/* Statistics of one numeric field within one group. The records of the
 * group without a value for it (missing, null, not a number) are the
 * group's count minus moments.count: "skipped" in the output. */
typedef struct kt_stat {
	kt_moments moments;
	kt_sketch quantiles;
	/* The minimum and maximum exactly when they are integers of 2^53 or
	 * more (moments.min/max hold their nearest doubles). */
	int64_t min_int, max_int;
	bool min_is_int, max_is_int;
} kt_stat;

typedef struct kt_group {
	uint64_t hash;
	char *key; /* encoded group key (see fields.h), owned */
	size_t keylen;
	uint64_t count;
	kt_stat *stats[KT_MAX_STATS]; /* made on first value, owned */
	kt_hll *distinct;             /* made on first value, owned */
} kt_group;

typedef struct kt_window {
	int64_t start, end; /* [start, end) in ms */
	uint64_t records;   /* valid records counted in groups */
	uint64_t bytes;     /* their value bytes */
	uint64_t overflow;  /* records whose new group exceeded max_groups */
	int64_t opened_ms;  /* processing time it was opened (set by its user) */
	int64_t written_ms; /* processing time it is written (set by its user) */
	/* Written before its end (shutdown, end of input, a rebalance, too
	 * many open windows; set by its user): the same window may be
	 * written again later with what came after. */
	bool partial;
	kt_sketch latency;  /* opened_ms - Kafka timestamp, ms, per record */
	/* Bucket indexes for the latency's and the stats' sketches, one
	 * memo for all (never stale: kept across resets). */
	kt_sketch_memo memo;
	kt_group *groups;
	size_t ngroups, cap;
	uint32_t *buckets; /* open addressing: group index + 1, 0 = empty */
	size_t nbuckets;
	size_t max_groups;
	/* Per engine slot (the index of an assigned partition in the
	 * engine's table, not a partition number): the first offset counted
	 * here, or -1. */
	int64_t *min_offset;
	size_t nslots, slots_cap;
	/* A member of a scaled-out group (--partials-to) keeps one window
	 * per (interval, partition): the engine slot it holds records of
	 * (-1 otherwise), and that partition's greatest event time before
	 * the window's first record (max_seen_before; none when !seen_before),
	 * which a commit at that record's offset stores for a replay. */
	int32_t slot;
	bool seen_before;
	int64_t max_seen_before;
} kt_window;

/* An empty window [start, end) holding at most max_groups groups. */
kt_window *kt_window_new(int64_t start, int64_t end, size_t max_groups);
void kt_window_free(kt_window *w);

/* Forget everything and start again as [start, end), keeping memory for
 * reuse. */
void kt_window_reset(kt_window *w, int64_t start, int64_t end);

/* A new empty stat (NULL when out of memory), and its end; NULL is a
 * no-op. */
kt_stat *kt_stat_new(void);
void kt_stat_free(kt_stat *st);

/* Fold src into dst: moments by Chan's formula, sketch buckets added, the
 * exact extremes kept exact. -1 on allocation failure. */
int kt_stat_merge(kt_stat *dst, const kt_stat *src);

/* The group of key, made (empty) when new. NULL when it is new and the
 * window already holds max_groups (*oom left false: the caller counts
 * overflow) or memory ran out (*oom set). */
kt_group *kt_window_group(kt_window *w, const char *key, size_t keylen, bool *oom);

/* Count one record: its group (created if new and room is left, else the
 * record goes to overflow), its stats and distinct value. kafka_ts_ms < 0
 * means the message has no timestamp. -1 on allocation failure (the
 * record may be partly counted: the caller gives up). */
int kt_window_add(kt_window *w, const kt_extracted *x, size_t value_bytes,
		  int64_t kafka_ts_ms);

/* The q-quantile of end-to-end latency when the window is written at
 * written_ms: written_ms - Kafka timestamp, over its records; NAN when none
 * had a timestamp. (The sketch holds opened_ms - timestamp, so the time
 * spent waiting for the window to close is one shift for all records.) */
double kt_window_latency_ms(const kt_window *w, double q, int64_t written_ms);

/* Seconds the window was open when written at written_ms (at least 1 ms):
 * what its throughput is measured over. */
double kt_window_open_seconds(const kt_window *w, int64_t written_ms);

/* Remember that offset of the partition in engine slot `slot` was counted
 * here, for committing. -1 on allocation failure. */
int kt_window_note_offset(kt_window *w, int32_t slot, int64_t offset);

/* Lowest offset of slot counted in this window, or -1. */
int64_t kt_window_min_offset(const kt_window *w, int32_t slot);

/* Every group of w, the first min(top, ngroups) of them ordered by count,
 * largest first (ties by key, as memcmp orders them, a prefix first), the
 * rest after them in no particular order (SIZE_MAX: all ordered). Choosing
 * a few of many costs O(n log top), not a full sort. The array is owned by
 * the caller (free). NULL only when out of memory. */
kt_group **kt_window_sorted(const kt_window *w, size_t top);

#endif
