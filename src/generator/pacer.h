/* pacer: a token bucket on the monotonic clock that spaces events at a
 * steady rate, without drift and without bursts beyond a small batch. */
#ifndef KTRIO_PACER_H
#define KTRIO_PACER_H

#include <stdint.h>

typedef struct kt_pacer {
	double rate;       /* events per second; 0 = unthrottled */
	int64_t start_ns;  /* schedule origin: event i is due at start + i/rate */
	uint64_t sent;     /* events taken so far */
	uint64_t burst;    /* most events handed out at once when late */
} kt_pacer;

/* Start a schedule at now_ns. rate 0 means every call allows `burst`. */
void kt_pacer_init(kt_pacer *p, double rate, int64_t now_ns);

/* How many events are due at now_ns (at most p->burst). When the caller
 * fell behind by more than a burst, the schedule is moved forward so the
 * backlog is not sent as one burst: the rate holds, the lost time is not
 * made up. */
uint64_t kt_pacer_due(kt_pacer *p, int64_t now_ns);

/* Record that n events were sent. */
void kt_pacer_take(kt_pacer *p, uint64_t n);

/* Nanoseconds from now_ns until the next event is due (0 if one is). */
int64_t kt_pacer_wait_ns(const kt_pacer *p, int64_t now_ns);

#endif
