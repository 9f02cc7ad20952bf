/* test_stats: Welford moments, the quantile sketch and HyperLogLog against
 * values computed exactly here (two-pass variance, sorted quantiles, known
 * distinct sets). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ktrio/hll.h"
#include "ktrio/sketch.h"
#include "ktrio/welford.h"

/* A small deterministic generator for test data (splitmix64). */
static uint64_t state = 12345;
static uint64_t next(void)
{
	uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
static double unif(void) { return (double)(next() >> 11) * 0x1.0p-53; }
static double gauss(void)
{
	double u = unif(), v = unif();
	return sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

static void two_pass(const double *x, size_t n, double *mean, double *sd)
{
	long double s = 0, ss = 0;
	for (size_t i = 0; i < n; i++)
		s += x[i];
	*mean = (double)(s / n);
	for (size_t i = 0; i < n; i++)
		ss += ((long double)x[i] - *mean) * ((long double)x[i] - *mean);
	*sd = (double)sqrtl(ss / (n - 1));
}

static void test_welford_matches_two_pass(void **st)
{
	(void)st;
	enum { N = 10000 };
	static double x[N];
	kt_welford w;
	kt_welford_init(&w);
	for (size_t i = 0; i < N; i++)
		kt_welford_add(&w, x[i] = 50 + 20 * gauss());
	double mean, sd;
	two_pass(x, N, &mean, &sd);
	assert_int_equal(w.count, N);
	assert_true(fabs(w.mean - mean) < 1e-9);
	assert_true(fabs(kt_welford_stddev(&w) - sd) < 1e-9 * sd);
}

static void test_welford_large_values_tiny_spread(void **st)
{
	(void)st;
	enum { N = 1000 };
	static double x[N];
	kt_welford w;
	kt_welford_init(&w);
	double naive_s = 0, naive_ss = 0;
	for (size_t i = 0; i < N; i++) {
		x[i] = 1e9 + (double)(i % 10) * 1e-3;
		kt_welford_add(&w, x[i]);
		naive_s += x[i];
		naive_ss += x[i] * x[i];
	}
	double mean, sd;
	two_pass(x, N, &mean, &sd);
	double naive_var = (naive_ss - naive_s * naive_s / N) / (N - 1);
	double naive_sd = naive_var > 0 ? sqrt(naive_var) : 0;
	/* The textbook formula is useless here; Welford is not. */
	assert_true(fabs(naive_sd - sd) > 0.1 * sd);
	assert_true(fabs(kt_welford_stddev(&w) - sd) < 1e-6 * sd);
}

static void test_welford_edges_and_merge(void **st)
{
	(void)st;
	kt_welford a, b, all;
	kt_welford_init(&a);
	assert_true(isnan(kt_welford_stddev(&a)));
	kt_welford_add(&a, 3);
	assert_true(isnan(kt_welford_stddev(&a)));
	assert_true(a.min == 3 && a.max == 3 && a.sum == 3);
	kt_welford_init(&a);
	kt_welford_init(&b);
	kt_welford_init(&all);
	for (int i = 0; i < 100; i++) {
		double v = i * 1.5 - 20;
		kt_welford_add(i < 30 ? &a : &b, v);
		kt_welford_add(&all, v);
	}
	kt_welford_merge(&a, &b);
	assert_int_equal(a.count, all.count);
	assert_true(fabs(a.mean - all.mean) < 1e-12);
	assert_true(fabs(kt_welford_stddev(&a) - kt_welford_stddev(&all)) < 1e-9);
	assert_true(a.min == -20 && a.max == 99 * 1.5 - 20);
}

static int cmp(const void *p, const void *q)
{
	double a = *(const double *)p, b = *(const double *)q;
	return (a > b) - (a < b);
}

/* The header's bound: within alpha of the floor(q (n-1))-th smallest. */
static void check_quantiles(double *x, size_t n)
{
	kt_sketch s;
	kt_sketch_init(&s);
	for (size_t i = 0; i < n; i++)
		kt_sketch_add(&s, x[i]);
	qsort(x, n, sizeof *x, cmp);
	static const double qs[] = {0, 0.01, 0.25, 0.5, 0.95, 0.99, 1};
	for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
		double exact = x[(size_t)floor(qs[i] * (double)(n - 1))];
		double est = kt_sketch_quantile(&s, qs[i]);
		double bound = KT_SKETCH_ALPHA * fabs(exact) + 1e-12;
		if (fabs(exact) < 1e-9)
			bound = 1e-9;
		if (!(fabs(est - exact) <= bound))
			fail_msg("q=%g: estimate %.17g, exact %.17g", qs[i], est, exact);
	}
	kt_sketch_release(&s);
}

static void test_sketch_uniform_normal_skewed(void **st)
{
	(void)st;
	enum { N = 100000 };
	static double x[N];
	for (size_t i = 0; i < N; i++)
		x[i] = 1 + 999 * unif();
	check_quantiles(x, N);
	for (size_t i = 0; i < N; i++)
		x[i] = 100 + 15 * gauss(); /* some negative-free normal data */
	check_quantiles(x, N);
	for (size_t i = 0; i < N; i++)
		x[i] = exp(2 + 1.5 * gauss()); /* lognormal: heavy right tail */
	check_quantiles(x, N);
	for (size_t i = 0; i < N; i++)
		x[i] = 1 / pow(unif() + 1e-12, 1 / 1.2); /* pareto */
	check_quantiles(x, N);
	for (size_t i = 0; i < N; i++) /* negatives and exact zeros mixed */
		x[i] = i % 7 == 0 ? 0 : (unif() - 0.5) * 1e4;
	check_quantiles(x, N);
}

static void test_sketch_edges(void **st)
{
	(void)st;
	kt_sketch s;
	kt_sketch_init(&s);
	assert_true(isnan(kt_sketch_quantile(&s, 0.5)));
	for (int i = 0; i < 20; i++)
		kt_sketch_add(&s, 10 + i);
	/* integer data below 50 is exact */
	assert_true(kt_sketch_quantile(&s, 0.5) == 19);
	assert_true(kt_sketch_quantile(&s, 0) == 10 && kt_sketch_quantile(&s, 1) == 29);
	assert_int_equal(s.count, 20);
	kt_sketch_add(&s, 1e-12); /* counted as zero */
	kt_sketch_add(&s, 1e20);  /* clamped to the edge, max stays exact */
	assert_true(kt_sketch_quantile(&s, 0) == 1e-12 || kt_sketch_quantile(&s, 0) == 0);
	assert_true(kt_sketch_quantile(&s, 1) == 1e20);
	kt_sketch_release(&s);
}

static void test_sketch_merge(void **st)
{
	(void)st;
	enum { N = 20000 };
	static double x[N];
	kt_sketch a, b, all;
	kt_sketch_init(&a);
	kt_sketch_init(&b);
	kt_sketch_init(&all);
	for (size_t i = 0; i < N; i++) {
		x[i] = exp(3 * unif()) - 5;
		kt_sketch_add(i % 3 ? &a : &b, x[i]);
		kt_sketch_add(&all, x[i]);
	}
	assert_int_equal(kt_sketch_merge(&a, &b), 0);
	assert_int_equal(a.count, N);
	for (double q = 0; q <= 1; q += 0.05)
		assert_true(kt_sketch_quantile(&a, q) == kt_sketch_quantile(&all, q));
	kt_sketch_release(&a);
	kt_sketch_release(&b);
	kt_sketch_release(&all);
}

static void test_hll_exact_when_small(void **st)
{
	(void)st;
	static const int sizes[] = {0, 1, 100, KT_HLL_EXACT};
	for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
		kt_hll *h = kt_hll_new();
		assert_non_null(h);
		for (int rep = 0; rep < 3; rep++)
			for (int i = 0; i < sizes[k]; i++) {
				char key[32];
				int n = snprintf(key, sizeof key, "user-%d", i);
				assert_int_equal(kt_hll_add(h, key, (size_t)n), 0);
			}
		assert_int_equal(kt_hll_estimate(h), sizes[k]);
		kt_hll_free(h);
	}
	kt_hll_free(NULL);
}

static void test_hll_within_error(void **st)
{
	(void)st;
	static const int sizes[] = {1000, 10000, 100000, 1000000};
	for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
		kt_hll *h = kt_hll_new(), *half1 = kt_hll_new(), *half2 = kt_hll_new();
		for (int i = 0; i < sizes[k]; i++) {
			char key[32];
			int n = snprintf(key, sizeof key, "id-%d-x", i);
			kt_hll_add(h, key, (size_t)n);
			kt_hll_add(i % 2 ? half1 : half2, key, (size_t)n);
			if (i % 10 == 0)
				kt_hll_add(h, key, (size_t)n); /* duplicates change nothing */
		}
		double est = (double)kt_hll_estimate(h);
		if (fabs(est - sizes[k]) > 0.05 * sizes[k])
			fail_msg("%d distinct: estimate %.0f", sizes[k], est);
		assert_int_equal(kt_hll_merge(half1, half2), 0);
		assert_true(fabs((double)kt_hll_estimate(half1) - est) <= 0.01 * est + 1);
		kt_hll_free(h);
		kt_hll_free(half1);
		kt_hll_free(half2);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_welford_matches_two_pass),
		cmocka_unit_test(test_welford_large_values_tiny_spread),
		cmocka_unit_test(test_welford_edges_and_merge),
		cmocka_unit_test(test_sketch_uniform_normal_skewed),
		cmocka_unit_test(test_sketch_edges),
		cmocka_unit_test(test_sketch_merge),
		cmocka_unit_test(test_hll_exact_when_small),
		cmocka_unit_test(test_hll_within_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
