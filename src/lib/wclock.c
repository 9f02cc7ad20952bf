/* wclock: window assignment and watermark logic for tumbling windows. */
#include "ktrio/wclock.h"

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

void kt_wclock_observe(kt_wclock *c, int64_t t, int64_t now)
{
	if (!c->seen || t > c->max_seen)
		c->max_seen = t;
	c->seen = true;
	c->last_arrival = now;
}

int64_t kt_wclock_advance(kt_wclock *c, int64_t now)
{
	int64_t wm;
	if (!c->event_time) {
		wm = now;
	} else if (!c->seen) {
		return c->watermark;
	} else {
		wm = c->max_seen - c->lateness_ms;
		int64_t idle = now - c->last_arrival;
		/* A quiet stream must not hold its last window forever. */
		if (idle >= c->idle_ms && c->max_seen + idle - c->lateness_ms > wm)
			wm = c->max_seen + idle - c->lateness_ms;
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
