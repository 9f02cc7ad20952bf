/* test_report: the consumer's output contract, whole lines of JSON and CSV
 * (and the table's head) for hand-built windows. Every expected text is
 * written by hand from README's "JSON output contract" and CSV paragraphs:
 * the field order and names, null for what is undefined, every reason's
 * column in CSV. The figures are worked out in the comments: prices are
 * small integers, so the quantile sketch is exact (sketch.h: integer
 * estimates below 50 are rounded to the true value; q picks the k-th
 * smallest, k = floor(q * (n - 1))) and distinct counts are exact (hll.h:
 * exact up to 768 values). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consumer/report.h"
#include "consumer/window.h"

#define T0 INT64_C(1700000000000) /* 2023-11-14T22:13:20.000Z */

typedef struct fixture {
	kt_fieldspec spec;
	kt_window *w;
	kt_record_arena arena;
} fixture;

/* A 10 s window from T0, opened at processing time 100 and written at
 * 1100: open one second, so records_per_s is the record count. */
static void setup(fixture *f, const char *group_by, const char *stats,
		  const char *distinct, size_t max_groups)
{
	char err[256];
	kt_fieldspec_init(&f->spec);
	if (group_by)
		assert_int_equal(kt_fieldspec_set_group_by(&f->spec, group_by, err, sizeof err), 0);
	if (stats)
		assert_int_equal(kt_fieldspec_set_stats(&f->spec, stats, err, sizeof err), 0);
	if (distinct)
		assert_non_null(f->spec.distinct = strdup(distinct));
	f->w = kt_window_new(T0, T0 + 10000, max_groups);
	assert_non_null(f->w);
	f->w->opened_ms = 100;
	f->w->written_ms = 1100;
	kt_record_arena_init(&f->arena);
}

/* Count one record of 10 bytes with Kafka timestamp kafka_ts (-1: none). */
static void add(fixture *f, const char *json, int64_t kafka_ts)
{
	enum kt_invalid why;
	cJSON *root = kt_record_decode(&f->arena, json, strlen(json), 1 << 20, &why);
	if (!root)
		fail_msg("bad test record %s", json);
	kt_extracted x;
	if (kt_fields_extract(&f->spec, root, &x, &why) != 0)
		fail_msg("record %s refused: %s", json, kt_invalid_name(why));
	assert_int_equal(kt_window_add(f->w, &x, 10, kafka_ts), 0);
	kt_record_arena_reset(&f->arena);
}

static void teardown(fixture *f)
{
	kt_window_free(f->w);
	kt_fieldspec_release(&f->spec);
	kt_record_arena_release(&f->arena);
}

/* The report of f's window with health h, as one string (free it). */
static char *report(fixture *f, enum kt_format format, size_t top, bool top_explicit,
		    const kt_health *h)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	kt_report r;
	kt_report_init(&r, format, top, top_explicit, &f->spec);
	assert_int_equal(kt_report_window(&r, out, f->w, h), 0);
	assert_int_equal(kt_report_finish(&r, out), 0);
	kt_report_release(&r);
	assert_int_equal(fclose(out), 0);
	return text;
}

/* The window of most tests: groups a (3 records, one without a price) and
 * b (1), prices 1 and 3 in a, 10 in b; users u1, u2, u1 in a, u3 in b;
 * Kafka timestamps 97, 95, 93, 96, so opened - ts is 3, 5, 7, 4. */
static void setup_two_groups(fixture *f)
{
	setup(f, "category", "price", "user", 1000);
	add(f, "{\"category\":\"a\",\"price\":1,\"user\":\"u1\"}", 97);
	add(f, "{\"category\":\"a\",\"price\":3,\"user\":\"u2\"}", 95);
	add(f, "{\"category\":\"a\",\"user\":\"u1\"}", 93);
	add(f, "{\"category\":\"b\",\"price\":10,\"user\":\"u3\"}", 96);
}

/* Beside the window: 2 records not JSON, 1 with a bad time, 4 filtered
 * out, 5 late, and 6 records of lag. */
static kt_health some_health(void)
{
	kt_health h = {.filtered = 4, .late = 5, .lag = 6};
	h.invalid[KT_INVALID_NOT_JSON] = 2;
	h.invalid[KT_INVALID_BAD_TIME] = 1;
	h.invalid_total = 3;
	return h;
}

static void expect_text(const char *got, const char *want)
{
	if (strcmp(got, want) != 0)
		fail_msg("got:\n%s\nwant:\n%s", got, want);
}

/* a: price count 2, skipped 1 (2 + 1 = the group's 3), sum 4, mean 2,
 * min 1, max 3, sample stddev sqrt(((1-2)^2 + (3-2)^2) / 1) = sqrt(2);
 * p50, p95, p99 of 2 values: k = 0, the 1. b: one value, stddev
 * undefined (null). Latency: written 1100 - ts, i.e. 1000 + (3, 4, 5, 7):
 * p50 k = floor(1.5) = 1 -> 1004, p99 k = floor(2.97) = 2 -> 1005.
 * Throughput: 4 records and 40 bytes in one second. */
static void test_json_window(void **st)
{
	(void)st;
	fixture f;
	setup_two_groups(&f);
	kt_health h = some_health();
	char *got = report(&f, KT_FORMAT_JSON, 10, false, &h);
	expect_text(got,
		    "{\"window_start\":\"2023-11-14T22:13:20.000Z\","
		    "\"window_end\":\"2023-11-14T22:13:30.000Z\","
		    "\"records\":4,\"invalid\":3,\"invalid_by_reason\":{\"not_json\":2,\"bad_time\":1},"
		    "\"filtered\":4,\"late\":5,\"partial\":false,"
		    "\"groups\":[{\"key\":{\"category\":\"a\"},\"count\":3,"
		    "\"stats\":{\"price\":{\"count\":2,\"skipped\":1,\"sum\":4,\"mean\":2,"
		    "\"min\":1,\"max\":3,\"stddev\":1.4142135623730951,"
		    "\"p50\":1,\"p95\":1,\"p99\":1}},"
		    "\"distinct\":{\"user\":2}},"
		    "{\"key\":{\"category\":\"b\"},\"count\":1,"
		    "\"stats\":{\"price\":{\"count\":1,\"skipped\":0,\"sum\":10,\"mean\":10,"
		    "\"min\":10,\"max\":10,\"stddev\":null,"
		    "\"p50\":10,\"p95\":10,\"p99\":10}},"
		    "\"distinct\":{\"user\":1}}],"
		    "\"other\":{\"groups\":0,\"count\":0},\"overflow\":0,"
		    "\"throughput\":{\"records_per_s\":4,\"bytes_per_s\":40},"
		    "\"latency_ms\":{\"p50\":1004,\"p99\":1005},\"lag\":6}\n");
	free(got);
	teardown(&f);
}

/* A merged window (consumer --merge) ends with its merge health: partition
 * counts, what it lacks, and the repeats and late partial sets seen since
 * the window before; the table says "late partials" only when there are. */
static void test_merged_health(void **st)
{
	(void)st;
	fixture f;
	setup_two_groups(&f);
	kt_health h = {.lag = -1, .merged = true, .complete = false, .partitions = 5,
		       .missing = "\"t/3\"", .duplicates = 1, .conflicts = 0,
		       .late_partials = 2, .windows_overflow = 7};
	char *got = report(&f, KT_FORMAT_JSON, 10, false, &h);
	const char *tail = "\"partitions\":5,\"complete\":false,\"missing_partitions\":[\"t/3\"],"
			   "\"duplicates\":1,\"conflicts\":0,\"late_partials\":2,"
			   "\"windows_overflow\":7}\n";
	size_t n = strlen(got), m = strlen(tail);
	if (n < m || strcmp(got + n - m, tail) != 0)
		fail_msg("got:\n%s\nwant it to end with:\n%s", got, tail);
	free(got);
	got = report(&f, KT_FORMAT_TABLE, 10, false, &h);
	if (!strstr(got, "duplicates 1 | conflicts 0 | late partials 2 | windows overflow 7"))
		fail_msg("no merge health line in:\n%s", got);
	free(got);
	h.late_partials = 0;
	got = report(&f, KT_FORMAT_TABLE, 10, false, &h);
	if (strstr(got, "late partials"))
		fail_msg("late partials said with none:\n%s", got);
	free(got);
	teardown(&f);
}

/* With an explicit --top 1 JSON lists one group and "other" sums the rest;
 * a group past max_groups (2) counts as overflow, not as a record; a stat
 * field with no value in a group has sum 0 and null figures; lag unknown
 * is null, a partial window says so, and no Kafka timestamp means no
 * latency. No --distinct: no "distinct". */
static void test_json_top_other_overflow(void **st)
{
	(void)st;
	fixture f;
	setup(&f, "g", "v", NULL, 2);
	add(&f, "{\"g\":\"x\",\"v\":2}", -1);
	add(&f, "{\"g\":\"x\",\"v\":4}", -1);
	add(&f, "{\"g\":\"y\"}", -1);
	add(&f, "{\"g\":\"z\",\"v\":1}", -1); /* a third group: overflow */
	f.w->partial = true;
	kt_health h = {.lag = -1};
	char *got = report(&f, KT_FORMAT_JSON, 1, true, &h);
	/* x: v 2 and 4: sum 6, mean 3, stddev sqrt(2), p50 k=0 -> 2, p95 and
	 * p99 k=0 -> 2. y: no v: count 0, skipped 1. */
	expect_text(got,
		    "{\"window_start\":\"2023-11-14T22:13:20.000Z\","
		    "\"window_end\":\"2023-11-14T22:13:30.000Z\","
		    "\"records\":3,\"invalid\":0,\"invalid_by_reason\":{},"
		    "\"filtered\":0,\"late\":0,\"partial\":true,"
		    "\"groups\":[{\"key\":{\"g\":\"x\"},\"count\":2,"
		    "\"stats\":{\"v\":{\"count\":2,\"skipped\":0,\"sum\":6,\"mean\":3,"
		    "\"min\":2,\"max\":4,\"stddev\":1.4142135623730951,"
		    "\"p50\":2,\"p95\":2,\"p99\":2}}}],"
		    "\"other\":{\"groups\":1,\"count\":1},\"overflow\":1,"
		    "\"throughput\":{\"records_per_s\":3,\"bytes_per_s\":30},"
		    "\"latency_ms\":{\"p50\":null,\"p99\":null},\"lag\":null}\n");
	free(got);
	/* Without an explicit --top, JSON lists every group. */
	got = report(&f, KT_FORMAT_JSON, 1, false, &h);
	if (!strstr(got, "{\"key\":{\"g\":\"y\"},\"count\":1,"
			 "\"stats\":{\"v\":{\"count\":0,\"skipped\":1,\"sum\":0,\"mean\":null,"
			 "\"min\":null,\"max\":null,\"stddev\":null,"
			 "\"p50\":null,\"p95\":null,\"p99\":null}}}],"
			 "\"other\":{\"groups\":0,\"count\":0},\"overflow\":1,"))
		fail_msg("group y or other wrong in:\n%s", got);
	free(got);
	teardown(&f);
}

/* No --group-by: one group, key {}. An empty window: no groups, zero
 * throughput, no latency. */
static void test_json_no_group_by_and_empty(void **st)
{
	(void)st;
	fixture f;
	setup(&f, NULL, "v", NULL, 1000);
	add(&f, "{\"v\":5}", -1);
	kt_health h = {.lag = 0};
	char *got = report(&f, KT_FORMAT_JSON, 10, false, &h);
	if (!strstr(got, "\"groups\":[{\"key\":{},\"count\":1,\"stats\":{\"v\":{\"count\":1,"))
		fail_msg("no key {} in:\n%s", got);
	free(got);
	kt_window_reset(f.w, T0 + 10000, T0 + 20000);
	f.w->opened_ms = 100;
	f.w->written_ms = 1100;
	got = report(&f, KT_FORMAT_JSON, 10, false, &h);
	expect_text(got,
		    "{\"window_start\":\"2023-11-14T22:13:30.000Z\","
		    "\"window_end\":\"2023-11-14T22:13:40.000Z\","
		    "\"records\":0,\"invalid\":0,\"invalid_by_reason\":{},"
		    "\"filtered\":0,\"late\":0,\"partial\":false,\"groups\":[],"
		    "\"other\":{\"groups\":0,\"count\":0},\"overflow\":0,"
		    "\"throughput\":{\"records_per_s\":0,\"bytes_per_s\":0},"
		    "\"latency_ms\":{\"p50\":null,\"p99\":null},\"lag\":0}\n");
	free(got);
	teardown(&f);
}

#define CSV_HEADER_TAIL                                                            \
	"window_records,invalid,filtered,late,overflow,other_groups,other_count,"  \
	"records_per_s,bytes_per_s,latency_p50_ms,latency_p99_ms,lag,partial,"     \
	"invalid_empty,invalid_null_value,invalid_too_large,invalid_bad_utf8,"     \
	"invalid_not_json,invalid_not_object,invalid_duplicate_key,"               \
	"invalid_missing_field,invalid_wrong_type,invalid_bad_number,invalid_bad_time\n"

/* The same window as CSV: the header, then one row per group with the
 * window's own columns repeated; b's stddev is an empty cell. */
static void test_csv_window(void **st)
{
	(void)st;
	fixture f;
	setup_two_groups(&f);
	kt_health h = some_health();
	char *got = report(&f, KT_FORMAT_CSV, 10, false, &h);
	expect_text(got,
		    "window_start,window_end,category,count,price_count,price_skipped,price_sum,"
		    "price_mean,price_min,price_max,price_stddev,price_p50,price_p95,price_p99,"
		    "user_distinct," CSV_HEADER_TAIL
		    "2023-11-14T22:13:20.000Z,2023-11-14T22:13:30.000Z,a,3,2,1,4,2,1,3,"
		    "1.4142135623730951,1,1,1,2,4,3,4,5,0,0,0,4,40,1004,1005,6,false,"
		    "0,0,0,0,2,0,0,0,0,0,1\n"
		    "2023-11-14T22:13:20.000Z,2023-11-14T22:13:30.000Z,b,1,1,0,10,10,10,10,"
		    ",10,10,10,1,4,3,4,5,0,0,0,4,40,1004,1005,6,false,"
		    "0,0,0,0,2,0,0,0,0,0,1\n");
	free(got);
	teardown(&f);
}

/* CSV with an explicit --top 1: one row, other_groups/other_count sum the
 * rest; an unknown lag and no latency are empty cells. An empty window is
 * one row with empty group columns and count 0. */
static void test_csv_top_and_empty(void **st)
{
	(void)st;
	fixture f;
	setup(&f, "g", "v", NULL, 1000);
	add(&f, "{\"g\":\"x\",\"v\":2}", -1);
	add(&f, "{\"g\":\"x\",\"v\":4}", -1);
	add(&f, "{\"g\":\"y\",\"v\":7}", -1);
	f.w->partial = true;
	kt_health h = {.lag = -1};
	char *got = report(&f, KT_FORMAT_CSV, 1, true, &h);
	expect_text(got,
		    "window_start,window_end,g,count,v_count,v_skipped,v_sum,v_mean,v_min,v_max,"
		    "v_stddev,v_p50,v_p95,v_p99," CSV_HEADER_TAIL
		    "2023-11-14T22:13:20.000Z,2023-11-14T22:13:30.000Z,x,2,2,0,6,3,2,4,"
		    "1.4142135623730951,2,2,2,3,0,0,0,0,1,1,3,30,,,,true,"
		    "0,0,0,0,0,0,0,0,0,0,0\n");
	free(got);
	kt_window_reset(f.w, T0 + 10000, T0 + 20000);
	f.w->opened_ms = 100;
	f.w->written_ms = 1100;
	h.lag = 0;
	got = report(&f, KT_FORMAT_CSV, 1, true, &h);
	/* The header again (a new report), then the empty window's row: the
	 * group column empty, count 0, the stat's counts 0 (no value, none
	 * skipped) and its figures undefined, so empty. */
	if (!strstr(got, CSV_HEADER_TAIL
			 "2023-11-14T22:13:30.000Z,2023-11-14T22:13:40.000Z,,0,0,0,,,,,,,,,"
			 "0,0,0,0,0,0,0,0,0,,,0,false,0,0,0,0,0,0,0,0,0,0,0\n"))
		fail_msg("empty window row wrong in:\n%s", got);
	free(got);
	teardown(&f);
}

/* The table for people: README's first two lines, "window START .. END"
 * (the end's time of day) and the health line, then a header naming the
 * group field, count and the stat's figures, one row per group. */
static void test_table_head(void **st)
{
	(void)st;
	fixture f;
	setup_two_groups(&f);
	kt_health h = some_health();
	char *got = report(&f, KT_FORMAT_TABLE, 10, false, &h);
	const char *want_head =
		"window 2023-11-14T22:13:20.000Z .. 22:13:30.000Z\n"
		"records 4 | invalid 3 | filtered 4 | late 5 | overflow 0 | 4.0 rec/s | 0.0 KB/s"
		" | latency p50 1004 ms p99 1005 ms | lag 6\n";
	if (strncmp(got, want_head, strlen(want_head)) != 0)
		fail_msg("got:\n%s\nwant it to begin with:\n%s", got, want_head);
	const char *rest = got + strlen(want_head);
	/* The bad records by reason come next, then the groups. */
	if (!strstr(rest, "not_json 2") || !strstr(rest, "bad_time 1"))
		fail_msg("no invalid reasons in:\n%s", rest);
	const char *header = strstr(rest, "\ncategory ");
	if (!header)
		header = strncmp(rest, "category ", 9) == 0 ? rest - 1 : NULL;
	if (!header)
		fail_msg("no header line in:\n%s", rest);
	assert_non_null(strstr(header, "count"));
	assert_non_null(strstr(header, "price.mean"));
	const char *a = strstr(header, "\na ");
	const char *b = strstr(header, "\nb ");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a < b); /* largest first */
	free(got);
	teardown(&f);
}

/* A window whose text is many times report.c's flush threshold (64 KiB):
 * 1,000 groups of one record each, keys of 150 bytes that order as their
 * numbers (equal counts: by key), so JSON and CSV are written over several
 * flushes. Each group's text is built here from the contract above: the
 * whole line must hold every group once, in order, nothing cut or doubled
 * at a flush. Values v = i % 40 keep the sketch exact (below 50). */
#define BIG_GROUPS 1000
static void big_key(char *buf, size_t len, int i)
{
	snprintf(buf, len, "k%04d-%0145d", i, 0);
}

static void setup_big(fixture *f)
{
	setup(f, "g", "v", NULL, BIG_GROUPS);
	for (int i = BIG_GROUPS - 1; i >= 0; i--) {
		char key[160], rec[256];
		big_key(key, sizeof key, i);
		snprintf(rec, sizeof rec, "{\"g\":\"%s\",\"v\":%d}", key, i % 40);
		add(f, rec, -1);
	}
}

static void test_big_window_flushed(void **st)
{
	(void)st;
	fixture f;
	setup_big(&f);
	kt_health h = {.lag = 0};
	char *got = report(&f, KT_FORMAT_JSON, 10, false, &h);
	size_t want_cap = (size_t)BIG_GROUPS * 300 + 16, at = 0;
	char *want = malloc(want_cap);
	assert_non_null(want);
	at += (size_t)snprintf(want + at, want_cap - at, "\"groups\":[");
	for (int i = 0; i < BIG_GROUPS; i++) {
		char key[160];
		int v = i % 40;
		big_key(key, sizeof key, i);
		at += (size_t)snprintf(want + at, want_cap - at,
				       "%s{\"key\":{\"g\":\"%s\"},\"count\":1,"
				       "\"stats\":{\"v\":{\"count\":1,\"skipped\":0,\"sum\":%d,"
				       "\"mean\":%d,\"min\":%d,\"max\":%d,\"stddev\":null,"
				       "\"p50\":%d,\"p95\":%d,\"p99\":%d}}}",
				       i ? "," : "", key, v, v, v, v, v, v, v);
	}
	at += (size_t)snprintf(want + at, want_cap - at,
			       "],\"other\":{\"groups\":0,\"count\":0},\"overflow\":0,");
	assert_true(at < want_cap);
	assert_true(strlen(got) > 4 * 65536);
	if (!strstr(got, want))
		fail_msg("groups wrong in JSON of %zu bytes", strlen(got));
	char *nl = strchr(got, '\n');
	assert_non_null(nl); /* one line, ended once */
	assert_null(strchr(nl + 1, '\n'));
	assert_int_equal(nl[1], '\0');
	free(got);

	/* CSV: the header, then one row per group in the same order, each
	 * "start,end,key,1," then v's figures, then the same window columns. */
	got = report(&f, KT_FORMAT_CSV, 10, false, &h);
	assert_true(strlen(got) > 4 * 65536);
	char *line = strchr(got, '\n');
	assert_non_null(line);
	line++;
	const char *tail = NULL;
	size_t tail_len = 0;
	for (int i = 0; i < BIG_GROUPS; i++) {
		char key[160], head[400];
		int v = i % 40;
		big_key(key, sizeof key, i);
		int n = snprintf(head, sizeof head,
				 "2023-11-14T22:13:20.000Z,2023-11-14T22:13:30.000Z,%s,1,1,0,"
				 "%d,%d,%d,%d,,%d,%d,%d,",
				 key, v, v, v, v, v, v, v);
		if (strncmp(line, head, (size_t)n) != 0)
			fail_msg("CSV row %d wrong: %.300s", i, line);
		char *end = strchr(line, '\n');
		assert_non_null(end);
		if (!tail) {
			tail = line + n;
			tail_len = (size_t)(end - tail);
		} else if ((size_t)(end - (line + n)) != tail_len ||
			   memcmp(line + n, tail, tail_len) != 0) {
			fail_msg("CSV row %d's window columns differ: %.300s", i, line);
		}
		line = end + 1;
	}
	assert_int_equal(*line, '\0');
	free(got);
	free(want);
	teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_window),
		cmocka_unit_test(test_json_top_other_overflow),
		cmocka_unit_test(test_merged_health),
		cmocka_unit_test(test_json_no_group_by_and_empty),
		cmocka_unit_test(test_csv_window),
		cmocka_unit_test(test_csv_top_and_empty),
		cmocka_unit_test(test_table_head),
		cmocka_unit_test(test_big_window_flushed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
