/* wclock: window assignment and watermark logic for tumbling windows. */
#include "wclock.h"

void kt_wclock_init(kt_wclock *c, int64_t size_ms, bool event_time,
		    int64_t lateness_ms, int64_t idle_ms)
{
	*c = (kt_wclock){.size_ms = size_ms, .event_time = event_time,
			 .lateness_ms = lateness_ms, .idle_ms = idle_ms,
			 .watermark = INT64_MIN};
}

int64_t kt_wclock_window_start(const kt_wclock *c, int64_t t)
{
	int64_t q = t / c->size_ms;
	if (t % c->size_ms < 0)
		q--; /* floor, not truncation, for times before the epoch */
	return q * c->size_ms;
}

static size_t source_index(size_t source)
{
	return source < KT_WCLOCK_MAX_SOURCES ? source : KT_WCLOCK_MAX_SOURCES - 1;
}

void kt_wclock_observe_from(kt_wclock *c, size_t source, int64_t t,
			    int64_t now)
{
	if (!c->seen || t > c->max_seen)
		c->max_seen = t;
	c->seen = true;
	c->last_arrival = now;
	source = source_index(source);
	kt_wclock_source *s = &c->sources[source];
	if (!s->seen || t > s->max_seen)
		s->max_seen = t;
	s->known = s->seen = true;
	s->at_end = false;
	s->last_arrival = now;
	if (source >= c->nsources)
		c->nsources = source + 1;
}

void kt_wclock_observe(kt_wclock *c, int64_t t, int64_t now)
{
	kt_wclock_observe_from(c, 0, t, now);
}

void kt_wclock_reset_sources(kt_wclock *c)
{
	for (size_t i = 0; i < c->nsources; i++)
		c->sources[i] = (kt_wclock_source){0};
	c->nsources = 0;
}

void kt_wclock_add_source(kt_wclock *c, size_t source, int64_t now)
{
	source = source_index(source);
	c->sources[source] = (kt_wclock_source){.known = true, .last_arrival = now};
	if (source >= c->nsources)
		c->nsources = source + 1;
}

void kt_wclock_source_at_end(kt_wclock *c, size_t source, bool at_end)
{
	source = source_index(source);
	if (source < c->nsources)
		c->sources[source].at_end = at_end;
}

enum { NONE_ACTIVE, SLOWEST, HELD };

/* The slowest active source's max seen (SLOWEST), or HELD when an active
 * source has delivered nothing yet, or NONE_ACTIVE. */
static int slowest_active(const kt_wclock *c, int64_t now, int64_t *slowest)
{
	int found = NONE_ACTIVE;
	for (size_t i = 0; i < c->nsources; i++) {
		const kt_wclock_source *s = &c->sources[i];
		if (!s->known || s->at_end || now - s->last_arrival >= c->idle_ms)
			continue;
		if (!s->seen)
			return HELD;
		if (found == NONE_ACTIVE || s->max_seen < *slowest)
			*slowest = s->max_seen;
		found = SLOWEST;
	}
	return found;
}

int64_t kt_wclock_advance(kt_wclock *c, int64_t now)
{
	int64_t wm;
	if (!c->event_time) {
		wm = now;
	} else if (!c->seen) {
		return c->watermark;
	} else {
		int64_t slowest = c->max_seen;
		int64_t idle = now - c->last_arrival;
		int active = slowest_active(c, now, &slowest);
		if (idle >= c->idle_ms) /* a quiet stream must not hold its last */
			wm = c->max_seen + idle - c->lateness_ms; /* window forever */
		else if (active == HELD)
			return c->watermark;
		else
			wm = slowest - c->lateness_ms;
	}
	if (wm > c->watermark)
		c->watermark = wm;
	return c->watermark;
}

bool kt_wclock_is_late(const kt_wclock *c, int64_t t)
{
	if (c->watermark == INT64_MIN)
		return false;
	return kt_wclock_window_start(c, t) + c->size_ms <= c->watermark;
}

bool kt_wclock_closed(const kt_wclock *c, int64_t start)
{
	return c->watermark != INT64_MIN && start + c->size_ms <= c->watermark;
}
