/* test_number: kt_number_format against strtod and printf: every text reads
 * back as the same double, has no more significant digits than the shortest
 * "%.*e" that does, and is that one's digits when as short; the layout of
 * edge cases (subnormals, 2^53 +- 1, -0, 1e308) by hand-worked values. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktrio/number.h"

static uint64_t mix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double from_bits(uint64_t b)
{
	double d;
	memcpy(&d, &b, sizeof d);
	return d;
}

/* The significant digits of a decimal text (no sign, point, exponent,
 * leading or trailing zeros) into digits; returns their decimal exponent:
 * value = 0.digits * 10^exp. */
static int digits_of(const char *s, char *digits)
{
	int exp = 0, n = 0;
	bool seen_point = false, started = false;
	for (; *s && *s != 'e' && *s != 'E'; s++) {
		if (*s == '-')
			continue;
		if (*s == '.') {
			seen_point = true;
			continue;
		}
		if (!started && *s == '0') {
			if (seen_point)
				exp--;
			continue;
		}
		started = true;
		digits[n++] = *s;
		if (!seen_point)
			exp++;
	}
	if (*s)
		exp += atoi(s + 1);
	while (n > 0 && digits[n - 1] == '0')
		n--;
	digits[n] = '\0';
	return exp;
}

/* What printf says: the fewest significant digits that read back. */
static int printf_shortest(double d, char *digits)
{
	/* Reading back is monotone in the precision: a binary search. */
	char buf[64];
	int lo = 1, hi = 17;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		snprintf(buf, sizeof buf, "%.*e", mid - 1, d);
		if (strtod(buf, NULL) == d)
			hi = mid;
		else
			lo = mid + 1;
	}
	snprintf(buf, sizeof buf, "%.*e", lo - 1, d);
	if (strtod(buf, NULL) != d)
		fail_msg("no printf text reads back %a", d);
	return digits_of(buf, digits);
}

/* The cheap half of check: the text reads back as d. */
static void round_trip(double d)
{
	char buf[KT_NUMBER_MAX];
	kt_number_format(d, buf);
	double back = strtod(buf, NULL);
	if (memcmp(&back, &d, sizeof d) != 0)
		fail_msg("%a printed '%s' reads back as %a", d, buf, back);
}

/* One double through both; counts texts shorter than printf's (possible
 * only where the gap below a power of two is half the gap above: the
 * correctly rounded text of that length can fall outside the interval
 * while another one is inside). */
static void check(double d, unsigned long *shorter)
{
	char buf[KT_NUMBER_MAX + 8], mine[32], theirs[32];
	memset(buf, 'x', sizeof buf);
	size_t n = kt_number_format(d, buf);
	assert_true(n < KT_NUMBER_MAX);
	assert_int_equal(n, strlen(buf));
	double back = strtod(buf, NULL);
	if (memcmp(&back, &d, sizeof d) != 0)
		fail_msg("%a printed '%s' reads back as %a", d, buf, back);
	if (d == 0)
		return;
	int em = digits_of(buf, mine), et = printf_shortest(d, theirs);
	if (strlen(mine) > strlen(theirs))
		fail_msg("%a printed '%s': printf needs only %zu digits", d, buf, strlen(theirs));
	if (strlen(mine) < strlen(theirs)) {
		(*shorter)++;
		return;
	}
	if (strcmp(mine, theirs) != 0 || em != et)
		fail_msg("%a printed '%s', nearest is 0.%se%d", d, buf, theirs, et);
}

/* Millions of random bit patterns read back; a quarter million of them also
 * against printf's digits (17 printf + strtod calls each: the slow part). */
static void test_random_bits(void **state)
{
	(void)state;
	uint64_t seed = 1;
	unsigned long shorter = 0, n = 0;
	while (n < 4000000) {
		double d = from_bits(mix(&seed));
		if (!isfinite(d))
			continue;
		if (n % 16 == 0)
			check(d, &shorter);
		else
			round_trip(d);
		n++;
	}
	assert_true(shorter < n / 16 / 1000);
}

/* Doubles near the ends of the exponent range and subnormals of every size. */
static void test_random_subnormals_and_extremes(void **state)
{
	(void)state;
	uint64_t seed = 2;
	unsigned long shorter = 0;
	for (int i = 0; i < 50000; i++) {
		uint64_t r = mix(&seed);
		check(from_bits(r & ((UINT64_C(1) << 52) - 1) >> (r >> 58)), &shorter);
		check(from_bits((r & ((UINT64_C(1) << 52) - 1)) | UINT64_C(0x7fe) << 52), &shorter);
		check(from_bits((r & ((UINT64_C(1) << 52) - 1)) | UINT64_C(1) << 52), &shorter);
	}
	for (uint64_t t = 1; t < 2000; t++)
		check(from_bits(t), &shorter);
}

/* Short decimals, as measurements are: the text must come back as typed. */
static void test_short_decimals(void **state)
{
	(void)state;
	uint64_t seed = 3;
	for (int i = 0; i < 300000; i++) {
		uint64_t r = mix(&seed);
		char in[40], out[KT_NUMBER_MAX], a[32], b[32];
		snprintf(in, sizeof in, "%llue%d", (unsigned long long)(r % 10000000),
			 (int)(r >> 40) % 40 - 20);
		double d = strtod(in, NULL);
		kt_number_format(d, out);
		assert_true(strtod(out, NULL) == d);
		if (d != 0 && (digits_of(in, a), digits_of(out, b), strcmp(a, b) != 0))
			fail_msg("'%s' printed '%s'", in, out);
	}
}

/* Every power of two: the asymmetric intervals. */
static void test_powers_of_two(void **state)
{
	(void)state;
	unsigned long shorter = 0;
	for (int e = -1074; e <= 1023; e++)
		check(ldexp(1, e), &shorter);
	for (int e = -1022; e <= 1023; e++)
		check(nextafter(ldexp(1, e), 0), &shorter);
}

static void expect(double d, const char *text)
{
	char buf[KT_NUMBER_MAX];
	size_t n = kt_number_format(d, buf);
	assert_string_equal(buf, text);
	assert_int_equal(n, strlen(text));
}

/* Layout and edge cases, hand-worked. */
static void test_edges(void **state)
{
	(void)state;
	expect(0.0, "0");
	expect(-0.0, "-0");
	expect(1, "1");
	expect(-1, "-1");
	expect(0.1, "0.1");
	expect(0.3, "0.3");
	expect(1.0 / 3, "0.3333333333333333");
	expect(2.0 / 3, "0.6666666666666666");
	expect(123.456, "123.456");
	expect(100, "100");
	expect(1e20, "100000000000000000000");
	expect(1e21, "1e+21");
	expect(1.5e21, "1.5e+21");
	expect(0.000001, "0.000001");
	expect(1e-7, "1e-7");
	expect(-2.5e-7, "-2.5e-7");
	expect(1e308, "1e+308");
	expect(1.7976931348623157e308, "1.7976931348623157e+308");
	expect(2.2250738585072014e-308, "2.2250738585072014e-308"); /* smallest normal */
	expect(2.225073858507201e-308, "2.225073858507201e-308");   /* largest subnormal */
	expect(5e-324, "5e-324");                                   /* smallest subnormal */
	expect(1e-323, "1e-323");
	expect(9007199254740992.0, "9007199254740992");         /* 2^53 */
	expect(9007199254740991.0, "9007199254740991");         /* 2^53 - 1 */
	expect(9007199254740994.0, "9007199254740994");         /* 2^53 + 2 */
	expect(9007199254740993.0, "9007199254740992");         /* 2^53 + 1 rounds to even */
	expect(1152921504606846976.0, "1152921504606847000");   /* 2^60 */
	expect(1700000000123456.0, "1700000000123456");
	expect(1700000000123457.0, "1700000000123457");
	expect(NAN, "");
	expect(INFINITY, "");
	expect(-INFINITY, "");
}

static void test_integers(void **state)
{
	(void)state;
	char buf[KT_NUMBER_MAX];
	assert_int_equal(kt_number_format_int(INT64_MIN, buf), 20);
	assert_string_equal(buf, "-9223372036854775808");
	kt_number_format_int(INT64_MAX, buf);
	assert_string_equal(buf, "9223372036854775807");
	kt_number_format_int(0, buf);
	assert_string_equal(buf, "0");
	kt_number_format_int(-7, buf);
	assert_string_equal(buf, "-7");
	kt_number_format_uint(UINT64_MAX, buf);
	assert_string_equal(buf, "18446744073709551615");
	kt_number_format_int(1234567890123456099, buf);
	assert_string_equal(buf, "1234567890123456099");
	uint64_t seed = 4;
	for (int i = 0; i < 100000; i++) {
		int64_t v = (int64_t)mix(&seed) >> (i % 64);
		char want[32];
		snprintf(want, sizeof want, "%lld", (long long)v);
		kt_number_format_int(v, buf);
		assert_string_equal(buf, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_powers_of_two),
		cmocka_unit_test(test_short_decimals),
		cmocka_unit_test(test_random_subnormals_and_extremes),
		cmocka_unit_test(test_random_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
