/* test_vec: growing {v, n, cap} arrays: contents kept, capacity doubling,
 * reservations of several elements, overflow refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "ktrio/vec.h"

typedef struct pair {
	int a;
	double b;
} pair;

static void test_appends_keep_contents(void **state)
{
	(void)state;
	pair *v = NULL;
	size_t n = 0, cap = 0, grows = 0;
	for (int i = 0; i < 100000; i++) {
		size_t before = cap;
		assert_int_equal(KT_VEC_RESERVE(v, n, cap, 1), 0);
		assert_true(cap > n);
		if (cap != before) {
			grows++;
			/* From nothing to 8, then doubling. */
			assert_int_equal(cap, before ? 2 * before : 8);
		}
		v[n++] = (pair){i, i / 2.0};
	}
	/* 8 << 14 = 131072 holds 100,000: 15 allocations in all. */
	assert_int_equal(grows, 15);
	for (int i = 0; i < 100000; i++) {
		assert_int_equal(v[i].a, i);
		assert_true(v[i].b == i / 2.0);
	}
	free(v);
}

static void test_reserve_many(void **state)
{
	(void)state;
	int64_t *v = NULL;
	size_t n = 0, cap = 0;
	/* More than doubling gives: exactly what was asked. */
	assert_int_equal(KT_VEC_RESERVE(v, n, cap, 1000), 0);
	assert_int_equal(cap, 1000);
	for (size_t i = 0; i < 1000; i++)
		v[n++] = (int64_t)i - 500;
	/* Room already there: nothing changes. */
	int64_t *same = v;
	n = 10;
	assert_int_equal(KT_VEC_RESERVE(v, n, cap, 990), 0);
	assert_ptr_equal(v, same);
	assert_int_equal(cap, 1000);
	n = 1000;
	assert_int_equal(KT_VEC_RESERVE(v, n, cap, 1), 0);
	assert_int_equal(cap, 2000);
	for (size_t i = 0; i < 1000; i++)
		assert_int_equal(v[i], (int64_t)i - 500);
	/* Reserving nothing on an empty array allocates nothing. */
	char *empty = NULL;
	size_t en = 0, ecap = 0;
	assert_int_equal(KT_VEC_RESERVE(empty, en, ecap, 0), 0);
	assert_null(empty);
	free(v);
}

static void test_overflow_refused(void **state)
{
	(void)state;
	pair *v = NULL;
	size_t n = 0, cap = 0;
	assert_int_equal(KT_VEC_RESERVE(v, n, cap, 4), 0);
	v[0] = (pair){7, 7.5};
	n = 1;
	pair *before = v;
	/* The byte count would overflow: refused, the array unchanged. */
	assert_int_equal(KT_VEC_RESERVE(v, n, cap, SIZE_MAX / sizeof *v), -1);
	assert_int_equal(KT_VEC_RESERVE(v, n, cap, SIZE_MAX), -1);
	assert_ptr_equal(v, before);
	assert_int_equal(cap, 8);
	assert_int_equal(v[0].a, 7);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_appends_keep_contents),
		cmocka_unit_test(test_reserve_many),
		cmocka_unit_test(test_overflow_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
