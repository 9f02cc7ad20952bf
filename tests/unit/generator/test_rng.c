/* test_rng: the seeded generator against reference outputs, and the
 * statistics of each draw against bounds computed from its parameters. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generator/rng.h"

#define N 100000

/* |got - want| within k standard errors of a mean of N draws. */
static void assert_mean(double got, double want, double stddev, double k)
{
	double tol = k * stddev / sqrt(N);
	if (fabs(got - want) > tol)
		fail_msg("mean %g, expected %g +- %g", got, want, tol);
}

/* A proportion of N draws within k standard errors of p. */
static void assert_share(long count, double p, double k)
{
	double got = (double)count / N, tol = k * sqrt(p * (1 - p) / N) + 1e-12;
	if (fabs(got - p) > tol)
		fail_msg("share %g, expected %g +- %g", got, p, tol);
}

static void test_xoshiro_reference(void **state)
{
	(void)state;
	/* xoshiro256** from state {1, 2, 3, 4}: the reference outputs. */
	kt_rng r = {.s = {1, 2, 3, 4}};
	const uint64_t want[] = {11520, 0, 1509978240, 1215971899390074240ULL};
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(kt_rng_next(&r), want[i]);
}

static void test_seed_splitmix(void **state)
{
	(void)state;
	/* The state is splitmix64's output from the seed: for seed 0 its
	 * well-known first words. */
	kt_rng r;
	kt_rng_seed(&r, 0);
	assert_int_equal(r.s[0], 0xe220a8397b1dcdafULL);
	assert_int_equal(r.s[1], 0x6e789e6aa1b965f4ULL);
	assert_int_equal(r.s[2], 0x06c45d188009454fULL);
	assert_int_equal(r.s[3], 0xf88bb8a8724c81ecULL);
}

static void test_same_seed_same_stream(void **state)
{
	(void)state;
	kt_rng a, b, c;
	kt_rng_seed(&a, 42);
	kt_rng_seed(&b, 42);
	kt_rng_seed(&c, 43);
	int differ = 0;
	for (int i = 0; i < 1000; i++) {
		/* mixed draws, so the normal's cached spare is covered too */
		assert_int_equal(kt_rng_next(&a), kt_rng_next(&b));
		double x = kt_rng_normal(&a, 0, 1), y = kt_rng_normal(&b, 0, 1);
		assert_memory_equal(&x, &y, sizeof x);
		char ua[37], ub[37];
		kt_rng_uuid(&a, ua);
		kt_rng_uuid(&b, ub);
		assert_string_equal(ua, ub);
		differ += kt_rng_next(&c) != kt_rng_next(&a);
		(void)kt_rng_next(&b);
	}
	assert_true(differ > 990);
	/* Reseeding restarts the stream, spare normal included. */
	kt_rng_seed(&a, 7);
	double first = kt_rng_normal(&a, 0, 1);
	kt_rng_seed(&a, 7);
	assert_true(kt_rng_normal(&a, 0, 1) == first);
}

static void test_system_seed(void **state)
{
	(void)state;
	uint64_t a = kt_rng_system_seed(), b = kt_rng_system_seed();
	assert_true(a != b); /* equal with probability 2^-64 */
}

static void test_uniform(void **state)
{
	(void)state;
	kt_rng r;
	kt_rng_seed(&r, 1);
	double sum = 0, sq = 0, lo = 1, hi = 0;
	long below_tenth = 0;
	for (int i = 0; i < N; i++) {
		double u = kt_rng_uniform(&r);
		assert_true(u >= 0 && u < 1);
		sum += u;
		sq += u * u;
		lo = fmin(lo, u);
		hi = fmax(hi, u);
		below_tenth += u < 0.1;
	}
	double mean = sum / N, var = sq / N - mean * mean;
	assert_mean(mean, 0.5, sqrt(1.0 / 12), 5);
	assert_true(fabs(var - 1.0 / 12) < 0.002);
	assert_share(below_tenth, 0.1, 5);
	assert_true(lo < 1e-3 && hi > 1 - 1e-3);
}

static void test_range(void **state)
{
	(void)state;
	kt_rng r;
	kt_rng_seed(&r, 2);
	long count[10] = {0};
	for (int i = 0; i < N; i++) {
		int64_t v = kt_rng_range(&r, -3, 6);
		assert_true(v >= -3 && v <= 6);
		count[v + 3]++;
	}
	/* Chi-square with 9 degrees of freedom: 27.9 is its 0.999 quantile. */
	double chi = 0, e = N / 10.0;
	for (int i = 0; i < 10; i++)
		chi += (count[i] - e) * (count[i] - e) / e;
	assert_true(chi < 27.9);
	assert_int_equal(kt_rng_range(&r, 5, 5), 5);
	/* The widest ranges do not overflow. */
	int neg = 0;
	for (int i = 0; i < 1000; i++) {
		int64_t v = kt_rng_range(&r, INT64_MIN, INT64_MAX);
		neg += v < 0;
		v = kt_rng_range(&r, INT64_MIN, 0);
		assert_true(v <= 0);
		v = kt_rng_range(&r, -1, INT64_MAX);
		assert_true(v >= -1);
	}
	assert_true(neg > 400 && neg < 600);
	assert_int_equal(kt_rng_range(&r, INT64_MAX, INT64_MAX), INT64_MAX);
}

static void test_normal(void **state)
{
	(void)state;
	const double mean = 300, sd = 80;
	kt_rng r;
	kt_rng_seed(&r, 3);
	double sum = 0, sq = 0;
	long within1 = 0, within2 = 0;
	for (int i = 0; i < N; i++) {
		double x = kt_rng_normal(&r, mean, sd);
		sum += x;
		sq += (x - mean) * (x - mean);
		within1 += fabs(x - mean) < sd;
		within2 += fabs(x - mean) < 2 * sd;
	}
	assert_mean(sum / N, mean, sd, 5);
	/* The sample variance's standard error is sd^2 * sqrt(2 / N). */
	double var = sq / N;
	assert_true(fabs(var - sd * sd) < 5 * sd * sd * sqrt(2.0 / N));
	assert_share(within1, erf(1 / sqrt(2)), 5);
	assert_share(within2, erf(2 / sqrt(2)), 5);
	/* stddev 0 is the mean itself */
	assert_true(kt_rng_normal(&r, 4.5, 0) == 4.5);
	assert_true(kt_rng_normal(&r, 4.5, 0) == 4.5);
}

/* H(n, s) = sum of k^-s, the zipf normaliser. */
static double harmonic(uint32_t n, double s)
{
	double h = 0;
	for (uint32_t k = n; k >= 1; k--) /* small terms first */
		h += pow(k, -s);
	return h;
}

static void check_zipf(uint32_t n, double s, uint64_t seed)
{
	kt_zipf z;
	assert_int_equal(kt_zipf_init(&z, n, s), 0);
	kt_rng r;
	kt_rng_seed(&r, seed);
	/* Every rank's share for small n (5.5 sigma: 1,000 ranks tested at
	 * once still fail by chance less than once in 10^4 runs), the first
	 * ranks' for large n. */
	uint32_t tracked = n < 1000 ? n : 10;
	long *seen = calloc(tracked + 1, sizeof *seen);
	assert_non_null(seen);
	for (int i = 0; i < N; i++) {
		uint32_t k = kt_zipf_draw(&z, &r);
		assert_true(k >= 1 && k <= n);
		if (k <= tracked)
			seen[k]++;
	}
	double h = harmonic(n, s);
	for (uint32_t k = 1; k <= tracked; k++)
		assert_share(seen[k], pow(k, -s) / h, 5.5);
	free(seen);
	/* Large n: the share of the ranks from n/1000 to n/10 and of the last
	 * half, the body and the tail a rejection sampler could get wrong. */
	if (n >= 100000) {
		kt_rng_seed(&r, seed + 100);
		long body = 0, tail = 0;
		for (int i = 0; i < N; i++) {
			uint32_t k = kt_zipf_draw(&z, &r);
			body += k >= n / 1000 && k < n / 10;
			tail += k > n / 2;
		}
		assert_share(body, (harmonic(n / 10 - 1, s) - harmonic(n / 1000 - 1, s)) / h, 5.5);
		assert_share(tail, (h - harmonic(n / 2, s)) / h, 5.5);
	}
	kt_zipf_release(&z);
}

static void test_zipf(void **state)
{
	(void)state;
	check_zipf(1000, 1.1, 4);
	check_zipf(5, 1.5, 5);
	check_zipf(200, 0.8, 6);
	check_zipf(1000000, 1.05, 7);
	/* Beyond KT_ZIPF_TABLE_MAX ranks, drawn without a table: s below,
	 * at and above 1, and the largest n a schema takes. */
	check_zipf(KT_ZIPF_TABLE_MAX + 1, 1.1, 9);
	check_zipf(200000, 0.8, 10);
	check_zipf(300000, 1.0, 11);
	check_zipf(10000000, 2.0, 12);
	check_zipf(10000000, 1.1, 13);
	check_zipf(10000000, 0.5, 14);
	/* n = 1 always gives 1 */
	kt_zipf z;
	kt_rng r;
	kt_rng_seed(&r, 8);
	assert_int_equal(kt_zipf_init(&z, 1, 2), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(kt_zipf_draw(&z, &r), 1);
	kt_zipf_release(&z);
	kt_zipf_release(&z); /* twice is harmless */
}

static void test_zipf_bad_parameters(void **state)
{
	(void)state;
	kt_zipf z;
	assert_int_equal(kt_zipf_init(&z, 0, 1), -1);
	assert_null(z.prob);
	assert_null(z.alias);
	assert_int_equal(kt_zipf_init(&z, 10, 0), -1);
	assert_int_equal(kt_zipf_init(&z, 10, -1), -1);
	assert_int_equal(kt_zipf_init(&z, 10, NAN), -1);
	assert_int_equal(kt_zipf_init(&z, 10, INFINITY), -1);
	kt_zipf_release(&z);
}

static int cmp_uuid(const void *a, const void *b)
{
	return memcmp(a, b, 36);
}

static void test_uuid(void **state)
{
	(void)state;
	kt_rng r;
	kt_rng_seed(&r, 9);
	char(*ids)[37] = malloc(N * sizeof *ids);
	assert_non_null(ids);
	long nibble_count[16] = {0};
	for (int i = 0; i < N; i++) {
		kt_rng_uuid(&r, ids[i]);
		const char *u = ids[i];
		assert_int_equal(strlen(u), 36);
		for (int j = 0; j < 36; j++) {
			if (j == 8 || j == 13 || j == 18 || j == 23) {
				assert_int_equal(u[j], '-');
				continue;
			}
			assert_non_null(strchr("0123456789abcdef", u[j]));
		}
		assert_int_equal(u[14], '4');                  /* version 4 */
		assert_non_null(strchr("89ab", u[19]));        /* RFC 4122 variant */
		const char *p = strchr("0123456789abcdef", u[0]);
		nibble_count[p - "0123456789abcdef"]++;
	}
	/* The random digits are uniform: the first one over 16 values. */
	for (int d = 0; d < 16; d++)
		assert_share(nibble_count[d], 1.0 / 16, 5);
	qsort(ids, N, sizeof *ids, cmp_uuid);
	for (int i = 1; i < N; i++)
		assert_true(memcmp(ids[i - 1], ids[i], 36) != 0);
	free(ids);
}

/* The UUID's text is its two draws in hex, printed here the slow, plain
 * way (snprintf) with the version and variant bits set: every digit
 * position, letters and digits, each of 16 values at each place. */
static void test_uuid_text(void **state)
{
	(void)state;
	kt_rng r, copy;
	kt_rng_seed(&r, 12345);
	kt_rng_seed(&copy, 12345);
	unsigned seen[32] = {0}; /* per hex position: a bit per value seen */
	for (int i = 0; i < N; i++) {
		char got[37], hex[33], want[37];
		memset(got, 'x', sizeof got);
		kt_rng_uuid(&r, got);
		uint64_t w0 = kt_rng_next(&copy), w1 = kt_rng_next(&copy);
		w0 = (w0 & ~0xf000ULL) | 0x4000ULL;
		w1 = (w1 & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
		snprintf(hex, sizeof hex, "%016llx%016llx", (unsigned long long)w0,
			 (unsigned long long)w1);
		snprintf(want, sizeof want, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
			 hex + 16, hex + 20);
		assert_string_equal(got, want);
		for (int j = 0; j < 32; j++)
			seen[j] |= 1u << (strchr("0123456789abcdef", hex[j]) - "0123456789abcdef");
	}
	for (int j = 0; j < 32; j++) {
		unsigned all = j == 12 ? 1u << 4 : j == 16 ? 0xf00u : 0xffffu;
		assert_int_equal(seen[j], all);
	}
	/* An all-zero state draws zeros: only the version and variant show. */
	kt_rng z = {.s = {0, 0, 0, 0}};
	char u[37];
	kt_rng_uuid(&z, u);
	assert_string_equal(u, "00000000-0000-4000-8000-000000000000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xoshiro_reference),
		cmocka_unit_test(test_seed_splitmix),
		cmocka_unit_test(test_same_seed_same_stream),
		cmocka_unit_test(test_system_seed),
		cmocka_unit_test(test_uniform),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_normal),
		cmocka_unit_test(test_zipf),
		cmocka_unit_test(test_zipf_bad_parameters),
		cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_uuid_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
