/* test_parse: the checked value parsers (integers, numbers, durations, rates,
 * timestamps, partition lists) and the ISO-8601 formatter. Expected values
 * are worked out by hand or with date(1), as the comments show. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktrio/parse.h"

static char err[512];

/* Sentinels: every refused value must leave *out as it was. */
#define I64_SENTINEL INT64_C(-777)
#define DBL_SENTINEL (-777.5)

static void expect_int(const char *s, int64_t min, int64_t max, int64_t want)
{
	int64_t v = I64_SENTINEL;
	err[0] = '\0';
	int rc = kt_parse_int("--count", s, min, max, &v, err, sizeof err);
	if (rc != 0)
		print_error("kt_parse_int('%s') refused: %s\n", s, err);
	assert_int_equal(rc, 0);
	assert_int_equal(v, want);
}

static void expect_int_fail(const char *s, int64_t min, int64_t max,
			    const char *msg)
{
	int64_t v = I64_SENTINEL;
	err[0] = '\0';
	assert_int_equal(kt_parse_int("--count", s, min, max, &v, err, sizeof err),
			 -1);
	assert_int_equal(v, I64_SENTINEL);
	assert_string_equal(err, msg);
}

static void test_int_ok(void **st)
{
	(void)st;
	expect_int("0", 0, 100, 0);
	expect_int("42", 0, 100, 42);
	expect_int("100", 0, 100, 100); /* max is inclusive */
	expect_int("7", 7, 7, 7);       /* min == max */
	expect_int("-5", -10, 10, -5);  /* negatives where the range allows */
	expect_int("-10", -10, 10, -10);
	expect_int("007", 0, 100, 7); /* decimal, not octal */
	expect_int("9223372036854775807", 0, INT64_MAX, INT64_MAX);
	expect_int("-9223372036854775808", INT64_MIN, 0, INT64_MIN);
}

static void test_int_bounds(void **st)
{
	(void)st;
	expect_int_fail("101", 0, 100,
			"invalid value '101' for --count: must be between 0 and 100");
	expect_int_fail("-1", 0, 100,
			"invalid value '-1' for --count: must be between 0 and 100");
	expect_int_fail("-11", -10, 10,
			"invalid value '-11' for --count: must be between -10 and 10");
	/* One past int64 in each direction: strtoll saturates with ERANGE. */
	expect_int_fail("9223372036854775808", 0, INT64_MAX,
			"invalid value '9223372036854775808' for --count: must be "
			"between 0 and 9223372036854775807");
	expect_int_fail("-9223372036854775809", INT64_MIN, INT64_MAX,
			"invalid value '-9223372036854775809' for --count: must be "
			"between -9223372036854775808 and 9223372036854775807");
	expect_int_fail("99999999999999999999999", INT64_MIN, INT64_MAX,
			"invalid value '99999999999999999999999' for --count: must "
			"be between -9223372036854775808 and 9223372036854775807");
}

static void test_int_malformed(void **st)
{
	(void)st;
	static const char *bad[] = {"",    " 1",   "\t1", "1 ",  "12x", "1.5",
				    "1e3", "0x10", "--1", "- 1", "x",   "1,000"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char want[128];
		snprintf(want, sizeof want,
			 "invalid value '%s' for --count: expected an integer", bad[i]);
		expect_int_fail(bad[i], -1000000, 1000000, want);
	}
	/* NULL is refused like the empty string, not dereferenced. */
	int64_t v = I64_SENTINEL;
	assert_int_equal(kt_parse_int("--count", NULL, 0, 10, &v, err, sizeof err), -1);
	assert_int_equal(v, I64_SENTINEL);
	assert_string_equal(err, "invalid value '' for --count: expected an integer");
}

static void test_int_small_errbuf(void **st)
{
	(void)st;
	/* The message is truncated to the buffer, never written past it. */
	char small[12];
	memset(small, 'Z', sizeof small);
	int64_t v = I64_SENTINEL;
	assert_int_equal(kt_parse_int("--count", "abc", 0, 1, &v, small, 8), -1);
	assert_string_equal(small, "invalid");
	assert_int_equal(small[8], 'Z');
}

static void expect_double(const char *s, double min, double max, double want)
{
	double d = DBL_SENTINEL;
	err[0] = '\0';
	int rc = kt_parse_double("--ratio", s, min, max, &d, err, sizeof err);
	if (rc != 0)
		print_error("kt_parse_double('%s') refused: %s\n", s, err);
	assert_int_equal(rc, 0);
	assert_true(d == want);
}

static void expect_double_fail(const char *s, double min, double max,
			       const char *why)
{
	double d = DBL_SENTINEL;
	char want[160];
	snprintf(want, sizeof want, "invalid value '%s' for --ratio: %s", s, why);
	err[0] = '\0';
	assert_int_equal(kt_parse_double("--ratio", s, min, max, &d, err, sizeof err),
			 -1);
	assert_true(d == DBL_SENTINEL);
	assert_string_equal(err, want);
}

static void test_double(void **st)
{
	(void)st;
	expect_double("2.5", 0, 10, 2.5);
	expect_double("0", 0, 10, 0.0);
	expect_double("10", 0, 10, 10.0); /* bounds inclusive */
	expect_double("-0.25", -1, 1, -0.25);
	expect_double(".5", 0, 1, 0.5);
	expect_double("1e3", 0, 1e4, 1000.0);
	expect_double("2.5E-1", 0, 1, 0.25);

	expect_double_fail("10.5", 0, 10, "must be between 0 and 10");
	expect_double_fail("-0.001", 0, 10, "must be between 0 and 10");
	expect_double_fail("1e6", 0, 1000, "must be between 0 and 1000");
	/* Not finite, or not a decimal number at all. */
	static const char *bad[] = {"nan",  "NaN", "inf",  "-inf", "infinity",
				    "1e999", "",   " 1",   "1 ",   "1.5x",
				    "abc",  "0x10", "1,5", "--1"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		expect_double_fail(bad[i], -1e300, 1e300, "expected a number");
}

static void expect_ms(const char *s, int64_t want)
{
	int64_t v = I64_SENTINEL;
	err[0] = '\0';
	int rc = kt_parse_duration_ms("--timeout", s, &v, err, sizeof err);
	if (rc != 0)
		print_error("duration '%s' refused: %s\n", s, err);
	assert_int_equal(rc, 0);
	assert_int_equal(v, want);
}

static void expect_ms_fail(const char *s, const char *why)
{
	int64_t v = I64_SENTINEL;
	char want[160];
	snprintf(want, sizeof want, "invalid value '%s' for --timeout: %s", s, why);
	err[0] = '\0';
	assert_int_equal(kt_parse_duration_ms("--timeout", s, &v, err, sizeof err), -1);
	assert_int_equal(v, I64_SENTINEL);
	assert_string_equal(err, want);
}

#define DURATION_WHY "expected a duration such as 250ms, 5s, 2m or 1h"

static void test_duration_units(void **st)
{
	(void)st;
	expect_ms("250ms", 250);
	expect_ms("5s", 5000);
	expect_ms("2m", 120000);   /* 2 * 60 * 1000 */
	expect_ms("1h", 3600000);  /* 60 * 60 * 1000 */
	expect_ms("1.5m", 90000);  /* 1.5 * 60000 */
	expect_ms("0.5s", 500);
	expect_ms(".25s", 250);
	expect_ms("2.5h", 9000000); /* 2.5 * 3600000 */
	expect_ms("0.001s", 1);
	expect_ms("1e3ms", 1000);
	/* Zero, alone or with a unit. */
	expect_ms("0", 0);
	expect_ms("0ms", 0);
	expect_ms("0s", 0);
	expect_ms("0.0h", 0);
	/* The ceiling, 30 days = 30 * 86400 * 1000 ms, in every unit. */
	expect_ms("720h", INT64_C(2592000000));
	expect_ms("43200m", INT64_C(2592000000));
	expect_ms("2592000s", INT64_C(2592000000));
	expect_ms("2592000000ms", INT64_C(2592000000));
}

static void test_duration_errors(void **st)
{
	(void)st;
	expect_ms_fail("5", "missing unit (ms, s, m or h)");
	expect_ms_fail("1.5", "missing unit (ms, s, m or h)");
	expect_ms_fail("00", "missing unit (ms, s, m or h)");
	static const char *bad[] = {"",    "5d",  "5sec", "5 s",  "5S",  "5MS",
				    "ms",  "s",   "-5s",  " 5s",  "5s ", "5ss",
				    ".",   "nan", "infs", "0x1s", "1e400s", "5m5s"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		expect_ms_fail(bad[i], DURATION_WHY);
	/* Just past 30 days. */
	expect_ms_fail("721h", "must be at most 30 days");
	expect_ms_fail("2592000001ms", "must be at most 30 days");
	expect_ms_fail("43200.1m", "must be at most 30 days");
	expect_ms_fail("1e300h", "must be at most 30 days");
	int64_t v = I64_SENTINEL;
	assert_int_equal(kt_parse_duration_ms("--timeout", NULL, &v, err, sizeof err),
			 -1);
	assert_int_equal(v, I64_SENTINEL);
}

static void test_rate(void **st)
{
	(void)st;
	double d = DBL_SENTINEL;
	assert_int_equal(kt_parse_rate("--rate", "0", &d, err, sizeof err), 0);
	assert_true(d == 0.0); /* 0: unthrottled */
	assert_int_equal(kt_parse_rate("--rate", "2.5", &d, err, sizeof err), 0);
	assert_true(d == 2.5);
	assert_int_equal(kt_parse_rate("--rate", "10000000", &d, err, sizeof err), 0);
	assert_true(d == 1e7);
	assert_int_equal(kt_parse_rate("--rate", "1e7", &d, err, sizeof err), 0);
	assert_true(d == 1e7);

	static const struct {
		const char *s, *msg;
	} bad[] = {
		{"10000001", "invalid value '10000001' for --rate: must be between 0 and 1e+07"},
		{"-1", "invalid value '-1' for --rate: must be between 0 and 1e+07"},
		{"-0.5", "invalid value '-0.5' for --rate: must be between 0 and 1e+07"},
		{"nan", "invalid value 'nan' for --rate: expected a number"},
		{"inf", "invalid value 'inf' for --rate: expected a number"},
		{"", "invalid value '' for --rate: expected a number"},
		{"5/s", "invalid value '5/s' for --rate: expected a number"},
		{"fast", "invalid value 'fast' for --rate: expected a number"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		d = DBL_SENTINEL;
		assert_int_equal(kt_parse_rate("--rate", bad[i].s, &d, err, sizeof err), -1);
		assert_true(d == DBL_SENTINEL);
		assert_string_equal(err, bad[i].msg);
	}
}

static void expect_ts(const char *s, int64_t want)
{
	int64_t v = I64_SENTINEL;
	err[0] = '\0';
	int rc = kt_parse_timestamp_ms("--from", s, &v, err, sizeof err);
	if (rc != 0)
		print_error("timestamp '%s' refused: %s\n", s, err);
	assert_int_equal(rc, 0);
	assert_int_equal(v, want);
}

#define TS_WHY_ZONE "time zone missing (add Z or an offset such as +01:00)"
#define TS_WHY                                                                 \
	"expected ISO-8601 with zone (2026-01-31T12:00:00Z) or epoch milliseconds"

static void expect_ts_fail(const char *s, const char *why)
{
	int64_t v = I64_SENTINEL;
	char want[200];
	snprintf(want, sizeof want, "invalid value '%s' for --from: %s", s, why);
	err[0] = '\0';
	assert_int_equal(kt_parse_timestamp_ms("--from", s, &v, err, sizeof err), -1);
	assert_int_equal(v, I64_SENTINEL);
	assert_string_equal(err, want);
}

static void test_timestamp_iso(void **st)
{
	(void)st;
	/* date -u -d '2026-11-24T10:00:00Z' +%s%3N */
	expect_ts("2026-11-24T10:00:00Z", INT64_C(1795514400000));
	expect_ts("2026-11-24T10:00:00z", INT64_C(1795514400000));
	expect_ts("2026-11-24 10:00:00Z", INT64_C(1795514400000)); /* space */
	expect_ts("2026-11-24T10:00Z", INT64_C(1795514400000)); /* no seconds */
	expect_ts("2026-11-24T10:00:00+00:00", INT64_C(1795514400000));
	expect_ts("2026-11-24T10:00:00-00:00", INT64_C(1795514400000));
	/* date -u -d '2026-11-24T10:00:00+01:00' +%s%3N -> 1795510800000 */
	expect_ts("2026-11-24T10:00:00+01:00", INT64_C(1795510800000));
	expect_ts("2026-11-24T10:00:00+0100", INT64_C(1795510800000));
	expect_ts("2026-11-24T10:00:00+01", INT64_C(1795510800000));
	/* date -u -d '2026-11-24T10:00:00.250+01:00' +%s%3N */
	expect_ts("2026-11-24T10:00:00.250+01:00", INT64_C(1795510800250));
	/* date -u -d '2026-11-24T10:00:00-05:30' +%s%3N -> 1795534200000 */
	expect_ts("2026-11-24T10:00:00-0530", INT64_C(1795534200000));
	expect_ts("2026-11-24T10:00:00-05:30", INT64_C(1795534200000));
	/* date -u -d '2026-11-24T10:00:00-12:00' +%s%3N */
	expect_ts("2026-11-24T10:00:00-12:00", INT64_C(1795557600000));
	/* date -u -d '2000-01-01T00:00:00+14:00' +%s%3N: the offset crosses
	 * back into the previous year */
	expect_ts("2000-01-01T00:00:00+14:00", INT64_C(946634400000));
	/* date -u -d '2026-12-31T23:30:00-01:00' +%s%3N: and forward into
	 * the next */
	expect_ts("2026-12-31T23:30:00-01:00", INT64_C(1798763400000));
	/* date -u -d '2026-01-31T12:00:00Z' +%s%3N (the example in --help) */
	expect_ts("2026-01-31T12:00:00Z", INT64_C(1769860800000));
	/* Leap days: date -u -d '2024-02-29T12:00:00Z' +%s%3N, and 2000
	 * (divisible by 400) date -u -d '2000-02-29T00:00:00Z' +%s%3N */
	expect_ts("2024-02-29T12:00:00Z", INT64_C(1709208000000));
	expect_ts("2000-02-29T00:00:00Z", INT64_C(951782400000));
	/* date -u -d '2001-09-09T01:46:40Z' +%s%3N: one billion seconds */
	expect_ts("2001-09-09T01:46:40Z", INT64_C(1000000000000));
	expect_ts("1970-01-01T00:00:00Z", 0);
	expect_ts("1970-01-01T01:00:00+01:00", 0);
	/* Before 1970: date -u -d '1960-06-15T08:30:00Z' +%s -> -301246200 */
	expect_ts("1960-06-15T08:30:00Z", INT64_C(-301246200000));
	/* date -u -d '1900-01-01T00:00:00Z' +%s -> -2208988800 */
	expect_ts("1900-01-01T00:00:00Z", INT64_C(-2208988800000));
	/* date -u -d '1969-12-31T23:59:59Z' +%s -> -1, plus 999 ms = -1 ms
	 * (%s%3N would print "-1999": seconds and milliseconds concatenated) */
	expect_ts("1969-12-31T23:59:59.999Z", -1);
	/* date -u -d '9999-12-31T23:59:59.999Z' +%s%3N */
	expect_ts("9999-12-31T23:59:59.999Z", INT64_C(253402300799999));
}

static void test_timestamp_fraction(void **st)
{
	(void)st;
	/* 1795514400000 is 2026-11-24T10:00:00Z (see above). */
	expect_ts("2026-11-24T10:00:00.5Z", INT64_C(1795514400500));
	expect_ts("2026-11-24T10:00:00.05Z", INT64_C(1795514400050));
	expect_ts("2026-11-24T10:00:00.123Z", INT64_C(1795514400123));
	expect_ts("2026-11-24T10:00:00,123Z", INT64_C(1795514400123));
	expect_ts("2026-11-24T10:00:00.000Z", INT64_C(1795514400000));
	/* Digits past the millisecond are dropped, not rounded. */
	expect_ts("2026-11-24T10:00:00.123999Z", INT64_C(1795514400123));
	expect_ts("2026-11-24T10:00:00.999999999999Z", INT64_C(1795514400999));
	expect_ts_fail("2026-11-24T10:00:00.Z", TS_WHY);
	expect_ts_fail("2026-11-24T10:00:00.x5Z", TS_WHY);
}

static void test_timestamp_epoch(void **st)
{
	(void)st;
	expect_ts("0", 0);
	expect_ts("1764000000000", INT64_C(1764000000000));
	expect_ts("0001", 1);
	/* The largest epoch value accepted is INT64_MAX / 2. */
	expect_ts("4611686018427387903", INT64_MAX / 2);
	expect_ts_fail("4611686018427387904",
		       "must be between 0 and 4611686018427387903");
	expect_ts_fail("99999999999999999999",
		       "must be between 0 and 4611686018427387903");
	/* Negative or decorated epochs are not epochs. */
	expect_ts_fail("-1000", TS_WHY);
	expect_ts_fail("+1000", TS_WHY);
	expect_ts_fail("1000 ", TS_WHY);
	expect_ts_fail("1e12", TS_WHY);
}

static void test_timestamp_errors(void **st)
{
	(void)st;
	/* No zone: refused with the zone message, not guessed. */
	expect_ts_fail("2026-11-24T10:00:00", TS_WHY_ZONE);
	expect_ts_fail("2026-11-24T10:00", TS_WHY_ZONE);
	expect_ts_fail("2026-11-24T10:00:00.250", TS_WHY_ZONE);
	expect_ts_fail("2026-11-24 10:00:00", TS_WHY_ZONE);
	/* Impossible dates and times. */
	expect_ts_fail("2026-02-30T00:00:00Z", TS_WHY);
	expect_ts_fail("2026-02-29T00:00:00Z", TS_WHY); /* 2026 is no leap year */
	expect_ts_fail("1900-02-29T00:00:00Z", TS_WHY); /* nor is 1900 */
	expect_ts_fail("2026-04-31T00:00:00Z", TS_WHY);
	expect_ts_fail("2026-13-01T00:00:00Z", TS_WHY);
	expect_ts_fail("2026-00-10T00:00:00Z", TS_WHY);
	expect_ts_fail("2026-01-00T00:00:00Z", TS_WHY);
	expect_ts_fail("2026-01-32T00:00:00Z", TS_WHY);
	expect_ts_fail("2026-01-01T24:00:00Z", TS_WHY);
	expect_ts_fail("2026-01-01T10:60:00Z", TS_WHY);
	expect_ts_fail("2026-01-01T10:00:61Z", TS_WHY);
	/* Bad offsets. */
	expect_ts_fail("2026-01-01T10:00:00+24:00", TS_WHY);
	expect_ts_fail("2026-01-01T10:00:00+01:60", TS_WHY);
	expect_ts_fail("2026-01-01T10:00:00+1", TS_WHY);
	expect_ts_fail("2026-01-01T10:00:00+01:", TS_WHY);
	expect_ts_fail("2026-01-01T10:00:00+01:0", TS_WHY);
	expect_ts_fail("2026-01-01T10:00:00+01:000", TS_WHY);
	expect_ts_fail("2026-01-01T10:00:00+01Z", TS_WHY);
	/* Malformed shapes and trailing junk. */
	static const char *bad[] = {"2026-11-24",          "2026-11-24T",
				    "26-11-24T10:00:00Z",  "2026-1-24T10:00:00Z",
				    "2026/11/24T10:00:00Z", "2026-11-24T1:00:00Z",
				    "2026-11-24T10:0:00Z",  "2026-11-24T10:00:0Z",
				    "2026-11-24t10:00:00Z", "2026-11-24T10:00:00ZZ",
				    "2026-11-24T10:00:00Z ", " 2026-11-24T10:00:00Z",
				    "now",                 "yesterday"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		expect_ts_fail(bad[i], TS_WHY);
	int64_t v = I64_SENTINEL;
	assert_int_equal(kt_parse_timestamp_ms("--from", "", &v, err, sizeof err), -1);
	assert_string_equal(err, "invalid value '' for --from: expected a time");
	assert_int_equal(kt_parse_timestamp_ms("--from", NULL, &v, err, sizeof err), -1);
	assert_string_equal(err, "invalid value '' for --from: expected a time");
	assert_int_equal(v, I64_SENTINEL);
}

static void expect_iso(int64_t ms, const char *want)
{
	char buf[32];
	memset(buf, 'Z', sizeof buf);
	kt_format_iso8601_ms(ms, buf, sizeof buf);
	assert_string_equal(buf, want);
}

static void test_format_iso8601(void **st)
{
	(void)st;
	expect_iso(0, "1970-01-01T00:00:00.000Z");
	expect_iso(1, "1970-01-01T00:00:00.001Z");
	expect_iso(999, "1970-01-01T00:00:00.999Z");
	expect_iso(1000, "1970-01-01T00:00:01.000Z");
	/* date -u -d @1795510800 +%FT%TZ -> 2026-11-24T09:00:00Z */
	expect_iso(INT64_C(1795510800250), "2026-11-24T09:00:00.250Z");
	/* date -u -d @1764000000 +%FT%TZ */
	expect_iso(INT64_C(1764000000000), "2025-11-24T16:00:00.000Z");
	expect_iso(INT64_C(1709208000000), "2024-02-29T12:00:00.000Z");
	/* Before 1970 the milliseconds still count forward within the second:
	 * -1 ms is 999 ms into 1969-12-31T23:59:59. */
	expect_iso(-1, "1969-12-31T23:59:59.999Z");
	expect_iso(-999, "1969-12-31T23:59:59.001Z");
	expect_iso(-1000, "1969-12-31T23:59:59.000Z");
	expect_iso(-1001, "1969-12-31T23:59:58.999Z");
	/* date -u -d @-301246200 +%FT%TZ */
	expect_iso(INT64_C(-301246200000), "1960-06-15T08:30:00.000Z");
	/* date -u -d @-2208988800 +%FT%TZ */
	expect_iso(INT64_C(-2208988800000), "1900-01-01T00:00:00.000Z");
	/* Years below 1000 keep four digits (ISO-8601, and what the parser
	 * takes): date -u -d '0500-03-01T00:00:00Z' +%s -> -46383580800 */
	expect_iso(INT64_C(-46383580800000), "0500-03-01T00:00:00.000Z");
	expect_iso(INT64_C(253402300799999), "9999-12-31T23:59:59.999Z");
	/* The largest timestamp the parser accepts, INT64_MAX / 2 ms:
	 * date -u -d @4611686018427387 -> Fri Apr 24 15:36:27 UTC 146140482 */
	expect_iso(INT64_MAX / 2, "146140482-04-24T15:36:27.903Z");
	/* INT64_MIN must not be negated (UBSan would stop here): its last
	 * three digits, -808, are 192 ms into the second before. */
	char buf[32];
	kt_format_iso8601_ms(INT64_MIN, buf, sizeof buf);
	assert_int_equal(buf[0], '-');
	size_t n = strlen(buf);
	assert_true(n > 5);
	assert_string_equal(buf + n - 5, ".192Z");
}

static void test_format_small_buffer(void **st)
{
	(void)st;
	char buf[16];
	memset(buf, 'Z', sizeof buf);
	kt_format_iso8601_ms(0, buf, 11);
	assert_string_equal(buf, "1970-01-01"); /* truncated, terminated */
	assert_int_equal(buf[11], 'Z');
}

static void test_round_trip(void **st)
{
	(void)st;
	/* Any accepted ISO time formats back as the same instant in UTC. */
	static const struct {
		const char *in, *utc;
	} cases[] = {
		{"2026-11-24T10:00:00.250+01:00", "2026-11-24T09:00:00.250Z"},
		{"2026-11-24T10:00:00-0530", "2026-11-24T15:30:00.000Z"},
		{"2026-12-31T23:30:00-01:00", "2027-01-01T00:30:00.000Z"},
		{"1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z"},
		{"0500-03-01T00:00:00Z", "0500-03-01T00:00:00.000Z"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int64_t ms = 0;
		char buf[32];
		assert_int_equal(kt_parse_timestamp_ms("--from", cases[i].in, &ms, err,
						       sizeof err), 0);
		kt_format_iso8601_ms(ms, buf, sizeof buf);
		assert_string_equal(buf, cases[i].utc);
		int64_t again = 0;
		assert_int_equal(kt_parse_timestamp_ms("--from", buf, &again, err,
						       sizeof err), 0);
		assert_int_equal(again, ms);
	}
}

static void expect_list(const kt_i32list *l, const int32_t *want, size_t n)
{
	assert_int_equal(l->n, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(l->v[i], want[i]);
}

static void test_i32list(void **st)
{
	(void)st;
	kt_i32list l;
	kt_i32list_init(&l);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
	assert_int_equal(l.cap, 0);
	kt_i32list_sort_unique(&l); /* empty: no-op */
	assert_int_equal(l.n, 0);
	/* Growth well past the first allocation keeps every value. */
	for (int32_t i = 0; i < 1000; i++)
		assert_int_equal(kt_i32list_push(&l, 999 - i), 0);
	assert_int_equal(l.n, 1000);
	assert_true(l.cap >= 1000);
	for (size_t i = 0; i < 1000; i++)
		assert_int_equal(l.v[i], 999 - (int32_t)i);
	kt_i32list_sort_unique(&l);
	assert_int_equal(l.n, 1000);
	for (size_t i = 0; i < 1000; i++)
		assert_int_equal(l.v[i], (int32_t)i);
	kt_i32list_release(&l);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
	assert_int_equal(l.cap, 0);
	kt_i32list_release(&l); /* twice is harmless */
}

static void test_sort_unique(void **st)
{
	(void)st;
	kt_i32list l;
	kt_i32list_init(&l);
	static const int32_t in[] = {5, 3, 5, 1, 3, 3, INT32_MAX, INT32_MIN, 0, -1};
	for (size_t i = 0; i < sizeof in / sizeof *in; i++)
		assert_int_equal(kt_i32list_push(&l, in[i]), 0);
	kt_i32list_sort_unique(&l);
	/* Extremes order correctly (a subtracting comparator would overflow). */
	static const int32_t want[] = {INT32_MIN, -1, 0, 1, 3, 5, INT32_MAX};
	expect_list(&l, want, sizeof want / sizeof *want);
	kt_i32list_release(&l);

	kt_i32list_init(&l);
	for (int i = 0; i < 50; i++)
		kt_i32list_push(&l, 7);
	kt_i32list_sort_unique(&l);
	static const int32_t seven[] = {7};
	expect_list(&l, seven, 1);
	kt_i32list_sort_unique(&l); /* single element */
	expect_list(&l, seven, 1);
	kt_i32list_release(&l);
}

static void expect_partitions(const char *s, const int32_t *want, size_t n)
{
	kt_i32list l;
	kt_i32list_init(&l);
	err[0] = '\0';
	int rc = kt_parse_partitions("--partitions", s, &l, err, sizeof err);
	if (rc != 0)
		print_error("partitions '%s' refused: %s\n", s, err);
	assert_int_equal(rc, 0);
	expect_list(&l, want, n);
	kt_i32list_release(&l);
}

static void test_partitions_ok(void **st)
{
	(void)st;
	static const int32_t a[] = {0, 2, 4, 5, 6, 7};
	expect_partitions("0,2,4-7", a, 6);
	static const int32_t b[] = {3};
	expect_partitions("3", b, 1);
	static const int32_t c[] = {5};
	expect_partitions("5-5", c, 1);
	/* Order and repeats are kept as given; sort_unique is separate. */
	static const int32_t d[] = {9, 1, 1, 0, 1};
	expect_partitions("9,1,1,0-1", d, 5);
	static const int32_t e[] = {2147483646, 2147483647};
	expect_partitions("2147483646-2147483647", e, 2);
	static const int32_t f[] = {7};
	expect_partitions("007", f, 1);
}

static void test_partitions_append(void **st)
{
	(void)st;
	kt_i32list l;
	kt_i32list_init(&l);
	assert_int_equal(kt_parse_partitions("-p", "4-5", &l, err, sizeof err), 0);
	assert_int_equal(kt_parse_partitions("-p", "1,4", &l, err, sizeof err), 0);
	static const int32_t all[] = {4, 5, 1, 4};
	expect_list(&l, all, 4);
	kt_i32list_sort_unique(&l);
	static const int32_t uniq[] = {1, 4, 5};
	expect_list(&l, uniq, 3);
	kt_i32list_release(&l);
}

static void expect_partitions_fail(const char *s, const char *why)
{
	kt_i32list l;
	kt_i32list_init(&l);
	assert_int_equal(kt_i32list_push(&l, 42), 0); /* already there */
	char want[200];
	snprintf(want, sizeof want, "invalid value '%s' for --partitions: %s", s, why);
	err[0] = '\0';
	assert_int_equal(kt_parse_partitions("--partitions", s, &l, err, sizeof err),
			 -1);
	assert_string_equal(err, want);
	/* Nothing of a refused list stays behind, even what parsed fine. */
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0], 42);
	kt_i32list_release(&l);
}

#define PART_WHY "expected partitions such as 0,2,4-7"

static void test_partitions_errors(void **st)
{
	(void)st;
	expect_partitions_fail("7-4", "range end is below its start");
	expect_partitions_fail("0,2,7-4", "range end is below its start");
	static const char *bad[] = {"",     "a",     "1,",      ",1",     "1,,2",
				    "1-",   "-1",    "1-2-3",   " 1",     "1 ",
				    "1, 2", "1;2",   "1.5",     "0x1",    "+1",
				    "0,2,x", "2147483648", "0-2147483648",
				    "99999999999999999999"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		expect_partitions_fail(bad[i], PART_WHY);
	/* At most 1,000,000 ids in all, counting what the list holds. */
	expect_partitions_fail("0-1000000", "too many partitions");
	expect_partitions_fail("0-2147483647", "too many partitions");
	expect_partitions_fail("0-999999", "too many partitions"); /* 42 + 1e6 */

	kt_i32list l;
	kt_i32list_init(&l);
	assert_int_equal(kt_parse_partitions("-p", "0-999999", &l, err, sizeof err), 0);
	assert_int_equal(l.n, 1000000);
	assert_int_equal(l.v[0], 0);
	assert_int_equal(l.v[999999], 999999);
	assert_int_equal(kt_parse_partitions("-p", "5", &l, err, sizeof err), -1);
	assert_string_equal(err, "invalid value '5' for -p: too many partitions");
	assert_int_equal(l.n, 1000000);
	kt_i32list_release(&l);

	kt_i32list_init(&l);
	assert_int_equal(kt_parse_partitions("-p", NULL, &l, err, sizeof err), -1);
	assert_string_equal(err, "invalid value '' for -p: " PART_WHY);
	assert_int_equal(l.n, 0);
	kt_i32list_release(&l);
}

static void test_parse_numbers(void **st)
{
	(void)st;
	int64_t v;
	double d;
	assert_int_equal(kt_parse_int("--count", "42", 0, 100, &v, err, sizeof err), 0);
	assert_int_equal(v, 42);
	assert_int_equal(kt_parse_int("--count", "-1", 0, 100, &v, err, sizeof err), -1);
	assert_string_equal(err, "invalid value '-1' for --count: must be between 0 and 100");
	assert_int_equal(kt_parse_int("--count", "12x", 0, 100, &v, err, sizeof err), -1);
	assert_int_equal(kt_parse_int("--count", "", 0, 100, &v, err, sizeof err), -1);
	assert_int_equal(kt_parse_int("--count", " 1", 0, 100, &v, err, sizeof err), -1);
	assert_int_equal(kt_parse_int("--count", "99999999999999999999", 0, INT64_MAX, &v, err,
				      sizeof err), -1);
	assert_int_equal(kt_parse_double("--rate", "2.5", 0, 10, &d, err, sizeof err), 0);
	assert_true(d == 2.5);
	assert_int_equal(kt_parse_double("--rate", "nan", 0, 10, &d, err, sizeof err), -1);
	assert_int_equal(kt_parse_double("--rate", "inf", 0, 10, &d, err, sizeof err), -1);
	assert_int_equal(kt_parse_rate("--rate", "0", &d, err, sizeof err), 0);
	assert_int_equal(kt_parse_rate("--rate", "-3", &d, err, sizeof err), -1);
	assert_non_null(strstr(err, "--rate"));
}

static void test_parse_durations(void **st)
{
	(void)st;
	static const struct {
		const char *in;
		int64_t ms;
	} ok[] = {{"250ms", 250}, {"5s", 5000}, {"2m", 120000}, {"1h", 3600000},
		  {"1.5s", 1500}, {"0", 0}};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		int64_t ms = -1;
		assert_int_equal(kt_parse_duration_ms("--window", ok[i].in, &ms, err, sizeof err), 0);
		assert_int_equal(ms, ok[i].ms);
	}
	static const char *const bad[] = {"", "5", "5x", "s", "-1s", "31d", "999h", "5 s"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int64_t ms = 7;
		assert_int_equal(kt_parse_duration_ms("--window", bad[i], &ms, err, sizeof err), -1);
		assert_int_equal(ms, 7); /* untouched on error */
		assert_non_null(strstr(err, "--window"));
	}
	kt_parse_duration_ms("--window", "5", &(int64_t){0}, err, sizeof err);
	assert_non_null(strstr(err, "missing unit"));
}

static void test_parse_timestamps(void **st)
{
	(void)st;
	int64_t t;
	/* date -u -d 2026-11-24T10:00:00Z +%s%3N = 1795514400000 */
	assert_int_equal(kt_parse_timestamp_ms("--t", "2026-11-24T10:00:00Z", &t, err, sizeof err), 0);
	assert_int_equal(t, 1795514400000);
	assert_int_equal(kt_parse_timestamp_ms("--t", "2026-11-24T11:00:00.250+01:00", &t, err,
					       sizeof err), 0);
	assert_int_equal(t, 1795514400250);
	assert_int_equal(kt_parse_timestamp_ms("--t", "2026-11-24T04:30:00-0530", &t, err, sizeof err), 0);
	assert_int_equal(t, 1795514400000);
	assert_int_equal(kt_parse_timestamp_ms("--t", "1795514400000", &t, err, sizeof err), 0);
	assert_int_equal(t, 1795514400000);
	assert_int_equal(kt_parse_timestamp_ms("--t", "2026-11-24T10:00:00", &t, err, sizeof err), -1);
	assert_non_null(strstr(err, "time zone missing"));
	assert_int_equal(kt_parse_timestamp_ms("--t", "2026-02-30T10:00:00Z", &t, err, sizeof err), -1);
	assert_int_equal(kt_parse_timestamp_ms("--t", "2026-13-01T10:00:00Z", &t, err, sizeof err), -1);
	assert_int_equal(kt_parse_timestamp_ms("--t", "yesterday", &t, err, sizeof err), -1);
	char buf[40];
	kt_format_iso8601_ms(1795514400250, buf, sizeof buf);
	assert_string_equal(buf, "2026-11-24T10:00:00.250Z");
	kt_format_iso8601_ms(-1, buf, sizeof buf);
	assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
}

static void test_parse_partitions(void **st)
{
	(void)st;
	kt_i32list l;
	kt_i32list_init(&l);
	assert_int_equal(kt_parse_partitions("-p", "4-7,0,2,5", &l, err, sizeof err), 0);
	kt_i32list_sort_unique(&l);
	static const int32_t want[] = {0, 2, 4, 5, 6, 7};
	assert_int_equal(l.n, 6);
	assert_memory_equal(l.v, want, sizeof want);
	static const char *const bad[] = {"", "7-4", "1,,2", "a", "1-", "-1", "3000000000"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(kt_parse_partitions("-p", bad[i], &l, err, sizeof err), -1);
	assert_non_null(strstr(err, "-p"));
	kt_i32list_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_int_ok),
		cmocka_unit_test(test_int_bounds),
		cmocka_unit_test(test_int_malformed),
		cmocka_unit_test(test_int_small_errbuf),
		cmocka_unit_test(test_double),
		cmocka_unit_test(test_duration_units),
		cmocka_unit_test(test_duration_errors),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_timestamp_iso),
		cmocka_unit_test(test_timestamp_fraction),
		cmocka_unit_test(test_timestamp_epoch),
		cmocka_unit_test(test_timestamp_errors),
		cmocka_unit_test(test_format_iso8601),
		cmocka_unit_test(test_format_small_buffer),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_i32list),
		cmocka_unit_test(test_sort_unique),
		cmocka_unit_test(test_partitions_ok),
		cmocka_unit_test(test_partitions_append),
		cmocka_unit_test(test_partitions_errors),
		cmocka_unit_test(test_parse_numbers),
		cmocka_unit_test(test_parse_durations),
		cmocka_unit_test(test_parse_timestamps),
		cmocka_unit_test(test_parse_partitions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
