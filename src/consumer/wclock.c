/* wclock: window assignment, per-partition watermarks and idle partitions
 * for tumbling windows. */
#include "wclock.h"
#include "ktrio/vec.h"

#include <stdlib.h>

void kt_wclock_init(kt_wclock *c, int64_t size_ms, bool event_time,
		    int64_t lateness_ms, int64_t idle_ms, int64_t max_future_ms)
{
	*c = (kt_wclock){.size_ms = size_ms, .event_time = event_time,
			 .lateness_ms = lateness_ms, .idle_ms = idle_ms,
			 .max_future_ms = max_future_ms, .watermark = INT64_MIN};
}

void kt_wclock_release(kt_wclock *c)
{
	free(c->sources);
	c->sources = NULL;
	c->nsources = c->cap = 0;
}

int64_t kt_wclock_window_start(const kt_wclock *c, int64_t t)
{
	int64_t q = t / c->size_ms;
	if (t % c->size_ms < 0)
		q--; /* floor, not truncation, for times before the epoch */
	return q * c->size_ms;
}

static const kt_wclock_source fresh = {.caught_since = INT64_MIN};

int kt_wclock_add_sources(kt_wclock *c, size_t n)
{
	if (KT_VEC_RESERVE(c->sources, c->nsources, c->cap, n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		c->sources[c->nsources++] = fresh;
	return 0;
}

void kt_wclock_remove_source(kt_wclock *c, size_t i)
{
	if (i >= c->nsources)
		return;
	for (size_t j = i + 1; j < c->nsources; j++)
		c->sources[j - 1] = c->sources[j];
	c->nsources--;
}

void kt_wclock_clear_sources(kt_wclock *c)
{
	c->nsources = 0;
}

bool kt_wclock_too_far_ahead(const kt_wclock *c, int64_t t, int64_t now)
{
	return t > now && t - now > c->max_future_ms;
}

/* A window starting at or after start ends at or before wm. */
static bool ends_by(const kt_wclock *c, int64_t t, int64_t wm)
{
	return kt_wclock_window_start(c, t) + c->size_ms <= wm;
}

bool kt_wclock_is_late(const kt_wclock *c, size_t source, int64_t t)
{
	if (c->watermark != INT64_MIN && ends_by(c, t, c->watermark))
		return true;
	if (!c->event_time || source >= c->nsources || !c->sources[source].seen)
		return false;
	return ends_by(c, t, c->sources[source].max_seen - c->lateness_ms);
}

void kt_wclock_observe(kt_wclock *c, size_t source, int64_t t)
{
	if (source >= c->nsources)
		return;
	kt_wclock_source *s = &c->sources[source];
	if (s->finished)
		return;
	if (!s->seen || t > s->max_seen)
		s->max_seen = t;
	s->seen = true;
	s->idle = false;
}

void kt_wclock_caught_up(kt_wclock *c, size_t source, bool caught_up,
			 int64_t pos, int64_t sent_ms, int64_t answered_ms)
{
	if (source >= c->nsources)
		return;
	kt_wclock_source *s = &c->sources[source];
	if (s->finished)
		return;
	if (!caught_up) {
		s->idle = false;
		s->caught_since = INT64_MIN;
	} else if (s->caught_since == INT64_MIN || pos != s->caught_pos) {
		/* From here on: the answer came at answered_ms at the latest. */
		s->idle = false;
		s->caught_since = answered_ms;
		s->caught_pos = pos;
	} else if (sent_ms - s->caught_since >= c->idle_ms) {
		/* Still there when asked idle_ms later: nothing was appended
		 * for at least idle_ms of the cluster's time. */
		s->idle = true;
	}
}

void kt_wclock_unanswered(kt_wclock *c, size_t source)
{
	if (source < c->nsources && !c->sources[source].finished)
		c->sources[source].idle = false;
}

void kt_wclock_finish(kt_wclock *c, size_t source)
{
	if (source < c->nsources)
		c->sources[source].idle = c->sources[source].finished = true;
}

void kt_wclock_suspend(kt_wclock *c)
{
	for (size_t i = 0; i < c->nsources; i++) {
		if (c->sources[i].finished)
			continue;
		c->sources[i].idle = false;
		c->sources[i].caught_since = INT64_MIN;
	}
}

bool kt_wclock_all_idle(const kt_wclock *c)
{
	if (!c->event_time || !c->nsources)
		return false;
	for (size_t i = 0; i < c->nsources; i++)
		if (!c->sources[i].idle)
			return false;
	return true;
}

void kt_wclock_close_through(kt_wclock *c, int64_t t)
{
	if (t > c->watermark)
		c->watermark = t;
}

int64_t kt_wclock_advance(kt_wclock *c, int64_t now)
{
	if (!c->event_time) {
		kt_wclock_close_through(c, now);
		return c->watermark;
	}
	bool any = false;
	int64_t slowest = 0;
	for (size_t i = 0; i < c->nsources; i++) {
		const kt_wclock_source *s = &c->sources[i];
		if (s->idle)
			continue;
		if (!s->seen)
			return c->watermark; /* it may still bring anything */
		if (!any || s->max_seen < slowest)
			slowest = s->max_seen;
		any = true;
	}
	if (any)
		kt_wclock_close_through(c, slowest - c->lateness_ms);
	return c->watermark;
}

bool kt_wclock_closed(const kt_wclock *c, int64_t start)
{
	return c->watermark != INT64_MIN && start + c->size_ms <= c->watermark;
}
