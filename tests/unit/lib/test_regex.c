/* test_regex: the one PCRE2 compile: its error message, UTF patterns,
 * subjects with invalid UTF-8, release. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "ktrio/regex.h"

static void test_compile_error_message(void **state)
{
	(void)state;
	kt_regex re;
	char err[256];
	assert_int_equal(kt_regex_compile(&re, "a(b", err, sizeof err, "filter '%s'", "x~a(b"), -1);
	assert_string_equal(err, "filter 'x~a(b': missing closing parenthesis at offset 3");
	assert_null(re.code);
	assert_int_equal(kt_regex_compile(&re, "[z-a]", err, sizeof err,
					  "invalid value '%s' for --key-regex", "[z-a]"), -1);
	assert_string_equal(err, "invalid value '[z-a]' for --key-regex: range out of order "
				 "in character class at offset 3");
	/* err may be NULL. */
	assert_int_equal(kt_regex_compile(&re, "(", NULL, 0, "x"), -1);
	kt_regex_release(&re);
}

static void test_search(void **state)
{
	(void)state;
	kt_regex re;
	char err[256];
	assert_int_equal(kt_regex_compile(&re, "^user-[0-9]+$", err, sizeof err, "k"), 0);
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	assert_non_null(md);
	assert_int_equal(kt_regex_search(&re, "user-42", 7, md), 1);
	assert_int_equal(kt_regex_search(&re, "user-42x", 8, md), 0);
	/* The length counts, not a terminator. */
	assert_int_equal(kt_regex_search(&re, "user-42x", 7, md), 1);
	kt_regex_release(&re);
	assert_null(re.code);

	/* UTF: one character, two bytes; invalid UTF-8 is searched, not an
	 * error, and the valid part still matches. */
	assert_int_equal(kt_regex_compile(&re, "^.é$", err, sizeof err, "k"), 0);
	assert_int_equal(kt_regex_search(&re, "aé", strlen("aé"), md), 1);
	kt_regex_release(&re);
	assert_int_equal(kt_regex_compile(&re, "é", err, sizeof err, "k"), 0);
	assert_int_equal(kt_regex_search(&re, "\xff\xfe" "é", 4, md), 1);
	assert_int_equal(kt_regex_search(&re, "\xff\xfe" "e", 3, md), 0);
	/* Groups beyond the match data's one pair still report a match. */
	kt_regex_release(&re);
	assert_int_equal(kt_regex_compile(&re, "(a)(b)(c)", err, sizeof err, "k"), 0);
	assert_int_equal(kt_regex_search(&re, "xabc", 4, md), 1);
	kt_regex_release(&re);
	kt_regex_release(&re); /* twice: harmless */
	pcre2_match_data_free(md);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compile_error_message),
		cmocka_unit_test(test_search),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
