/* test_core: the shared library's pure logic: value parsers, config
 * resolution and masking, record classification, field extraction, window
 * clock and watermark, the pacer, and delete-records' plan validation.
 * Expected values are worked out by hand in the comments. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ktrio/config.h"
#include "delete-records/delete_plan.h"
#include "consumer/fields.h"
#include "generator/pacer.h"
#include "ktrio/parse.h"
#include "ktrio/record.h"
#include "consumer/wclock.h"

/* The arena the record tests decode into. */
static kt_record_arena core_arena;

static char err[512];

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

static char *temp_file(const char *content)
{
	static char path[64];
	strcpy(path, "/tmp/kt-test-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
	return path;
}

static void test_config_precedence(void **st)
{
	(void)st;
	char *file = temp_file("# comment\n\n bootstrap.servers = file:1 \nclient.id=from-file\n"
			       "sasl.password=s3cret\n");
	kt_config c;
	/* file only */
	kt_config_init(&c);
	assert_int_equal(kt_config_option(&c, 'F', file, err, sizeof err), 1);
	assert_int_equal(kt_config_finalize(&c, NULL, err, sizeof err), 0);
	assert_string_equal(c.brokers, "file:1");
	assert_string_equal(kt_config_get(&c, "client.id"), "from-file");
	assert_string_equal(c.topics[0], "events");
	kt_config_release(&c);
	/* environment beats the file */
	kt_config_init(&c);
	kt_config_option(&c, 'F', file, err, sizeof err);
	assert_int_equal(kt_config_finalize(&c, "env:2", err, sizeof err), 0);
	assert_string_equal(c.brokers, "env:2");
	kt_config_release(&c);
	/* a flag beats both, -X beats the file */
	kt_config_init(&c);
	kt_config_option(&c, 'F', file, err, sizeof err);
	kt_config_option(&c, 'X', "client.id=from-flag", err, sizeof err);
	kt_config_option(&c, 'b', "flag:3", err, sizeof err);
	assert_int_equal(kt_config_finalize(&c, "env:2", err, sizeof err), 0);
	assert_string_equal(c.brokers, "flag:3");
	assert_string_equal(kt_config_get(&c, "client.id"), "from-flag");
	kt_config_release(&c);
	/* nothing: the default */
	kt_config_init(&c);
	assert_int_equal(kt_config_finalize(&c, NULL, err, sizeof err), 0);
	assert_string_equal(c.brokers, "localhost:9092");
	kt_config_release(&c);
	unlink(file);
}

static void test_config_errors(void **st)
{
	(void)st;
	kt_config c;
	kt_config_init(&c);
	assert_int_equal(kt_config_option(&c, 'X', "no.such.thing=1", err, sizeof err), 1);
	assert_int_equal(kt_config_finalize(&c, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "invalid property 'no.such.thing'"));
	assert_non_null(strstr(err, "No such configuration property")); /* librdkafka's words */
	kt_config_release(&c);
	kt_config_init(&c);
	assert_int_equal(kt_config_option(&c, 'X', "novalue", err, sizeof err), -1);
	assert_int_equal(kt_config_option(&c, 't', "", err, sizeof err), -1);
	assert_int_equal(kt_config_option(&c, 't', "a/b", err, sizeof err), -1);
	assert_int_equal(kt_config_option(&c, 't', "..", err, sizeof err), -1);
	assert_int_equal(kt_config_option(&c, 't', "ok.topic_1-x", err, sizeof err), 1);
	assert_int_equal(kt_config_option(&c, KT_OPT_FORMAT, "xml", err, sizeof err), -1);
	assert_int_equal(kt_config_option(&c, KT_OPT_CONNECT_TIMEOUT, "10ms", err, sizeof err), -1);
	assert_int_equal(kt_config_option('z' == 0 ? &c : &c, 'z', "x", err, sizeof err), 0);
	char *bad = temp_file("good=1\nthis line is bad\n");
	assert_int_equal(kt_config_option(&c, 'F', bad, err, sizeof err), 1);
	assert_int_equal(kt_config_finalize(&c, NULL, err, sizeof err), -1);
	char want[128];
	snprintf(want, sizeof want, "%s:2: expected key=value", bad);
	assert_string_equal(err, want);
	unlink(bad);
	kt_config_release(&c);
}

static void test_config_secrets(void **st)
{
	(void)st;
	assert_true(kt_config_is_secret("sasl.password"));
	assert_true(kt_config_is_secret("ssl.key.password"));
	assert_true(kt_config_is_secret("ssl.keystore.password"));
	assert_true(kt_config_is_secret("my.client.secret"));
	assert_true(kt_config_is_secret("sasl.jaas.config"));
	assert_false(kt_config_is_secret("bootstrap.servers"));
	assert_false(kt_config_is_secret("sasl.username"));
}

static void test_record_reasons(void **st)
{
	(void)st;
	static const struct {
		const char *value;
		size_t len;
		enum kt_invalid why;
	} bad[] = {
		{"", 0, KT_INVALID_EMPTY},
		{"{\"a\":\"\xff\"}", 9, KT_INVALID_BAD_UTF8},
		{"{\"a\":\"\xc0\xaf\"}", 10, KT_INVALID_BAD_UTF8}, /* overlong '/' */
		{"{\"a\":\"\xed\xa0\x80\"}", 11, KT_INVALID_BAD_UTF8}, /* surrogate */
		{"{\"a\":1", 6, KT_INVALID_NOT_JSON},
		{"{\"a\":1} x", 9, KT_INVALID_NOT_JSON},
		{"NaN", 3, KT_INVALID_NOT_JSON},
		{"[1]", 3, KT_INVALID_NOT_OBJECT},
		{"\"s\"", 3, KT_INVALID_NOT_OBJECT},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		enum kt_invalid why = KT_INVALID_COUNT;
		assert_null(kt_record_decode(&core_arena, bad[i].value, bad[i].len, 1000, &why));
		assert_int_equal(why, bad[i].why);
	}
	enum kt_invalid why;
	assert_null(kt_record_decode(&core_arena, NULL, 0, 1000, &why));
	assert_int_equal(why, KT_INVALID_NULL);
	assert_null(kt_record_decode(&core_arena, "{\"a\":1}", 7, 5, &why));
	assert_int_equal(why, KT_INVALID_TOO_LARGE);
	/* 100,000 levels of nesting: refused, not a stack overflow */
	size_t n = 200000;
	char *deep = malloc(n);
	memset(deep, '[', n / 2);
	memset(deep + n / 2, ']', n / 2);
	assert_null(kt_record_decode(&core_arena, deep, n, n, &why));
	assert_int_equal(why, KT_INVALID_NOT_JSON);
	free(deep);
	cJSON *ok = kt_record_decode(&core_arena, "{\"a\":\"\xc3\xa9\"} ", 11, 1000, &why);
	assert_non_null(ok);
	assert_string_equal(cJSON_GetObjectItem(ok, "a")->valuestring, "\xc3\xa9");
	kt_record_arena_reset(&core_arena);
	assert_string_equal(kt_invalid_name(KT_INVALID_MISSING_FIELD), "missing_field");
	kt_record_arena_release(&core_arena);
}

static int extract(kt_fieldspec *s, const char *json, kt_extracted *x, enum kt_invalid *why)
{
	cJSON *r = kt_record_decode(&core_arena, json, strlen(json), 1 << 20, why);
	assert_non_null(r);
	int rc = kt_fields_extract(s, r, x, why);
	kt_record_arena_reset(&core_arena);
	return rc;
}

static void test_fields(void **st)
{
	(void)st;
	kt_fieldspec s;
	kt_fieldspec_init(&s);
	assert_int_equal(kt_fieldspec_set_group_by(&s, "cat,vip", err, sizeof err), 0);
	assert_int_equal(kt_fieldspec_set_stats(&s, "price,qty", err, sizeof err), 0);
	s.time_field = strdup("ts");
	kt_extracted x;
	enum kt_invalid why;
	assert_int_equal(extract(&s, "{\"cat\":\"a\",\"vip\":true,\"price\":2.5,\"qty\":null,"
				     "\"ts\":\"2026-11-24T10:00:00Z\"}", &x, &why), 0);
	assert_true(x.stat[0] == 2.5 && x.stat_present == 1u); /* null qty skipped */
	assert_int_equal(x.time, 1795514400000);
	kt_key_part part;
	assert_int_equal(kt_key_part_at(x.key, x.keylen, 0, &part), 0);
	assert_true(part.type == 's' && part.len == 1 && part.bytes[0] == 'a');
	assert_int_equal(kt_key_part_at(x.key, x.keylen, 1, &part), 0);
	assert_true(part.type == 't');
	static const struct {
		const char *json;
		enum kt_invalid why;
	} bad[] = {
		{"{\"vip\":1,\"price\":1,\"qty\":1,\"ts\":1}", KT_INVALID_MISSING_FIELD},
		{"{\"cat\":\"a\",\"vip\":1,\"price\":1,\"qty\":1}", KT_INVALID_MISSING_FIELD},
		{"{\"cat\":{},\"vip\":1,\"price\":1,\"qty\":1,\"ts\":1}", KT_INVALID_WRONG_TYPE},
		{"{\"cat\":1e999,\"vip\":1,\"price\":1,\"qty\":1,\"ts\":1}", KT_INVALID_BAD_NUMBER},
		{"{\"cat\":\"a\",\"cat\":\"b\",\"vip\":1,\"price\":1,\"qty\":1,\"ts\":1}", KT_INVALID_DUPLICATE_KEY},
		{"{\"cat\":\"a\",\"vip\":1,\"price\":1,\"qty\":1,\"ts\":\"soon\"}", KT_INVALID_BAD_TIME},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		why = KT_INVALID_COUNT;
		assert_int_equal(extract(&s, bad[i].json, &x, &why), -1);
		assert_int_equal(why, bad[i].why);
	}
	kt_fieldspec_release(&s);
	/* Automatic stats: every numeric field but seq, ts and group fields. */
	kt_fieldspec_init(&s);
	kt_fieldspec_set_group_by(&s, "n", err, sizeof err);
	assert_int_equal(extract(&s, "{\"seq\":1,\"ts\":2,\"n\":3,\"price\":4,\"name\":\"x\",\"q\":5}",
				 &x, &why), 0);
	assert_int_equal(s.nstats, 2);
	assert_string_equal(s.stats[0], "price");
	assert_string_equal(s.stats[1], "q");
	assert_int_equal(kt_key_part_at(x.key, x.keylen, 0, &part), 0);
	assert_true(part.type == 'n' && part.len == 1 && part.bytes[0] == '3');
	assert_int_equal(kt_fieldspec_set_group_by(&s, "a,,b", err, sizeof err), -1);
	assert_non_null(strstr(err, "empty field name"));
	kt_fieldspec_release(&s);
	kt_record_arena_release(&core_arena);
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

/* Watermarks of a fake topic "t" with partitions 0..2. */
static int fake_watermarks(void *opaque, const char *topic, int32_t p,
			   int64_t *low, int64_t *high, char *e, size_t elen)
{
	(void)opaque, (void)e, (void)elen;
	if (strcmp(topic, "t") || p < 0 || p > 2)
		return 0;
	*low = 10 * p;
	*high = 100;
	return 1;
}

static void test_delete_plan(void **st)
{
	(void)st;
	kt_delete_requests r;
	kt_delete_plan plan;
	kt_delete_requests_init(&r);
	kt_delete_requests_add(&r, "t", 0, 50);
	kt_delete_requests_add(&r, "t", 1, KT_OFFSET_END);
	kt_delete_requests_add(&r, "t", 2, KT_OFFSET_NONE);
	assert_int_equal(kt_delete_plan_build(&plan, &r, fake_watermarks, NULL, err, sizeof err), 0);
	/* p0: 50 - 0; p1: 100 - 10; p2: left alone */
	assert_int_equal(plan.total, 50 + 90);
	assert_int_equal(plan.partitions, 2);
	assert_int_equal(plan.v[1].target, 100);
	assert_int_equal(plan.v[2].to_delete, 0);
	kt_delete_plan_release(&plan);
	kt_delete_requests_release(&r);

	static const struct {
		int32_t p;
		int64_t off;
		const char *msg;
	} bad[] = {
		{0, 101, "'t' [0]: offset 101 is above the high watermark 100"},
		{7, 5, "'t' [7]: no such topic or partition"},
		{1, 5, "nothing to delete"}, /* 5 < low 10 */
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		kt_delete_requests_init(&r);
		kt_delete_requests_add(&r, "t", bad[i].p, bad[i].off);
		assert_int_equal(kt_delete_plan_build(&plan, &r, fake_watermarks, NULL, err, sizeof err), -1);
		assert_non_null(strstr(err, bad[i].msg));
		assert_int_equal(plan.n, 0);
		kt_delete_requests_release(&r);
	}
	/* One bad partition fails the whole plan. */
	kt_delete_requests_init(&r);
	kt_delete_requests_add(&r, "t", 0, 50);
	kt_delete_requests_add(&r, "t", 0, 60);
	assert_int_equal(kt_delete_plan_build(&plan, &r, fake_watermarks, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "given twice"));
	kt_delete_requests_release(&r);
}

static void test_offset_json(void **st)
{
	(void)st;
	kt_delete_requests r;
	kt_delete_requests_init(&r);
	const char *ok = "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":5},"
			 "{\"topic\":\"t\",\"partition\":2,\"offset\":-1}],\"version\":1}";
	assert_int_equal(kt_delete_requests_parse_json(&r, ok, strlen(ok), err, sizeof err), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.v[0].offset, 5);
	assert_int_equal(r.v[1].offset, KT_OFFSET_END);
	kt_delete_requests_release(&r);
	static const struct {
		const char *json, *msg;
	} bad[] = {
		{"nope", "not valid JSON"},
		{"{}", "missing 'partitions'"},
		{"{\"partitions\":[]}", "'partitions' is empty"},
		{"{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":1}],\"version\":2}", "version"},
		{"{\"partitions\":[{\"partition\":0,\"offset\":1}]}", "with a topic"},
		{"{\"partitions\":[{\"topic\":\"t\",\"partition\":-1,\"offset\":1}]}", "'partition'"},
		{"{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":-2}]}", "'offset'"},
		{"{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":1.5}]}", "'offset'"},
		{"{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":1},"
		 "{\"topic\":\"t\",\"partition\":0,\"offset\":2}]}", "duplicate partition"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		kt_delete_requests_init(&r);
		assert_int_equal(kt_delete_requests_parse_json(&r, bad[i].json, strlen(bad[i].json),
							       err, sizeof err), -1);
		if (!strstr(err, bad[i].msg))
			fail_msg("'%s': got '%s'", bad[i].json, err);
		kt_delete_requests_release(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_numbers),     cmocka_unit_test(test_parse_durations),
		cmocka_unit_test(test_parse_timestamps),  cmocka_unit_test(test_parse_partitions),
		cmocka_unit_test(test_config_precedence), cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_config_secrets),    cmocka_unit_test(test_record_reasons),
		cmocka_unit_test(test_fields),            cmocka_unit_test(test_wclock),
		cmocka_unit_test(test_pacer),             cmocka_unit_test(test_delete_plan),
		cmocka_unit_test(test_offset_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
