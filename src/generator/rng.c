/* rng: xoshiro256** with uniform, normal, zipf and UUID draws. */
#include "rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* splitmix64 step: turns one seed word into well-mixed state words. */
static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void kt_rng_seed(kt_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix(&seed);
	r->has_spare = false;
}

uint64_t kt_rng_system_seed(void)
{
	uint64_t seed;
	if (getrandom(&seed, sizeof seed, 0) == (ssize_t)sizeof seed)
		return seed;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
}

uint64_t kt_rng_next(kt_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double kt_rng_uniform(kt_rng *r)
{
	return (double)(kt_rng_next(r) >> 11) * 0x1.0p-53;
}

int64_t kt_rng_range(kt_rng *r, int64_t lo, int64_t hi)
{
	/* Unsigned arithmetic: hi - lo overflows int64_t for wide ranges. */
	uint64_t span = (uint64_t)hi - (uint64_t)lo + 1;
	if (span == 0) /* the whole 64-bit range */
		return (int64_t)kt_rng_next(r);
	/* Rejection keeps every value equally likely. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % span;
	uint64_t x;
	do
		x = kt_rng_next(r);
	while (x >= limit);
	return (int64_t)((uint64_t)lo + x % span);
}

double kt_rng_normal(kt_rng *r, double mean, double stddev)
{
	if (r->has_spare) {
		r->has_spare = false;
		return mean + stddev * r->spare;
	}
	double u, v, q;
	do { /* Marsaglia's polar method: two normals per accepted pair */
		u = 2 * kt_rng_uniform(r) - 1;
		v = 2 * kt_rng_uniform(r) - 1;
		q = u * u + v * v;
	} while (q >= 1 || q == 0);
	double f = sqrt(-2 * log(q) / q);
	r->spare = v * f;
	r->has_spare = true;
	return mean + stddev * u * f;
}

/* The 8 hex digits of v (lowercase, most significant first) as 8 bytes
 * in memory order: the nibbles spread one to a byte, then each turned into
 * its digit with adds and masks (no table, no branch). */
static uint64_t hex8(uint32_t v)
{
	uint64_t x = v;
	x = (x | x << 16) & 0x0000ffff0000ffffULL;
	x = (x | x << 8) & 0x00ff00ff00ff00ffULL;
	x = (x | x << 4) & 0x0f0f0f0f0f0f0f0fULL;
	/* Byte k holds nibble k from the least significant: reversed, the
	 * most significant comes first in memory (little-endian). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	uint64_t letter = ((x + 0x0606060606060606ULL) >> 4) & 0x0101010101010101ULL;
	return x + 0x3030303030303030ULL + letter * ('a' - '0' - 10);
}

void kt_rng_uuid(kt_rng *r, char out[37])
{
	/* Digits 8 at a time: it runs for every event (a byte at a time
	 * through a table took 470 instructions a UUID, its two draws
	 * included; this takes 156). */
	uint64_t w0 = kt_rng_next(r), w1 = kt_rng_next(r);
	w0 = (w0 & ~0xf000ULL) | 0x4000ULL;                        /* version 4 */
	w1 = (w1 & 0x3fffffffffffffffULL) | 0x8000000000000000ULL; /* variant */
	uint64_t h[4] = {hex8((uint32_t)(w0 >> 32)), hex8((uint32_t)w0),
			 hex8((uint32_t)(w1 >> 32)), hex8((uint32_t)w1)};
	const char *d = (const char *)h;
	/* 8-4-4-4-12 */
	memcpy(out, d, 8);
	out[8] = '-';
	memcpy(out + 9, d + 8, 4);
	out[13] = '-';
	memcpy(out + 14, d + 12, 4);
	out[18] = '-';
	memcpy(out + 19, d + 16, 4);
	out[23] = '-';
	memcpy(out + 24, d + 20, 12);
	out[36] = '\0';
}

/* Rejection-inversion over the continuous hat h(x) = x^-s, written so
 * that s = 1 (where H's closed form divides by zero) needs no case of its
 * own: log1p(x)/x and expm1(x)/x, by their series near 0. */
static double log1p_over(double x)
{
	return fabs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x));
}

static double expm1_over(double x)
{
	return fabs(x) > 1e-8 ? expm1(x) / x : 1 + x * 0.5 * (1 + x / 3 * (1 + 0.25 * x));
}

static double zh(double s, double x)
{
	return exp(-s * log(x));
}

/* H(x) = (x^(1-s) - 1) / (1 - s), an antiderivative of h. */
static double zh_integral(double s, double x)
{
	double lx = log(x);
	return expm1_over((1 - s) * lx) * lx;
}

static double zh_integral_inverse(double s, double x)
{
	double t = x * (1 - s);
	if (t < -1) /* only rounding takes it there */
		t = -1;
	return exp(log1p_over(t) * x);
}

static void zipf_init_rejection(kt_zipf *z, uint32_t n, double s)
{
	z->n = n;
	z->s = s;
	z->h_x1 = zh_integral(s, 1.5) - 1;
	z->h_n = zh_integral(s, n + 0.5);
	z->squeeze = 2 - zh_integral_inverse(s, zh_integral(s, 2.5) - zh(s, 2));
}

static uint32_t zipf_draw_rejection(const kt_zipf *z, kt_rng *r)
{
	for (;;) {
		double u = z->h_n + kt_rng_uniform(r) * (z->h_x1 - z->h_n);
		double x = zh_integral_inverse(z->s, u);
		double k = floor(x + 0.5);
		if (k < 1)
			k = 1;
		else if (k > z->n)
			k = z->n;
		if (k - x <= z->squeeze || u >= zh_integral(z->s, k + 0.5) - zh(z->s, k))
			return (uint32_t)k;
	}
}

int kt_zipf_init(kt_zipf *z, uint32_t n, double s)
{
	*z = (kt_zipf){0};
	if (n < 1 || !(s > 0) || !isfinite(s))
		return -1;
	if (n > KT_ZIPF_TABLE_MAX) {
		zipf_init_rejection(z, n, s);
		return 0;
	}
	z->prob = malloc((size_t)n * sizeof *z->prob);
	z->alias = malloc((size_t)n * sizeof *z->alias);
	/* Columns still short of 1 fill the work list from the front, those
	 * over 1 from the back. */
	uint32_t *work = malloc((size_t)n * sizeof *work);
	if (!z->prob || !z->alias || !work) {
		free(work);
		kt_zipf_release(z);
		return -1;
	}
	z->n = n;
	double sum = 0;
	for (uint32_t k = n; k >= 1; k--) /* small terms first */
		sum += pow((double)k, -s);
	size_t nsmall = 0, nlarge = 0;
	for (uint32_t i = 0; i < n; i++) {
		z->prob[i] = pow((double)(i + 1), -s) / sum * n;
		z->alias[i] = i;
		if (z->prob[i] < 1)
			work[nsmall++] = i;
		else
			work[n - 1 - nlarge++] = i;
	}
	/* Each short column is topped up from a tall one, which may then
	 * become short itself. */
	while (nsmall && nlarge) {
		uint32_t lo = work[--nsmall], hi = work[n - nlarge];
		z->alias[lo] = hi;
		z->prob[hi] -= 1 - z->prob[lo];
		if (z->prob[hi] < 1) {
			nlarge--;
			work[nsmall++] = hi;
		}
	}
	/* What is left is 1 but for rounding. */
	while (nsmall)
		z->prob[work[--nsmall]] = 1;
	while (nlarge)
		z->prob[work[n - nlarge--]] = 1;
	free(work);
	return 0;
}

void kt_zipf_release(kt_zipf *z)
{
	free(z->prob);
	free(z->alias);
	*z = (kt_zipf){0};
}

uint32_t kt_zipf_draw(const kt_zipf *z, kt_rng *r)
{
	if (!z->prob)
		return zipf_draw_rejection(z, r);
	double x = kt_rng_uniform(r) * z->n;
	uint32_t col = (uint32_t)x;
	if (col >= z->n) /* u just below 1 times n may round up to n */
		col = z->n - 1;
	return (x - col < z->prob[col] ? col : z->alias[col]) + 1;
}
