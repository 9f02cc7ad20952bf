/* test_window: groups, overflow, offsets, and the latency and throughput a
 * window reports when it is written. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "consumer/window.h"

/* A record of group `key` with one stat value. */
static kt_extracted record(const char *key, double value)
{
	kt_extracted x;
	memset(&x, 0, sizeof x);
	x.key = key;
	x.keylen = strlen(key);
	x.stat[0] = value;
	x.stat_present = 1;
	return x;
}

static void test_groups_and_overflow(void **state)
{
	(void)state;
	kt_window *w = kt_window_new(0, 1000, 2);
	assert_non_null(w);
	const char *keys[] = {"a", "b", "a", "c", "a", "c", "b"};
	for (size_t i = 0; i < 7; i++) {
		kt_extracted x = record(keys[i], (double)i);
		assert_int_equal(kt_window_add(w, &x, 10, -1), 0);
	}
	/* c came when a and b filled the window: its two records overflow */
	assert_int_equal(w->ngroups, 2);
	assert_int_equal(w->records, 5);
	assert_int_equal(w->overflow, 2);
	assert_int_equal(w->bytes, 50);
	kt_group **sorted = kt_window_sorted(w, SIZE_MAX);
	assert_non_null(sorted);
	assert_int_equal(sorted[0]->count, 3);
	assert_memory_equal(sorted[0]->key, "a", 1);
	assert_true(kt_moments_sum(&sorted[0]->stats[0]->moments) == 0 + 2 + 4);
	assert_int_equal(sorted[1]->count, 2);
	free(sorted);
	kt_window_free(w);
}

static void test_offsets(void **state)
{
	(void)state;
	kt_window *w = kt_window_new(0, 1000, 10);
	assert_int_equal(kt_window_min_offset(w, 3), -1);
	assert_int_equal(kt_window_note_offset(w, 3, 42), 0);
	assert_int_equal(kt_window_note_offset(w, 3, 40), 0);
	assert_int_equal(kt_window_note_offset(w, 3, 45), 0);
	assert_int_equal(kt_window_min_offset(w, 3), 40);
	assert_int_equal(kt_window_min_offset(w, 0), -1);
	kt_window_reset(w, 1000, 2000);
	assert_int_equal(kt_window_min_offset(w, 3), -1);
	kt_window_free(w);
}

/* Latency is written time - Kafka timestamp, for every record, however
 * long it waited for its window to close. */
static void test_latency_at_write_time(void **state)
{
	(void)state;
	kt_window *w = kt_window_new(0, 10000, 10);
	w->opened_ms = 100000;
	/* Kafka timestamps 10, 20, 30 ms before the window opened; one record
	 * without a timestamp is left out. Differences below 50 are exact in
	 * the sketch (integers). */
	int64_t ts[] = {99990, 99980, 99970, -1};
	for (size_t i = 0; i < 4; i++) {
		kt_extracted x = record("k", 1);
		assert_int_equal(kt_window_add(w, &x, 1, ts[i]), 0);
	}
	assert_true(kt_window_latency_ms(w, 0.5, 105000) == 105000 - 99980);
	assert_true(kt_window_latency_ms(w, 0.0, 105000) == 105000 - 99990);
	assert_true(kt_window_latency_ms(w, 1.0, 105000) == 105000 - 99970);
	/* Records produced after the window opened (clock skew, or live). */
	kt_window_reset(w, 0, 10000);
	w->opened_ms = 100000;
	kt_extracted x = record("k", 1);
	assert_int_equal(kt_window_add(w, &x, 1, 100040), 0);
	assert_true(kt_window_latency_ms(w, 0.5, 100050) == 10);
	kt_window_reset(w, 0, 10000);
	assert_true(isnan(kt_window_latency_ms(w, 0.5, 100050)));
	kt_window_free(w);
}

static void test_open_seconds(void **state)
{
	(void)state;
	kt_window *w = kt_window_new(0, 5000, 10);
	w->opened_ms = 7000;
	assert_true(kt_window_open_seconds(w, 9500) == 2.5);
	assert_true(kt_window_open_seconds(w, 7000) == 0.001); /* never 0 */
	kt_window_free(w);
}

/* Add v to group "g"; exact: the integer it stands for, or NULL. */
static void add_exact(kt_window *w, double v, const int64_t *exact)
{
	kt_extracted x = record("g", v);
	if (exact) {
		x.stat_int[0] = *exact;
		x.stat_exact = 1;
	}
	assert_int_equal(kt_window_add(w, &x, 1, -1), 0);
}

/* Min and max are exact for integers from 2^53 up: 2^60 + 1 and 2^60 + 3
 * are one double (2^60), but the smaller and larger are told apart; a
 * plain double of the same value ranks by its own exact value. */
static void test_exact_min_max(void **state)
{
	(void)state;
	const int64_t p60 = INT64_C(1) << 60;
	const int64_t a = p60 + 1, b = p60 + 3, c = p60 - 64; /* c's double is exact */
	kt_window *w = kt_window_new(0, 1000, 10);
	assert_non_null(w);
	add_exact(w, (double)b, &b);
	add_exact(w, (double)a, &a);
	const kt_stat *st = w->groups[0].stats[0];
	assert_true(st->min_is_int && st->min_int == a);
	assert_true(st->max_is_int && st->max_int == b);
	add_exact(w, (double)p60, NULL); /* exactly 2^60: below a */
	assert_false(st->min_is_int);
	assert_true(st->moments.min == (double)p60);
	assert_true(st->max_is_int && st->max_int == b);
	add_exact(w, (double)c, &c);
	assert_true(st->min_is_int && st->min_int == c);
	add_exact(w, 9223372036854775808.0, NULL); /* 2^63: above every int64 */
	assert_false(st->max_is_int);
	assert_true(st->moments.max == 9223372036854775808.0);
	const int64_t top = INT64_MAX; /* its double is 2^63 too, but smaller */
	add_exact(w, (double)top, &top);
	assert_false(st->max_is_int);
	assert_int_equal(st->moments.count, 6);
	/* A group whose first value is exact keeps it for both. */
	kt_window_reset(w, 0, 1000);
	add_exact(w, (double)a, &a);
	st = w->groups[0].stats[0];
	assert_true(st->min_is_int && st->min_int == a && st->max_is_int && st->max_int == a);
	kt_window_free(w);
}

/* The order a plain qsort gives: count descending, then the keys' bytes,
 * a key that is a prefix of another first. */
static int reference_order(const void *a, const void *b)
{
	const kt_group *x = *(kt_group *const *)a, *y = *(kt_group *const *)b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	for (size_t i = 0; i < x->keylen && i < y->keylen; i++)
		if (x->key[i] != y->key[i])
			return (unsigned char)x->key[i] < (unsigned char)y->key[i] ? -1 : 1;
	return (x->keylen > y->keylen) - (x->keylen < y->keylen);
}

/* Keys sharing long starts, prefixes of each other, NULs and bytes >= 0x80,
 * few distinct counts (many ties): every top (all, many, a few, one, none)
 * gives the reference's first groups in its order, and every group once. */
static void test_sorted_order(void **state)
{
	(void)state;
	enum { N = 3000 };
	kt_window *w = kt_window_new(0, 1000, N);
	uint64_t seed = 5;
	for (int i = 0; i < 20000; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		/* Short keys, keys the second prefix word tells apart, and
		 * keys that share 20 bytes more than the prefix words see
		 * (their order rests on the bytes after). */
		char key[64] = "s\0\0\0\x14same-start-for-all-";
		unsigned kind = (unsigned)(seed >> 62);
		size_t same = kind == 3 ? 44 : kind == 2 ? 32 : 24;
		size_t len = same + (seed >> 56) % (kind == 3 ? 20 : 8);
		uint64_t bits = seed;
		for (size_t j = 24; j < len; j++) {
			bits = bits * 6364136223846793005ULL + 1442695040888963407ULL;
			key[j] = j < same ? 'q' : (char)"\0a\x80z"[bits >> 62];
		}
		kt_extracted x = record("", 1);
		x.key = key;
		x.keylen = len;
		assert_int_equal(kt_window_add(w, &x, 1, -1), 0);
	}
	kt_group **want = malloc(w->ngroups * sizeof *want);
	for (size_t i = 0; i < w->ngroups; i++)
		want[i] = &w->groups[i];
	qsort(want, w->ngroups, sizeof *want, reference_order);
	size_t tops[] = {SIZE_MAX, w->ngroups, w->ngroups / 2, 100, 7, 1, 0};
	for (size_t t = 0; t < sizeof tops / sizeof *tops; t++) {
		kt_group **got = kt_window_sorted(w, tops[t]);
		assert_non_null(got);
		size_t ordered = tops[t] < w->ngroups ? tops[t] : w->ngroups;
		for (size_t i = 0; i < ordered; i++)
			assert_ptr_equal(got[i], want[i]);
		/* the rest: each remaining group once */
		char *seen = calloc(w->ngroups, 1);
		for (size_t i = 0; i < w->ngroups; i++) {
			size_t k = (size_t)(got[i] - w->groups);
			assert_true(k < w->ngroups && !seen[k]);
			seen[k] = 1;
		}
		free(seen);
		free(got);
	}
	assert_true(w->ngroups > 500);
	free(want);
	kt_window_free(w);
}

/* The ranking's edges, each order written out by hand: counts of 2^32 and
 * more, UINT32_MAX itself and one below it (the ranking keeps counts in as
 * few bits as the window's range of counts needs, and as many bits of the
 * keys as are left: 90 here, from the common start "k-"), equal counts
 * over keys that share 8 bytes and more after "k-" and keys that share 16
 * (beyond the key bits: only the keys tell them apart), keys that are
 * prefixes of others (within the first 8 bytes and after them), a NUL and
 * a byte >= 0x80; both paths: a few of many (top < n/4) and the full sort
 * (top >= n and in between). Then counts all equal (no count bits) and
 * counts spanning all 64 bits. */
static void test_sorted_edges(void **state)
{
	(void)state;
	const uint64_t c32 = UINT64_C(1) << 32;
	static const struct {
		const char *key;
		size_t len;
	} want[] = {
		/* Keys in the reverse of their counts' order, so that only
		 * the counts can rank them. */
		{"k-zz", 4},             /* 2^33 */
		{"k-yy", 4},             /* 2^32 + 5 */
		{"k-big-a", 7},          /* 2^32 + 1 */
		{"k-big-b", 7},          /* 2^32 + 1, after a: by key */
		{"k-aaa", 5},            /* UINT32_MAX */
		{"k-a", 3},              /* UINT32_MAX - 1 */
		{"k-AB", 4},             /* 7 from here on */
		{"k-AB\0", 5},           /* the one before is its prefix */
		{"k-ABCDEFGH", 10},      /* its first 8 bytes after "k-" are all the rest's */
		{"k-ABCDEFGH\0", 11},
		{"k-ABCDEFGHa", 11},
		{"k-ABCDEFGHa\x80", 12},
		{"k-ABCDEFGHb", 11},
		{"k-\x80z", 4},
		{"k-xxxxxxxxxxxxxxxx", 18}, /* 3 from here on */
		{"k-xxxxxxxxxxxxxxxx\0", 19},
		{"k-xxxxxxxxxxxxxxxxa", 19},
		{"k-xxxxxxxxxxxxxxxxb", 19},
		{"k-", 2},               /* 1 */
	};
	const uint64_t counts[] = {2 * c32, c32 + 5, c32 + 1, c32 + 1, UINT32_MAX, UINT32_MAX - 1,
				   7, 7, 7, 7, 7, 7, 7, 7, 3, 3, 3, 3, 1};
	enum { N = sizeof want / sizeof *want };
	/* Made in a scrambled order: 7 is prime to 19. */
	kt_window *w = kt_window_new(0, 1000, N);
	assert_non_null(w);
	for (size_t i = 0; i < N; i++) {
		size_t k = i * 7 % N;
		bool oom = false;
		kt_group *g = kt_window_group(w, want[k].key, want[k].len, &oom);
		assert_non_null(g);
		g->count = counts[k];
	}
	assert_int_equal(w->ngroups, N);
	size_t tops[] = {1, 2, 3, N - 1, N, SIZE_MAX};
	for (size_t t = 0; t < sizeof tops / sizeof *tops; t++) {
		kt_group **got = kt_window_sorted(w, tops[t]);
		assert_non_null(got);
		size_t ordered = tops[t] < N ? tops[t] : N;
		for (size_t i = 0; i < ordered; i++) {
			if (got[i]->keylen != want[i].len ||
			    memcmp(got[i]->key, want[i].key, want[i].len) != 0 ||
			    got[i]->count != counts[i])
				fail_msg("top %zu: place %zu holds '%.*s' (%zu bytes, %llu), not '%s'", tops[t], i,
					 (int)got[i]->keylen, got[i]->key, got[i]->keylen,
					 (unsigned long long)got[i]->count, want[i].key);
		}
		char seen[N] = {0};
		for (size_t i = 0; i < N; i++) {
			size_t k = (size_t)(got[i] - w->groups);
			assert_true(k < N && !seen[k]);
			seen[k] = 1;
		}
		free(got);
	}
	kt_window_free(w);

	/* Counts all equal: by key alone. Counts from 0 to UINT64_MAX: keys in
	 * the reverse of the counts' order. */
	static const char *const same[] = {"a", "a\x01", "ab", "b"};
	static const char *const span[] = {"z", "y", "x", "w"};
	const uint64_t span_counts[] = {UINT64_MAX, UINT64_MAX - 1, 1, 0};
	for (int pass = 0; pass < 2; pass++) {
		const char *const *keys = pass ? span : same;
		w = kt_window_new(0, 1000, 4);
		assert_non_null(w);
		for (size_t i = 0; i < 4; i++) {
			size_t k = 3 - i;
			bool oom = false;
			kt_group *g = kt_window_group(w, keys[k], strlen(keys[k]), &oom);
			assert_non_null(g);
			g->count = pass ? span_counts[k] : 5;
		}
		kt_group **got = kt_window_sorted(w, SIZE_MAX);
		assert_non_null(got);
		for (size_t i = 0; i < 4; i++) {
			assert_int_equal(got[i]->keylen, strlen(keys[i]));
			assert_memory_equal(got[i]->key, keys[i], got[i]->keylen);
		}
		free(got);
		kt_window_free(w);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_groups_and_overflow),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_latency_at_write_time),
		cmocka_unit_test(test_open_seconds),
		cmocka_unit_test(test_exact_min_max),
		cmocka_unit_test(test_sorted_order),
		cmocka_unit_test(test_sorted_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
