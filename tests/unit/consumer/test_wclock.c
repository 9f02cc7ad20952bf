/* test_wclock: window assignment, per-partition watermarks, lateness,
 * idle partitions, far-future times. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "consumer/wclock.h"

#define HOUR INT64_C(3600000)

static void test_window_start(void **state)
{
	(void)state;
	kt_wclock c;
	kt_wclock_init(&c, 1000, false, 0, 1000, 0);
	/* floor(t / 1000) * 1000, by hand. */
	assert_int_equal(kt_wclock_window_start(&c, 0), 0);
	assert_int_equal(kt_wclock_window_start(&c, 1), 0);
	assert_int_equal(kt_wclock_window_start(&c, 999), 0);
	assert_int_equal(kt_wclock_window_start(&c, 1000), 1000);
	assert_int_equal(kt_wclock_window_start(&c, 1500), 1000);
	/* Before the epoch: floor, not truncation towards zero. */
	assert_int_equal(kt_wclock_window_start(&c, -1), -1000);
	assert_int_equal(kt_wclock_window_start(&c, -999), -1000);
	assert_int_equal(kt_wclock_window_start(&c, -1000), -1000);
	assert_int_equal(kt_wclock_window_start(&c, -1001), -2000);
	/* 2026-11-24T10:00:00.250Z in one-minute windows: 10:00:00.000Z. */
	kt_wclock_init(&c, 60000, true, 0, 1000, 0);
	assert_int_equal(kt_wclock_window_start(&c, INT64_C(1795514400250)),
			 INT64_C(1795514400000));
	/* An odd size: 7 ms. floor(-15/7) = -3, floor(-14/7) = -2. */
	kt_wclock_init(&c, 7, false, 0, 1000, 0);
	assert_int_equal(kt_wclock_window_start(&c, -15), -21);
	assert_int_equal(kt_wclock_window_start(&c, -14), -14);
	assert_int_equal(kt_wclock_window_start(&c, -8), -14);
	assert_int_equal(kt_wclock_window_start(&c, -7), -7);
	assert_int_equal(kt_wclock_window_start(&c, 13), 7);
	assert_int_equal(kt_wclock_window_start(&c, 14), 14);
}

static void test_processing_time(void **state)
{
	(void)state;
	kt_wclock c;
	kt_wclock_init(&c, 1000, false, 0, 1000, 0);
	assert_int_equal(c.watermark, INT64_MIN);
	/* Nothing is closed or late before the clock has been read. */
	assert_false(kt_wclock_closed(&c, -1000000));
	assert_false(kt_wclock_is_late(&c, 0, -1000000));

	assert_int_equal(kt_wclock_advance(&c, 5000), 5000);
	assert_true(kt_wclock_closed(&c, 3000));
	assert_true(kt_wclock_closed(&c, 4000)); /* ends at 5000 = now */
	assert_false(kt_wclock_closed(&c, 5000));
	assert_true(kt_wclock_is_late(&c, 0, 4999));
	assert_false(kt_wclock_is_late(&c, 0, 5000));
	/* The wall clock stepping back does not reopen anything. */
	assert_int_equal(kt_wclock_advance(&c, 4000), 5000);
	assert_true(kt_wclock_closed(&c, 4000));
	assert_int_equal(kt_wclock_advance(&c, 6500), 6500);
	assert_true(kt_wclock_closed(&c, 5000));
	assert_false(kt_wclock_closed(&c, 6000));
}

static void test_event_time_no_lateness(void **state)
{
	(void)state;
	kt_wclock c;
	kt_wclock_init(&c, 1000, true, 0, 10000, HOUR);
	assert_int_equal(kt_wclock_add_sources(&c, 1), 0);
	/* No event yet: the watermark is unknown, whatever the clock says. */
	assert_int_equal(kt_wclock_advance(&c, 999999), INT64_MIN);
	assert_false(kt_wclock_closed(&c, 0));
	assert_false(kt_wclock_is_late(&c, 0, -1000000));

	kt_wclock_observe(&c, 0, 1500);
	assert_int_equal(kt_wclock_advance(&c, 100), 1500);
	assert_true(kt_wclock_closed(&c, 0));     /* [0,1000) ended by 1500 */
	assert_false(kt_wclock_closed(&c, 1000)); /* [1000,2000) still open */
	assert_true(kt_wclock_is_late(&c, 0, 999));
	assert_true(kt_wclock_is_late(&c, 0, -5));
	assert_false(kt_wclock_is_late(&c, 0, 1000));
	assert_false(kt_wclock_is_late(&c, 0, 1999));
	/* Out of order but in an open window: max seen stays 1500. */
	kt_wclock_observe(&c, 0, 1200);
	assert_int_equal(kt_wclock_advance(&c, 200), 1500);
	kt_wclock_observe(&c, 0, 2500);
	assert_int_equal(kt_wclock_advance(&c, 300), 2500);
	assert_true(kt_wclock_closed(&c, 1000));
	assert_true(kt_wclock_is_late(&c, 0, 1999));
	assert_false(kt_wclock_is_late(&c, 0, 2000));
	kt_wclock_release(&c);
}

static void test_negative_event_times(void **state)
{
	(void)state;
	kt_wclock c;
	kt_wclock_init(&c, 1000, true, 0, 10000, HOUR);
	assert_int_equal(kt_wclock_add_sources(&c, 1), 0);
	kt_wclock_observe(&c, 0, -2500);
	assert_int_equal(kt_wclock_advance(&c, 0), -2500);
	/* Windows [-4000,-3000) closed, [-3000,-2000) open. */
	assert_true(kt_wclock_closed(&c, -4000));
	assert_false(kt_wclock_closed(&c, -3000));
	assert_true(kt_wclock_is_late(&c, 0, -3001));
	assert_false(kt_wclock_is_late(&c, 0, -3000));
	assert_false(kt_wclock_is_late(&c, 0, -2001));
	kt_wclock_release(&c);
}

static void test_allowed_lateness(void **state)
{
	(void)state;
	kt_wclock c;
	kt_wclock_init(&c, 1000, true, 500, 10000, HOUR);
	assert_int_equal(kt_wclock_add_sources(&c, 1), 0);
	kt_wclock_observe(&c, 0, 1400);
	assert_int_equal(kt_wclock_advance(&c, 0), 900); /* 1400 - 500 */
	assert_false(kt_wclock_closed(&c, 0));
	assert_false(kt_wclock_is_late(&c, 0, 0));
	kt_wclock_observe(&c, 0, 1499);
	assert_int_equal(kt_wclock_advance(&c, 1), 999);
	assert_false(kt_wclock_closed(&c, 0));
	assert_false(kt_wclock_is_late(&c, 0, 999));
	/* 1500 - 500 = 1000: [0,1000) may close, its records are now late. */
	kt_wclock_observe(&c, 0, 1500);
	assert_int_equal(kt_wclock_advance(&c, 2), 1000);
	assert_true(kt_wclock_closed(&c, 0));
	assert_true(kt_wclock_is_late(&c, 0, 999));
	assert_false(kt_wclock_is_late(&c, 0, 1000));
	kt_wclock_release(&c);
}

/* Replay times (ms) into source 0, advancing after every record or never:
 * which are late, as a bit mask. */
static unsigned late_mask(const int64_t *ts, size_t n, bool advance_each)
{
	kt_wclock c;
	kt_wclock_init(&c, 5000, true, 2000, 5000, HOUR);
	assert_int_equal(kt_wclock_add_sources(&c, 1), 0);
	unsigned mask = 0;
	for (size_t i = 0; i < n; i++) {
		if (kt_wclock_is_late(&c, 0, ts[i]))
			mask |= 1u << i;
		else
			kt_wclock_observe(&c, 0, ts[i]);
		if (advance_each)
			kt_wclock_advance(&c, 0);
	}
	kt_wclock_release(&c);
	return mask;
}

static void test_lateness_by_partition_order_alone(void **state)
{
	(void)state;
	const int64_t T = 1700000000000; /* a multiple of 10 s */
	/* Issue 14, defect 2: +20 s sets the watermark to 18 s, so the
	 * windows [10,15) and [0,5) are late: +11, +1 and +12 s, however the
	 * reads were batched (the watermark advanced per record or never). */
	const int64_t a[] = {T + 20000, T + 11000, T + 1000, T + 12000, T + 40000};
	assert_int_equal(late_mask(a, 5, true), 0x0e);
	assert_int_equal(late_mask(a, 5, false), 0x0e);
	/* +10, +14, +16.5 (watermark 14.5 s), then +3 and +9: both late. */
	const int64_t b[] = {T + 10000, T + 14000, T + 16500, T + 3000, T + 9000};
	assert_int_equal(late_mask(b, 5, true), 0x18);
	assert_int_equal(late_mask(b, 5, false), 0x18);
	/* Boundaries: after 17 s the watermark is 15 s: [15,20) is on time,
	 * [10,15) ends at it: late. After 16.999 s, [10,15) is still on time. */
	const int64_t d[] = {T + 17000, T + 15000, T + 14999, T + 10000, T + 19999};
	assert_int_equal(late_mask(d, 5, false), 0x0c);
	const int64_t e[] = {T + 16999, T + 10000, T + 17000, T + 14999};
	assert_int_equal(late_mask(e, 4, true), 0x08);
}

static void test_partitions_own_watermarks(void **state)
{
	(void)state;
	kt_wclock c;
	kt_wclock_init(&c, 1000, true, 0, 10000, HOUR);
	assert_int_equal(kt_wclock_add_sources(&c, 2), 0);
	kt_wclock_observe(&c, 0, 5000);
	/* Source 1 has delivered nothing: it holds every window. */
	assert_int_equal(kt_wclock_advance(&c, 1), INT64_MIN);
	assert_false(kt_wclock_closed(&c, 0));
	/* Source 0's own watermark makes its old times late, not 1's. */
	assert_true(kt_wclock_is_late(&c, 0, 2500));
	assert_false(kt_wclock_is_late(&c, 1, 2500));
	kt_wclock_observe(&c, 1, 2000);
	assert_int_equal(kt_wclock_advance(&c, 2), 2000); /* min(5000, 2000) */
	assert_false(kt_wclock_closed(&c, 2000));
	assert_false(kt_wclock_is_late(&c, 1, 2500));
	/* A window closed (by both) is late for either. */
	assert_true(kt_wclock_is_late(&c, 1, 1999));
	kt_wclock_observe(&c, 1, 6000);
	assert_int_equal(kt_wclock_advance(&c, 3), 5000); /* min(5000, 6000) */
	kt_wclock_release(&c);
}

static void test_idle_takes_two_answers(void **state)
{
	(void)state;
	kt_wclock c;
	kt_wclock_init(&c, 1000, true, 0, 1000, HOUR);
	assert_int_equal(kt_wclock_add_sources(&c, 2), 0);
	kt_wclock_observe(&c, 0, 9000);
	kt_wclock_observe(&c, 1, 3000);
	assert_int_equal(kt_wclock_advance(&c, 0), 3000);
	/* Source 1 caught up at offset 7 (answer at 110), asked again at
	 * 1100 (990 ms later): not yet; at 1110: idle. */
	kt_wclock_caught_up(&c, 1, true, 7, 100, 110);
	assert_false(c.sources[1].idle);
	kt_wclock_caught_up(&c, 1, true, 7, 1100, 1105);
	assert_false(c.sources[1].idle);
	assert_int_equal(kt_wclock_advance(&c, 1105), 3000);
	kt_wclock_caught_up(&c, 1, true, 7, 1110, 1112);
	assert_true(c.sources[1].idle);
	assert_int_equal(kt_wclock_advance(&c, 1112), 9000);
	assert_false(kt_wclock_all_idle(&c));
	/* Its next record makes it hold again (the watermark stays). */
	kt_wclock_observe(&c, 1, 9500);
	assert_false(c.sources[1].idle);
	assert_int_equal(kt_wclock_advance(&c, 1200), 9000);

	/* A new position restarts the timer; so does being behind. */
	kt_wclock_caught_up(&c, 1, true, 8, 1300, 1310);
	kt_wclock_caught_up(&c, 1, true, 9, 2400, 2410);
	assert_false(c.sources[1].idle);
	kt_wclock_caught_up(&c, 1, false, 9, 2500, 2500);
	kt_wclock_caught_up(&c, 1, true, 9, 3600, 3610);
	assert_false(c.sources[1].idle);
	kt_wclock_caught_up(&c, 1, true, 9, 4610, 4620);
	assert_true(c.sources[1].idle);

	/* No answer: not idle until one comes, the timer goes on. */
	kt_wclock_unanswered(&c, 1);
	assert_false(c.sources[1].idle);
	kt_wclock_caught_up(&c, 1, true, 9, 5000, 5010);
	assert_true(c.sources[1].idle);
	/* An outage or a stall: not idle, and the timer starts again. */
	kt_wclock_suspend(&c);
	assert_false(c.sources[1].idle);
	kt_wclock_caught_up(&c, 1, true, 9, 9000, 9010);
	assert_false(c.sources[1].idle);
	kt_wclock_caught_up(&c, 1, true, 9, 10010, 10020);
	assert_true(c.sources[1].idle);
	kt_wclock_release(&c);
}

static void test_stall_never_advances_time(void **state)
{
	(void)state;
	/* Issue 14, defect 1: caught up when stopped; 20 s later (SIGCONT)
	 * the leader says records wait: nothing is idle, nothing closes, and
	 * the records read after the stall are on time. */
	kt_wclock c;
	kt_wclock_init(&c, 5000, true, 2000, 5000, HOUR);
	assert_int_equal(kt_wclock_add_sources(&c, 1), 0);
	kt_wclock_observe(&c, 0, 100000);
	assert_int_equal(kt_wclock_advance(&c, 0), 98000);
	kt_wclock_caught_up(&c, 0, true, 500, 10, 12);
	kt_wclock_caught_up(&c, 0, false, 500, 20012, 20015);
	assert_int_equal(kt_wclock_advance(&c, 20015), 98000);
	assert_false(kt_wclock_all_idle(&c));
	assert_false(kt_wclock_is_late(&c, 0, 100001));
	assert_false(kt_wclock_closed(&c, 95000));
	kt_wclock_release(&c);
}

static void test_all_idle_closes_everything(void **state)
{
	(void)state;
	kt_wclock c;
	kt_wclock_init(&c, 1000, true, 0, 1000, HOUR);
	assert_false(kt_wclock_all_idle(&c)); /* no sources: nothing known */
	assert_int_equal(kt_wclock_add_sources(&c, 2), 0);
	kt_wclock_observe(&c, 0, 4500);
	/* A source that never delivered becomes idle just the same. */
	kt_wclock_caught_up(&c, 1, true, 0, 0, 0);
	kt_wclock_caught_up(&c, 1, true, 0, 1000, 1000);
	assert_int_equal(kt_wclock_advance(&c, 1000), 4500);
	assert_false(kt_wclock_all_idle(&c));
	kt_wclock_caught_up(&c, 0, true, 3, 0, 0);
	kt_wclock_caught_up(&c, 0, true, 3, 1000, 1000);
	assert_true(kt_wclock_all_idle(&c));
	/* The user writes every open window and closes through the last. */
	kt_wclock_close_through(&c, 5000);
	assert_true(kt_wclock_closed(&c, 4000));
	assert_true(kt_wclock_is_late(&c, 0, 4999));
	assert_true(kt_wclock_is_late(&c, 1, 4999));
	assert_false(kt_wclock_is_late(&c, 1, 5000));
	kt_wclock_close_through(&c, 3000); /* never back */
	assert_int_equal(c.watermark, 5000);
	kt_wclock_release(&c);
}

static void test_sources_follow_the_assignment(void **state)
{
	(void)state;
	kt_wclock c;
	kt_wclock_init(&c, 1000, true, 0, 1000, HOUR);
	assert_int_equal(kt_wclock_add_sources(&c, 20), 0); /* grows past 8 */
	assert_int_equal(c.nsources, 20);
	for (size_t i = 0; i < 20; i++)
		kt_wclock_observe(&c, i, 1000 * (int64_t)(i + 1));
	assert_int_equal(kt_wclock_advance(&c, 0), 1000);
	/* Source 0 revoked: the others move down and keep their state. */
	kt_wclock_remove_source(&c, 0);
	assert_int_equal(c.nsources, 19);
	assert_int_equal(c.sources[0].max_seen, 2000);
	assert_int_equal(kt_wclock_advance(&c, 0), 2000);
	kt_wclock_remove_source(&c, 99); /* ignored */
	assert_int_equal(c.nsources, 19);
	/* Out of range: ignored, never late by a source it does not have. */
	kt_wclock_observe(&c, 50, 99999);
	kt_wclock_caught_up(&c, 50, true, 0, 0, 0);
	assert_false(kt_wclock_is_late(&c, 50, 5000));
	/* A rebalance: the watermark stays, new sources hold it there. */
	kt_wclock_clear_sources(&c);
	assert_int_equal(c.watermark, 2000);
	assert_int_equal(kt_wclock_add_sources(&c, 1), 0);
	assert_false(c.sources[0].seen);
	assert_true(kt_wclock_is_late(&c, 0, 1999));
	kt_wclock_observe(&c, 0, 1500);
	assert_int_equal(kt_wclock_advance(&c, 0), 2000);
	kt_wclock_release(&c);
	assert_null(c.sources);
	kt_wclock_release(&c); /* twice is harmless */
}

static void test_too_far_ahead(void **state)
{
	(void)state;
	kt_wclock c;
	kt_wclock_init(&c, 1000, true, 0, 1000, HOUR);
	const int64_t now = 1795514400000;
	assert_false(kt_wclock_too_far_ahead(&c, now, now));
	assert_false(kt_wclock_too_far_ahead(&c, now + HOUR, now));
	assert_true(kt_wclock_too_far_ahead(&c, now + HOUR + 1, now));
	assert_false(kt_wclock_too_far_ahead(&c, INT64_MIN + 1, now)); /* the past */
	assert_true(kt_wclock_too_far_ahead(&c, INT64_MAX, now));
	/* Year 9999 (253402300799000 ms) */
	assert_true(kt_wclock_too_far_ahead(&c, INT64_C(253402300799000), now));
	kt_wclock_init(&c, 1000, true, 0, 1000, 0);
	assert_true(kt_wclock_too_far_ahead(&c, now + 1, now));
}

static void test_wclock(void **st)
{
	(void)st;
	kt_wclock c;
	kt_wclock_init(&c, 5000, true, 2000, 5000, 3600000);
	assert_int_equal(kt_wclock_window_start(&c, 12345), 10000);
	assert_int_equal(kt_wclock_window_start(&c, -1), -5000);
	assert_int_equal(kt_wclock_window_start(&c, 0), 0);
	/* two partitions; the second holds the watermark until it delivers */
	assert_int_equal(kt_wclock_add_sources(&c, 2), 0);
	kt_wclock_observe(&c, 0, 20000);
	assert_true(kt_wclock_advance(&c, 100) == INT64_MIN);
	kt_wclock_observe(&c, 1, 9000);
	/* slowest 9000 - lateness 2000 = 7000: [0,5000) closes, [5000,10000) not */
	assert_int_equal(kt_wclock_advance(&c, 200), 7000);
	assert_true(kt_wclock_closed(&c, 0));
	assert_false(kt_wclock_closed(&c, 5000));
	/* late by each partition's own watermark (18000 and 7000) */
	assert_true(kt_wclock_is_late(&c, 0, 10000));
	assert_false(kt_wclock_is_late(&c, 1, 10000));
	assert_true(kt_wclock_is_late(&c, 1, 4999));
	assert_false(kt_wclock_is_late(&c, 1, 5000));
	/* partition 1 idle: caught up, and still when asked idle_ms later */
	kt_wclock_caught_up(&c, 1, true, 42, 1000, 1010);
	assert_int_equal(kt_wclock_advance(&c, 1010), 7000);
	kt_wclock_caught_up(&c, 1, true, 42, 6010, 6020);
	assert_int_equal(kt_wclock_advance(&c, 6020), 18000);
	kt_wclock_release(&c);
	/* processing time: the watermark is the clock */
	kt_wclock_init(&c, 1000, false, 0, 0, 0);
	assert_int_equal(kt_wclock_advance(&c, 123456), 123456);
	assert_true(kt_wclock_closed(&c, 122000));
	assert_false(kt_wclock_closed(&c, 123000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_start),
		cmocka_unit_test(test_processing_time),
		cmocka_unit_test(test_event_time_no_lateness),
		cmocka_unit_test(test_negative_event_times),
		cmocka_unit_test(test_allowed_lateness),
		cmocka_unit_test(test_lateness_by_partition_order_alone),
		cmocka_unit_test(test_partitions_own_watermarks),
		cmocka_unit_test(test_idle_takes_two_answers),
		cmocka_unit_test(test_stall_never_advances_time),
		cmocka_unit_test(test_all_idle_closes_everything),
		cmocka_unit_test(test_sources_follow_the_assignment),
		cmocka_unit_test(test_too_far_ahead),
		cmocka_unit_test(test_wclock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
