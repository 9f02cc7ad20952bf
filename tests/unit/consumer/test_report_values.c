/* test_report_values: what the three formats make of unusual values (issue
 * 14, defects 3-7): big integers exact in keys and min/max, keys that print
 * alike told apart, long keys whole in JSON and CSV and cut with a marker
 * in the table, skipped stat values counted, numbers in their shortest
 * exact text, non-finite ones as null / an empty cell. Every expected text
 * is worked out by hand from the records below. */
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

typedef struct fixture {
	kt_fieldspec spec;
	kt_window *w;
	kt_record_arena arena;
} fixture;

static void setup_spec(fixture *f, const char *group_by, const char *stats)
{
	char err[256];
	kt_fieldspec_init(&f->spec);
	assert_int_equal(kt_fieldspec_set_group_by(&f->spec, group_by, err, sizeof err), 0);
	if (stats)
		assert_int_equal(kt_fieldspec_set_stats(&f->spec, stats, err, sizeof err), 0);
	f->w = kt_window_new(0, 10000, 1000);
	assert_non_null(f->w);
	f->w->opened_ms = 0;
	f->w->written_ms = 1000; /* open 1 s: records_per_s = records */
	kt_record_arena_init(&f->arena);
}

static void add(fixture *f, const char *json)
{
	enum kt_invalid why;
	cJSON *root = kt_record_decode(&f->arena, json, strlen(json), 1 << 20, &why);
	if (!root)
		fail_msg("bad test record %s", json);
	kt_extracted x;
	if (kt_fields_extract(&f->spec, root, &x, &why) != 0)
		fail_msg("record %s refused: %s", json, kt_invalid_name(why));
	/* 10 bytes each, whatever their length: bytes_per_s = 10 * records */
	assert_int_equal(kt_window_add(f->w, &x, 10, -1), 0);
	kt_record_arena_reset(&f->arena);
}

static void teardown(fixture *f)
{
	kt_window_free(f->w);
	kt_fieldspec_release(&f->spec);
	kt_record_arena_release(&f->arena);
}

/* The report of f's window in format, as one string (free it). */
static char *report(fixture *f, enum kt_format format, size_t top)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	kt_report r;
	kt_report_init(&r, format, top, false, &f->spec);
	kt_health h = {.lag = 0};
	assert_int_equal(kt_report_window(&r, out, f->w, &h), 0);
	assert_int_equal(kt_report_finish(&r, out), 0);
	kt_report_release(&r);
	fclose(out);
	return text;
}

static void expect_in(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("'%s' not in:\n%s", want, text);
}

/* Defect 3: ids above 2^53 are their own groups, printed exactly, and a
 * stat's min and max keep them exactly. */
static void test_big_integers(void **state)
{
	(void)state;
	fixture f;
	setup_spec(&f, "id", "v");
	add(&f, "{\"id\":1234567890123456001,\"v\":1234567890123456001}");
	add(&f, "{\"id\":1234567890123456002,\"v\":1234567890123456002}");
	add(&f, "{\"id\":1234567890123456002,\"v\":1234567890123456003}");
	assert_int_equal(f.w->ngroups, 2);
	char *json = report(&f, KT_FORMAT_JSON, 20);
	/* Largest first: ...002 with two records, min ...002, max ...003. */
	expect_in(json, "\"groups\":[{\"key\":{\"id\":1234567890123456002},\"count\":2,"
			"\"stats\":{\"v\":{\"count\":2,\"skipped\":0,\"sum\":2469135780246912000,"
			"\"mean\":1234567890123456000,\"min\":1234567890123456002,"
			"\"max\":1234567890123456003,");
	expect_in(json, "{\"key\":{\"id\":1234567890123456001},\"count\":1,");
	expect_in(json, "\"min\":1234567890123456001,\"max\":1234567890123456001,");
	free(json);
	char *csv = report(&f, KT_FORMAT_CSV, 20);
	expect_in(csv, "\n1970-01-01T00:00:00.000Z,1970-01-01T00:00:10.000Z,1234567890123456002,2,"
		       "2,0,2469135780246912000,1234567890123456000,1234567890123456002,"
		       "1234567890123456003,");
	free(csv);
	char *table = report(&f, KT_FORMAT_TABLE, 20);
	/* The key column widens to the 19 digits; min and max exact. */
	/* Columns 2 apart, each as wide as its widest text: the ids' 19
	 * digits, "count" (5), the mean's 19 digits. */
	expect_in(table, "\nid" "                 " "  count  "); /* 2 + 17, 2, 5, 2 */
	expect_in(table, "\n1234567890123456002      2  1234567890123456000  "
			 "1234567890123456002  1234567890123456003  ");
	free(table);
	teardown(&f);
}

/* Defect 4: stat values that are missing, null or not numbers are skipped
 * for that stat and counted; the record still counts. */
static void test_skipped(void **state)
{
	(void)state;
	fixture f;
	setup_spec(&f, "g", "price,discount");
	add(&f, "{\"g\":\"a\",\"price\":2}");
	add(&f, "{\"g\":\"a\",\"price\":1,\"discount\":null}");
	add(&f, "{\"g\":\"a\",\"price\":\"free\",\"discount\":0.5}");
	add(&f, "{\"g\":\"a\",\"price\":true,\"discount\":[1]}");
	char *json = report(&f, KT_FORMAT_JSON, 20);
	expect_in(json, "\"records\":4,\"invalid\":0,");
	expect_in(json, "\"count\":4,\"stats\":{\"price\":{\"count\":2,\"skipped\":2,\"sum\":3,"
			"\"mean\":1.5,\"min\":1,\"max\":2,\"stddev\":0.7071067811865476,");
	expect_in(json, "\"discount\":{\"count\":1,\"skipped\":3,\"sum\":0.5,\"mean\":0.5,"
			"\"min\":0.5,\"max\":0.5,\"stddev\":null,");
	free(json);
	char *csv = report(&f, KT_FORMAT_CSV, 20);
	expect_in(csv, "window_start,window_end,g,count,price_count,price_skipped,price_sum,");
	expect_in(csv, ",a,4,2,2,3,1.5,1,2,0.7071067811865476,");
	free(csv);
	char *table = report(&f, KT_FORMAT_TABLE, 20);
	expect_in(table, "\nskipped: price 2 discount 3\n");
	free(table);
	teardown(&f);
}

/* A group none of whose records had the stat: count 0, all skipped. */
static void test_stat_without_values(void **state)
{
	(void)state;
	fixture f;
	setup_spec(&f, "g", "x");
	add(&f, "{\"g\":1}");
	char *json = report(&f, KT_FORMAT_JSON, 20);
	expect_in(json, "\"stats\":{\"x\":{\"count\":0,\"skipped\":1,\"sum\":0,\"mean\":null,"
			"\"min\":null,\"max\":null,\"stddev\":null,\"p50\":null,\"p95\":null,"
			"\"p99\":null}}}");
	free(json);
	char *csv = report(&f, KT_FORMAT_CSV, 20);
	expect_in(csv, ",1,1,0,1,,,,,,,,,1,0,");
	free(csv);
	teardown(&f);
}

/* Defect 5: a long value is a key like any other: whole in JSON and CSV,
 * cut to the column with a marker in the table. */
static void test_long_key(void **state)
{
	(void)state;
	fixture f;
	setup_spec(&f, "url", NULL);
	char rec[2100], url[2001];
	memset(url, 'u', 2000);
	url[2000] = '\0';
	memcpy(url, "https://x/", 10);
	snprintf(rec, sizeof rec, "{\"url\":\"%s\"}", url);
	add(&f, rec);
	char *json = report(&f, KT_FORMAT_JSON, 20);
	char want[2100];
	snprintf(want, sizeof want, "{\"key\":{\"url\":\"%s\"},\"count\":1,", url);
	expect_in(json, want);
	free(json);
	char *csv = report(&f, KT_FORMAT_CSV, 20);
	snprintf(want, sizeof want, ",%s,1,", url);
	expect_in(csv, want);
	free(csv);
	char *table = report(&f, KT_FORMAT_TABLE, 20);
	/* 40 columns: its first 27 characters, the marker, its last 12 (a
	 * third of the width, at most 12), then 2 apart the count, 5 wide. */
	expect_in(table, "\nhttps://x/uuuuuuuuuuuuuuuuu\xE2\x80\xA6uuuuuuuuuuuu      1\n");
	free(table);
	teardown(&f);
}

/* Defect 6: 42 and "42", null and "null", "a\0b" and "a\0c" are four
 * groups... six, each shown as what it is. */
static void test_keys_that_print_alike(void **state)
{
	(void)state;
	fixture f;
	setup_spec(&f, "k", NULL);
	const char *recs[] = {
		"{\"k\":42}",          "{\"k\":\"42\"}",   "{\"k\":\"42\"}",         "{\"k\":null}",
		"{\"k\":\"null\"}",    "{\"k\":\"null\"}", "{\"k\":\"null\"}",       "{\"k\":\"a\\u0000b\"}",
		"{\"k\":\"a\\u0000c\"}", "{\"k\":\"a\\u0000c\"}", "{\"k\":\"a\\u0000c\"}", "{\"k\":\"a\\u0000c\"}",
	};
	/* counts: "a\0c" 4, "null" 3, "42" 2, then 42, null, "a\0b" 1 each */
	for (size_t i = 0; i < sizeof recs / sizeof *recs; i++)
		add(&f, recs[i]);
	assert_int_equal(f.w->ngroups, 6);
	char *json = report(&f, KT_FORMAT_JSON, 20);
	expect_in(json, "\"groups\":[{\"key\":{\"k\":\"a\\u0000c\"},\"count\":4,\"stats\":{}},"
			"{\"key\":{\"k\":\"null\"},\"count\":3,\"stats\":{}},"
			"{\"key\":{\"k\":\"42\"},\"count\":2,\"stats\":{}},");
	expect_in(json, "{\"key\":{\"k\":42},\"count\":1,");
	expect_in(json, "{\"key\":{\"k\":null},\"count\":1,");
	expect_in(json, "{\"key\":{\"k\":\"a\\u0000b\"},\"count\":1,");
	free(json);
	char *csv = report(&f, KT_FORMAT_CSV, 20);
	/* The CSV cell holds the JSON string, its quotes doubled by RFC 4180. */
	expect_in(csv, ",\"\"\"a\\u0000c\"\"\",4,");
	expect_in(csv, ",\"\"\"null\"\"\",3,");
	expect_in(csv, ",\"\"\"42\"\"\",2,");
	expect_in(csv, "Z,42,1,");
	expect_in(csv, "Z,null,1,");
	free(csv);
	char *table = report(&f, KT_FORMAT_TABLE, 20);
	/* The key column as wide as "a\u0000c" quoted (10), count 2 apart. */
	expect_in(table, "\n\"a\\u0000c\"      4\n");
	expect_in(table, "\n\"null\"          3\n");
	expect_in(table, "\n\"42\"            2\n");
	expect_in(table, "\n42              1\n");
	expect_in(table, "\nnull            1\n");
	free(table);
	teardown(&f);
}

/* Defect 7: CSV numbers are as exact as JSON's; a sum that overflows is
 * null in JSON and an empty cell in CSV. */
static void test_number_text(void **state)
{
	(void)state;
	fixture f;
	setup_spec(&f, "g", "v,w");
	add(&f, "{\"g\":1,\"v\":1700000000123456,\"w\":1e308}");
	add(&f, "{\"g\":1,\"v\":1700000000123457,\"w\":1e308}");
	add(&f, "{\"g\":1,\"v\":0.1,\"w\":1e308}");
	char *json = report(&f, KT_FORMAT_JSON, 20);
	expect_in(json, "\"v\":{\"count\":3,\"skipped\":0,\"sum\":3400000000246913,");
	expect_in(json, "\"min\":0.1,\"max\":1700000000123457,");
	expect_in(json, "\"w\":{\"count\":3,\"skipped\":0,\"sum\":null,\"mean\":");
	expect_in(json, "\"min\":1e+308,\"max\":1e+308,");
	expect_in(json, "\"throughput\":{\"records_per_s\":3,\"bytes_per_s\":30},"
			"\"latency_ms\":{\"p50\":null,\"p99\":null},\"lag\":0}\n");
	free(json);
	char *csv = report(&f, KT_FORMAT_CSV, 20);
	expect_in(csv, ",1,3,3,0,3400000000246913,");
	expect_in(csv, ",0.1,1700000000123457,");
	expect_in(csv, ",3,0,,"); /* w: count 3, skipped 0, sum empty */
	free(csv);
	teardown(&f);
}

/* The table of f's window with --columns list at width (0: no limit). */
static char *table_with(fixture *f, const char *list, int width)
{
	char *text = NULL, err[256];
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	kt_report_columns cols = {.n = 0};
	if (kt_report_add_columns(&cols, list, err, sizeof err) < 0 ||
	    kt_report_check_columns(&cols, &f->spec, err, sizeof err) < 0)
		fail_msg("%s", err);
	kt_report r;
	kt_report_init(&r, KT_FORMAT_TABLE, 10, false, &f->spec);
	r.columns = &cols;
	r.width = width;
	kt_health h = {.lag = 0};
	assert_int_equal(kt_report_window(&r, out, f->w, &h), 0);
	kt_report_release(&r);
	fclose(out);
	return text;
}

/* --columns: each field's chosen figures in the list's order, given room
 * in that order (a FIGURE item for every field, field by field). */
static void test_columns(void **state)
{
	(void)state;
	fixture f;
	setup_spec(&f, "k", "price,qty");
	add(&f, "{\"k\":\"a\",\"price\":5,\"qty\":1}");
	add(&f, "{\"k\":\"a\",\"price\":7,\"qty\":3}");
	char *t = table_with(&f, "max,qty.mean,min", 0);
	expect_in(t, "\nk  count  price.max  price.min  qty.max  qty.mean  qty.min\n"
		     "a      2          7          5        3         2        1\n");
	free(t);
	/* 30 columns: k, count, then by rank price.max (0), qty.max (1);
	 * qty.mean (3) would end at 38. */
	t = table_with(&f, "max,qty.mean,min", 30);
	expect_in(t, "\nk  count  price.max  qty.max\n"
		     "a      2          7        3\n"
		     "hidden (3): qty.mean price.mi\xE2\x80\xA6\n"); /* cut to 30 */
	free(t);
	char err[256];
	kt_report_columns cols = {.n = 0};
	assert_int_equal(kt_report_add_columns(&cols, "a.b.mean,distinct", err, sizeof err), 0);
	assert_int_equal(cols.n, 2);
	assert_int_equal(cols.col[0].field_len, 3); /* "a.b": split at the last dot */
	assert_int_equal(kt_report_check_columns(&cols, &f.spec, err, sizeof err), -1);
	assert_non_null(strstr(err, "'a.b' is not a --stats field"));
	assert_int_equal(kt_report_add_columns(&cols, "p50,mean.p50,p50", err, sizeof err), -1);
	assert_non_null(strstr(err, "'p50' for --columns: named twice"));
	teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_big_integers),
		cmocka_unit_test(test_skipped),
		cmocka_unit_test(test_stat_without_values),
		cmocka_unit_test(test_long_key),
		cmocka_unit_test(test_keys_that_print_alike),
		cmocka_unit_test(test_number_text),
		cmocka_unit_test(test_columns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
