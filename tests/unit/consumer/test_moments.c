/* test_moments: moments against two-pass results and by-hand values; the
 * same bits in any order. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "consumer/moments.h"

/* Test data comes from this local splitmix64, not from the rng module. */
static uint64_t mix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double unit(uint64_t *x)
{
	return (double)(mix(x) >> 11) * 0x1.0p-53;
}

/* Exact reference: mean, then the sum of squared deviations from it. */
static void two_pass(const double *v, size_t n, double *mean, double *sd)
{
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	*mean = sum / (double)n;
	double m2 = 0;
	for (size_t i = 0; i < n; i++)
		m2 += (v[i] - *mean) * (v[i] - *mean);
	*sd = sqrt(m2 / (double)(n - 1));
}

static void assert_rel(double got, double want, double rel)
{
	if (!(fabs(got - want) <= rel * fabs(want)))
		fail_msg("got %.17g, want %.17g (relative %g)", got, want, rel);
}

static void test_empty_and_one(void **state)
{
	(void)state;
	kt_moments w;
	kt_moments_init(&w);
	assert_int_equal(w.count, 0);
	assert_true(isnan(kt_moments_variance(&w)));
	assert_true(isnan(kt_moments_stddev(&w)));
	kt_moments_add(&w, 3.5);
	assert_int_equal(w.count, 1);
	assert_true(kt_moments_mean(&w) == 3.5 && kt_moments_sum(&w) == 3.5 && w.min == 3.5 && w.max == 3.5);
	assert_true(isnan(kt_moments_variance(&w)));
	assert_true(isnan(kt_moments_stddev(&w)));
	kt_moments_add(&w, 5.5);
	/* {3.5, 5.5}: mean 4.5, sample variance (1 + 1) / 1 = 2. */
	assert_true(kt_moments_mean(&w) == 4.5);
	assert_true(kt_moments_variance(&w) == 2);
	assert_rel(kt_moments_stddev(&w), sqrt(2), 1e-15);
	/* Equal values: exactly 0, never NAN or negative. */
	kt_moments_init(&w);
	for (int i = 0; i < 10; i++)
		kt_moments_add(&w, 0.1);
	assert_true(kt_moments_stddev(&w) == 0.0);
}

static void test_vs_two_pass(void **state)
{
	(void)state;
	enum { N = 100000 };
	double *v = malloc(N * sizeof *v);
	assert_non_null(v);
	uint64_t x = 7;
	kt_moments w;
	kt_moments_init(&w);
	double lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < N; i++) {
		/* Skewed, of both signs: exponential-ish times a sign. */
		v[i] = -log(1 - unit(&x)) * 40 * (mix(&x) % 4 ? 1 : -1) + 17;
		kt_moments_add(&w, v[i]);
		lo = fmin(lo, v[i]);
		hi = fmax(hi, v[i]);
	}
	double mean, sd, sum = 0;
	two_pass(v, N, &mean, &sd);
	for (size_t i = 0; i < N; i++)
		sum += v[i];
	assert_int_equal(w.count, N);
	assert_rel(kt_moments_mean(&w), mean, 1e-12);
	assert_rel(kt_moments_stddev(&w), sd, 1e-12);
	assert_rel(kt_moments_sum(&w), sum, 1e-12);
	assert_true(w.min == lo && w.max == hi);
	free(v);
}

/* 1e9 + i/1000 for i < 1000: the spread is about 1e-3 * sqrt((1000^2 - 1)
 * / 12) = 0.289 while the squares are 1e18, so sum(x^2) - sum(x)^2 / n in
 * doubles loses every digit of the variance; the exact sums keep them, and
 * give the same bits in every order. */
static void test_large_offset(void **state)
{
	(void)state;
	enum { N = 1000 };
	double v[N], shifted[N];
	for (int i = 0; i < N; i++) {
		v[i] = 1e9 + i * 1e-3;
		/* x - 1e9 is exact (Sterbenz), so the shifted data's two-pass
		 * result is the spread of the doubles actually added (0.28882:
		 * rounding to steps of 2^-23 moved it from 0.28867). */
		shifted[i] = v[i] - 1e9;
	}
	double mean, sd;
	two_pass(shifted, N, &mean, &sd);
	assert_rel(sd, 1e-3 * sqrt((N * (double)N - 1) / 12), 1e-3); /* sanity */
	uint64_t x = 5;
	double first_sd = 0, first_mean = 0;
	for (int order = 0; order < 4; order++) {
		if (order > 0) /* shuffled (Fisher-Yates) */
			for (int i = N - 1; i > 0; i--) {
				int j = (int)(mix(&x) % (uint64_t)(i + 1));
				double t = v[i];
				v[i] = v[j];
				v[j] = t;
			}
		kt_moments w;
		kt_moments_init(&w);
		double sum = 0, sumsq = 0;
		for (int i = 0; i < N; i++) {
			kt_moments_add(&w, v[i]);
			sum += v[i];
			sumsq += v[i] * v[i];
		}
		double naive_var = (sumsq - sum * sum / N) / (N - 1);
		double naive = naive_var > 0 ? sqrt(naive_var) : 0;
		if (!(fabs(naive - sd) > 0.1 * sd))
			fail_msg("the naive formula should fail here: %g vs %g", naive, sd);
		/* (Welford's running mean, kept before, drifted by 4.7e-5
		 * relative in ascending order without a shift, and by up to
		 * 1e-15 between orders with one.) */
		assert_rel(kt_moments_stddev(&w), sd, 1e-12);
		assert_rel(kt_moments_mean(&w) - 1e9, mean, 1e-4);
		assert_true(w.min == 1e9 && w.max == 1e9 + (N - 1) * 1e-3);
		if (order == 0) {
			first_sd = kt_moments_stddev(&w);
			first_mean = kt_moments_mean(&w);
		}
		assert_memory_equal(&first_sd, &(double){kt_moments_stddev(&w)}, sizeof first_sd);
		assert_memory_equal(&first_mean, &(double){kt_moments_mean(&w)}, sizeof first_mean);
		kt_moments_release(&w);
	}
}

static void test_min_max_sum(void **state)
{
	(void)state;
	static const double v[] = {4, -2.5, 10, 0, -7.25, 3};
	kt_moments w;
	kt_moments_init(&w);
	for (size_t i = 0; i < sizeof v / sizeof *v; i++)
		kt_moments_add(&w, v[i]);
	/* By hand: sum 7.25, mean 7.25 / 6. */
	assert_true(w.min == -7.25 && w.max == 10);
	assert_true(kt_moments_sum(&w) == 7.25);
	assert_true(kt_moments_mean(&w) == 7.25 / 6);
	/* n sum(x^2) - sum(x)^2 = 6 * 183.8125 - 52.5625 = 1050.3125, exactly;
	 * over n (n - 1) = 30. */
	assert_true(kt_moments_variance(&w) == 1050.3125 / 30);
	assert_true(kt_moments_stddev(&w) == sqrt(1050.3125 / 30));
	/* Only negatives: min and max start from +-infinity correctly. */
	kt_moments_init(&w);
	kt_moments_add(&w, -5);
	kt_moments_add(&w, -3);
	assert_true(w.min == -5 && w.max == -3);

	/* Integers given exactly: 2^53 + 1 is no double, but its sum of
	 * three is the nearest double to 3 (2^53 + 1) (doubles would make it
	 * 3 * 2^53). */
	kt_moments_init(&w);
	for (int i = 0; i < 3; i++)
		assert_int_equal(kt_moments_add_int(&w, 0x1p53, (1LL << 53) + 1), 0);
	assert_true(kt_moments_sum(&w) == (double)(3 * ((1LL << 53) + 1)));
	assert_true(kt_moments_sum(&w) != 3 * 0x1p53);
	assert_true(kt_moments_variance(&w) == 0);
	assert_true(w.min == 0x1p53 && w.max == 0x1p53);
	kt_moments_add_int(&w, -0x1p63, INT64_MIN);
	assert_true(kt_moments_sum(&w) == (double)(3 * ((1LL << 53) + 1)) - 0x1p63);
	kt_moments_release(&w);
}

/* The stddev and variance of the n values v. */
static double stddev_of(const double *v, size_t n, double *variance)
{
	kt_moments w;
	kt_moments_init(&w);
	for (size_t i = 0; i < n; i++)
		kt_moments_add(&w, v[i]);
	double sd = kt_moments_stddev(&w);
	*variance = kt_moments_variance(&w);
	kt_moments_release(&w);
	return sd;
}

/* Values near the top of a double's range: their variance is beyond a
 * double, their stddev is not (was printed null). Expected values from
 * Python's decimal at 80 digits, rounded once: sqrt of the exact sample
 * variance. */
static void test_stddev_beyond_variance(void **state)
{
	(void)state;
	double var;
	assert_true(stddev_of((double[]){1e308, -1e308}, 2, &var) == 1.4142135623730951e+308);
	assert_true(isinf(var));
	assert_true(stddev_of((double[]){1.5e308, -1e308, 1e300}, 3, &var) ==
		    1.2583057385495254e+308);
	/* {x, -x, 0}: variance x^2, stddev x itself */
	assert_true(stddev_of((double[]){1.7e308, -1.7e308, 0}, 3, &var) == 1.7e308);
	/* a finite variance keeps its root as before */
	assert_true(stddev_of((double[]){1e150, -1e150}, 2, &var) == sqrt(var));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_one),
		cmocka_unit_test(test_vs_two_pass),
		cmocka_unit_test(test_large_offset),
		cmocka_unit_test(test_min_max_sum),
		cmocka_unit_test(test_stddev_beyond_variance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
