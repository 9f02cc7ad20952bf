/* test_hash: determinism, seeds, lengths, bucket spread and avalanche of kt_hash64. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktrio/hash.h"

/* Test data comes from this local splitmix64, not from the rng module. */
static uint64_t mix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* True when the n hashes are pairwise different. */
static int all_distinct(uint64_t *h, size_t n)
{
	qsort(h, n, sizeof *h, cmp_u64);
	for (size_t i = 1; i < n; i++)
		if (h[i] == h[i - 1])
			return 0;
	return 1;
}

static void test_deterministic(void **state)
{
	(void)state;
	const char *s = "hello, kafka";
	assert_true(kt_hash64(s, strlen(s), 0) == kt_hash64(s, strlen(s), 0));
	assert_true(kt_hash64(s, strlen(s), 42) == kt_hash64(s, strlen(s), 42));
	/* The same bytes from another buffer (and unaligned) hash the same. */
	char buf[64];
	memcpy(buf + 3, s, strlen(s));
	assert_true(kt_hash64(buf + 3, strlen(s), 7) == kt_hash64(s, strlen(s), 7));
	/* The empty input may be NULL and equals any empty buffer. */
	assert_true(kt_hash64(NULL, 0, 9) == kt_hash64("x", 0, 9));
	/* Bytes past len are not read into the hash. */
	assert_true(kt_hash64("abcdefgh-XX", 9, 1) == kt_hash64("abcdefgh-YY", 9, 1));
}

static void test_seeds_differ(void **state)
{
	(void)state;
	const char *inputs[] = {"", "a", "user-1", "a somewhat longer key of 33 bytes"};
	for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
		uint64_t h[64];
		for (uint64_t seed = 0; seed < 64; seed++)
			h[seed] = kt_hash64(inputs[i], strlen(inputs[i]), seed);
		assert_true(all_distinct(h, 64));
	}
}

/* A prefix of every length 0..40 of a fixed pattern hashes differently,
 * even an all-zero pattern (where only the length tells them apart). */
static void test_lengths_distinct(void **state)
{
	(void)state;
	unsigned char zeros[40] = {0}, letters[40], ramp[40];
	memset(letters, 'x', sizeof letters);
	for (int i = 0; i < 40; i++)
		ramp[i] = (unsigned char)(i + 1);
	uint64_t h[3 * 41];
	size_t n = 0;
	for (size_t len = 0; len <= 40; len++) {
		h[n++] = kt_hash64(zeros, len, 0);
		h[n++] = kt_hash64(letters, len, 0);
		h[n++] = kt_hash64(ramp, len, 0);
	}
	/* The three empty prefixes are the same input: count them once. */
	assert_true(h[0] == h[1] && h[1] == h[2]);
	assert_true(all_distinct(h + 2, n - 2));
}

/* Pearson's chi-square of 100,000 keys into 256 buckets (255 degrees of
 * freedom: mean 255, standard deviation sqrt(510) = 22.6). */
static double chi_square(const uint64_t *h, size_t n, int shift)
{
	double counts[256] = {0};
	for (size_t i = 0; i < n; i++)
		counts[(h[i] >> shift) & 255]++;
	double expect = (double)n / 256, chi = 0;
	for (int b = 0; b < 256; b++)
		chi += (counts[b] - expect) * (counts[b] - expect) / expect;
	return chi;
}

static void test_bucket_chi_square(void **state)
{
	(void)state;
	enum { N = 100000 };
	uint64_t *h = malloc(N * sizeof *h);
	assert_non_null(h);
	for (int kind = 0; kind < 2; kind++) {
		for (uint64_t i = 0; i < N; i++) {
			if (kind == 0) { /* sequential text keys */
				char key[32];
				int len = snprintf(key, sizeof key, "key-%llu", (unsigned long long)i);
				h[i] = kt_hash64(key, (size_t)len, 0);
			} else { /* sequential 8-byte integers */
				h[i] = kt_hash64(&i, sizeof i, 0);
			}
		}
		/* Low byte (hash tables) and top byte (HyperLogLog's register
		 * index): within 5 standard deviations of 255 either way. */
		for (int shift = 0; shift <= 56; shift += 56) {
			double chi = chi_square(h, N, shift);
			if (chi < 255 - 5 * 22.6 || chi > 255 + 5 * 22.6)
				fail_msg("kind %d shift %d: chi-square %.1f", kind, shift, chi);
		}
	}
	free(h);
}

/* Flipping one input bit flips about half of the 64 output bits: for
 * each input length and each input bit, the mean over random inputs
 * is within 24..40. */
static void test_avalanche(void **state)
{
	(void)state;
	static const size_t lens[] = {1, 4, 8, 12, 16, 24, 33};
	uint64_t x = 1;
	for (size_t l = 0; l < sizeof lens / sizeof *lens; l++) {
		size_t len = lens[l];
		double total = 0;
		for (size_t bit = 0; bit < len * 8; bit++) {
			enum { TRIALS = 400 };
			double flips = 0;
			for (int t = 0; t < TRIALS; t++) {
				unsigned char in[40];
				for (size_t i = 0; i < len; i++)
					in[i] = (unsigned char)mix(&x);
				uint64_t seed = mix(&x);
				uint64_t a = kt_hash64(in, len, seed);
				in[bit / 8] ^= (unsigned char)(1u << (bit % 8));
				uint64_t b = kt_hash64(in, len, seed);
				flips += __builtin_popcountll(a ^ b);
			}
			double mean = flips / TRIALS;
			if (mean < 24 || mean > 40)
				fail_msg("length %zu bit %zu: %.2f output bits flip", len, bit, mean);
			total += mean;
		}
		double mean = total / (double)(len * 8);
		if (mean < 31 || mean > 33)
			fail_msg("length %zu: %.2f output bits flip on average", len, mean);
	}
	/* Flipping a seed bit avalanches too. */
	double flips = 0;
	for (int bit = 0; bit < 64; bit++)
		for (int t = 0; t < 100; t++) {
			uint64_t seed = mix(&x), v = mix(&x);
			flips += __builtin_popcountll(kt_hash64(&v, 8, seed) ^
						      kt_hash64(&v, 8, seed ^ (1ULL << bit)));
		}
	flips /= 64 * 100;
	assert_true(flips > 31 && flips < 33);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_seeds_differ),
		cmocka_unit_test(test_lengths_distinct),
		cmocka_unit_test(test_bucket_chi_square),
		cmocka_unit_test(test_avalanche),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
