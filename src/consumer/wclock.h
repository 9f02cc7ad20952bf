/* wclock: the time side of tumbling windows: which window a time falls in,
 * which records are late, and when a window may close (clock-aligned
 * processing time, or event time with per-partition watermarks, allowed
 * lateness and idle partitions). */
#ifndef KTRIO_WCLOCK_H
#define KTRIO_WCLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One source of event time: an assigned partition. Its watermark is the
 * greatest event time read from it minus the allowed lateness, so whether
 * one of its records is late depends only on the records before it in the
 * same partition. */
typedef struct kt_wclock_source {
	bool seen;            /* has delivered a record with a usable time */
	int64_t max_seen;     /* the greatest event time read from it */
	bool idle;            /* found caught up for idle_ms: holds nothing back */
	int64_t caught_since; /* first found caught up at caught_pos; INT64_MIN: not */
	int64_t caught_pos;
	bool finished;        /* delivers nothing more: idle for good */
} kt_wclock_source;

typedef struct kt_wclock {
	int64_t size_ms;       /* window length W */
	bool event_time;       /* false: processing-time windows */
	int64_t lateness_ms;   /* event time: a source's watermark lags its max */
	int64_t idle_ms;       /* event time: caught up this long = idle */
	int64_t max_future_ms; /* event time: further ahead of the clock = bad */
	/* Windows ending at or before it are closed (written or never to be):
	 * processing time, the clock; event time, the lowest watermark of the
	 * sources that can still contribute. Monotone; INT64_MIN until known. */
	int64_t watermark;
	kt_wclock_source *sources; /* owned, one per assignment slot */
	size_t nsources, cap;
} kt_wclock;

/* A clock without sources (allocates nothing). */
void kt_wclock_init(kt_wclock *c, int64_t size_ms, bool event_time,
		    int64_t lateness_ms, int64_t idle_ms, int64_t max_future_ms);

/* Free the sources. */
void kt_wclock_release(kt_wclock *c);

/* Start of the window holding t: floor(t / W) * W, also for t < 0. */
int64_t kt_wclock_window_start(const kt_wclock *c, int64_t t);

/* Append n fresh sources (newly assigned partitions: each holds every
 * window back until it delivers a record or is idle). -1 on allocation
 * failure (nothing added). */
int kt_wclock_add_sources(kt_wclock *c, size_t n);

/* Remove source i (a revoked partition); those after it move down one. */
void kt_wclock_remove_source(kt_wclock *c, size_t i);

/* Remove every source (an eager rebalance); the watermark stays. */
void kt_wclock_clear_sources(kt_wclock *c);

/* True when event time t lies more than max_future_ms ahead of the
 * processing time now: a bad time, kept out of every watermark. */
bool kt_wclock_too_far_ahead(const kt_wclock *c, int64_t t, int64_t now);

/* True when a record at event time t read from source i is late: its
 * window ends at or before that source's watermark, or is already closed.
 * (Processing time: source is ignored, only the clock counts.) */
bool kt_wclock_is_late(const kt_wclock *c, size_t source, int64_t t);

/* Note a record at event time t from source i (not late, not bad). The
 * source is no longer idle. */
void kt_wclock_observe(kt_wclock *c, size_t source, int64_t t);

/* The result of asking the cluster for source i's high watermark: whether
 * the application's position pos had reached it, the clock just before the
 * question was sent (sent_ms) and just after the answer came (answered_ms).
 * A source becomes idle when a question sent idle_ms or more after it was
 * first found caught up finds it still caught up at the same position: no
 * record was appended in between, however long this process was stopped. */
void kt_wclock_caught_up(kt_wclock *c, size_t source, bool caught_up,
			 int64_t pos, int64_t sent_ms, int64_t answered_ms);

/* Source i's high watermark could not be learnt this time: it is not
 * idle until an answer says so (the timer goes on: two answers at the same
 * position still prove nothing was appended between them). */
void kt_wclock_unanswered(kt_wclock *c, size_t source);

/* Source i has delivered all it will (--until-time reached): idle for
 * good, whatever is observed or answered about it later. */
void kt_wclock_finish(kt_wclock *c, size_t source);

/* The cluster could not be asked (unreachable, a question that failed) or
 * this process was stalled: no source is idle, every idle timer restarts. */
void kt_wclock_suspend(kt_wclock *c);

/* True when there are sources and every one is idle: nothing can still
 * contribute, every open window may be written. */
bool kt_wclock_all_idle(const kt_wclock *c);

/* Advance and return the watermark at processing time now: in processing
 * time, now itself; in event time, the lowest watermark among sources that
 * are not idle (unchanged while one of them has delivered nothing). Never
 * moves back. */
int64_t kt_wclock_advance(kt_wclock *c, int64_t now);

/* Move the watermark up to at least t (windows written because every
 * source is idle: records for them are late from now on). */
void kt_wclock_close_through(kt_wclock *c, int64_t t);

/* True when the window starting at start may be written. */
bool kt_wclock_closed(const kt_wclock *c, int64_t start);

#endif
