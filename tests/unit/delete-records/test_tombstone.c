/* test_tombstone: the keys a by-key scan collects: one entry per
 * (partition, key), its latest state, found again among many. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delete-records/tombstone.h"

static void test_latest_state_per_partition_and_key(void **state)
{
	(void)state;
	kt_tomb_keys k;
	kt_tomb_keys_init(&k);
	assert_int_equal(kt_tomb_keys_note(&k, 0, "a", 1, true), 0);
	assert_int_equal(kt_tomb_keys_note(&k, 1, "a", 1, true), 0);   /* another partition */
	assert_int_equal(kt_tomb_keys_note(&k, 0, "a\0b", 3, true), 0); /* bytes, not text */
	assert_int_equal(kt_tomb_keys_note(&k, 0, "a", 1, false), 0);  /* a tombstone */
	assert_int_equal(k.n, 3);
	assert_int_equal(k.v[0].partition, 0);
	assert_false(k.v[0].live);
	assert_int_equal(k.v[1].partition, 1);
	assert_true(k.v[1].live);
	assert_int_equal(k.v[2].keylen, 3);
	assert_memory_equal(k.v[2].key, "a\0b", 3);
	kt_tomb_keys_release(&k);
	kt_tomb_keys_release(&k); /* released twice: still empty */
	assert_int_equal(k.n, 0);
}

/* 200,000 keys in 3 partitions, each noted twice (live, then not for every
 * third): the first-seen order stays, every key once, its last state. The
 * index grows many times on the way. */
static void test_many_keys(void **state)
{
	(void)state;
	enum { N = 200000 };
	kt_tomb_keys k;
	kt_tomb_keys_init(&k);
	char key[32];
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < N; i++) {
			int len = snprintf(key, sizeof key, "user-%d", i);
			bool live = round == 0 || i % 3 != 0;
			assert_int_equal(kt_tomb_keys_note(&k, i % 3, key, (size_t)len, live), 0);
		}
	assert_int_equal(k.n, N);
	for (int i = 0; i < N; i++) {
		int len = snprintf(key, sizeof key, "user-%d", i);
		assert_int_equal(k.v[i].partition, i % 3);
		assert_int_equal(k.v[i].keylen, (size_t)len);
		assert_memory_equal(k.v[i].key, key, (size_t)len);
		assert_int_equal(k.v[i].live, i % 3 != 0);
	}
	kt_tomb_keys_release(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_latest_state_per_partition_and_key),
		cmocka_unit_test(test_many_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
