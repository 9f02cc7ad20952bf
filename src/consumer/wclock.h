/* wclock: the time side of tumbling windows: which window a time falls in,
 * and when a window may close (clock-aligned processing time, or event time
 * with a watermark, allowed lateness and an idle timeout). */
#ifndef KTRIO_WCLOCK_H
#define KTRIO_WCLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Event time is tracked per source (a partition): the watermark follows the
 * slowest source that is still active, so a backlog read from several
 * partitions at uneven speeds does not make the slower ones late. */
#define KT_WCLOCK_MAX_SOURCES 256

typedef struct kt_wclock_source {
	bool known;  /* assigned (or observed): takes part in the watermark */
	bool seen;   /* has delivered a record */
	bool at_end; /* read to its end: nothing pending, holds nothing back */
	int64_t max_seen;
	int64_t last_arrival; /* or the time it was assigned */
} kt_wclock_source;

typedef struct kt_wclock {
	int64_t size_ms;     /* window length W */
	bool event_time;     /* false: processing-time windows */
	int64_t lateness_ms; /* event time: watermark = max seen - lateness */
	int64_t idle_ms;     /* event time: after this long without records
			      * the watermark advances with the clock */
	bool seen;           /* any event time observed yet */
	int64_t max_seen;    /* highest event time observed */
	int64_t last_arrival;/* processing time of the last observation */
	int64_t watermark;   /* monotone; INT64_MIN until known */
	kt_wclock_source sources[KT_WCLOCK_MAX_SOURCES];
	size_t nsources;     /* sources[0..nsources) have been observed */
} kt_wclock;

void kt_wclock_init(kt_wclock *c, int64_t size_ms, bool event_time,
		    int64_t lateness_ms, int64_t idle_ms);

/* Start of the window holding t: floor(t / W) * W, also for t < 0. */
int64_t kt_wclock_window_start(const kt_wclock *c, int64_t t);

/* Note a record with event time t arriving at processing time now (from
 * source 0). */
void kt_wclock_observe(kt_wclock *c, int64_t t, int64_t now);

/* The same from a given source (a partition's index; sources beyond the
 * last share it). */
void kt_wclock_observe_from(kt_wclock *c, size_t source, int64_t t,
			    int64_t now);

/* Forget the sources (after a rebalance); the watermark stays. */
void kt_wclock_reset_sources(kt_wclock *c);

/* Declare a source (an assigned partition) at processing time now: until
 * it delivers a record, is read to its end or stays quiet for idle_ms, it
 * holds the watermark back, so a backlog read one partition after another
 * does not make the later partitions late. */
void kt_wclock_add_source(kt_wclock *c, size_t source, int64_t now);

/* Mark a source as read to its end (true) or not (false). */
void kt_wclock_source_at_end(kt_wclock *c, size_t source, bool at_end);

/* Advance and return the watermark at processing time now: in processing
 * time mode, now itself; in event time, the lowest max seen among the
 * active sources (not at their end, heard from within idle_ms; one that
 * has not delivered yet keeps the watermark where it is), minus lateness;
 * when no record came for idle_ms, max seen + time idle - lateness.
 * Never moves back. */
int64_t kt_wclock_advance(kt_wclock *c, int64_t now);

/* True when a record at event time t belongs to a window the watermark
 * has already passed (it would be emitted already): it is late. */
bool kt_wclock_is_late(const kt_wclock *c, int64_t t);

/* True when the window starting at start may be emitted. */
bool kt_wclock_closed(const kt_wclock *c, int64_t start);

#endif
