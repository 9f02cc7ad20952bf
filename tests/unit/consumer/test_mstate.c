/* test_mstate: the merger's commit metadata reads back as written; what
 * does not fit is left out whole; malformed texts are refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "consumer/mstate.h"

typedef struct seen {
	char text[4096];
	size_t n;
} seen;

static int note(void *arg, bool is_source, const char *name, size_t len, int32_t n, int64_t sealed)
{
	seen *s = arg;
	s->n++;
	size_t at = strlen(s->text);
	snprintf(s->text + at, sizeof s->text - at, "%s%.*s:%d:%lld;", is_source ? "s " : "t ",
		 (int)len, name, (int)n, (long long)sealed);
	return 0;
}

static void test_round_trip(void **state)
{
	(void)state;
	kt_mstate_buf b;
	kt_mstate_begin(&b, 1767225605000, 1234);
	assert_int_equal(kt_mstate_add_topic(&b, "scale-in.x_1", 6), 0);
	assert_int_equal(kt_mstate_add_source(&b, "scale-in.x_1", 0, 1767225600000), 0);
	assert_int_equal(kt_mstate_add_source(&b, "scale-in.x_1", 5, INT64_MAX), 0);
	assert_int_equal(kt_mstate_add_source(&b, "t", 2, -5000), 0);
	assert_string_equal(b.data, "ktrio-merger 1 w=1767225605000 r=1234 t=scale-in.x_1:6 "
				    "s=scale-in.x_1/0:1767225600000 s=scale-in.x_1/5:e s=t/2:-5000");
	assert_int_equal(b.len, strlen(b.data));
	int64_t w = 0, r = 0;
	seen s = {0};
	assert_int_equal(kt_mstate_parse(b.data, b.len, &w, &r, note, &s), 0);
	assert_true(w == 1767225605000);
	assert_true(r == 1234);
	assert_string_equal(s.text, "t scale-in.x_1:6:0;s scale-in.x_1:0:1767225600000;"
				    "s scale-in.x_1:5:9223372036854775807;s t:2:-5000;");
}

static void test_none_written(void **state)
{
	(void)state;
	kt_mstate_buf b;
	kt_mstate_begin(&b, INT64_MIN, 0);
	int64_t w = 0, r = 7;
	seen s = {0};
	assert_int_equal(kt_mstate_parse(b.data, b.len, &w, &r, note, &s), 0);
	assert_true(w == INT64_MIN);
	assert_true(r == 0);
	assert_int_equal(s.n, 0);
}

static void test_full(void **state)
{
	(void)state;
	kt_mstate_buf b;
	kt_mstate_begin(&b, 0, 0);
	int added = 0;
	while (kt_mstate_add_source(&b, "a-long-input-topic-name", added, 1767225600000) == 0)
		added++;
	assert_true(added > 50);
	assert_true(b.len < KT_MSTATE_MAX);
	assert_int_equal(b.len, strlen(b.data));
	int64_t w, r;
	seen s = {0};
	assert_int_equal(kt_mstate_parse(b.data, b.len, &w, &r, note, &s), 0);
	assert_int_equal(s.n, (size_t)added);
	/* A name the text cannot hold is refused, the text unchanged. */
	kt_mstate_begin(&b, 0, 0);
	size_t len = b.len;
	assert_int_equal(kt_mstate_add_topic(&b, "a b", 1), -1);
	assert_int_equal(kt_mstate_add_topic(&b, "", 1), -1);
	assert_int_equal(b.len, len);
}

static void test_refused(void **state)
{
	(void)state;
	const char *bad[] = {
		"", "ktrio-member 1 0 0 0 0", "ktrio-merger 1", "ktrio-merger 1 w=5",
		"ktrio-merger 1 r=5", "ktrio-merger 1 w=x r=0", "ktrio-merger 1 w=1 r=-1",
		"ktrio-merger 1 w=1 r=0 t=a", "ktrio-merger 1 w=1 r=0 t=a:0",
		"ktrio-merger 1 w=1 r=0 s=a:1", "ktrio-merger 1 w=1 r=0 s=a/x:1",
		"ktrio-merger 1 w=1 r=0 s=/1:1", "ktrio-merger 1 w=1 r=0 q=1",
		"ktrio-merger 1 w=1 r=0 ", "ktrio-merger 1  w=1 r=0", "ktrio-merger 12 w=1 r=0",
		"ktrio-merger 1 w=99999999999999999999 r=0", "ktrio-merger 1 w=+1 r=0",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int64_t w, r;
		seen s = {0};
		if (kt_mstate_parse(bad[i], strlen(bad[i]), &w, &r, note, &s) != -1)
			fail_msg("accepted '%s'", bad[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_none_written),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
