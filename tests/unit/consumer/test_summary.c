/* test_summary: merging windows equals counting all their records in one
 * (associative, commutative; Chan's moments against one Welford pass), and
 * encoding reads back bit-exact; malformed encodings are refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consumer/summary.h"

#define NKEYS 7
static const char *const KEYS[NKEYS] = {"alpha", "beta", "gamma", "", "d\0x", "e", "f"};
static const size_t KEYLENS[NKEYS] = {5, 4, 5, 0, 3, 1, 1};

/* xorshift: the same records on every run. */
static uint64_t rng = 88172645463325252ULL;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* One pseudo-random record: a key, two stats (one sometimes missing, one
 * a large integer sometimes exact), a distinct value. */
static void add_random(kt_window *w, char *dbuf)
{
	kt_extracted x;
	memset(&x, 0, sizeof x);
	uint64_t r = next_rand();
	size_t k = r % NKEYS;
	x.key = KEYS[k];
	x.keylen = KEYLENS[k];
	x.stat[0] = 1e9 + (double)(next_rand() % 100000) / 7.0;
	x.stat_present = 1;
	if (r % 5) {
		x.stat_int[1] = (int64_t)(9007199254740993ULL + next_rand() % 1000);
		x.stat[1] = (double)x.stat_int[1];
		x.stat_exact = 2;
		x.stat_present |= 2;
	}
	int n = snprintf(dbuf, 32, "u%llu", (unsigned long long)(next_rand() % 3000));
	x.distinct = dbuf;
	x.distinct_len = (size_t)n;
	assert_int_equal(kt_window_add(w, &x, 50, -1), 0);
}

static kt_group *group_of(const kt_window *w, const kt_group *like)
{
	for (size_t i = 0; i < w->ngroups; i++)
		if (w->groups[i].keylen == like->keylen &&
		    (!like->keylen || !memcmp(w->groups[i].key, like->key, like->keylen)))
			return &w->groups[i];
	return NULL;
}

/* The same double, bit for bit (NAN included). */
static void assert_same_bits(double a, double b)
{
	if (memcmp(&a, &b, sizeof a))
		fail_msg("%.17g vs %.17g: not the same bits", a, b);
}

/* Every figure the report prints: identical. */
static void assert_same_figures(const kt_window *a, const kt_window *b)
{
	assert_int_equal(a->records, b->records);
	assert_int_equal(a->bytes, b->bytes);
	assert_int_equal(a->ngroups, b->ngroups);
	for (size_t i = 0; i < b->ngroups; i++) {
		const kt_group *gb = &b->groups[i], *ga = group_of(a, gb);
		assert_non_null(ga);
		assert_int_equal(ga->count, gb->count);
		for (size_t s = 0; s < KT_MAX_STATS; s++) {
			assert_int_equal(ga->stats[s] != NULL, gb->stats[s] != NULL);
			if (!gb->stats[s])
				continue;
			const kt_stat *x = ga->stats[s], *y = gb->stats[s];
			assert_int_equal(x->moments.count, y->moments.count);
			assert_true(x->moments.min == y->moments.min);
			assert_true(x->moments.max == y->moments.max);
			assert_int_equal(x->min_is_int, y->min_is_int);
			assert_int_equal(x->max_is_int, y->max_is_int);
			if (y->min_is_int)
				assert_int_equal(x->min_int, y->min_int);
			if (y->max_is_int)
				assert_int_equal(x->max_int, y->max_int);
			/* Exact sums: the same bits however the parts merged. */
			assert_same_bits(kt_moments_sum(&x->moments), kt_moments_sum(&y->moments));
			assert_same_bits(kt_moments_mean(&x->moments), kt_moments_mean(&y->moments));
			assert_same_bits(kt_moments_stddev(&x->moments),
					 kt_moments_stddev(&y->moments));
			for (double q = 0; q <= 1.0; q += 0.05)
				assert_true(kt_sketch_quantile(&x->quantiles, q) ==
					    kt_sketch_quantile(&y->quantiles, q));
		}
		assert_int_equal(ga->distinct != NULL, gb->distinct != NULL);
		if (gb->distinct)
			assert_int_equal(kt_hll_estimate(ga->distinct), kt_hll_estimate(gb->distinct));
	}
}

/* Windows a, b, c of n records each and one holding all 3n. */
static void make_parts(kt_window **parts, kt_window **all, size_t n)
{
	char dbuf[32];
	*all = kt_window_new(0, 1000, 1000);
	for (size_t p = 0; p < 3; p++) {
		parts[p] = kt_window_new(0, 1000, 1000);
		for (size_t i = 0; i < n; i++) {
			uint64_t saved = rng;
			add_random(parts[p], dbuf);
			rng = saved;
			add_random(*all, dbuf);
		}
	}
}

static kt_window *merged(kt_window *const *parts, const int *order)
{
	kt_window *m = kt_window_new(0, 1000, 1000);
	for (int i = 0; i < 3; i++)
		assert_int_equal(kt_summary_merge(m, parts[order[i]]), 0);
	return m;
}

static void test_merge_equals_one_window(void **state)
{
	(void)state;
	kt_window *parts[3], *all;
	/* 2,000 a part: the distinct counters pass their exact phase. */
	make_parts(parts, &all, 2000);
	static const int orders[][3] = {{0, 1, 2}, {2, 1, 0}, {1, 0, 2}};
	for (size_t k = 0; k < 3; k++) {
		kt_window *m = merged(parts, orders[k]);
		assert_same_figures(m, all);
		kt_window_free(m);
	}
	/* (a + b) + c against a + (b + c). */
	kt_window *ab = kt_window_new(0, 1000, 1000), *bc = kt_window_new(0, 1000, 1000);
	assert_int_equal(kt_summary_merge(ab, parts[0]), 0);
	assert_int_equal(kt_summary_merge(ab, parts[1]), 0);
	assert_int_equal(kt_summary_merge(ab, parts[2]), 0);
	assert_int_equal(kt_summary_merge(bc, parts[1]), 0);
	assert_int_equal(kt_summary_merge(bc, parts[2]), 0);
	kt_window *a_bc = kt_window_new(0, 1000, 1000);
	assert_int_equal(kt_summary_merge(a_bc, parts[0]), 0);
	assert_int_equal(kt_summary_merge(a_bc, bc), 0);
	assert_same_figures(ab, a_bc);
	assert_same_figures(a_bc, all);
	kt_window_free(ab);
	kt_window_free(bc);
	kt_window_free(a_bc);
	for (int p = 0; p < 3; p++)
		kt_window_free(parts[p]);
	kt_window_free(all);
}

/* Moments merged from two parts are bit for bit those of one pass. */
static void test_merge_against_one_pass(void **state)
{
	(void)state;
	for (int trial = 0; trial < 50; trial++) {
		kt_moments one, a, b;
		kt_moments_init(&one);
		kt_moments_init(&a);
		kt_moments_init(&b);
		size_t n = 1 + next_rand() % 5000, cut = next_rand() % (n + 1);
		double base = trial % 2 ? 1e9 : -3.5;
		for (size_t i = 0; i < n; i++) {
			double v = base + (double)(next_rand() % 1000000) / 1000.0;
			assert_int_equal(kt_moments_add(&one, v), 0);
			assert_int_equal(kt_moments_add(i < cut ? &a : &b, v), 0);
		}
		assert_int_equal(kt_moments_merge(&a, &b), 0);
		assert_int_equal(a.count, one.count);
		assert_true(a.min == one.min && a.max == one.max);
		assert_same_bits(kt_moments_sum(&a), kt_moments_sum(&one));
		assert_same_bits(kt_moments_mean(&a), kt_moments_mean(&one));
		assert_same_bits(kt_moments_stddev(&a), kt_moments_stddev(&one));
		kt_moments_release(&one);
		kt_moments_release(&a);
		kt_moments_release(&b);
	}
}

static void test_overflow_on_merge(void **state)
{
	(void)state;
	kt_window *a = kt_window_new(0, 1000, 2), *b = kt_window_new(0, 1000, 2);
	char dbuf[32];
	for (int i = 0; i < 200; i++)
		add_random(i % 2 ? a : b, dbuf);
	kt_window *m = kt_window_new(0, 1000, 2);
	assert_int_equal(kt_summary_merge(m, a), 0);
	assert_int_equal(kt_summary_merge(m, b), 0);
	assert_true(m->ngroups <= 2);
	/* Nothing lost: what has no group is overflow. */
	assert_int_equal(m->records + m->overflow, 200);
	kt_window_free(a);
	kt_window_free(b);
	kt_window_free(m);
}

static kt_fieldspec spec_with_stats(void)
{
	kt_fieldspec spec;
	kt_fieldspec_init(&spec);
	char err[128];
	assert_int_equal(kt_fieldspec_set_stats(&spec, "price,id", err, sizeof err), 0);
	return spec;
}

static void test_round_trip(void **state)
{
	(void)state;
	kt_window *parts[3], *all;
	make_parts(parts, &all, 1500);
	all->start = -5000;
	all->end = 5000;
	all->opened_ms = 123;
	kt_sketch_add(&all->latency, 17.25);
	kt_fieldspec spec = spec_with_stats();
	kt_wire_buf b;
	kt_wire_buf_init(&b);
	kt_summary_encode(all, &spec, 0, all->ngroups, true, &b);
	assert_false(b.failed);
	kt_window *back = kt_window_new(0, 0, 1000);
	char err[256];
	if (kt_summary_decode(back, &spec, b.data, b.len, err, sizeof err) < 0)
		fail_msg("decode: %s", err);
	assert_int_equal(back->start, -5000);
	assert_int_equal(back->end, 5000);
	assert_int_equal(back->opened_ms, 123);
	assert_true(kt_sketch_quantile(&back->latency, 0.5) == 17.25);
	/* Bit-exact: the same state encodes to the same bytes. */
	kt_wire_buf again;
	kt_wire_buf_init(&again);
	kt_summary_encode(back, &spec, 0, back->ngroups, true, &again);
	assert_int_equal(again.len, b.len);
	assert_memory_equal(again.data, b.data, b.len);
	for (size_t i = 0; i < all->ngroups; i++) {
		const kt_stat *x = all->groups[i].stats[0], *y = back->groups[i].stats[0];
		assert_memory_equal(&x->moments, &y->moments, sizeof x->moments);
	}
	assert_same_figures(back, all);

	/* Split in two pieces (the second without the totals): their merge
	 * is the window. */
	kt_wire_buf p1, p2;
	kt_wire_buf_init(&p1);
	kt_wire_buf_init(&p2);
	kt_summary_encode(all, &spec, 0, 3, true, &p1);
	kt_summary_encode(all, &spec, 3, all->ngroups, false, &p2);
	kt_window *w1 = kt_window_new(0, 0, 1000), *w2 = kt_window_new(0, 0, 1000);
	assert_int_equal(kt_summary_decode(w1, &spec, p1.data, p1.len, err, sizeof err), 0);
	assert_int_equal(kt_summary_decode(w2, &spec, p2.data, p2.len, err, sizeof err), 0);
	assert_int_equal(kt_summary_merge(w1, w2), 0);
	assert_same_figures(w1, all);

	/* Every truncation and a trailing byte are refused, without a leak
	 * or a read past the end (ASan). */
	for (size_t n = 0; n < b.len; n += 1 + n / 64) {
		kt_window *t = kt_window_new(0, 0, 1000);
		assert_int_equal(kt_summary_decode(t, &spec, b.data, n, err, sizeof err), -1);
		kt_window_free(t);
	}
	kt_wire_put_u8(&b, 0);
	kt_window *t = kt_window_new(0, 0, 1000);
	assert_int_equal(kt_summary_decode(t, &spec, b.data, b.len, err, sizeof err), -1);
	assert_non_null(strstr(err, "after the summary"));
	kt_window_free(t);

	/* A stat this spec does not have is named. */
	kt_fieldspec other;
	kt_fieldspec_init(&other);
	assert_int_equal(kt_fieldspec_set_stats(&other, "qty", err, sizeof err), 0);
	t = kt_window_new(0, 0, 1000);
	assert_int_equal(kt_summary_decode(t, &other, p1.data, p1.len, err, sizeof err), -1);
	assert_non_null(strstr(err, "'price'"));
	kt_window_free(t);
	kt_fieldspec_release(&other);

	kt_wire_buf_release(&b);
	kt_wire_buf_release(&again);
	kt_wire_buf_release(&p1);
	kt_wire_buf_release(&p2);
	kt_window_free(w1);
	kt_window_free(w2);
	kt_window_free(back);
	kt_fieldspec_release(&spec);
	for (int p = 0; p < 3; p++)
		kt_window_free(parts[p]);
	kt_window_free(all);
}

/* Registers are a function of the values alone: a counter that saw the
 * values in one order and one merged from parts agree exactly, past the
 * exact phase too. */
static void test_hll_merge_exact(void **state)
{
	(void)state;
	kt_hll *one = kt_hll_new(), *a = kt_hll_new(), *b = kt_hll_new();
	for (int i = 0; i < 50000; i++) {
		char buf[32];
		int n = snprintf(buf, sizeof buf, "v%d", i * 7919 % 20011);
		kt_hll_add(one, buf, (size_t)n);
		kt_hll_add(i % 3 ? a : b, buf, (size_t)n);
		if (i == 500 || i == 5000 || i == 49999) {
			kt_hll *m = kt_hll_new();
			assert_int_equal(kt_hll_merge(m, b), 0);
			assert_int_equal(kt_hll_merge(m, a), 0);
			assert_int_equal(kt_hll_estimate(m), kt_hll_estimate(one));
			kt_hll_free(m);
		}
	}
	kt_hll_free(one);
	kt_hll_free(a);
	kt_hll_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_equals_one_window),
		cmocka_unit_test(test_merge_against_one_pass),
		cmocka_unit_test(test_overflow_on_merge),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_hll_merge_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
