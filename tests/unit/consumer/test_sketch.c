/* test_sketch: quantile estimates against exact sorted data, within the
 * header's bound; edges, merge and memory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "consumer/sketch.h"

enum { N = 100000 };

/* Test data comes from this local splitmix64, not from the rng module. */
static uint64_t seed = 12345;

static uint64_t mix(void)
{
	uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in (0, 1]. */
static double unit(void)
{
	return (double)((mix() >> 11) + 1) * 0x1.0p-53;
}

/* Box-Muller. */
static double gauss(void)
{
	return sqrt(-2 * log(unit())) * cos(2 * M_PI * unit());
}

static int cmp(const void *p, const void *q)
{
	double a = *(const double *)p, b = *(const double *)q;
	return (a > b) - (a < b);
}

static const double QS[] = {0,    0.001, 0.01, 0.1,  0.25,  0.5, 0.75,
			    0.9,  0.95,  0.99, 0.999, 0.9999, 1};

/* The header's bound for the exact value x: alpha |x| for |x| in
 * [KT_SKETCH_MIN, KT_SKETCH_MAX] (plus a relative 1e-12 for the rounding of
 * log and exp at a bucket's edge); smaller values count as 0; larger ones
 * share the edge bucket, so their estimate lies between it and x. */
static void check_one(const kt_sketch *s, const double *sorted, size_t n, double q)
{
	double x = sorted[(size_t)floor(q * (double)(n - 1))];
	double v = kt_sketch_quantile(s, q);
	int ok;
	if (fabs(x) < KT_SKETCH_MIN)
		ok = fabs(v - x) < KT_SKETCH_MIN;
	else if (fabs(x) <= KT_SKETCH_MAX)
		ok = fabs(v - x) <= KT_SKETCH_ALPHA * fabs(x) * (1 + 1e-12);
	else
		ok = v * x > 0 && fabs(v) >= KT_SKETCH_MAX * (1 - KT_SKETCH_ALPHA) &&
		     fabs(v) <= fabs(x);
	if (!ok)
		fail_msg("q=%g of %zu: estimate %.17g, exact %.17g", q, n, v, x);
	/* The extremes are known exactly. */
	if (q == 0)
		assert_true(v == sorted[0]);
	if (q == 1)
		assert_true(v == sorted[n - 1]);
}

/* Sketch x[0..n), check every quantile of QS and a fine grid; sorts x. */
static void check_data(double *x, size_t n)
{
	kt_sketch s;
	kt_sketch_init(&s);
	for (size_t i = 0; i < n; i++)
		kt_sketch_add(&s, x[i]);
	assert_int_equal(s.count, n);
	assert_int_equal(s.dropped, 0);
	qsort(x, n, sizeof *x, cmp);
	for (size_t i = 0; i < sizeof QS / sizeof *QS; i++)
		check_one(&s, x, n, QS[i]);
	for (int i = 0; i <= 1000; i++)
		check_one(&s, x, n, i / 1000.0);
	kt_sketch_release(&s);
}

static double *data(void)
{
	double *x = malloc(N * sizeof *x);
	assert_non_null(x);
	return x;
}

/* The index mapping's definition, as sketch.h states it: kt_sketch_bucket
 * (no log() but near edges) must agree with it for every magnitude. */
static int oracle_bucket(double m)
{
	if (m > KT_SKETCH_MAX)
		m = KT_SKETCH_MAX;
	return (int)ceil(log(m) / log((1 + KT_SKETCH_ALPHA) / (1 - KT_SKETCH_ALPHA)));
}

static void same_bucket(double m)
{
	int want = kt_sketch_bucket_log(m), got = kt_sketch_bucket(m);
	if (want != got)
		fail_msg("bucket of %a: %d, log() says %d", m, got, want);
}

/* m and the doubles up to n steps either side of it. */
static void same_around(double m, int n)
{
	double lo = m, hi = m;
	same_bucket(m);
	for (int i = 0; i < n; i++) {
		lo = nextafter(lo, 0);
		hi = nextafter(hi, INFINITY);
		if (lo >= KT_SKETCH_MIN)
			same_bucket(lo);
		same_bucket(hi);
	}
}

/* The smallest double in bucket i (KT_SKETCH_MIN's bucket < i <= KT_SKETCH_MAX's)
 * by the formula, found by bisection over the doubles' bit patterns,
 * ordered as the values are for positive doubles. */
static double bucket_edge(int i)
{
	double min = KT_SKETCH_MIN, max = KT_SKETCH_MAX, edge;
	uint64_t lo, hi; /* formula(lo) < i <= formula(hi) */
	memcpy(&lo, &min, 8);
	memcpy(&hi, &max, 8);
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		double m;
		memcpy(&m, &mid, 8);
		if (kt_sketch_bucket_log(m) < i)
			lo = mid;
		else
			hi = mid;
	}
	memcpy(&edge, &hi, 8);
	return edge;
}

static void test_bucket_mapping(void **state)
{
	(void)state;
	const double gamma = (1 + KT_SKETCH_ALPHA) / (1 - KT_SKETCH_ALPHA);
	/* kt_sketch_bucket_log is the formula as the sketch always had it
	 * (its constant for log(gamma) included). */
	for (double m = KT_SKETCH_MIN; m < KT_SKETCH_MAX; m *= 1.37)
		assert_int_equal(kt_sketch_bucket_log(m), oracle_bucket(m));
	/* Edges: the ends of the range, powers of two and of gamma, the
	 * values the bench and the templates draw. */
	same_around(KT_SKETCH_MIN, 64);
	same_around(KT_SKETCH_MAX, 64);
	same_bucket(INFINITY);
	same_bucket(DBL_MAX);
	assert_int_equal(kt_sketch_bucket(INFINITY), kt_sketch_bucket(KT_SKETCH_MAX));
	for (int e = -30; e <= 64; e++)
		same_around(ldexp(1, e), 8);
	for (double g = KT_SKETCH_MIN; g < 2 * KT_SKETCH_MAX; g *= gamma)
		same_around(g, 8);
	for (int i = 1; i <= 100000; i++) {
		same_bucket(i);
		same_bucket(i / 100.0);
	}
	/* Every edge itself: the smallest double in each bucket, found by
	 * bisection over the doubles' bit patterns (ordered as the values
	 * are, for positive doubles) with the formula, and its neighbours. */
	uint64_t lo_bits, hi_bits; /* the range's ends' bit patterns */
	double min = KT_SKETCH_MIN, max = KT_SKETCH_MAX;
	memcpy(&lo_bits, &min, 8);
	memcpy(&hi_bits, &max, 8);
	int first = kt_sketch_bucket_log(min), last = kt_sketch_bucket_log(max);
	int edges = 0;
	for (int i = first + 1; i <= last; i++) {
		same_around(bucket_edge(i), 16);
		edges++;
	}
	assert_int_equal(edges, last - first);
	/* Random doubles: bit patterns uniform over the range's exponents,
	 * and log-uniform magnitudes (from a seed of their own: the other
	 * tests' data stays what it was). */
	uint64_t saved = seed;
	seed = 777;
	for (int n = 0; n < 1000000; n++) {
		uint64_t bits = lo_bits + mix() % (hi_bits - lo_bits + 1);
		double m;
		memcpy(&m, &bits, 8);
		same_bucket(m);
		same_bucket(exp(log(KT_SKETCH_MIN) + unit() * (log(KT_SKETCH_MAX) - log(KT_SKETCH_MIN))));
	}
	seed = saved;
}

/* Zeros, subnormals, values below KT_SKETCH_MIN and negatives as
 * kt_sketch_add takes them: the first ones count as zeros, negatives by
 * their magnitude's bucket. */
static void test_bucket_edges_in_sketch(void **state)
{
	(void)state;
	kt_sketch s;
	kt_sketch_init(&s);
	const double small[] = {0.0, -0.0, 0x1p-1074, -0x1p-1074, 0x1p-1022, 1e-10,
				-1e-10, 0.999999 * KT_SKETCH_MIN};
	for (size_t i = 0; i < sizeof small / sizeof *small; i++)
		assert_int_equal(kt_sketch_add(&s, small[i]), 0);
	assert_int_equal(s.zeros, 8);
	assert_int_equal(kt_sketch_add(&s, -KT_SKETCH_MIN), 0);
	assert_int_equal(kt_sketch_add(&s, -3.5), 0);
	assert_int_equal(kt_sketch_add(&s, -INFINITY), 0);
	assert_int_equal(s.zeros, 8);
	assert_int_equal(s.neg.n, 3);
	assert_int_equal(s.pos.n, 0);
	/* The negatives' buckets are their magnitudes', ascending. */
	const int16_t *keys = s.neg.mem;
	assert_int_equal(keys[0], oracle_bucket(KT_SKETCH_MIN));
	assert_int_equal(keys[1], oracle_bucket(3.5));
	assert_int_equal(keys[2], oracle_bucket(KT_SKETCH_MAX));
	kt_sketch_release(&s);
}

static void test_uniform(void **state)
{
	(void)state;
	double *x = data();
	for (size_t i = 0; i < N; i++)
		x[i] = 1000 * unit();
	check_data(x, N);
	/* Across zero, with 5 % exact zeros. */
	for (size_t i = 0; i < N; i++)
		x[i] = i % 20 == 0 ? 0 : -1000 + 2000 * unit();
	check_data(x, N);
	free(x);
}

static void test_normal(void **state)
{
	(void)state;
	double *x = data();
	for (size_t i = 0; i < N; i++)
		x[i] = 100 + 15 * gauss();
	check_data(x, N);
	/* Centred on 0: half negative; and a narrow one far from 0. */
	for (size_t i = 0; i < N; i++)
		x[i] = 50 * gauss();
	check_data(x, N);
	for (size_t i = 0; i < N; i++)
		x[i] = 1e6 + gauss();
	check_data(x, N);
	free(x);
}

static void test_skewed(void **state)
{
	(void)state;
	double *x = data();
	/* Lognormal with a heavy right tail (1e-6 .. 1e7). */
	for (size_t i = 0; i < N; i++)
		x[i] = exp(1 + 2.5 * gauss());
	check_data(x, N);
	/* Pareto (alpha 1.1, up to ~1e14), a tenth of it negated, zeros. */
	for (size_t i = 0; i < N; i++) {
		double v = pow(unit(), -1 / 1.1);
		x[i] = i % 13 == 0 ? 0 : i % 10 == 0 ? -v : v;
	}
	check_data(x, N);
	/* Only negatives: exponential latencies turned around. */
	for (size_t i = 0; i < N; i++)
		x[i] = 20 * log(unit()) - 1;
	check_data(x, N);
	free(x);
}

/* Small sets of widely spread values (sparse stores), every size from 1. */
static void test_small_sets(void **state)
{
	(void)state;
	double x[300];
	for (size_t n = 1; n <= 300; n += n < 20 ? 1 : 37) {
		for (size_t i = 0; i < n; i++) {
			double v = exp(4 * gauss()); /* 1e-7 .. 1e7 */
			x[i] = i % 5 == 0 ? -v : i % 11 == 0 ? 0 : v;
		}
		check_data(x, n);
	}
}

/* Integer data: estimates below 50 in magnitude are exact. */
static void test_integers(void **state)
{
	(void)state;
	double *x = data();
	for (size_t i = 0; i < N; i++)
		x[i] = (double)(int)(mix() % 101) - 50; /* -50 .. 50 */
	kt_sketch s;
	kt_sketch_init(&s);
	for (size_t i = 0; i < N; i++)
		kt_sketch_add(&s, x[i]);
	qsort(x, N, sizeof *x, cmp);
	for (int i = 0; i <= 1000; i++) {
		double q = i / 1000.0, exact = x[(size_t)floor(q * (N - 1))];
		double v = kt_sketch_quantile(&s, q);
		if (fabs(exact) < 50 && v != exact)
			fail_msg("q=%g: estimate %.17g, exact %g", q, v, exact);
		check_one(&s, x, N, q);
	}
	kt_sketch_release(&s);
	free(x);
}

/* Values below 1e-9 in magnitude are counted as zeros. */
static void test_tiny(void **state)
{
	(void)state;
	kt_sketch s;
	kt_sketch_init(&s);
	kt_sketch_add(&s, 1e-12);
	kt_sketch_add(&s, -1e-12);
	kt_sketch_add(&s, 0);
	kt_sketch_add(&s, 5);
	assert_int_equal(s.zeros, 3);
	assert_int_equal(s.count, 4);
	assert_int_equal(s.neg.n, 0);
	/* Sorted: -1e-12, 0, 1e-12, 5. q = 0.5 is k = floor(1.5) = 1. */
	assert_true(kt_sketch_quantile(&s, 0.5) == 0);
	assert_true(fabs(kt_sketch_quantile(&s, 0.6)) < 1e-9); /* k = 1 */
	assert_true(kt_sketch_quantile(&s, 0) == -1e-12);
	assert_true(kt_sketch_quantile(&s, 1) == 5);
	kt_sketch_release(&s);

	/* Mixed into a large set: the bound holds for the rest. */
	double *x = data();
	for (size_t i = 0; i < N; i++)
		x[i] = i % 4 == 0 ? 1e-12 * unit() : 1 + 99 * unit();
	check_data(x, N);
	free(x);
}

/* Values beyond KT_SKETCH_MAX (2^64, about 1.8e19) share the edge bucket;
 * the rest keep their bound and the exact max is returned for q = 1. */
static void test_huge(void **state)
{
	(void)state;
	kt_sketch s;
	kt_sketch_init(&s);
	kt_sketch_add(&s, 1e24);
	assert_true(kt_sketch_quantile(&s, 0.5) == 1e24); /* one value: exact */
	kt_sketch_add(&s, 1e22);
	kt_sketch_add(&s, -1e23);
	for (int i = 1; i <= 97; i++)
		kt_sketch_add(&s, i);
	/* Sorted: -1e23, 1 .. 97, 1e22, 1e24 (100 values). */
	assert_true(kt_sketch_quantile(&s, 1) == 1e24);
	assert_true(kt_sketch_quantile(&s, 0) == -1e23);
	double v = kt_sketch_quantile(&s, 0.99); /* k = 98: 1e22 */
	assert_true(v >= KT_SKETCH_MAX * (1 - KT_SKETCH_ALPHA) && v <= 1e22);
	v = kt_sketch_quantile(&s, 0.5); /* k = 49: the value 49 */
	assert_true(v == 49);
	kt_sketch_release(&s);

	/* Within the range, large values keep the bound: 1e18 .. 1.8e19
	 * (epoch nanoseconds, 64-bit counters). */
	double *x = data();
	for (size_t i = 0; i < N; i++)
		x[i] = i % 50 == 0 ? 1e24 * unit() + 1e20 : i % 51 == 0 ? -1e21
		     : i % 3 ? 1e18 + 1.7e19 * unit() : 10 * unit();
	check_data(x, N);
	free(x);
}

static void test_empty(void **state)
{
	(void)state;
	kt_sketch s;
	kt_sketch_init(&s);
	for (size_t i = 0; i < sizeof QS / sizeof *QS; i++)
		assert_true(isnan(kt_sketch_quantile(&s, QS[i])));
	assert_int_equal(s.count, 0);
	kt_sketch_add(&s, 3.25);
	/* q outside [0, 1] is no quantile. */
	assert_true(isnan(kt_sketch_quantile(&s, -0.1)));
	assert_true(isnan(kt_sketch_quantile(&s, 1.5)));
	assert_true(isnan(kt_sketch_quantile(&s, NAN)));
	assert_true(kt_sketch_quantile(&s, 0.5) == 3.25);
	/* Released: empty again, and reusable. */
	kt_sketch_release(&s);
	assert_int_equal(s.count, 0);
	assert_true(isnan(kt_sketch_quantile(&s, 0.5)));
	kt_sketch_add(&s, 7);
	assert_true(kt_sketch_quantile(&s, 0.5) == 7);
	kt_sketch_release(&s);
}

/* Merging parts gives the very sketch of the whole: the same quantiles. */
static void test_merge(void **state)
{
	(void)state;
	kt_sketch all, part[4], merged;
	kt_sketch_init(&all);
	kt_sketch_init(&merged);
	for (int p = 0; p < 4; p++)
		kt_sketch_init(&part[p]);
	double *x = data();
	for (size_t i = 0; i < N; i++) {
		/* Parts of different shapes: small integers (sparse), a wide
		 * lognormal (dense), negatives, fractions with zeros. */
		int p = (int)(i % 4);
		double v = p == 0 ? (double)(i % 7)
			 : p == 1 ? exp(3 * gauss())
			 : p == 2 ? -exp(2 * gauss())
				  : (i % 3 ? unit() : 0);
		x[i] = v;
		kt_sketch_add(&all, v);
		kt_sketch_add(&part[p], v);
	}
	kt_sketch empty;
	kt_sketch_init(&empty);
	assert_int_equal(kt_sketch_merge(&merged, &empty), 0);
	assert_int_equal(merged.count, 0);
	for (int p = 0; p < 4; p++)
		assert_int_equal(kt_sketch_merge(&merged, &part[p]), 0);
	assert_int_equal(kt_sketch_merge(&merged, &empty), 0);
	assert_int_equal(merged.count, N);
	assert_int_equal(merged.zeros, all.zeros);
	assert_true(merged.min == all.min && merged.max == all.max);
	for (int i = 0; i <= 1000; i++) {
		double q = i / 1000.0;
		if (kt_sketch_quantile(&merged, q) != kt_sketch_quantile(&all, q))
			fail_msg("q=%g: merged %.17g, whole %.17g", q,
				 kt_sketch_quantile(&merged, q), kt_sketch_quantile(&all, q));
	}
	/* And both within the bound of the exact data. */
	qsort(x, N, sizeof *x, cmp);
	for (size_t i = 0; i < sizeof QS / sizeof *QS; i++)
		check_one(&merged, x, N, QS[i]);
	/* The sources are left as they were. */
	assert_int_equal(part[1].count, N / 4);
	kt_sketch_release(&merged);
	kt_sketch_release(&all);
	for (int p = 0; p < 4; p++)
		kt_sketch_release(&part[p]);
	kt_sketch_release(&empty);
	free(x);
}

/* Merging into itself doubles every count. */
static void test_merge_self(void **state)
{
	(void)state;
	kt_sketch s, twice;
	kt_sketch_init(&s);
	kt_sketch_init(&twice);
	for (int i = 1; i <= 1000; i++) {
		kt_sketch_add(&s, i * 1.5);
		kt_sketch_add(&twice, i * 1.5);
		kt_sketch_add(&twice, i * 1.5);
	}
	assert_int_equal(kt_sketch_merge(&s, &s), 0);
	assert_int_equal(s.count, 2000);
	for (int i = 0; i <= 100; i++)
		assert_true(kt_sketch_quantile(&s, i / 100.0) ==
			    kt_sketch_quantile(&twice, i / 100.0));
	kt_sketch_release(&s);
	kt_sketch_release(&twice);
}

/* NAN is refused; infinities are values beyond the range. */
static void test_nan_and_infinity(void **state)
{
	(void)state;
	kt_sketch s;
	kt_sketch_init(&s);
	assert_int_equal(kt_sketch_add(&s, NAN), -1);
	assert_int_equal(s.count, 0);
	assert_true(isnan(kt_sketch_quantile(&s, 0.5)));
	assert_int_equal(kt_sketch_add(&s, INFINITY), 0);
	assert_int_equal(kt_sketch_add(&s, -INFINITY), 0);
	for (int i = 1; i <= 8; i++)
		assert_int_equal(kt_sketch_add(&s, i), 0);
	assert_int_equal(s.count, 10);
	assert_true(kt_sketch_quantile(&s, 0) == -INFINITY);
	assert_true(kt_sketch_quantile(&s, 1) == INFINITY);
	/* Sorted: -inf, 1 .. 8, inf; q = 0.5 is k = 4, the value 4. */
	assert_true(kt_sketch_quantile(&s, 0.5) == 4);
	kt_sketch_release(&s);
}

/* Counters start one byte wide and widen as a bucket's count outgrows
 * them: 255, 65,535 and 2^32 - 1 values. */
static void test_counter_widths(void **state)
{
	(void)state;
	kt_sketch s;
	kt_sketch_init(&s);
	for (int i = 0; i < 255; i++)
		kt_sketch_add(&s, 1000.5);
	kt_sketch_add(&s, 2000.5);
	kt_sketch_add(&s, -3000.5);
	assert_int_equal(s.pos.width, 1);
	assert_int_equal(s.neg.width, 1);
	kt_sketch_add(&s, 1000.5); /* the 256th in one bucket */
	assert_int_equal(s.pos.width, 2);
	assert_int_equal(s.neg.width, 1);
	for (int i = 0; i < 65535 - 256; i++)
		kt_sketch_add(&s, 1000.5);
	assert_int_equal(s.pos.width, 2);
	kt_sketch_add(&s, 1000.5);
	assert_int_equal(s.pos.width, 4);
	/* 65,536 values of 1000.5, then 2000.5: the 65,537th smallest (k =
	 * 65,537 of 65,538) is 2000.5, the one before 1000.5. */
	assert_int_equal(s.count, 65538);
	double q = 65536.0 / 65537.0;
	assert_true(fabs(kt_sketch_quantile(&s, q) - 1000.5) <= 0.01 * 1000.5);
	assert_true(kt_sketch_quantile(&s, 1) == 2000.5);
	assert_true(kt_sketch_quantile(&s, 0) == -3000.5);

	/* Past 2^32 in a bucket by merging the sketch into itself. */
	for (int i = 0; i < 16; i++)
		assert_int_equal(kt_sketch_merge(&s, &s), 0);
	assert_int_equal(s.pos.width, 8);
	assert_int_equal(s.neg.width, 4); /* 65,536: one past 2 bytes */
	assert_int_equal(s.count, 65538ULL << 16);
	/* Each value 65,536 times over: same shape, same answers. */
	assert_true(fabs(kt_sketch_quantile(&s, 0.5) - 1000.5) <= 0.01 * 1000.5);
	assert_true(fabs(kt_sketch_quantile(&s, 0.99999) - 2000.5) <= 0.01 * 2000.5);
	assert_true(fabs(kt_sketch_quantile(&s, 1e-6) + 3000.5) <= 0.01 * 3000.5);
	kt_sketch_release(&s);
}

/* A value drifting upwards (a counter, a clock) widens the dense run at
 * its top over and over; the bound holds all along and the run stays
 * within the used span plus its 1/8 slack. */
static void test_drift(void **state)
{
	(void)state;
	double *x = data();
	kt_sketch s;
	kt_sketch_init(&s);
	for (size_t i = 0; i < N; i++) {
		x[i] = 1000 + (double)i * 37.5;
		kt_sketch_add(&s, x[i]);
		if (i % 10000 == 9999) {
			double v = kt_sketch_quantile(&s, 0.5);
			double exact = x[(size_t)floor(0.5 * (double)i)];
			assert_true(fabs(v - exact) <= 0.01 * exact * (1 + 1e-12));
		}
	}
	assert_true(s.pos.dense);
	/* ln(3.75e6 / 1000) / ln(1.01 / 0.99) = 412 buckets */
	int used = (int)ceil(log(x[N - 1]) / log(1.01 / 0.99)) -
		   (int)ceil(log(1000) / log(1.01 / 0.99)) + 1;
	assert_true(s.pos.n >= used && s.pos.n <= used + used / 8 + 1);
	check_data(x, N);
	kt_sketch_release(&s);
	free(x);
}

/* Every interior rank's estimate is the representative of the bucket its
 * exact value falls in (by oracle_bucket, clamped to the extremes): which
 * holds only when every bucket counts exactly its values. Sorts x. */
static void check_buckets(const kt_sketch *s, double *x, size_t n)
{
	qsort(x, n, sizeof *x, cmp);
	double gamma = (1 + KT_SKETCH_ALPHA) / (1 - KT_SKETCH_ALPHA);
	for (size_t k = 1; k + 1 < n; k++) {
		double want = exp(oracle_bucket(x[k]) * log(gamma)) * 2 / (gamma + 1);
		want = want < x[0] ? x[0] : want > x[n - 1] ? x[n - 1] : want;
		double got = kt_sketch_quantile(s, ((double)k + 0.5) / (double)(n - 1));
		if (fabs(got - want) > 1e-12 * want)
			fail_msg("rank %zu of %zu (%.17g): estimate %.17g, its bucket's %.17g", k,
				 n, x[k], got, want);
	}
}

static double cents(void)
{
	double v = round((50 + 15 * gauss()) * 100) / 100;
	return v < 1 ? 1 : v;
}

/* A busy group's window: tens of values over a hundred buckets, a few in
 * each. Its dense run holds 4-bit counters, two a byte, until a bucket
 * counts 16; every count stays exact through the change, a merge and the
 * partials' encoding. */
static void test_nibble_counters(void **state)
{
	(void)state;
	enum { VALUES = 40, MORE = 20 };
	double x[2 * (VALUES + MORE)];
	kt_sketch s, other;
	kt_sketch_init(&s);
	kt_sketch_init(&other);
	for (size_t i = 0; i < VALUES; i++)
		kt_sketch_add(&s, x[i] = cents());
	assert_true(s.pos.dense);
	assert_int_equal(s.pos.width, 0);
	assert_int_equal(kt_sketch_bytes(&s), 80 + (s.pos.n + 1) / 2u);
	double sorted[2 * (VALUES + MORE)];
	memcpy(sorted, x, VALUES * sizeof *x);
	check_buckets(&s, sorted, VALUES);

	/* 16 and more in one bucket: whole bytes, the same buckets. */
	for (size_t i = VALUES; i < VALUES + MORE; i++)
		kt_sketch_add(&s, x[i] = 50.25);
	assert_true(s.pos.dense);
	assert_int_equal(s.pos.width, 1);
	assert_int_equal(kt_sketch_bytes(&s), 80 + s.pos.n);
	memcpy(sorted, x, (VALUES + MORE) * sizeof *x);
	check_buckets(&s, sorted, VALUES + MORE);

	/* A nibble sketch merged into it, and the sum through the wire. */
	for (size_t i = VALUES + MORE; i < 2 * VALUES + MORE; i++)
		kt_sketch_add(&other, x[i] = cents());
	assert_int_equal(other.pos.width, 0);
	assert_int_equal(kt_sketch_merge(&s, &other), 0);
	kt_wire_buf b;
	kt_wire_buf_init(&b);
	kt_sketch_encode(&other, &b);
	kt_sketch_encode(&s, &b);
	kt_wire_reader r;
	kt_wire_reader_init(&r, b.data, b.len);
	kt_sketch back, sum;
	assert_int_equal(kt_sketch_decode(&back, &r), 0);
	assert_int_equal(kt_sketch_decode(&sum, &r), 0);
	memcpy(sorted, x + VALUES + MORE, VALUES * sizeof *x);
	check_buckets(&back, sorted, VALUES);
	memcpy(sorted, x, (2 * VALUES + MORE) * sizeof *x);
	check_buckets(&sum, sorted, 2 * VALUES + MORE);
	memcpy(sorted, x, (2 * VALUES + MORE) * sizeof *x);
	check_buckets(&s, sorted, 2 * VALUES + MORE);
	kt_wire_buf_release(&b);
	kt_sketch_release(&back);
	kt_sketch_release(&sum);
	kt_sketch_release(&other);
	kt_sketch_release(&s);
}

/* Bytes for n values drawn from draw(), in a fresh sketch. */
static size_t bytes_for(size_t n, double (*draw)(void))
{
	kt_sketch s;
	kt_sketch_init(&s);
	for (size_t i = 0; i < n; i++)
		kt_sketch_add(&s, draw());
	size_t b = kt_sketch_bytes(&s);
	kt_sketch_release(&s);
	return b;
}

static double price(void)
{
	return 1 + 999 * unit();
}

static double whole_range(void)
{
	/* magnitudes 1e-9 .. 2^64, both signs */
	double v = KT_SKETCH_MIN * pow(KT_SKETCH_MAX / KT_SKETCH_MIN, unit());
	return mix() & 1 ? v : -v;
}

/* A sketch grows with the spread of its values, not their number, with the
 * sizes the header gives. */
static void test_memory(void **state)
{
	(void)state;
	kt_sketch s;
	kt_sketch_init(&s);
	assert_int_equal(kt_sketch_bytes(&s), 80);
	assert_int_equal(sizeof s, 80);
	kt_sketch_add(&s, 0);
	kt_sketch_add(&s, 1e-10);
	assert_int_equal(kt_sketch_bytes(&s), 80); /* zeros take no room */
	assert_null(s.pos.mem);
	/* Two far-apart values: sparse, 4 slots of 3 bytes. */
	kt_sketch_add(&s, 1);
	kt_sketch_add(&s, 1e6);
	assert_false(s.pos.dense);
	assert_int_equal(kt_sketch_bytes(&s), 80 + 4 * 3);
	kt_sketch_release(&s);
	assert_int_equal(kt_sketch_bytes(&s), 80);
	assert_null(s.pos.mem);

	/* 20 distinct values, 1 .. 20 (each a bucket of its own: more than
	 * 2 % apart), 5,000 times each: sparse, 20 buckets in at most 32
	 * slots, whatever the number of values; and exact (integers). */
	for (int r = 0; r < 5000; r++)
		for (int i = 1; i <= 20; i++)
			kt_sketch_add(&s, i);
	assert_false(s.pos.dense);
	assert_int_equal(s.pos.n, 20);
	assert_true(s.pos.cap <= 32);
	assert_null(s.neg.mem);
	assert_true(kt_sketch_bytes(&s) <= 80 + 32 * (2 + (size_t)s.pos.width));
	for (int i = 0; i <= 100; i++) {
		/* sorted, the k-th value is 1 + k / 5000 */
		uint64_t k = (uint64_t)floor(i / 100.0 * 99999);
		assert_true(kt_sketch_quantile(&s, i / 100.0) == (double)(1 + k / 5000));
	}
	kt_sketch_release(&s);

	/* 50 prices from 1 to 1000 (a small group's window): sparse pairs,
	 * at most 64 of 3 bytes, under a dense run's 347. */
	assert_true(bytes_for(50, price) <= 80 + 64 * 3);
	/* A million: dense, 347 buckets of 2 bytes (each holds ~2,900),
	 * plus at most 1/8 slack. */
	size_t b = bytes_for(1000000, price);
	assert_true(b >= 80 + 347 * 2 && b <= 80 + (347 + 347 / 8 + 1) * 2);

	/* Every integer 1 .. 1000 once: below 50 each its own bucket, above
	 * several per bucket. Dense over ceil(ln(1000) / ln(1.01 / 0.99)) + 1
	 * = 347 buckets of 1 byte, plus slack. */
	for (int i = 1; i <= 1000; i++)
		kt_sketch_add(&s, i);
	assert_true(s.pos.dense && s.pos.width == 1);
	assert_true(s.pos.base <= 0 && s.pos.base + s.pos.n - 1 >= 346);
	assert_true(s.pos.n <= 347 + 347 / 8 + 1);
	kt_sketch_release(&s);

	/* The hard cap: the whole range on both signs is 3,255 buckets per
	 * sign; with up to 2^32 - 1 values a bucket, 4 bytes each, 26 KB. */
	for (size_t i = 0; i < 4 * N; i++)
		kt_sketch_add(&s, whole_range());
	kt_sketch_add(&s, KT_SKETCH_MIN);
	kt_sketch_add(&s, KT_SKETCH_MAX);
	kt_sketch_add(&s, -KT_SKETCH_MIN);
	kt_sketch_add(&s, -1e300);
	assert_true(s.pos.dense && s.neg.dense);
	assert_int_equal(s.pos.n, 3255);
	assert_int_equal(s.neg.n, 3255);
	for (int i = 0; i < 14; i++) /* 400,000 values: ~60 a bucket, x 2^14 */
		assert_int_equal(kt_sketch_merge(&s, &s), 0);
	assert_int_equal(s.pos.width, 4);
	assert_true(kt_sketch_bytes(&s) == 80 + 2 * 3255 * 4);
	kt_sketch_release(&s);
}

/* The count a store holds for bucket idx, read from its layout (sketch.h):
 * the test's own reading, not the sketch's. */
static uint64_t count_at(const kt_sketch_store *st, int idx)
{
	const unsigned char *c = st->mem;
	size_t i;
	if (!st->mem)
		return 0;
	if (st->dense) {
		if (idx < st->base || idx >= st->base + st->n)
			return 0;
		i = (size_t)(idx - st->base);
	} else {
		const int16_t *keys = st->mem;
		for (i = 0; i < st->n && keys[i] != idx; i++)
			;
		if (i == st->n)
			return 0;
		c += 2 * (size_t)st->cap;
	}
	uint64_t v = 0;
	switch (st->width) {
	case 0:
		return c[i / 2] >> (i % 2 * 4) & 15;
	case 1:
		return c[i];
	default:
		memcpy(&v, c + i * st->width, st->width); /* little-endian */
		return v;
	}
}

/* Two sketches fed the same values by different paths are the same: the
 * counts, the extremes, every bucket (through their encodings) and the
 * stores' shapes. */
static void same_sketch(const kt_sketch *a, const kt_sketch *b)
{
	kt_wire_buf ea, eb;
	kt_wire_buf_init(&ea);
	kt_wire_buf_init(&eb);
	kt_sketch_encode(a, &ea);
	kt_sketch_encode(b, &eb);
	assert_false(ea.failed || eb.failed);
	assert_int_equal(ea.len, eb.len);
	assert_memory_equal(ea.data, eb.data, ea.len);
	kt_wire_buf_release(&ea);
	kt_wire_buf_release(&eb);
	const kt_sketch_store *sa[2] = {&a->pos, &a->neg}, *sb[2] = {&b->pos, &b->neg};
	for (int i = 0; i < 2; i++) {
		assert_int_equal(sa[i]->dense, sb[i]->dense);
		assert_int_equal(sa[i]->width, sb[i]->width);
		assert_int_equal(sa[i]->n, sb[i]->n);
		assert_int_equal(sa[i]->base, sb[i]->base);
	}
	assert_int_equal(a->fractional, b->fractional);
}

/* The memo's slot holding magnitude m, or -1. */
static int memo_slot_of(const kt_sketch_memo *memo, double m)
{
	uint64_t bits;
	memcpy(&bits, &m, sizeof bits);
	for (int i = 0; i < 1 << KT_SKETCH_MEMO_BITS; i++)
		if (memo->key[i] == ~bits)
			return i;
	return -1;
}

/* x through the memo (as the window adds) and without it, into two
 * sketches that must stay the same; and what the memo then holds for
 * |x| is the formula's bucket. */
static void add_both(kt_sketch *plain, kt_sketch *memoed, kt_sketch_memo *memo, double x)
{
	int want = kt_sketch_add(plain, x);
	assert_int_equal(kt_sketch_add_memo(memoed, x, memo), want);
	double m = fabs(x);
	int slot = memo_slot_of(memo, m);
	if (isnan(x) || m < KT_SKETCH_MIN) {
		assert_int_equal(slot, -1); /* never remembered */
	} else {
		assert_true(slot >= 0);
		int code = memo->code[slot];
		if (code >> 1 != kt_sketch_bucket_log(m))
			fail_msg("memo holds bucket %d for %a, log() says %d", code >> 1, m,
				 kt_sketch_bucket_log(m));
		assert_int_equal(code & 1, m < 64 && m != floor(m));
	}
}

/* Values added through a memo land where kt_sketch_add puts them, on a
 * miss (the first time) and on a hit (the second): bucket edges and their
 * neighbours, the ends of the range, zeros and what counts as zero,
 * negatives after positives of the same magnitude, NAN; integers and
 * cents as the bench repeats them; random doubles. */
static void test_memo(void **state)
{
	(void)state;
	kt_sketch plain, memoed;
	kt_sketch_init(&plain);
	kt_sketch_init(&memoed);
	kt_sketch_memo memo = {0};
	/* An empty memo: 0 (an empty slot's key is ~0, not 0's bits) and the
	 * other zeros are zeros, not a hit on an empty slot. */
	const double zeros[] = {0.0, -0.0, 0x1p-1074, 1e-10, 0.999999 * KT_SKETCH_MIN};
	for (int r = 0; r < 2; r++)
		for (size_t i = 0; i < sizeof zeros / sizeof *zeros; i++)
			add_both(&plain, &memoed, &memo, zeros[i]);
	assert_int_equal(memoed.zeros, 10);
	assert_null(memoed.pos.mem);
	add_both(&plain, &memoed, &memo, NAN);
	const double gamma = (1 + KT_SKETCH_ALPHA) / (1 - KT_SKETCH_ALPHA);
	double edges[] = {KT_SKETCH_MIN, KT_SKETCH_MAX, INFINITY, DBL_MAX, 1.0, 2.0, 0.5, 64.0,
			  63.5, gamma, 1 / gamma, gamma * gamma, pow(gamma, 100), pow(gamma, -100)};
	for (size_t i = 0; i < sizeof edges / sizeof *edges; i++) {
		double lo = edges[i], hi = edges[i];
		for (int k = 0; k < 4; k++, lo = nextafter(lo, 0), hi = nextafter(hi, INFINITY))
			for (int r = 0; r < 2; r++) {
				add_both(&plain, &memoed, &memo, lo);
				add_both(&plain, &memoed, &memo, -lo);
				if (hi < INFINITY)
					add_both(&plain, &memoed, &memo, hi);
			}
	}
	/* Every bucket's smallest double and its lower neighbour (the
	 * formula's edges, by bisection as in test_bucket_mapping), twice. */
	uint64_t lo_bits, hi_bits; /* the range's ends' bit patterns */
	double min = KT_SKETCH_MIN, max = KT_SKETCH_MAX;
	memcpy(&lo_bits, &min, 8);
	memcpy(&hi_bits, &max, 8);
	for (int i = kt_sketch_bucket_log(min) + 1; i <= kt_sketch_bucket_log(max); i += 7) {
		double b = bucket_edge(i), a = nextafter(b, 0); /* the double below */
		for (int r = 0; r < 2; r++) {
			add_both(&plain, &memoed, &memo, a);
			add_both(&plain, &memoed, &memo, b);
		}
	}
	same_sketch(&plain, &memoed);
	kt_sketch_release(&plain);
	kt_sketch_release(&memoed);

	/* Repeating data: small integers and cents, over several sketches
	 * sharing one memo (as a window's stats do). */
	kt_sketch p2[3], m2[3];
	for (int j = 0; j < 3; j++) {
		kt_sketch_init(&p2[j]);
		kt_sketch_init(&m2[j]);
	}
	for (int i = 0; i < 20000; i++) {
		add_both(&p2[0], &m2[0], &memo, (double)(1 + mix() % 5));
		add_both(&p2[1], &m2[1], &memo, cents());
		add_both(&p2[2], &m2[2], &memo, (double)(mix() % 100000) / 100 - 500);
	}
	for (int j = 0; j < 3; j++) {
		same_sketch(&p2[j], &m2[j]);
		kt_sketch_release(&p2[j]);
		kt_sketch_release(&m2[j]);
	}

	/* Random doubles, the bit patterns over the whole range: nearly all
	 * misses, each overwriting a slot. */
	kt_sketch_init(&plain);
	kt_sketch_init(&memoed);
	for (int n = 0; n < 200000; n++) {
		uint64_t bits = lo_bits + mix() % (hi_bits - lo_bits + 1);
		double m;
		memcpy(&m, &bits, 8);
		add_both(&plain, &memoed, &memo, mix() & 1 ? m : -m);
	}
	same_sketch(&plain, &memoed);
	kt_sketch_release(&plain);
	kt_sketch_release(&memoed);
}

/* A slot taken over by another magnitude answers for the new one only:
 * a and b share a slot, in different buckets; a, b, a again must each get
 * their own bucket (a memo that kept a's bucket for b, or b's for a,
 * would put a value in the wrong one). And one memo serves any sketch: a
 * hit on a fractional magnitude marks a fresh sketch fractional too. */
static void test_memo_collision(void **state)
{
	(void)state;
	kt_sketch_memo memo = {0}, probe;
	kt_sketch s, t;
	kt_sketch_init(&s);
	kt_sketch_init(&t);
	const double a = 3.25;
	kt_sketch_add_memo(&s, a, &memo);
	int slot = memo_slot_of(&memo, a);
	assert_true(slot >= 0);
	double b = 0;
	for (int k = 1; k < 100000 && !b; k++) {
		double c = a * (1 + k * 0.003); /* several buckets on */
		probe = (kt_sketch_memo){0};
		kt_sketch_init(&t);
		kt_sketch_add_memo(&t, c, &probe);
		kt_sketch_release(&t);
		if (memo_slot_of(&probe, c) == slot &&
		    kt_sketch_bucket_log(c) != kt_sketch_bucket_log(a))
			b = c;
	}
	assert_true(b > 0);
	kt_sketch_add_memo(&s, b, &memo); /* same slot: b's now */
	assert_int_equal(memo_slot_of(&memo, b), slot);
	assert_int_equal(memo_slot_of(&memo, a), -1);
	assert_int_equal(memo.code[slot] >> 1, kt_sketch_bucket_log(b));
	kt_sketch_add_memo(&s, a, &memo); /* and a's again */
	assert_int_equal(memo.code[slot] >> 1, kt_sketch_bucket_log(a));
	kt_sketch_add_memo(&s, b, &memo);
	kt_sketch_add_memo(&s, b, &memo); /* a hit */
	assert_int_equal(count_at(&s.pos, kt_sketch_bucket_log(a)), 2);
	assert_int_equal(count_at(&s.pos, kt_sketch_bucket_log(b)), 3);
	assert_int_equal(s.count, 5);

	/* A hit in another sketch: fractional, and the bucket of the value. */
	kt_sketch_init(&t);
	kt_sketch_add_memo(&t, 7, &memo);
	assert_int_equal(t.fractional, 0);
	kt_sketch_add_memo(&t, -b, &memo); /* a hit, negative */
	assert_int_equal(t.fractional, 1);
	assert_int_equal(count_at(&t.neg, kt_sketch_bucket_log(b)), 1);
	assert_int_equal(count_at(&t.pos, kt_sketch_bucket_log(7)), 1);
	kt_sketch_release(&t);
	kt_sketch_release(&s);
}

/* Sparse stores of 1 to 12 buckets (a store looks up to 8 at once, in 4
 * or 8 slots): every bucket's count, after values in each, in new ones
 * before, between and after, in random order, against a count kept
 * here by the formula's buckets. */
static void test_sparse_lookup(void **state)
{
	(void)state;
	for (int n = 1; n <= 12; n++) {
		for (int trial = 0; trial < 20; trial++) {
			kt_sketch s;
			kt_sketch_init(&s);
			/* Buckets far apart (a factor 3: 55 buckets), so the
			 * store stays sparse; 1 (bucket 0, the index an unused
			 * key slot holds) among the new ones. */
			double v[26];
			uint64_t want[26] = {0};
			for (int i = 0; i < 2 * n + 2; i++)
				v[i] = pow(3, i - 2);
			for (int i = 0; i < n; i++) { /* the odd ones first */
				kt_sketch_add(&s, v[2 * i + 1]);
				want[2 * i + 1]++;
			}
			assert_false(s.pos.dense);
			assert_int_equal(s.pos.n, n);
			for (int k = 0; k < 300; k++) {
				int i = (int)(mix() % (uint64_t)(2 * n + 2));
				if (i % 2 == 0 && mix() % 8) /* mostly existing ones */
					i = (int)(mix() % (uint64_t)n) * 2 + 1;
				double x = v[i] * (1 + 0.001 * unit()); /* same bucket? */
				if (kt_sketch_bucket_log(x) != kt_sketch_bucket_log(v[i]))
					x = v[i];
				kt_sketch_add(&s, x);
				want[i]++;
				if (k % 50 == 0) {
					for (int j = 0; j < 2 * n + 2; j++) {
						int b = kt_sketch_bucket_log(v[j]);
						assert_int_equal(count_at(&s.pos, b), want[j]);
					}
				}
			}
			assert_false(s.pos.dense);
			for (int j = 0; j < 2 * n + 2; j++) {
				int b = kt_sketch_bucket_log(v[j]);
				assert_int_equal(count_at(&s.pos, b), want[j]);
			}
			kt_sketch_release(&s);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_mapping),
		cmocka_unit_test(test_bucket_edges_in_sketch),
		cmocka_unit_test(test_uniform),
		cmocka_unit_test(test_normal),
		cmocka_unit_test(test_skewed),
		cmocka_unit_test(test_small_sets),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_tiny),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_merge_self),
		cmocka_unit_test(test_nan_and_infinity),
		cmocka_unit_test(test_counter_widths),
		cmocka_unit_test(test_drift),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_nibble_counters),
		cmocka_unit_test(test_memo),
		cmocka_unit_test(test_memo_collision),
		cmocka_unit_test(test_sparse_lookup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
