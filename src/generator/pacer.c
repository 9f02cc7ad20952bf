/* pacer: a drift-free token bucket on the monotonic clock. */
#include "pacer.h"

#include <math.h>

void kt_pacer_init(kt_pacer *p, double rate, int64_t now_ns)
{
	p->rate = rate;
	p->start_ns = now_ns;
	p->sent = 0;
	/* About 5 ms worth of events, at least one: small enough to look
	 * steady, large enough to amortise a clock read and a poll. */
	p->burst = rate > 0 ? (uint64_t)fmax(1.0, floor(rate / 200.0)) : 1000;
}

uint64_t kt_pacer_due(kt_pacer *p, int64_t now_ns)
{
	if (p->rate <= 0)
		return p->burst;
	/* Events due since start, computed from the origin each time so that
	 * rounding never accumulates into drift. */
	double elapsed = (double)(now_ns - p->start_ns) / 1e9;
	uint64_t due_total = (uint64_t)floor(elapsed * p->rate) + 1;
	if (due_total <= p->sent)
		return 0;
	uint64_t due = due_total - p->sent;
	/* A lag of up to a second (a busy machine, a slow poll) is made up,
	 * a burst per call, so the rate holds over time; a longer one (a
	 * stall, a full queue) re-anchors the schedule rather than sending
	 * the backlog at once. */
	if (due > 2 * p->burst && due > p->rate) {
		p->start_ns = now_ns - (int64_t)((double)p->sent / p->rate * 1e9);
		due = 1;
	}
	return due > p->burst ? p->burst : due;
}

void kt_pacer_take(kt_pacer *p, uint64_t n)
{
	p->sent += n;
}

int64_t kt_pacer_wait_ns(const kt_pacer *p, int64_t now_ns)
{
	if (p->rate <= 0)
		return 0;
	int64_t next = p->start_ns + (int64_t)ceil((double)p->sent / p->rate * 1e9);
	return next > now_ns ? next - now_ns : 0;
}
