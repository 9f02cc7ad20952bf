/* test_table: a table laid out for a width and a height: no line wider
 * than the screen (measured here by counting characters: the test text is
 * ASCII and "…", one column each), the columns shown by rank and the rest
 * named, headers over their values, rows given up for the lines above, cut
 * keys told apart. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consumer/table.h"

/* Characters in a line (code points: bytes that do not continue one). */
static int chars(const char *s, size_t n)
{
	int c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

static void seg(kt_table *t, bool line, const char *sep, const char *text)
{
	kt_emit_str(kt_table_begin_seg(t, line, sep, NULL), text);
	kt_table_end_seg(t);
}

static void cell(kt_table *t, const char *text)
{
	kt_emit_str(kt_table_begin_cell(t), text);
	kt_table_end_cell(t);
}

/* A window line, a health line of 6 segments, a key column, count and
 * stat columns "price.mean" .. ranked as named. */
static const char *const stat_names[] = {".mean", ".p50", ".p99", ".min", ".max", ".quantity.p99"};

static void build(kt_table *t, size_t rows, const char *const *keys)
{
	kt_table_init(t);
	seg(t, true, "", "window 2026-11-24T17:22:08.000Z");
	seg(t, false, " ", ".. 17:22:10.000Z");
	seg(t, true, "", "records 3900");
	for (int i = 0; i < 5; i++)
		seg(t, false, " | ", "invalid 0");
	kt_table_add_col(t, "category", 8, "", true, -1);
	kt_table_add_col(t, "count", 5, "", false, -1);
	for (int i = 0; i < 6; i++)
		kt_table_add_col(t, "price", 5, stat_names[i], false, i);
	for (size_t r = 0; r < rows; r++) {
		kt_table_add_row(t, 100 + r);
		char key[64];
		snprintf(key, sizeof key, "key%zu", r);
		cell(t, keys ? keys[r] : key);
		snprintf(key, sizeof key, "%zu", 100 + r);
		cell(t, key);
		for (int i = 0; i < 6; i++)
			cell(t, "12.50");
	}
	assert_true(kt_table_ok(t));
}

/* t laid out for v, as a string (free it). */
static char *render(const kt_table *t, int width, int height)
{
	kt_emit e;
	kt_emit_init(&e);
	kt_table_view v = {.width = width, .height = height};
	kt_table_render(t, &e, &v);
	kt_emit_char(&e, '\0');
	assert_false(e.failed);
	return e.buf;
}

/* Each line no wider than width; the number of lines. */
static int check_lines(const char *text, int width)
{
	int lines = 0;
	for (const char *s = text; *s;) {
		const char *nl = strchr(s, '\n');
		assert_non_null(nl);
		if (width && chars(s, (size_t)(nl - s)) > width)
			fail_msg("line wider than %d: '%.*s'", width, (int)(nl - s), s);
		lines++;
		s = nl + 1;
	}
	return lines;
}

static void test_unlimited_shows_all(void **state)
{
	(void)state;
	kt_table t;
	build(&t, 3, NULL);
	char *got = render(&t, 0, 0);
	assert_non_null(strstr(got, "window 2026-11-24T17:22:08.000Z .. 17:22:10.000Z\n"));
	assert_non_null(strstr(got, "records 3900 | invalid 0 | invalid 0"));
	/* The header over its values: each column as wide as the wider of
	 * its header and values, right-aligned, 2 apart. */
	assert_non_null(strstr(got, "\ncategory  count  price.mean  price.p50  price.p99  "
				    "price.min  price.max  price.quantity.p99\n"));
	assert_non_null(strstr(got, "\nkey0        100       12.50      12.50      12.50      "
				    "12.50      12.50               12.50\n"));
	assert_null(strstr(got, "hidden"));
	free(got);
	kt_table_release(&t);
}

/* 40 columns: the health line wraps between segments, the columns of rank
 * 0 and 1 are shown, the rest named in rank order. */
static void test_width_40(void **state)
{
	(void)state;
	kt_table t;
	build(&t, 3, NULL);
	char *got = render(&t, 40, 0);
	check_lines(got, 40);
	assert_non_null(strstr(got, "window 2026-11-24T17:22:08.000Z\n  .. 17:22:10.000Z\n"));
	assert_non_null(strstr(got, "\ncategory  count  price.mean  price.p50\n"));
	assert_non_null(strstr(got, "\nkey2        102       12.50      12.50\n"));
	assert_non_null(strstr(got, "\nhidden (4): price.p99 price.min price.m…\n"));
	free(got);
	for (int w = 1; w <= 120; w++) {
		got = render(&t, w, 0);
		check_lines(got, w);
		free(got);
	}
	kt_table_release(&t);
}

/* 24 lines: at most 23 written (the cursor's line stays free), the lines
 * above the table first, rows given up, their count in "other". */
static void test_height(void **state)
{
	(void)state;
	kt_table t;
	build(&t, 40, NULL);
	t.other_groups = 2;
	t.other_count = 7;
	char *got = render(&t, 80, 24);
	assert_int_equal(check_lines(got, 80), 23);
	assert_true(strncmp(got, "window ", 7) == 0);
	/* 2 head lines, the header, 18 rows, other, hidden: rows 18..39 go
	 * to other, 118 + ... + 139 = 2827, with the 7 of the 2 groups
	 * already there. */
	assert_non_null(strstr(got, "\nkey17 "));
	assert_null(strstr(got, "\nkey18 "));
	assert_non_null(strstr(got, "\nother      2834  (24 more groups)\n"));
	assert_non_null(strstr(got, "\nhidden (1): price.quantity.p99\n"));
	free(got);
	for (int h = 1; h <= 30; h++) {
		got = render(&t, 80, h);
		assert_true(check_lines(got, 80) <= (h > 1 ? h - 1 : 1));
		free(got);
	}
	kt_table_release(&t);
}

/* Keys cut to the column keep their start and end; two that would still
 * print alike show a hash instead of their end. */
static void test_cut_keys_differ(void **state)
{
	(void)state;
	static char k[4][64];
	memset(k, 'a', sizeof k);
	for (int i = 0; i < 4; i++)
		k[i][45] = '\0';
	k[0][44] = '1'; /* differ at the end */
	k[1][44] = '2';
	k[2][20] = 'X'; /* differ in the middle */
	k[3][20] = 'Y';
	const char *keys[] = {k[0], k[1], k[2], k[3]};
	kt_table t;
	build(&t, 4, keys);
	char *got = render(&t, 40, 0);
	check_lines(got, 40);
	/* 40 columns: the key narrowed to 16 makes room for price.mean, and
	 * what is left widens it to 21 (two stat columns would need 24). */
	char cells[4][64];
	const char *row = strstr(got, "\ncategory");
	assert_non_null(row);
	for (int i = 0; i < 4; i++) {
		row = strchr(row + 1, '\n');
		assert_non_null(row);
		const char *end = strstr(row + 1, "  ");
		snprintf(cells[i], sizeof cells[i], "%.*s", (int)(end - row - 1), row + 1);
		assert_non_null(strstr(cells[i], "…"));
	}
	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++)
			if (!strcmp(cells[i], cells[j]))
				fail_msg("rows %d and %d both print '%s'", i, j, cells[i]);
	assert_string_equal(cells[0], "aaaaaaaaaaaaaa…aaaaa1"); /* 14, 1, 6 */
	assert_non_null(strstr(cells[2], "…#"));
	free(got);
	kt_table_release(&t);
}

/* Headers come from data (field names found in records): escaped. */
static void test_header_escaped(void **state)
{
	(void)state;
	kt_table t;
	kt_table_init(&t);
	kt_table_add_col(&t, "a\x1b[31m", 6, "", true, -1);
	kt_table_add_col(&t, "count", 5, "", false, -1);
	kt_table_add_col(&t, "\x1b]0;x\x07", 6, ".mean", false, 0);
	kt_table_add_row(&t, 1);
	cell(&t, "k");
	cell(&t, "1");
	cell(&t, "2");
	char *got = render(&t, 41, 0); /* 11 + 2 + 5 + 2 + 21 */
	assert_null(strchr(got, '\x1b'));
	assert_non_null(strstr(got, "a\\u001b[31m  count  \\u001b]0;x\\u0007.mean\n"));
	free(got);
	got = render(&t, 35, 0);
	assert_null(strchr(got, '\x1b'));
	assert_non_null(strstr(got, "hidden (1): \\u001b]0;x\\u0007.mean\n"));
	free(got);
	kt_table_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unlimited_shows_all), cmocka_unit_test(test_width_40),
		cmocka_unit_test(test_height),              cmocka_unit_test(test_cut_keys_differ),
		cmocka_unit_test(test_header_escaped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
