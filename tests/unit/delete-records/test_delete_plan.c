/* test_delete_plan: offset-file parsing and plan building against fake watermarks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delete-records/delete_plan.h"

/* The fake cluster: what the broker would say about each partition. */
typedef struct fake_part {
	const char *topic;
	int32_t partition;
	int64_t low, high;
} fake_part;

static const fake_part cluster[] = {
	{"orders", 0, 10, 100}, {"orders", 1, 0, 30},   {"orders", 2, 50, 50},
	{"clicks", 0, 5, 9},    {"clicks", 1, 7, 20},   {"clicks", 2, 0, 0},
	{"t", 0, 0, 1000},      {"t", 1, 200, 1000},
};

typedef struct fake {
	int calls;
} fake;

/* The kt_watermark_fn: 1 and the watermarks when the partition exists, 0
 * when not, -1 (with a message) for the topic "down", 2 (leader out of
 * reach) for partition 1 of "leaderless". */
static int fake_watermarks(void *opaque, const char *topic, int32_t partition,
			   int64_t *low, int64_t *high, char *err, size_t errlen)
{
	fake *f = opaque;
	f->calls++;
	if (strcmp(topic, "down") == 0) {
		snprintf(err, errlen, "cannot query 'down': broker transport failure");
		return -1;
	}
	if (strcmp(topic, "leaderless") == 0 && partition == 1) {
		snprintf(err, errlen, "leader not available (LEADER_NOT_AVAILABLE)");
		return 2;
	}
	if (strcmp(topic, "leaderless") == 0 && partition < 3) {
		*low = 0;
		*high = 100;
		return 1;
	}
	for (size_t i = 0; i < sizeof cluster / sizeof cluster[0]; i++)
		if (strcmp(cluster[i].topic, topic) == 0 && cluster[i].partition == partition) {
			*low = cluster[i].low;
			*high = cluster[i].high;
			return 1;
		}
	return 0;
}

static void add(kt_delete_requests *r, const char *topic, int32_t p, int64_t off)
{
	assert_int_equal(kt_delete_requests_add(r, topic, p, off), 0);
}

static void assert_plan_empty(const kt_delete_plan *plan)
{
	assert_null(plan->v);
	assert_int_equal(plan->n, 0);
	assert_int_equal(plan->total, 0);
	assert_int_equal(plan->partitions, 0);
}

/* Building fails with exactly this message and leaves the plan empty. */
static void build_fails(const kt_delete_requests *r, const char *want)
{
	fake f = {0};
	kt_delete_plan plan;
	char err[256] = "";
	assert_int_equal(kt_delete_plan_build(&plan, r, fake_watermarks, &f, err, sizeof err),
			 -1);
	assert_string_equal(err, want);
	assert_plan_empty(&plan);
	kt_delete_plan_release(&plan);
}

static void test_requests_add_copies_and_grows(void **state)
{
	(void)state;
	kt_delete_requests r;
	kt_delete_requests_init(&r);
	assert_null(r.v);
	assert_int_equal(r.n, 0);

	char name[32] = "orders";
	add(&r, name, 3, 42);
	strcpy(name, "XXXXXX"); /* the request keeps its own copy */
	assert_string_equal(r.v[0].topic, "orders");
	assert_int_equal(r.v[0].partition, 3);
	assert_int_equal(r.v[0].offset, 42);

	/* Past the first capacity, every entry stays as added. */
	for (int i = 1; i < 100; i++) {
		snprintf(name, sizeof name, "topic-%d", i);
		add(&r, name, i, (int64_t)i * 1000);
	}
	assert_int_equal(r.n, 100);
	assert_true(r.cap >= 100);
	for (int i = 1; i < 100; i++) {
		snprintf(name, sizeof name, "topic-%d", i);
		assert_string_equal(r.v[i].topic, name);
		assert_int_equal(r.v[i].partition, i);
		assert_int_equal(r.v[i].offset, (int64_t)i * 1000);
	}
	kt_delete_requests_release(&r);
	assert_null(r.v);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.cap, 0);
	kt_delete_requests_release(&r); /* twice is harmless */
}

static void test_plan_resolves_targets(void **state)
{
	(void)state;
	kt_delete_requests r;
	kt_delete_requests_init(&r);
	add(&r, "orders", 0, 50);            /* low 10: 40 go */
	add(&r, "orders", 1, KT_OFFSET_END); /* up to high 30: 30 go */
	add(&r, "clicks", 0, KT_OFFSET_NONE);/* left alone: target = low 5 */
	add(&r, "clicks", 1, 3);             /* below low 7: nothing to do */
	add(&r, "t", 1, 1000);               /* exactly the high watermark: 800 */
	add(&r, "orders", 2, 50);            /* low = high = target: 0 */

	fake f = {0};
	kt_delete_plan plan;
	char err[256] = "";
	assert_int_equal(kt_delete_plan_build(&plan, &r, fake_watermarks, &f, err, sizeof err),
			 0);
	assert_int_equal(f.calls, 6);
	assert_int_equal(plan.n, 6);
	/* Totals by hand: 40 + 30 + 0 + 0 + 800 + 0. */
	assert_int_equal(plan.total, 870);
	assert_int_equal(plan.partitions, 3);

	static const struct {
		int64_t low, high, target, to_delete;
	} want[] = {
		{10, 100, 50, 40}, {0, 30, 30, 30},       {5, 9, 5, 0},
		{7, 20, 3, 0},     {200, 1000, 1000, 800}, {50, 50, 50, 0},
	};
	for (size_t i = 0; i < plan.n; i++) {
		const kt_delete_entry *e = &plan.v[i];
		assert_ptr_equal(e->topic, r.v[i].topic); /* borrowed */
		assert_int_equal(e->partition, r.v[i].partition);
		assert_int_equal(e->low, want[i].low);
		assert_int_equal(e->high, want[i].high);
		assert_int_equal(e->target, want[i].target);
		assert_int_equal(e->to_delete, want[i].to_delete);
		assert_int_equal(e->low_after, -1);
		assert_int_equal(e->error, 0);
	}
	kt_delete_plan_release(&plan);
	assert_plan_empty(&plan);
	kt_delete_requests_release(&r);
}

/* A partition without a reachable leader is planned as failed; the others
 * keep their targets. */
static void test_plan_unreachable_partition(void **state)
{
	(void)state;
	kt_delete_requests r;
	kt_delete_requests_init(&r);
	for (int32_t p = 0; p < 3; p++)
		add(&r, "leaderless", p, 60);
	fake f = {0};
	kt_delete_plan plan;
	char err[256] = "";
	assert_int_equal(kt_delete_plan_build(&plan, &r, fake_watermarks, &f, err, sizeof err),
			 0);
	assert_string_equal(err, "");
	assert_int_equal(plan.n, 3);
	assert_int_equal(plan.total, 120);
	assert_int_equal(plan.partitions, 2);
	assert_int_equal(plan.unreachable, 1);
	assert_int_equal(plan.v[0].target, 60);
	assert_int_equal(plan.v[1].error, -1);
	assert_int_equal(plan.v[1].to_delete, 0);
	assert_int_equal(plan.v[1].target, -1);
	assert_string_equal(plan.v[1].error_text, "leader not available (LEADER_NOT_AVAILABLE)");
	assert_int_equal(plan.v[2].to_delete, 60);
	kt_delete_plan_release(&plan);
	kt_delete_requests_release(&r);
}

static void test_plan_errors(void **state)
{
	(void)state;
	kt_delete_requests r;

	kt_delete_requests_init(&r);
	build_fails(&r, "nothing to delete: no partitions selected");

	add(&r, "orders", 0, 50);
	add(&r, "nope", 0, 5);
	build_fails(&r, "'nope' [0]: no such topic or partition");
	kt_delete_requests_release(&r);

	/* A known topic, an unknown partition. */
	add(&r, "orders", 7, 5);
	build_fails(&r, "'orders' [7]: no such topic or partition");
	kt_delete_requests_release(&r);

	add(&r, "orders", 0, 101);
	build_fails(&r, "'orders' [0]: offset 101 is above the high watermark 100");
	kt_delete_requests_release(&r);

	add(&r, "orders", 0, -5);
	build_fails(&r, "'orders' [0]: negative offset -5");
	kt_delete_requests_release(&r);

	add(&r, "orders", 0, 20);
	add(&r, "orders", 1, 20);
	add(&r, "orders", 0, 30);
	build_fails(&r, "'orders' [0]: partition given twice");
	kt_delete_requests_release(&r);

	/* The callback's own message comes through. */
	add(&r, "orders", 0, 20);
	add(&r, "down", 0, 20);
	build_fails(&r, "cannot query 'down': broker transport failure");
	kt_delete_requests_release(&r);

	/* Valid requests with nothing to delete make an empty plan: refused. */
	add(&r, "clicks", 0, KT_OFFSET_NONE);
	add(&r, "clicks", 1, 7);
	add(&r, "clicks", 2, KT_OFFSET_END); /* empty partition: 0..0 */
	build_fails(&r, "nothing to delete: every selected partition already starts at "
			"or after its target");
	kt_delete_requests_release(&r);
}

/* Parse into a buffer of exactly len bytes (no terminator), so a read past
 * the end shows under ASan or valgrind. */
static int parse(kt_delete_requests *r, const char *json, char *err, size_t errlen)
{
	size_t len = strlen(json);
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, json, len);
	int rc = kt_delete_requests_parse_json(r, copy, len, err, errlen);
	free(copy);
	return rc;
}

static void parse_fails(const char *json, const char *want)
{
	kt_delete_requests r;
	kt_delete_requests_init(&r);
	char err[256] = "";
	assert_int_equal(parse(&r, json, err, sizeof err), -1);
	assert_string_equal(err, want);
	kt_delete_requests_release(&r);
}

static void test_parse_kafka_file(void **state)
{
	(void)state;
	kt_delete_requests r;
	kt_delete_requests_init(&r);
	char err[256] = "";
	/* The example of kafka-delete-records.sh --help, with a -1. */
	assert_int_equal(parse(&r,
			       "{\"partitions\":[{\"topic\":\"foo\",\"partition\":1,\"offset\":1},\n"
			       " {\"topic\":\"foo\",\"partition\":0,\"offset\":-1},\n"
			       " {\"topic\":\"bar\",\"partition\":2147483647,\"offset\":9000000000000000000}],\n"
			       " \"version\":1}",
			       err, sizeof err),
			 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.v[0].topic, "foo");
	assert_int_equal(r.v[0].partition, 1);
	assert_int_equal(r.v[0].offset, 1);
	assert_string_equal(r.v[1].topic, "foo");
	assert_int_equal(r.v[1].partition, 0);
	assert_int_equal(r.v[1].offset, KT_OFFSET_END);
	assert_string_equal(r.v[2].topic, "bar");
	assert_int_equal(r.v[2].partition, INT32_MAX);
	assert_int_equal(r.v[2].offset, INT64_C(9000000000000000000));
	kt_delete_requests_release(&r);

	/* version is optional; offset 0 is a valid target. */
	assert_int_equal(parse(&r, "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":0}]}",
			       err, sizeof err),
			 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].offset, 0);

	/* A second file appends, and a partition already asked is a duplicate. */
	assert_int_equal(parse(&r, "{\"partitions\":[{\"topic\":\"t\",\"partition\":1,\"offset\":5}]}",
			       err, sizeof err),
			 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.v[0].partition, 0);
	assert_int_equal(r.v[1].partition, 1);
	assert_int_equal(parse(&r, "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":5}]}",
			       err, sizeof err),
			 -1);
	assert_string_equal(err, "partitions[0]: duplicate partition 't' [0]");
	kt_delete_requests_release(&r);

	/* The same partition number in two topics is no duplicate. */
	assert_int_equal(parse(&r,
			       "{\"version\":1,\"partitions\":[{\"topic\":\"a\",\"partition\":0,"
			       "\"offset\":1},{\"topic\":\"b\",\"partition\":0,\"offset\":1}]}",
			       err, sizeof err),
			 0);
	assert_int_equal(r.n, 2);
	kt_delete_requests_release(&r);
}

static void test_parse_errors(void **state)
{
	(void)state;
	parse_fails("", "not valid JSON");
	parse_fails("{\"partitions\":[", "not valid JSON");
	parse_fails("[]", "expected a JSON object");
	parse_fails("{}", "missing 'partitions' array");
	parse_fails("{\"partitions\":{}}", "missing 'partitions' array");
	parse_fails("{\"partitions\":[]}", "'partitions' is empty");
	parse_fails("{\"version\":2,\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":1}]}",
		    "unsupported 'version' (only 1 is known)");
	parse_fails("{\"version\":\"1\",\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":1}]}",
		    "unsupported 'version' (only 1 is known)");

	parse_fails("{\"partitions\":[5]}", "partitions[0]: expected an object with a topic");
	parse_fails("{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":1},"
		    "{\"partition\":1,\"offset\":1}]}",
		    "partitions[1]: expected an object with a topic");
	parse_fails("{\"partitions\":[{\"topic\":\"\",\"partition\":0,\"offset\":1}]}",
		    "partitions[0]: expected an object with a topic");
	parse_fails("{\"partitions\":[{\"topic\":7,\"partition\":0,\"offset\":1}]}",
		    "partitions[0]: expected an object with a topic");

	static const char *const bad_partitions[] = {"-1", "1.5", "\"0\"", "2147483648", "null"};
	for (size_t i = 0; i < sizeof bad_partitions / sizeof *bad_partitions; i++) {
		char json[160];
		snprintf(json, sizeof json,
			 "{\"partitions\":[{\"topic\":\"t\",\"partition\":%s,\"offset\":1}]}",
			 bad_partitions[i]);
		parse_fails(json, "partitions[0]: 'partition' must be an integer >= 0");
	}
	static const char *const bad_offsets[] = {"-2", "2.5", "\"5\"", "1e19", "true"};
	for (size_t i = 0; i < sizeof bad_offsets / sizeof *bad_offsets; i++) {
		char json[160];
		snprintf(json, sizeof json,
			 "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":%s}]}",
			 bad_offsets[i]);
		parse_fails(json, "partitions[0]: 'offset' must be an integer >= 0, or -1 "
				  "for the high watermark");
	}
	parse_fails("{\"partitions\":[{\"topic\":\"t\",\"partition\":0}]}",
		    "partitions[0]: 'offset' must be an integer >= 0, or -1 for the high watermark");
	parse_fails("{\"partitions\":[{\"topic\":\"t\",\"partition\":3,\"offset\":1},"
		    "{\"topic\":\"u\",\"partition\":3,\"offset\":1},"
		    "{\"topic\":\"t\",\"partition\":3,\"offset\":2}]}",
		    "partitions[2]: duplicate partition 't' [3]");
}

/* A parsed file through to a plan: -1 becomes the high watermark. */
static void test_parse_then_build(void **state)
{
	(void)state;
	kt_delete_requests r;
	kt_delete_requests_init(&r);
	char err[256] = "";
	assert_int_equal(parse(&r,
			       "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":-1},"
			       "{\"topic\":\"t\",\"partition\":1,\"offset\":250}],\"version\":1}",
			       err, sizeof err),
			 0);
	fake f = {0};
	kt_delete_plan plan;
	assert_int_equal(kt_delete_plan_build(&plan, &r, fake_watermarks, &f, err, sizeof err),
			 0);
	assert_int_equal(plan.n, 2);
	assert_int_equal(plan.v[0].target, 1000); /* t [0]: high 1000 */
	assert_int_equal(plan.v[0].to_delete, 1000);
	assert_int_equal(plan.v[1].target, 250); /* t [1]: low 200 */
	assert_int_equal(plan.v[1].to_delete, 50);
	assert_int_equal(plan.total, 1050);
	assert_int_equal(plan.partitions, 2);
	kt_delete_plan_release(&plan);
	kt_delete_requests_release(&r);
}

/* Watermarks of a fake topic "t" with partitions 0..2. */
static int fake_t_watermarks(void *opaque, const char *topic, int32_t p,
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
	char err[512] = "";
	kt_delete_requests r;
	kt_delete_plan plan;
	kt_delete_requests_init(&r);
	kt_delete_requests_add(&r, "t", 0, 50);
	kt_delete_requests_add(&r, "t", 1, KT_OFFSET_END);
	kt_delete_requests_add(&r, "t", 2, KT_OFFSET_NONE);
	assert_int_equal(kt_delete_plan_build(&plan, &r, fake_t_watermarks, NULL, err, sizeof err), 0);
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
		assert_int_equal(kt_delete_plan_build(&plan, &r, fake_t_watermarks, NULL, err, sizeof err), -1);
		assert_non_null(strstr(err, bad[i].msg));
		assert_int_equal(plan.n, 0);
		kt_delete_requests_release(&r);
	}
	/* One bad partition fails the whole plan. */
	kt_delete_requests_init(&r);
	kt_delete_requests_add(&r, "t", 0, 50);
	kt_delete_requests_add(&r, "t", 0, 60);
	assert_int_equal(kt_delete_plan_build(&plan, &r, fake_t_watermarks, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "given twice"));
	kt_delete_requests_release(&r);
}

static void test_offset_json(void **st)
{
	(void)st;
	char err[512] = "";
	kt_delete_requests r;
	kt_delete_requests_init(&r);
	const char *ok = "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":5},"
			 "{\"topic\":\"t\",\"partition\":2,\"offset\":-1}],\"version\":1}";
	assert_int_equal(kt_delete_requests_parse_json(&r, ok, strlen(ok), err, sizeof err), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.v[0].offset, 5);
	assert_int_equal(r.v[1].offset, KT_OFFSET_END);
	kt_delete_requests_release(&r);
	/* Whitespace after the object is fine, as a file's last newline. */
	const char *nl = "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":5}]}\n \r\n";
	assert_int_equal(kt_delete_requests_parse_json(&r, nl, strlen(nl), err, sizeof err), 0);
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
		/* Trailing text and keys given twice (Kafka's tool reads the
		 * last of two, cJSON the first). */
		{"{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":1}]}\n}",
		 "text after the JSON object (line 2)"},
		{"{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":1}]} x", "text after"},
		{"{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":1,\"offset\":9}]}",
		 "partitions[0]: key 'offset' given twice"},
		{"{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":1}],"
		 "\"partitions\":[{\"topic\":\"t\",\"partition\":1,\"offset\":1}]}",
		 "key 'partitions' given twice"},
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
		cmocka_unit_test(test_requests_add_copies_and_grows),
		cmocka_unit_test(test_plan_resolves_targets),
		cmocka_unit_test(test_plan_unreachable_partition),
		cmocka_unit_test(test_plan_errors),
		cmocka_unit_test(test_parse_kafka_file),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_then_build),
		cmocka_unit_test(test_delete_plan),
		cmocka_unit_test(test_offset_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
