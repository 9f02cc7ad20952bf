/* number: shortest round-trip decimal text for doubles (see number.h). */
#include "ktrio/number.h"

#include <stdbool.h>
#include <string.h>

#include "number_table.h"

/* The double's parts: value = c * 2^q, c < 2^53. */
#define MANTISSA_BITS 52
#define C_MIN (UINT64_C(1) << MANTISSA_BITS) /* c of the smallest normal */
#define Q_MIN (-1074)                        /* q of every subnormal */
#define MASK63 ((UINT64_C(1) << 63) - 1)

/* floor(log10(2^q)), floor(log10(3/4 * 2^q)) and floor(log2(10^e)) as
 * fixed-point products, exact over the ranges used (checked by
 * scripts/gen-number-table.py against exact arithmetic). */
static inline int floor_log10_pow2(int q)
{
	return (int)(((int64_t)q * 661971961083) >> 41);
}

static inline int floor_log10_three_quarters_pow2(int q)
{
	return (int)(((int64_t)q * 661971961083 - 274743187321) >> 41);
}

static inline int floor_log2_pow10(int e)
{
	return (int)(((int64_t)e * 913124641741) >> 38);
}

/* g * cp / 2^127 for the 126-bit g = hi * 2^63 + lo, rounded to odd: the
 * floor, with its lowest bit set when anything was cut off. Rounding to
 * odd keeps "is it exactly a multiple of 4" answerable from the result,
 * which is all the comparisons below need. */
static inline uint64_t scale_odd(uint64_t hi, uint64_t lo, uint64_t cp)
{
	unsigned __int128 x = (unsigned __int128)lo * cp;
	unsigned __int128 y = (unsigned __int128)hi * cp;
	uint64_t z = ((uint64_t)y >> 1) + (uint64_t)(x >> 64);
	uint64_t floor = (uint64_t)(y >> 64) + (z >> 63);
	return floor | (((z & MASK63) + MASK63) >> 63);
}

/* The shortest decimal f * 10^e in the rounding interval of c * 2^q (the
 * nearest one when several). The interval scaled by 10^-k, with k chosen so it is between 1 and 10 wide,
 * holds at most one multiple of 10 and at least one integer: try the
 * multiple of 10 (one digit fewer), else the integers s and s + 1 around
 * the value. Everything is 4 times scaled so the interval's ends, a
 * quarter or half unit off c, are integers. */
static void shortest(int q, uint64_t c, uint64_t *f, int *e)
{
	uint64_t excl = c & 1; /* an odd c's interval excludes its ends */
	uint64_t cb = c << 2, cbr = cb + 2, cbl;
	int k;
	if (c != C_MIN || q == Q_MIN) {
		cbl = cb - 2;
		k = floor_log10_pow2(q);
	} else { /* a power of two: the gap below is half the one above */
		cbl = cb - 1;
		k = floor_log10_three_quarters_pow2(q);
	}
	int h = q + floor_log2_pow10(-k) + 2;
	const uint64_t *g = kt_number_g[-k - KT_NUMBER_E_MIN];
	uint64_t vb = scale_odd(g[0], g[1], cb << h);
	uint64_t vbl = scale_odd(g[0], g[1], cbl << h);
	uint64_t vbr = scale_odd(g[0], g[1], cbr << h);
	uint64_t s = vb >> 2;
	*e = k;
	uint64_t lo10 = s / 10 * 10, hi10 = lo10 + 10; /* lo10 = 0 is never in */
	bool lo_in = vbl + excl <= lo10 << 2, hi_in = (hi10 << 2) + excl <= vbr;
	if (lo_in != hi_in) {
		*f = lo_in ? lo10 : hi10;
		return;
	}
	uint64_t t = s + 1;
	bool s_in = vbl + excl <= s << 2, t_in = (t << 2) + excl <= vbr;
	if (s_in != t_in) {
		*f = s_in ? s : t;
		return;
	}
	/* Both in: the nearer, ties to even. vb - 4(s + 1/2) */
	int64_t cmp = (int64_t)(vb - ((s + t) << 1));
	*f = cmp < 0 || (cmp == 0 && !(s & 1)) ? s : t;
}

static const char two_digits[] = "00010203040506070809101112131415161718192021222324"
				 "25262728293031323334353637383940414243444546474849"
				 "50515253545556575859606162636465666768697071727374"
				 "75767778798081828384858687888990919293949596979899";

static inline void put2(char *p, uint32_t v)
{
	memcpy(p, two_digits + 2 * v, 2);
}

/* v < 10^8 as exactly 8 digits (zero-padded), in 32-bit arithmetic. */
static inline void put8(char *p, uint32_t v)
{
	uint32_t hi = v / 10000, lo = v % 10000;
	put2(p, hi / 100);
	put2(p + 2, hi % 100);
	put2(p + 4, lo / 100);
	put2(p + 6, lo % 100);
}

/* The digits of v right-aligned before end; returns where they start.
 * Eight at a time while there are more, so that most of the work is on
 * 32-bit halves (a 17-digit number takes two 64-bit divisions). */
static inline __attribute__((always_inline)) char *put_digits(uint64_t v, char *end)
{
	while (v >= 100000000) {
		uint64_t q = v / 100000000;
		end -= 8;
		put8(end, (uint32_t)(v - q * 100000000));
		v = q;
	}
	uint32_t w = (uint32_t)v;
	while (w >= 100) {
		end -= 2;
		put2(end, w % 100);
		w /= 100;
	}
	if (w >= 10) {
		end -= 2;
		put2(end, w);
	} else {
		*--end = (char)('0' + w);
	}
	return end;
}

/* f * 10^e with f's trailing zeros moved into e (f != 0, at most 17
 * digits, so at most 16 zeros): by 8, 4, 2, 1 rather than one at a time. */
static void strip_zeros(uint64_t *f, int *e)
{
	while (*f % 100000000 == 0) {
		*f /= 100000000;
		*e += 8;
	}
	if (*f % 10000 == 0) {
		*f /= 10000;
		*e += 4;
	}
	if (*f % 100 == 0) {
		*f /= 100;
		*e += 2;
	}
	if (*f % 10 == 0) {
		*f /= 10;
		*e += 1;
	}
}

/* Lay out the digits of f * 10^e (f without trailing zeros, or e == 0
 * and at most 21 digits) after an optional sign, ECMAScript style. The
 * text is built in out with copies of fixed sizes (a few stores each,
 * where the variable ones were library calls), from digits right-aligned
 * in tmp with '0's after them, and copied to buf whole. */
static size_t layout(char *buf, bool neg, uint64_t f, int e)
{
	char tmp[48], out[48];
	memset(tmp + 24, '0', 24);
	char *d = put_digits(f, tmp + 24);
	int n = (int)(tmp + 24 - d), point = n + e; /* digits before the point */
	char *o = out;
	*o = '-';
	o += neg;
	if (n <= point && point <= 21) {
		memcpy(o, d, 24); /* the digits, then point - n of the '0's */
		o += point;
	} else if (0 < point && point <= 21) { /* point < n <= 17 */
		memcpy(o, d, 16);
		o[point] = '.';
		memcpy(o + point + 1, d + point, 16);
		o += n + 1;
	} else if (-6 < point && point <= 0) {
		memcpy(o, "0.000000", 8);
		o += 2 - point;
		memcpy(o, d, 24);
		o += n;
	} else {
		o[0] = d[0];
		o[1] = '.';
		memcpy(o + 2, d + 1, 16);
		o += n > 1 ? n + 1 : 1;
		int x = point - 1;
		uint32_t ax = (uint32_t)(x < 0 ? -x : x); /* at most 324 */
		*o++ = 'e';
		*o++ = x < 0 ? '-' : '+';
		if (ax >= 100) {
			*o++ = (char)('0' + ax / 100);
			ax %= 100;
			put2(o, ax);
			o += 2;
		} else if (ax >= 10) {
			put2(o, ax);
			o += 2;
		} else {
			*o++ = (char)('0' + ax);
		}
	}
	*o = '\0';
	memcpy(buf, out, KT_NUMBER_MAX);
	return (size_t)(o - out);
}

size_t kt_number_format(double d, char *buf)
{
	uint64_t bits;
	memcpy(&bits, &d, sizeof bits);
	bool neg = bits >> 63;
	uint64_t t = bits & (C_MIN - 1);
	int bq = (int)(bits >> MANTISSA_BITS & 0x7ff);
	uint64_t f;
	int e = 0;
	if (bq == 0x7ff) {
		buf[0] = '\0';
		return 0;
	}
	if (bq != 0) {
		uint64_t c = C_MIN | t;
		int q = bq - 1075;
		if (q <= 0 && q > -MANTISSA_BITS - 1 && !(c & ((UINT64_C(1) << -q) - 1)))
			/* An integer below 2^53: its own digits, at most 16,
			 * which the layout prints whole as they are. */
			return layout(buf, neg, c >> -q, 0);
		shortest(q, c, &f, &e);
	} else if (t != 0) {
		shortest(Q_MIN, t, &f, &e); /* subnormal: evenly spaced */
	} else {
		f = 0;
	}
	if (f == 0)
		return layout(buf, neg, 0, 0);
	strip_zeros(&f, &e);
	return layout(buf, neg, f, e);
}

size_t kt_number_format_uint(uint64_t v, char *buf)
{
	char tmp[48], *end = tmp + 24, *d = put_digits(v, end);
	size_t n = (size_t)(end - d);
	memcpy(buf, d, 24); /* n <= 20; buf has KT_NUMBER_MAX bytes */
	buf[n] = '\0';
	return n;
}

size_t kt_number_format_int(int64_t v, char *buf)
{
	if (v >= 0)
		return kt_number_format_uint((uint64_t)v, buf);
	buf[0] = '-';
	return 1 + kt_number_format_uint(-(uint64_t)v, buf + 1);
}
