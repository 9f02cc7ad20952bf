/* test_pacer: the token bucket over simulated time (no real sleeping). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "generator/pacer.h"
#include "ktrio/clock.h"

#define MS INT64_C(1000000)
#define SEC INT64_C(1000000000)
/* An arbitrary origin, so nothing relies on the clock starting at zero. */
#define T0 INT64_C(123456789012)

typedef struct run {
	uint64_t events;   /* released in the simulated span */
	uint64_t max_call; /* most released by one call */
	uint64_t calls;
} run;

static void count(run *r, uint64_t n)
{
	r->events += n;
	r->calls++;
	if (n > r->max_call)
		r->max_call = n;
}

/* The caller polls on a fixed tick, sending whatever is due. */
static run drive_ticks(kt_pacer *p, int64_t from, int64_t until, int64_t tick)
{
	run r = {0};
	for (int64_t now = from; now < until; now += tick) {
		uint64_t n = kt_pacer_due(p, now);
		kt_pacer_take(p, n);
		count(&r, n);
	}
	return r;
}

/* The caller as in the generator: send what is due (each send costing
 * cost_ns), ask again at once; when nothing is due sleep for wait_ns and
 * oversleep by up to jitter_ns (deterministic pseudo-random). Returns with
 * *now at the end of the span. */
static run drive_sleeper(kt_pacer *p, int64_t *now, int64_t until, int64_t cost_ns,
			 int64_t jitter_ns)
{
	run r = {0};
	uint32_t lcg = 12345;
	while (*now < until) {
		uint64_t n = kt_pacer_due(p, *now);
		if (n) {
			kt_pacer_take(p, n);
			count(&r, n);
			*now += (int64_t)n * cost_ns;
			continue;
		}
		int64_t w = kt_pacer_wait_ns(p, *now);
		assert_true(w >= 0);
		lcg = lcg * 1103515245u + 12345u;
		*now += (w > 0 ? w : 1) + (jitter_ns ? (int64_t)(lcg >> 8) % jitter_ns : 0);
	}
	return r;
}

/* The expected burst, by hand: floor(rate / 200), at least 1. */
static const struct {
	double rate;
	uint64_t burst;
} rates[] = {{1, 1}, {10, 1}, {500, 2}, {20000, 100}, {100000, 500}};

#define NRATES (sizeof rates / sizeof rates[0])

static void assert_about(uint64_t got, double want, const char *what, double rate)
{
	double tolerance = want * 0.01; /* +-1% */
	if (fabs((double)got - want) > tolerance)
		fail_msg("%s at %g/s: %llu events, want %.0f +- %.1f", what, rate,
			 (unsigned long long)got, want, tolerance);
}

static void test_init_burst(void **state)
{
	(void)state;
	kt_pacer p;
	for (size_t i = 0; i < NRATES; i++) {
		kt_pacer_init(&p, rates[i].rate, T0);
		assert_int_equal(p.burst, rates[i].burst);
		assert_int_equal(p.sent, 0);
		assert_int_equal(p.start_ns, T0);
	}
	kt_pacer_init(&p, 199, T0);
	assert_int_equal(p.burst, 1);
	kt_pacer_init(&p, 400, T0);
	assert_int_equal(p.burst, 2);
}

static void test_schedule_and_wait(void **state)
{
	(void)state;
	kt_pacer p;
	kt_pacer_init(&p, 10, T0);
	/* The first event is due at once, the next 100 ms later. */
	assert_int_equal(kt_pacer_due(&p, T0), 1);
	assert_int_equal(kt_pacer_wait_ns(&p, T0), 0);
	kt_pacer_take(&p, 1);
	assert_int_equal(kt_pacer_due(&p, T0), 0);
	assert_int_equal(kt_pacer_wait_ns(&p, T0), 100 * MS);
	assert_int_equal(kt_pacer_wait_ns(&p, T0 + 40 * MS), 60 * MS);
	assert_int_equal(kt_pacer_due(&p, T0 + 99 * MS), 0);
	assert_int_equal(kt_pacer_due(&p, T0 + 100 * MS), 1);
	assert_int_equal(kt_pacer_wait_ns(&p, T0 + 100 * MS), 0);
	/* Not taken: still due, and still only one. */
	assert_int_equal(kt_pacer_due(&p, T0 + 150 * MS), 1);
	kt_pacer_take(&p, 1);
	assert_int_equal(kt_pacer_wait_ns(&p, T0 + 150 * MS), 50 * MS);
}

static void test_unthrottled(void **state)
{
	(void)state;
	kt_pacer p;
	kt_pacer_init(&p, 0, T0);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(kt_pacer_due(&p, T0), 1000);
		kt_pacer_take(&p, 1000);
		assert_int_equal(kt_pacer_wait_ns(&p, T0), 0);
	}
	assert_int_equal(p.sent, 5000);
}

static void test_rates_over_ten_seconds_ticks(void **state)
{
	(void)state;
	/* Ticks of 1 ms and of an odd 0.333... ms. */
	static const int64_t ticks[] = {MS, 333333};
	for (size_t t = 0; t < 2; t++)
		for (size_t i = 0; i < NRATES; i++) {
			kt_pacer p;
			kt_pacer_init(&p, rates[i].rate, T0);
			run r = drive_ticks(&p, T0, T0 + 10 * SEC, ticks[t]);
			assert_about(r.events, rates[i].rate * 10, "ticks", rates[i].rate);
			assert_true(r.max_call <= rates[i].burst);
		}
}

static void test_rates_over_ten_seconds_sleeping(void **state)
{
	(void)state;
	/* Exact wake-ups, small oversleeps, and up to 2 ms late like a
	 * coarse poll timer; 100 ns per send. */
	static const int64_t jitters[] = {0, 37000, 2 * MS};
	for (size_t j = 0; j < 3; j++)
		for (size_t i = 0; i < NRATES; i++) {
			kt_pacer p;
			kt_pacer_init(&p, rates[i].rate, T0);
			int64_t now = T0;
			run r = drive_sleeper(&p, &now, T0 + 10 * SEC, 100, jitters[j]);
			assert_about(r.events, rates[i].rate * 10, "sleeping", rates[i].rate);
			assert_true(r.max_call <= rates[i].burst);
			/* Sleeping, not spinning: far fewer calls than 1 per us. */
			assert_true(r.calls < 3 * r.events + 100);
		}
}

/* A lag of less than two bursts is made up in bursts, not dropped: at
 * 1000/s (burst 5), 8.5 ms after the first event 9 are due in all. */
static void test_small_lag_caught_up(void **state)
{
	(void)state;
	kt_pacer p;
	kt_pacer_init(&p, 1000, T0);
	assert_int_equal(kt_pacer_due(&p, T0), 1);
	kt_pacer_take(&p, 1);
	int64_t now = T0 + 8 * MS + MS / 2;
	assert_int_equal(kt_pacer_due(&p, now), 5);
	kt_pacer_take(&p, 5);
	assert_int_equal(kt_pacer_due(&p, now), 3);
	kt_pacer_take(&p, 3);
	assert_int_equal(kt_pacer_due(&p, now), 0);
	/* Event 9 is due at T0 + 9 ms. */
	assert_int_equal(kt_pacer_wait_ns(&p, now), MS / 2);
}

/* A stall: at 1000/s (burst 5), 1.5 s after the first event 1501 would
 * be due (more than a second late); one is sent and the schedule restarts
 * from there. */
static void test_stall_reanchors(void **state)
{
	(void)state;
	kt_pacer p;
	kt_pacer_init(&p, 1000, T0);
	assert_int_equal(kt_pacer_due(&p, T0), 1);
	kt_pacer_take(&p, 1);
	int64_t now = T0 + 1500 * MS + MS / 2;
	assert_int_equal(kt_pacer_due(&p, now), 1);
	kt_pacer_take(&p, 1);
	assert_int_equal(kt_pacer_due(&p, now), 0);
	/* The next one 1 ms later (+-1 ns of floating-point rounding). */
	int64_t w = kt_pacer_wait_ns(&p, now);
	assert_in_range(w, MS - 1, MS + 1);
	assert_int_equal(kt_pacer_due(&p, now + w), 1);
}

/* Jitter: 300.5 ms after the first event at 1000/s (burst 5), 300 are
 * due: less than a second late, so all of them go out, five at a time. */
static void test_jitter_caught_up(void **state)
{
	(void)state;
	kt_pacer p;
	kt_pacer_init(&p, 1000, T0);
	kt_pacer_take(&p, kt_pacer_due(&p, T0));
	int64_t now = T0 + 300 * MS + MS / 2;
	uint64_t total = 0, n;
	while ((n = kt_pacer_due(&p, now)) > 0) {
		assert_true(n <= 5);
		kt_pacer_take(&p, n);
		total += n;
	}
	assert_int_equal(total, 300);
}

static void test_long_stall_no_burst_rate_holds(void **state)
{
	(void)state;
	for (size_t i = 2; i < NRATES; i++) { /* 500, 20000, 100000 */
		double rate = rates[i].rate;
		uint64_t burst = rates[i].burst;
		kt_pacer p;
		kt_pacer_init(&p, rate, T0);
		int64_t now = T0;
		run before = drive_sleeper(&p, &now, T0 + SEC, 100, 37000);
		assert_about(before.events, rate, "before the stall", rate);
		now += 3 * SEC; /* three seconds without asking */
		int64_t resumed = now;
		uint64_t first = kt_pacer_due(&p, now);
		assert_true(first >= 1 && first <= burst);
		kt_pacer_take(&p, first);
		/* In the next 10 ms: about 10 ms worth, nowhere near the 3 s lost
		 * (hand: rate / 100, plus the first and a burst of slack). */
		run soon = drive_sleeper(&p, &now, resumed + 10 * MS, 100, 0);
		assert_true(soon.max_call <= burst);
		assert_true(first + soon.events <= (uint64_t)(rate / 100) + 1 + burst);
		/* And over the second after the stall, the rate, not rate * 4. */
		now = resumed + 10 * MS;
		run after = drive_sleeper(&p, &now, resumed + SEC, 100, 37000);
		assert_true(after.max_call <= burst);
		assert_about(first + soon.events + after.events, rate, "after the stall", rate);
	}
}

static void test_now_is_monotonic(void **state)
{
	(void)state;
	int64_t a = kt_clock_mono_ns();
	int64_t b = kt_clock_mono_ns();
	assert_true(a > 0);
	assert_true(b >= a);
}

static void test_pacer(void **st)
{
	(void)st;
	static const double rates[] = {1, 10, 500, 20000, 100000};
	for (size_t r = 0; r < sizeof rates / sizeof *rates; r++) {
		kt_pacer p;
		kt_pacer_init(&p, rates[r], 0);
		uint64_t sent = 0;
		/* A caller that wakes every 0.7 ms for a simulated 10 s. */
		for (int64_t now = 0; now < 10000000000; now += 700000) {
			uint64_t due = kt_pacer_due(&p, now);
			assert_true(due <= p.burst);
			kt_pacer_take(&p, due);
			sent += due;
		}
		double want = rates[r] * 10;
		if (!(sent >= want * 0.99 && sent <= want * 1.01 + 1))
			fail_msg("rate %g: %llu events in 10 s", rates[r], (unsigned long long)sent);
	}
	/* After a 1 s stall at 1000/s: no burst of 1000, the schedule moves on. */
	kt_pacer p;
	kt_pacer_init(&p, 1000, 0);
	kt_pacer_take(&p, kt_pacer_due(&p, 0));
	assert_true(kt_pacer_due(&p, 1000000000) <= p.burst);
	assert_true(kt_pacer_wait_ns(&p, 0) > 0 || p.sent == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_burst),
		cmocka_unit_test(test_schedule_and_wait),
		cmocka_unit_test(test_unthrottled),
		cmocka_unit_test(test_rates_over_ten_seconds_ticks),
		cmocka_unit_test(test_rates_over_ten_seconds_sleeping),
		cmocka_unit_test(test_small_lag_caught_up),
		cmocka_unit_test(test_stall_reanchors),
		cmocka_unit_test(test_jitter_caught_up),
		cmocka_unit_test(test_long_stall_no_burst_rate_holds),
		cmocka_unit_test(test_now_is_monotonic),
		cmocka_unit_test(test_pacer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
