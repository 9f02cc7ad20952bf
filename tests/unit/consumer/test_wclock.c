/* test_wclock: window assignment, watermarks, lateness, idle sources. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "consumer/wclock.h"

static void test_window_start(void **state)
{
	(void)state;
	kt_wclock c;
	kt_wclock_init(&c, 1000, false, 0, 1000);
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
	kt_wclock_init(&c, 60000, true, 0, 1000);
	assert_int_equal(kt_wclock_window_start(&c, INT64_C(1795514400250)),
			 INT64_C(1795514400000));
	/* An odd size: 7 ms. floor(-15/7) = -3, floor(-14/7) = -2. */
	kt_wclock_init(&c, 7, false, 0, 1000);
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
	kt_wclock_init(&c, 1000, false, 0, 1000);
	assert_int_equal(c.watermark, INT64_MIN);
	/* Nothing is closed or late before the clock has been read. */
	assert_false(kt_wclock_closed(&c, -1000000));
	assert_false(kt_wclock_is_late(&c, -1000000));

	assert_int_equal(kt_wclock_advance(&c, 5000), 5000);
	assert_true(kt_wclock_closed(&c, 3000));
	assert_true(kt_wclock_closed(&c, 4000)); /* ends at 5000 = now */
	assert_false(kt_wclock_closed(&c, 5000));
	assert_true(kt_wclock_is_late(&c, 4999));
	assert_false(kt_wclock_is_late(&c, 5000));
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
	kt_wclock_init(&c, 1000, true, 0, 10000);
	/* No event yet: the watermark is unknown, whatever the clock says. */
	assert_int_equal(kt_wclock_advance(&c, 999999), INT64_MIN);
	assert_false(kt_wclock_closed(&c, 0));

	kt_wclock_observe(&c, 1500, 100);
	assert_int_equal(kt_wclock_advance(&c, 100), 1500);
	assert_true(kt_wclock_closed(&c, 0));     /* [0,1000) ended by 1500 */
	assert_false(kt_wclock_closed(&c, 1000)); /* [1000,2000) still open */
	assert_true(kt_wclock_is_late(&c, 999));
	assert_true(kt_wclock_is_late(&c, -5));
	assert_false(kt_wclock_is_late(&c, 1000));
	assert_false(kt_wclock_is_late(&c, 1999));
	/* Out of order but in an open window: max seen stays 1500. */
	kt_wclock_observe(&c, 1200, 200);
	assert_int_equal(kt_wclock_advance(&c, 200), 1500);
	kt_wclock_observe(&c, 2500, 300);
	assert_int_equal(kt_wclock_advance(&c, 300), 2500);
	assert_true(kt_wclock_closed(&c, 1000));
	assert_true(kt_wclock_is_late(&c, 1999));
	assert_false(kt_wclock_is_late(&c, 2000));
}

static void test_negative_event_times(void **state)
{
	(void)state;
	kt_wclock c;
	kt_wclock_init(&c, 1000, true, 0, 10000);
	kt_wclock_observe(&c, -2500, 0);
	assert_int_equal(kt_wclock_advance(&c, 0), -2500);
	/* Windows [-4000,-3000) closed, [-3000,-2000) open. */
	assert_true(kt_wclock_closed(&c, -4000));
	assert_false(kt_wclock_closed(&c, -3000));
	assert_true(kt_wclock_is_late(&c, -3001));
	assert_false(kt_wclock_is_late(&c, -3000));
	assert_false(kt_wclock_is_late(&c, -2001));
}

static void test_allowed_lateness(void **state)
{
	(void)state;
	kt_wclock c;
	kt_wclock_init(&c, 1000, true, 500, 10000);
	kt_wclock_observe(&c, 1400, 0);
	assert_int_equal(kt_wclock_advance(&c, 0), 900); /* 1400 - 500 */
	assert_false(kt_wclock_closed(&c, 0));
	assert_false(kt_wclock_is_late(&c, 0));
	kt_wclock_observe(&c, 1499, 1);
	assert_int_equal(kt_wclock_advance(&c, 1), 999);
	assert_false(kt_wclock_closed(&c, 0));
	assert_false(kt_wclock_is_late(&c, 999));
	/* 1500 - 500 = 1000: [0,1000) may close, its records are now late. */
	kt_wclock_observe(&c, 1500, 2);
	assert_int_equal(kt_wclock_advance(&c, 2), 1000);
	assert_true(kt_wclock_closed(&c, 0));
	assert_true(kt_wclock_is_late(&c, 999));
	assert_false(kt_wclock_is_late(&c, 1000));
}

static void test_idle_timeout_advances_with_clock(void **state)
{
	(void)state;
	kt_wclock c;
	kt_wclock_init(&c, 1000, true, 200, 5000);
	kt_wclock_observe(&c, 10000, 0);
	/* Quiet for less than 5000 ms: 10000 - 200. */
	assert_int_equal(kt_wclock_advance(&c, 4999), 9800);
	/* Quiet for 5000 ms: 10000 + 5000 - 200; then with the clock. */
	assert_int_equal(kt_wclock_advance(&c, 5000), 14800);
	assert_int_equal(kt_wclock_advance(&c, 6000), 15800);
	assert_true(kt_wclock_closed(&c, 14000));  /* ends 15000 <= 15800 */
	assert_false(kt_wclock_closed(&c, 15000)); /* ends 16000 */
	assert_true(kt_wclock_is_late(&c, 14999));
	/* A record arrives; its max seen minus lateness (15500 - 200) is below
	 * the watermark: never moves back. */
	kt_wclock_observe(&c, 15500, 6001);
	assert_int_equal(kt_wclock_advance(&c, 6001), 15800);
	/* The stream is alive again: no idle advance until 6001 + 5000. */
	assert_int_equal(kt_wclock_advance(&c, 11000), 15800);
	/* 15500 + (11001 - 6001) - 200 */
	assert_int_equal(kt_wclock_advance(&c, 11001), 20300);
}

static void test_sources_slowest_wins(void **state)
{
	(void)state;
	kt_wclock c;
	kt_wclock_init(&c, 1000, true, 0, 10000);
	kt_wclock_observe_from(&c, 0, 5000, 0);
	kt_wclock_observe_from(&c, 1, 2000, 0);
	assert_int_equal(c.nsources, 2);
	assert_int_equal(kt_wclock_advance(&c, 1), 2000); /* min(5000, 2000) */
	/* A record from the fast source in the slow one's window is not late. */
	assert_false(kt_wclock_is_late(&c, 2500));
	assert_false(kt_wclock_closed(&c, 2000));
	kt_wclock_observe_from(&c, 1, 6000, 2);
	assert_int_equal(kt_wclock_advance(&c, 2), 5000); /* min(5000, 6000) */
	/* Source 0 read to its end: only source 1 counts. */
	kt_wclock_source_at_end(&c, 0, true);
	assert_int_equal(kt_wclock_advance(&c, 3), 6000);
	/* Both at their end: nothing holds back, max seen (6000). */
	kt_wclock_observe_from(&c, 1, 6500, 4);
	kt_wclock_source_at_end(&c, 1, true);
	assert_int_equal(kt_wclock_advance(&c, 5), 6500);
	/* A record from source 0 makes it active again (at_end cleared). */
	kt_wclock_observe_from(&c, 0, 7000, 6);
	assert_false(c.sources[0].at_end);
	assert_int_equal(kt_wclock_advance(&c, 6), 7000);
}

static void test_quiet_source_stops_holding(void **state)
{
	(void)state;
	kt_wclock c;
	kt_wclock_init(&c, 1000, true, 0, 1000);
	kt_wclock_observe_from(&c, 0, 5000, 0);
	kt_wclock_observe_from(&c, 1, 9000, 900);
	assert_int_equal(kt_wclock_advance(&c, 900), 5000);
	/* At 1500 source 0 has been quiet for 1500 >= 1000 ms, source 1 only
	 * 600: the watermark follows source 1. */
	assert_int_equal(kt_wclock_advance(&c, 1500), 9000);
}

static void test_assigned_source_holds_watermark(void **state)
{
	(void)state;
	kt_wclock c;
	kt_wclock_init(&c, 1000, true, 100, 1000);
	kt_wclock_add_source(&c, 0, 0);
	kt_wclock_add_source(&c, 1, 0);
	assert_int_equal(c.nsources, 2);
	assert_true(c.sources[1].known);
	assert_false(c.sources[1].seen);
	kt_wclock_observe_from(&c, 0, 5000, 10);
	/* Source 1 has delivered nothing yet: held where it was. */
	assert_int_equal(kt_wclock_advance(&c, 20), INT64_MIN);
	assert_int_equal(kt_wclock_advance(&c, 999), INT64_MIN);
	assert_false(kt_wclock_closed(&c, 0));
	/* At 1000 source 1 has been quiet for idle_ms since assigned, while
	 * the stream itself is not (1000 - 10 < 1000): 5000 - 100. */
	assert_int_equal(kt_wclock_advance(&c, 1000), 4900);

	/* Read to its end releases it at once. */
	kt_wclock_init(&c, 1000, true, 100, 1000);
	kt_wclock_add_source(&c, 0, 0);
	kt_wclock_add_source(&c, 1, 0);
	kt_wclock_observe_from(&c, 0, 5000, 10);
	assert_int_equal(kt_wclock_advance(&c, 20), INT64_MIN);
	kt_wclock_source_at_end(&c, 1, true);
	assert_int_equal(kt_wclock_advance(&c, 21), 4900);

	/* And so does its first record. */
	kt_wclock_init(&c, 1000, true, 100, 1000);
	kt_wclock_add_source(&c, 0, 0);
	kt_wclock_add_source(&c, 1, 0);
	kt_wclock_observe_from(&c, 0, 5000, 10);
	kt_wclock_observe_from(&c, 1, 3000, 30);
	assert_int_equal(kt_wclock_advance(&c, 30), 2900); /* min - 100 */
}

static void test_reset_sources_keeps_watermark(void **state)
{
	(void)state;
	kt_wclock c;
	kt_wclock_init(&c, 1000, true, 0, 1000);
	kt_wclock_observe_from(&c, 3, 8000, 0);
	assert_int_equal(c.nsources, 4);
	assert_int_equal(kt_wclock_advance(&c, 1), 8000);
	kt_wclock_reset_sources(&c);
	assert_int_equal(c.nsources, 0);
	assert_false(c.sources[3].known);
	assert_false(c.sources[3].seen);
	assert_int_equal(c.watermark, 8000);
	/* After the rebalance a new partition starts far behind: the
	 * watermark does not move back. */
	kt_wclock_add_source(&c, 0, 2);
	kt_wclock_observe_from(&c, 0, 3000, 2);
	assert_int_equal(kt_wclock_advance(&c, 3), 8000);
	assert_true(kt_wclock_is_late(&c, 3000));
}

static void test_sources_beyond_max_share_last(void **state)
{
	(void)state;
	kt_wclock c;
	kt_wclock_init(&c, 1000, true, 0, 1000);
	kt_wclock_observe_from(&c, 100000, 4000, 0);
	assert_int_equal(c.nsources, KT_WCLOCK_MAX_SOURCES);
	assert_true(c.sources[KT_WCLOCK_MAX_SOURCES - 1].seen);
	assert_int_equal(c.sources[KT_WCLOCK_MAX_SOURCES - 1].max_seen, 4000);
	kt_wclock_observe_from(&c, KT_WCLOCK_MAX_SOURCES, 4500, 1);
	assert_int_equal(c.sources[KT_WCLOCK_MAX_SOURCES - 1].max_seen, 4500);
	kt_wclock_source_at_end(&c, 999999, true);
	assert_true(c.sources[KT_WCLOCK_MAX_SOURCES - 1].at_end);

	/* Marking a source never observed is ignored. */
	kt_wclock_init(&c, 1000, true, 0, 1000);
	kt_wclock_observe_from(&c, 0, 1000, 0);
	kt_wclock_source_at_end(&c, 5, true);
	assert_int_equal(c.nsources, 1);
	assert_false(c.sources[5].at_end);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_start),
		cmocka_unit_test(test_processing_time),
		cmocka_unit_test(test_event_time_no_lateness),
		cmocka_unit_test(test_negative_event_times),
		cmocka_unit_test(test_allowed_lateness),
		cmocka_unit_test(test_idle_timeout_advances_with_clock),
		cmocka_unit_test(test_sources_slowest_wins),
		cmocka_unit_test(test_quiet_source_stops_holding),
		cmocka_unit_test(test_assigned_source_holds_watermark),
		cmocka_unit_test(test_reset_sources_keeps_watermark),
		cmocka_unit_test(test_sources_beyond_max_share_last),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
