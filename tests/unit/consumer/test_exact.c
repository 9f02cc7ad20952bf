/* test_exact: exact sums and variances against integer arithmetic, and the
 * same bits whatever the order of the values, split or merged. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "consumer/exact.h"

enum { N = 20000 };

static uint64_t seed = 777;

static uint64_t mix(void)
{
	uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

typedef struct acc {
	kt_exact sum, squares;
	uint64_t n;
} acc;

static void acc_init(acc *a)
{
	kt_exact_init(&a->sum);
	kt_exact_init(&a->squares);
	a->n = 0;
}

static void acc_add(acc *a, double v)
{
	assert_int_equal(kt_exact_add(&a->sum, v), 0);
	assert_int_equal(kt_exact_add_square(&a->squares, v), 0);
	a->n++;
}

static void acc_merge(acc *a, const acc *b)
{
	assert_int_equal(kt_exact_merge(&a->sum, &b->sum), 0);
	assert_int_equal(kt_exact_merge(&a->squares, &b->squares), 0);
	a->n += b->n;
}

static void acc_release(acc *a)
{
	kt_exact_release(&a->sum);
	kt_exact_release(&a->squares);
}

static double variance(const acc *a)
{
	return kt_exact_variance(&a->sum, &a->squares, a->n);
}

static void same_bits(double x, double y)
{
	if (memcmp(&x, &y, sizeof x))
		fail_msg("%a differs from %a", x, y);
}

/* a's sum, squares and (n >= 2) variance against the int128 sums s and s2
 * of n values in units of 2^-20. */
static void same_as_int128(const acc *a, __int128 s, __int128 s2, unsigned n)
{
	same_bits(kt_exact_double(&a->sum), ldexp((double)s, -20));
	same_bits(kt_exact_double(&a->squares), ldexp((double)s2, -40));
	if (n >= 2) {
		__int128 t = (__int128)n * s2 - s * s;
		double want = ldexp((double)t, -40) / ((double)n * (double)(n - 1));
		same_bits(variance(a), want);
	}
}

/* Integers k / 2^20 (|k| < 2^30): sum and variance are exact in int128,
 * and the conversions of int128 to double round once, to nearest. */
static void test_against_integers(void **state)
{
	(void)state;
	for (int round = 0; round < 20; round++) {
		acc a;
		acc_init(&a);
		__int128 s = 0, s2 = 0;
		unsigned n = 1 + (unsigned)(mix() % N);
		for (unsigned i = 0; i < n; i++) {
			int64_t k = (int64_t)(mix() % (1u << 30)) - (1 << 29);
			if (round % 3 == 0)
				k = 1000000000 + (int64_t)(mix() % 7); /* big, tiny spread */
			acc_add(&a, ldexp((double)k, -20));
			s += k;
			s2 += (__int128)k * k;
		}
		same_as_int128(&a, s, s2, n);
		if (n < 2)
			assert_true(isnan(variance(&a)));
		acc_release(&a);
	}
}

/* Values of every magnitude, both signs, subnormals among them. */
static double any_double(void)
{
	uint64_t bits;
	do
		bits = mix();
	while (((bits >> 52) & 0x7ff) == 0x7ff || ((bits >> 52) & 0x7ff) > 1800);
	double v;
	memcpy(&v, &bits, sizeof v);
	return v;
}

/* The same values forwards, backwards, and split in parts merged in
 * another order: the same bits, sum, squares and variance. */
static void test_order_free(void **state)
{
	(void)state;
	double *v = malloc(N * sizeof *v);
	assert_non_null(v);
	for (int kind = 0; kind < 3; kind++) {
		for (size_t i = 0; i < N; i++)
			v[i] = kind == 0   ? any_double()
			       : kind == 1 ? round((50 + (double)(mix() % 10000) / 100) * 100) / 100
					   : 1e9 + (double)(mix() % 1000) / 1024;
		acc fwd, back, parts[4], merged;
		acc_init(&fwd);
		acc_init(&back);
		acc_init(&merged);
		for (int p = 0; p < 4; p++)
			acc_init(&parts[p]);
		for (size_t i = 0; i < N; i++) {
			acc_add(&fwd, v[i]);
			acc_add(&back, v[N - 1 - i]);
			acc_add(&parts[mix() % 4], v[i]);
		}
		for (int p = 3; p >= 0; p--)
			acc_merge(&merged, &parts[p]);
		acc *all[] = {&back, &merged};
		for (int j = 0; j < 2; j++) {
			same_bits(kt_exact_double(&all[j]->sum), kt_exact_double(&fwd.sum));
			same_bits(kt_exact_double(&all[j]->squares), kt_exact_double(&fwd.squares));
			same_bits(variance(all[j]), variance(&fwd));
		}
		acc_release(&fwd);
		acc_release(&back);
		acc_release(&merged);
		for (int p = 0; p < 4; p++)
			acc_release(&parts[p]);
	}
	free(v);
}

/* What summing doubles one by one gets wrong. */
static void test_cancellation(void **state)
{
	(void)state;
	kt_exact x;
	kt_exact_init(&x);
	double big[] = {1e308, 1e308, 1, -1e308, -1e308};
	for (int i = 0; i < 5; i++)
		assert_int_equal(kt_exact_add(&x, big[i]), 0);
	assert_true(kt_exact_double(&x) == 1);
	kt_exact_release(&x);

	/* Ten of the double nearest 0.1 sum to 1 + 5.55e-17, nearest 1; one
	 * by one they make 0.9999999999999999. */
	for (int i = 0; i < 10; i++)
		kt_exact_add(&x, 0.1);
	assert_true(kt_exact_double(&x) == 1.0);
	kt_exact_release(&x);

	/* 1e16 + 1 - 1e16 */
	kt_exact_add(&x, 1e16);
	kt_exact_add(&x, 1);
	kt_exact_add(&x, -1e16);
	assert_true(kt_exact_double(&x) == 1);
	assert_int_equal(kt_exact_sign(&x), 1);
	kt_exact_add(&x, -1);
	assert_int_equal(kt_exact_sign(&x), 0);
	same_bits(kt_exact_double(&x), 0.0);
	kt_exact_add(&x, -0.0);
	same_bits(kt_exact_double(&x), 0.0);
	kt_exact_release(&x);

	/* Subnormals: three of the smallest are three times it. */
	for (int i = 0; i < 3; i++)
		kt_exact_add(&x, 0x1p-1074);
	assert_true(kt_exact_double(&x) == 0x3p-1074);
	kt_exact_add(&x, -1);
	assert_int_equal(kt_exact_sign(&x), -1);
	assert_true(kt_exact_double(&x) == -1);
	kt_exact_release(&x);

	/* Past the range: infinite, and back within it: exact again. */
	kt_exact_add(&x, DBL_MAX);
	kt_exact_add(&x, DBL_MAX);
	assert_true(kt_exact_double(&x) == INFINITY);
	kt_exact_add(&x, -DBL_MAX);
	assert_true(kt_exact_double(&x) == DBL_MAX);
	kt_exact_release(&x);

	/* A mean whose sum is beyond a double: 1.5 2^1023 and 2^1023 sum to
	 * 2.5 2^1023 (infinite), their mean is 1.25 2^1023, exactly. */
	kt_exact_add(&x, 0x1.8p1023);
	kt_exact_add(&x, 0x1p1023);
	assert_true(kt_exact_double(&x) == INFINITY);
	assert_true(kt_exact_mean(&x, 2) == 0x1.4p1023);
	kt_exact_add(&x, -0x1p1023);
	kt_exact_add(&x, -0x1p1023);
	kt_exact_add(&x, -0x1p1023);
	kt_exact_add(&x, -0x1p1023);
	/* -1.5 2^1023 now: within range again, over 3 exactly -2^1022. */
	assert_true(kt_exact_double(&x) == -0x1.8p1023);
	assert_true(kt_exact_mean(&x, 3) == -0x1p1022);
	kt_exact_release(&x);
	assert_true(isnan(kt_exact_mean(&x, 0)));
	assert_true(kt_exact_mean(&x, 5) == 0);

	/* A variance whose numerator is beyond a double: 1000 values of
	 * +-1e152, n sum(x^2) = 1e310; the variance, 1000/999 1e304, is not. */
	acc wide;
	acc_init(&wide);
	for (int i = 0; i < 1000; i++)
		acc_add(&wide, i % 2 ? 1e152 : -1e152);
	double want = 1e152 * 1e152 * (1000.0 / 999.0);
	assert_true(isfinite(variance(&wide)));
	assert_true(fabs(variance(&wide) - want) <= 4e-16 * want);
	acc_release(&wide);

	/* Identical values: variance exactly 0; squares of the largest. */
	acc a;
	acc_init(&a);
	for (int i = 0; i < 1000; i++)
		acc_add(&a, 123456789.123);
	same_bits(variance(&a), 0.0);
	acc_release(&a);
	acc_init(&a);
	acc_add(&a, DBL_MAX);
	acc_add(&a, -DBL_MAX);
	assert_true(kt_exact_double(&a.sum) == 0);
	assert_true(variance(&a) == INFINITY);
	acc_release(&a);
}

/* Carries across limbs: a long run of values just below a limb's edge. */
static void test_carries(void **state)
{
	(void)state;
	kt_exact x;
	kt_exact_init(&x);
	__int128 want = 0;
	double v = 0x1.fffffffffffffp+63; /* 2^64 - 2^11 */
	for (int i = 0; i < 1000; i++) {
		kt_exact_add(&x, v);
		want += (__int128)((unsigned __int128)1 << 64) - 2048;
	}
	same_bits(kt_exact_double(&x), (double)want);
	for (int i = 0; i < 2000; i++) {
		kt_exact_add(&x, -v);
		want -= (__int128)((unsigned __int128)1 << 64) - 2048;
	}
	same_bits(kt_exact_double(&x), (double)want);
	assert_int_equal(kt_exact_sign(&x), -1);
	kt_exact_release(&x);

	/* A limb of all ones that a carry from below runs through: 2^64 - 1,
	 * then two halves. */
	kt_exact_add(&x, 0x1.fffffffffffffp+63);
	kt_exact_add(&x, 2047);
	kt_exact_add(&x, 0.5);
	kt_exact_add(&x, 0.5);
	assert_true(kt_exact_double(&x) == 0x1p64);
	kt_exact_add(&x, -0x1p64);
	assert_int_equal(kt_exact_sign(&x), 0);
	/* And a borrow through a limb of zeros: 2^64 - 0.5. */
	kt_exact_add(&x, 0x1p64);
	kt_exact_add(&x, -0.5);
	kt_exact_add(&x, -0x1p63);
	assert_true(kt_exact_double(&x) == 0x1p63 - 0.5);
	kt_exact_release(&x);

	/* A tie in the 64 bits kept, broken by a bit far below them: 2^64 +
	 * 2^11 is halfway, and rounds to even (2^64) but for 2^-10 more. */
	kt_exact_add(&x, 0x1p64);
	kt_exact_add(&x, 0x1p11);
	same_bits(kt_exact_double(&x), 0x1p64);
	kt_exact_add(&x, 0x1p-10);
	same_bits(kt_exact_double(&x), 0x1.0000000000001p64);
	kt_exact_release(&x);
}

/* A total merged into itself doubles, whatever its limbs. */
static void test_merge_self(void **state)
{
	(void)state;
	/* Two values from 2^-200 to 2^300 apart: inline limbs and heap ones,
	 * and a merge that moves them from one to the other. */
	for (int a = -200; a <= 300; a += 25) {
		for (int b = -200; b <= 300; b += 25) {
			kt_exact x, y;
			kt_exact_init(&x);
			kt_exact_init(&y);
			kt_exact_add(&x, ldexp(1.75, a));
			kt_exact_add(&x, -ldexp(1.25, b));
			assert_int_equal(kt_exact_merge(&x, &x), 0);
			for (int k = 0; k < 2; k++) {
				kt_exact_add(&y, ldexp(1.75, a));
				kt_exact_add(&y, -ldexp(1.25, b));
			}
			same_bits(kt_exact_double(&x), kt_exact_double(&y));
			kt_exact_add(&x, -2 * ldexp(1.75, a));
			kt_exact_add(&x, 2 * ldexp(1.25, b));
			assert_int_equal(kt_exact_sign(&x), 0);
			kt_exact_release(&x);
			kt_exact_release(&y);
		}
	}
	/* Four limbs held inline, the top one in use (as a total read from
	 * partials may be): doubling needs a fifth, on the heap. */
	kt_wire_buf b;
	kt_wire_buf_init(&b);
	kt_wire_put_u8(&b, 4);
	kt_wire_put_u32(&b, 0);
	for (int i = 0; i < 4; i++)
		kt_wire_put_u64(&b, i == 3 ? 1u << 20 : 3);
	kt_wire_reader r;
	kt_exact x, y, z;
	kt_wire_reader_init(&r, b.data, b.len);
	assert_int_equal(kt_exact_decode(&x, &r), 0);
	kt_wire_reader_init(&r, b.data, b.len);
	assert_int_equal(kt_exact_decode(&y, &r), 0);
	kt_wire_reader_init(&r, b.data, b.len);
	assert_int_equal(kt_exact_decode(&z, &r), 0);
	assert_int_equal(kt_exact_merge(&x, &x), 0);
	assert_int_equal(kt_exact_merge(&y, &z), 0);
	/* Every limb alike, the lowest ones too (far below a double's bits). */
	kt_wire_buf ex, ey;
	kt_wire_buf_init(&ex);
	kt_wire_buf_init(&ey);
	kt_exact_encode(&x, &ex);
	kt_exact_encode(&y, &ey);
	assert_int_equal(ex.len, ey.len);
	assert_memory_equal(ex.data, ey.data, ex.len);
	kt_wire_buf_release(&ex);
	kt_wire_buf_release(&ey);
	kt_exact_release(&x);
	kt_exact_release(&y);
	kt_exact_release(&z);
	kt_wire_buf_release(&b);
}

static void test_wire(void **state)
{
	(void)state;
	acc a;
	acc_init(&a);
	for (int i = 0; i < 1000; i++)
		acc_add(&a, any_double());
	kt_wire_buf b;
	kt_wire_buf_init(&b);
	kt_exact_encode(&a.sum, &b);
	kt_exact_encode(&a.squares, &b);
	kt_exact zero;
	kt_exact_init(&zero);
	kt_exact_encode(&zero, &b);
	kt_wire_reader r;
	kt_wire_reader_init(&r, b.data, b.len);
	kt_exact s, q, z;
	assert_int_equal(kt_exact_decode(&s, &r), 0);
	assert_int_equal(kt_exact_decode(&q, &r), 0);
	assert_int_equal(kt_exact_decode(&z, &r), 0);
	assert_false(r.bad);
	same_bits(kt_exact_double(&s), kt_exact_double(&a.sum));
	same_bits(kt_exact_variance(&s, &q, 1000), variance(&a));
	assert_int_equal(kt_exact_sign(&z), 0);
	kt_exact_release(&s);
	kt_exact_release(&q);

	/* Truncated, too many limbs, a limb out of range: refused. */
	kt_wire_reader_init(&r, b.data, b.len - 9); /* into the squares' last limb */
	assert_int_equal(kt_exact_decode(&s, &r), 0);
	assert_int_equal(kt_exact_decode(&q, &r), -1);
	assert_true(r.bad);
	assert_int_equal(kt_exact_sign(&q), 0);
	kt_exact_release(&s);
	const uint8_t wide[] = {200, 0, 0, 0, 0};
	kt_wire_reader_init(&r, wide, sizeof wide);
	assert_int_equal(kt_exact_decode(&s, &r), -1);
	const uint8_t low[] = {1, 0x9c, 0xff, 0xff, 0xff, 1, 0, 0, 0, 0, 0, 0, 0}; /* lo -100 */
	kt_wire_reader_init(&r, low, sizeof low);
	assert_int_equal(kt_exact_decode(&s, &r), -1);
	const uint8_t high[] = {1, 0xff, 0xff, 0xff, 0x7f, 1, 0, 0, 0, 0, 0, 0, 0}; /* lo 2^31 - 1 */
	kt_wire_reader_init(&r, high, sizeof high);
	assert_int_equal(kt_exact_decode(&s, &r), -1);
	kt_wire_buf_release(&b);
	acc_release(&a);
}

/* kt_exact_add_both against int128 sums, with the kinds of value its in-line
 * part treats apart: integers below 2^20 in magnitude (the square straight
 * into limb 0), the integers on either side of that edge, larger integers
 * and fractions (the general way), of both signs, so that the sum changes
 * sign (a borrow out of its two limbs: the general way again). Units of
 * 2^-20: the sum and the squares are exact in int128. */
static void test_add_both(void **state)
{
	(void)state;
	for (int round = 0; round < 12; round++) {
		acc a;
		acc_init(&a);
		__int128 s = 0, s2 = 0;
		unsigned n = 1 + (unsigned)(mix() % N);
		for (unsigned i = 0; i < n; i++) {
			int64_t k; /* the value is k 2^-20 */
			switch ((mix() + (unsigned)round) % 5) {
			case 0: /* a small integer, zero among them */
				k = ((int64_t)(mix() % (1u << 21)) - (1 << 20)) * (1 << 20);
				break;
			case 1: /* 2^20 - 1, 2^20, 2^20 + 1 and their negatives */
				k = ((1 << 20) - 1 + (int64_t)(mix() % 3)) * (1 << 20) * (mix() % 2 ? 1 : -1);
				break;
			case 2: /* a larger integer */
				k = (int64_t)(mix() % (1u << 30)) * (1 << 20) * (mix() % 2 ? 1 : -1);
				break;
			default: /* a fraction below 2^20 */
				k = (int64_t)(mix() % (1ULL << 40)) * (mix() % 2 ? 1 : -1);
				break;
			}
			if (round % 4 == 3)
				k = k % (1 << 22); /* many near 0: the sum keeps changing sign */
			assert_int_equal(kt_exact_add_both(&a.sum, &a.squares, ldexp((double)k, -20)), 0);
			a.n++;
			s += k;
			s2 += (__int128)k * k;
		}
		same_as_int128(&a, s, s2, n);
		acc_release(&a);
	}
}

/* A total with limbs lo .. lo + n - 1 as given, read as partials are. */
static void make_total(kt_exact *x, int lo, unsigned n, const uint64_t *limb)
{
	kt_wire_buf b;
	kt_wire_buf_init(&b);
	kt_wire_put_u8(&b, (uint8_t)n);
	kt_wire_put_u32(&b, (uint32_t)lo);
	for (unsigned i = 0; i < n; i++)
		kt_wire_put_u64(&b, limb[i]);
	kt_wire_reader r;
	kt_wire_reader_init(&r, b.data, b.len);
	assert_int_equal(kt_exact_decode(x, &r), 0);
	kt_wire_buf_release(&b);
}

/* x holds exactly limbs lo .. lo + n - 1, these. */
static void same_limbs(const kt_exact *x, int lo, unsigned n, const uint64_t *want)
{
	kt_wire_buf b;
	kt_wire_buf_init(&b);
	kt_exact_encode(x, &b);
	kt_wire_reader r;
	kt_wire_reader_init(&r, b.data, b.len);
	assert_int_equal(kt_wire_get_u8(&r), n);
	assert_int_equal((int32_t)kt_wire_get_u32(&r), lo);
	for (unsigned i = 0; i < n; i++) {
		uint64_t got = kt_wire_get_u64(&r);
		if (got != want[i])
			fail_msg("limb %d: %#llx, want %#llx", lo + (int)i, (unsigned long long)got,
				 (unsigned long long)want[i]);
	}
	assert_false(r.bad);
	kt_wire_buf_release(&b);
}

/* The in-line part of kt_exact_add_both, limb by limb (values worked out by
 * hand): a square's carry out of its limbs run through a limb of ones into
 * the top one, by the integer way and by the general one; and a borrow out
 * of the sum's two limbs, which it leaves to the general way untouched. */
static void test_add_both_carries(void **state)
{
	(void)state;
	const uint64_t ones = UINT64_MAX;
	kt_exact sum, sq;
	/* sum 5 (limbs -1 .. 1); squares 2^128 - 2^64 + 2^64 - 3 (limbs
	 * -2 .. 2): limb 0 three below its carry, limb 1 all ones. */
	make_total(&sum, -1, 3, (const uint64_t[]){0, 5, 0});
	make_total(&sq, -2, 5, (const uint64_t[]){0, 0, ones - 2, ones, 0});
	/* 2: its square 4 into limb 0 carries through limb 1 into limb 2. */
	assert_int_equal(kt_exact_add_both(&sum, &sq, 2), 0);
	same_limbs(&sum, -1, 3, (const uint64_t[]){0, 7, 0});
	same_limbs(&sq, -2, 5, (const uint64_t[]){0, 0, 1, 0, 1});
	/* 1.5: 2.25 by the general way, 0.25 into limb -1. */
	assert_int_equal(kt_exact_add_both(&sum, &sq, 1.5), 0);
	same_limbs(&sum, -1, 3, (const uint64_t[]){1ULL << 63, 8, 0});
	same_limbs(&sq, -2, 5, (const uint64_t[]){0, 1ULL << 62, 3, 0, 1});
	/* -0.5: a borrow inside the sum's two limbs. */
	assert_int_equal(kt_exact_add_both(&sum, &sq, -0.5), 0);
	same_limbs(&sum, -1, 3, (const uint64_t[]){0, 8, 0});
	same_limbs(&sq, -2, 5, (const uint64_t[]){0, 1ULL << 63, 3, 0, 1});
	/* -8.5: the sum goes below 0, a borrow out of limb 0 into limb 1. */
	assert_int_equal(kt_exact_add_both(&sum, &sq, -8.5), 0);
	same_limbs(&sum, -1, 3, (const uint64_t[]){1ULL << 63, ones, ones});
	same_limbs(&sq, -2, 5, (const uint64_t[]){0, 3ULL << 62, 75, 0, 1});
	assert_true(kt_exact_double(&sum) == -0.5);
	/* A general square whose carry runs out of its three limbs: limb 0
	 * all ones again, then 1.5^2 = 2.25 (limb -1 at 3/4 plus 1/4 carries
	 * too). */
	kt_exact_release(&sq);
	make_total(&sq, -2, 5, (const uint64_t[]){0, 3ULL << 62, ones - 1, ones, 0});
	assert_int_equal(kt_exact_add_both(&sum, &sq, 1.5), 0);
	same_limbs(&sq, -2, 5, (const uint64_t[]){0, 0, 1, 0, 1});
	same_limbs(&sum, -1, 3, (const uint64_t[]){0, 1, 0});
	kt_exact_release(&sum);
	kt_exact_release(&sq);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_integers),
		cmocka_unit_test(test_order_free),
		cmocka_unit_test(test_cancellation),
		cmocka_unit_test(test_carries),
		cmocka_unit_test(test_merge_self),
		cmocka_unit_test(test_wire),
		cmocka_unit_test(test_add_both),
		cmocka_unit_test(test_add_both_carries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
