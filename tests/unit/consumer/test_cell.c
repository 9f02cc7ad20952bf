/* test_cell: display width (checked against glibc's wcwidth in a UTF-8
 * locale, an independent table), escaping of what a terminal would obey,
 * and cuts that never split a character. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "consumer/cell.h"
#include "ktrio/utf8.h"

/* Blocks where our few ranges must give glibc's answer. */
static const uint32_t blocks[][2] = {
	{0x20, 0x7E},       /* ASCII */
	{0xA0, 0x24F},      /* Latin-1, Latin Extended */
	{0x300, 0x36F},     /* combining diacritical marks: 0 */
	{0x370, 0x52F},     /* Greek, Cyrillic */
	{0x900, 0x97F},     /* Devanagari, its vowel signs 0 */
	{0x1100, 0x11FF},   /* Hangul Jamo: leading 2, the rest 0 */
	{0x3041, 0x30FF},   /* Hiragana, Katakana: 2 */
	{0x4E00, 0x9FFF},   /* CJK unified ideographs: 2 */
	{0xAC00, 0xD7A3},   /* Hangul syllables: 2 */
	{0xFF01, 0xFF60},   /* fullwidth forms: 2 */
	{0x1F300, 0x1F64F}, /* pictographs, emoticons */
	{0x1F900, 0x1F9FF}, /* supplemental symbols and pictographs */
};

static void test_width_as_glibc(void **state)
{
	(void)state;
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		skip();
	size_t checked = 0;
	for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++)
		for (uint32_t cp = blocks[b][0]; cp <= blocks[b][1]; cp++) {
			int want = wcwidth((wchar_t)cp);
			if (want < 0)
				continue; /* unassigned */
			if (kt_cell_char_width(cp) != want)
				fail_msg("U+%04X: width %d, glibc says %d", cp, kt_cell_char_width(cp),
					 want);
			checked++;
		}
	setlocale(LC_CTYPE, "C");
	assert_true(checked > 30000);
}

static void test_width_of_text(void **state)
{
	(void)state;
	assert_int_equal(kt_cell_width("abc", 3), 3);
	assert_int_equal(kt_cell_width("日本語", 9), 6);
	assert_int_equal(kt_cell_width("e\xCC\x81", 3), 1); /* e + combining acute */
	assert_int_equal(kt_cell_width("\xFF" "a", 2), 2);  /* a stray byte counts 1 */
}

/* What kt_cell_escape makes of s, as a string (free it). */
static char *escaped(const char *s, size_t n)
{
	kt_emit e;
	kt_emit_init(&e);
	kt_cell_escape(&e, s, n);
	kt_emit_char(&e, '\0');
	assert_false(e.failed);
	return e.buf;
}

static void expect_escaped(const char *s, size_t n, const char *want)
{
	char *got = escaped(s, n);
	if (strcmp(got, want) != 0)
		fail_msg("escaped '%s', want '%s'", got, want);
	free(got);
}

static void test_escape(void **state)
{
	(void)state;
	/* ESC would recolour the terminal, a newline split the row. */
	expect_escaped("a\x1b[31mb\n", 8, "a\\u001b[31mb\\n");
	expect_escaped("\r\t\x7f", 3, "\\r\\t\\u007f");
	expect_escaped("a\0b", 3, "a\\u0000b");
	/* C1 controls (CSI is U+009B), bidirectional overrides, line
	 * separators; bytes that are not UTF-8. */
	expect_escaped("\xC2\x9B" "2J", 4, "\\u009b2J");
	expect_escaped("x\xE2\x80\xAEy", 5, "x\\u202ey");
	expect_escaped("\xE2\x80\xA8", 3, "\\u2028");
	expect_escaped("\xFF\xC3", 2, "\\xff\\xc3");
	/* Text passes as it is. */
	expect_escaped("日本 é …", strlen("日本 é …"), "日本 é …");
	assert_true(kt_cell_has_control("\xC2\x85", 2));
	assert_true(kt_cell_has_control("\xFF", 1));
	assert_false(kt_cell_has_control("日本 é", strlen("日本 é")));
}

static void test_head_and_tail(void **state)
{
	(void)state;
	const char *jp = "日本語"; /* 3 bytes and 2 columns each */
	assert_int_equal(kt_cell_head(jp, 9, 4), 6);
	assert_int_equal(kt_cell_head(jp, 9, 3), 3); /* never half a character */
	assert_int_equal(kt_cell_head(jp, 9, 1), 0);
	assert_int_equal(kt_cell_tail(jp, 9, 3), 6);
	assert_int_equal(kt_cell_tail(jp, 9, 0), 9);
	/* A combining mark stays with its base. */
	const char *e = "xe\xCC\x81y"; /* x, e + acute, y */
	assert_int_equal(kt_cell_head(e, 5, 2), 4);
	assert_int_equal(kt_cell_tail(e, 5, 1), 4);
	assert_int_equal(kt_cell_tail(e, 5, 2), 1);
}

/* s cut to width by cut (kt_cell_cut or kt_cell_cut_middle), as a string. */
static char *cut_to(int (*cut)(kt_emit *, const char *, size_t, int), const char *s, int width,
		    int *cols)
{
	kt_emit e;
	kt_emit_init(&e);
	*cols = cut(&e, s, strlen(s), width);
	kt_emit_char(&e, '\0');
	return e.buf;
}

static void expect_cut(int (*cut)(kt_emit *, const char *, size_t, int), const char *s,
		       int width, const char *want)
{
	int cols;
	char *got = cut_to(cut, s, width, &cols);
	if (strcmp(got, want) != 0)
		fail_msg("'%s' cut to %d: '%s', want '%s'", s, width, got, want);
	assert_int_equal(cols, kt_cell_width(want, strlen(want)));
	free(got);
}

static void test_cut(void **state)
{
	(void)state;
	expect_cut(kt_cell_cut, "abcdefgh", 8, "abcdefgh");
	expect_cut(kt_cell_cut, "abcdefgh", 5, "abcd…");
	expect_cut(kt_cell_cut, "日本語です", 5, "日本…");
	expect_cut(kt_cell_cut, "日本語です", 4, "日…"); /* 3 columns: 本 has no room */
	/* The end a third of the width (less the marker), the start the rest. */
	expect_cut(kt_cell_cut_middle, "abcdefghijklmnopqrstuvwxyz", 10, "abcdef…xyz");
	expect_cut(kt_cell_cut_middle, "abcdefghijklmnopqrstuvwxyz", 26, "abcdefghijklmnopqrstuvwxyz");
	expect_cut(kt_cell_cut_middle, "abcdefghijklmnopqrstuvwxyz", 25, "abcdefghijklmnop…stuvwxyz"); /* 16 + 1 + 8 */
	expect_cut(kt_cell_cut_middle, "日本語日本語日本語", 9, "日本語…語"); /* 6 + 1 + 2 */
}

/* Two 45-character keys that share their first 16 characters print
 * differently in a 16-column cell. */
static void test_cut_keys_differ(void **state)
{
	(void)state;
	char a[46], b[46];
	memset(a, 'a', 45);
	memset(b, 'a', 45);
	a[45] = b[45] = '\0';
	a[44] = '1';
	b[44] = '2';
	int ca, cb;
	char *x = cut_to(kt_cell_cut_middle, a, 16, &ca);
	char *y = cut_to(kt_cell_cut_middle, b, 16, &cb);
	assert_int_equal(ca, 16);
	assert_int_equal(cb, 16);
	assert_string_not_equal(x, y);
	assert_non_null(strstr(x, "…"));
	free(x);
	free(y);
}

/* Any cut of mixed text (ASCII, wide, combining) to any width is valid
 * UTF-8 no wider than asked, and as wide as asked when the text was wider
 * (less one column when a wide character had no room). */
static void test_cuts_stay_utf8(void **state)
{
	(void)state;
	const char *texts[] = {"ab日本語cdé\xCC\x81" "fg한국어hi", "日本語日本語日本語日本語",
			       "e\xCC\x81" "e\xCC\x81" "e\xCC\x81" "e\xCC\x81" "e\xCC\x81" "xyz",
			       "😀😀a😀😀b😀"};
	for (size_t t = 0; t < sizeof texts / sizeof *texts; t++) {
		int full = kt_cell_width(texts[t], strlen(texts[t]));
		for (int w = 1; w <= full + 1; w++) {
			for (int m = 0; m < 2; m++) {
				int cols;
				char *got = cut_to(m ? kt_cell_cut_middle : kt_cell_cut, texts[t], w,
						   &cols);
				assert_true(kt_utf8_valid(got, strlen(got)));
				assert_int_equal(cols, kt_cell_width(got, strlen(got)));
				assert_true(cols <= w);
				assert_true(cols >= (w < full ? w - 1 : full));
				free(got);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_width_as_glibc), cmocka_unit_test(test_width_of_text),
		cmocka_unit_test(test_escape),         cmocka_unit_test(test_head_and_tail),
		cmocka_unit_test(test_cut),            cmocka_unit_test(test_cut_keys_differ),
		cmocka_unit_test(test_cuts_stay_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
