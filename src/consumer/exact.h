/* exact: the exact sum of doubles (or of their squares) as a fixed-point
 * integer, so that a total is the same whatever order its values came in.
 *
 * Every finite double is an integer multiple of 2^-1074, and its square one
 * of 2^-2148: an integer of a few thousand bits holds any sum of them
 * exactly. The accumulator keeps only the 64-bit limbs its values reach and
 * one above them, in two's complement, limb i weighing 2^(64 i): prices with
 * cents take three (their sum) or four (their squares), held inline; values
 * far apart in magnitude take more, on the heap (at most
 * KT_EXACT_MAX_LIMBS). Adding is O(1) but for carries; rounding to a double is correct to the nearest,
 * ties to even (results in the subnormal range are rounded twice: still
 * the same for the same total). */
#ifndef KTRIO_EXACT_H
#define KTRIO_EXACT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "wire.h"

#define KT_EXACT_INLINE 4
/* Squares of the largest doubles, times 2^64 of them, down to the
 * squares' smallest bit: limbs -34 .. 33. */
#define KT_EXACT_MIN_LIMB (-34)
#define KT_EXACT_MAX_LIMB 33
#define KT_EXACT_MAX_LIMBS (KT_EXACT_MAX_LIMB - KT_EXACT_MIN_LIMB + 1)

typedef struct kt_exact {
	int16_t lo;   /* index of the lowest limb held */
	uint8_t n;    /* limbs held: 0 while the total is 0 */
	uint8_t heap; /* limbs live in big (cap of them), not in small */
	uint8_t cap;
	union {
		uint64_t small[KT_EXACT_INLINE];
		uint64_t *big;
	} u;
} kt_exact;

/* Zero. Allocates nothing until a wide total needs it; release once used. */
void kt_exact_init(kt_exact *x);
void kt_exact_release(kt_exact *x);

/* Add the finite double v, or (kt_exact_add_square) its exact square.
 * -1 when memory ran out: then x is unchanged. */
int kt_exact_add(kt_exact *x, double v);
int kt_exact_add_square(kt_exact *x, double v);

/* Both at once: v into sum and its square into squares (what running
 * moments do per value). -1 when out of memory: both as they were. */
int kt_exact_add_both(kt_exact *sum, kt_exact *squares, double v);

/* Their common case, in line for callers that add values per record: v
 * into sum and its square into squares (either NULL: left out). True when
 * done, which it is when the limbs the value takes and one above them are
 * held in both; false, both untouched, otherwise (kt_exact_add and
 * kt_exact_add_square then do it, widening them just as if this had not
 * been tried). Defined below. */
static inline bool kt_exact_add_fast(kt_exact *sum, kt_exact *squares, double v);

/* kt_exact_add_both for an integer given exactly (one of 2^53 or more,
 * which no double holds). */
int kt_exact_add_both_int(kt_exact *sum, kt_exact *squares, int64_t v);

/* Widen dst's limbs so that adding src to it needs no memory: after it,
 * kt_exact_merge(dst, src) cannot fail. -1 when out of memory (dst's
 * total unchanged either way). */
int kt_exact_reserve(kt_exact *dst, const kt_exact *src);

/* Add the total src to dst (src may be dst). -1 when out of memory, dst
 * unchanged; never after kt_exact_reserve(dst, src). */
int kt_exact_merge(kt_exact *dst, const kt_exact *src);

/* The total as the nearest double (+-INFINITY beyond the range). */
double kt_exact_double(const kt_exact *x);

/* The total over n: the total rounded, then divided by n in doubles (so
 * a function of the total alone); when the total is beyond a double's
 * range, the exact quotient rounded once. NAN for n = 0. */
double kt_exact_mean(const kt_exact *x, uint64_t n);

/* The same given the total already rounded (kt_exact_double's result), which
 * spares converting it again. */
double kt_exact_mean_of(const kt_exact *x, double total, uint64_t n);

/* The sample variance of n values whose sum is sum and sum of squares is
 * squares: (n * squares - sum^2) / (n (n - 1)), the numerator exact and
 * rounded once, the division in doubles (for a numerator beyond a double:
 * the exact quotient rounded once), so the result depends on the values
 * alone. NAN when n < 2. */
double kt_exact_variance(const kt_exact *sum, const kt_exact *squares, uint64_t n);

/* The sample standard deviation, the square root of that variance; finite
 * also where the variance is beyond a double (values near 1e308: the
 * variance is weighed down by a power of two before the root). NAN when
 * n < 2. */
double kt_exact_stddev(const kt_exact *sum, const kt_exact *squares, uint64_t n);

/* Lossless: the limbs as they are. decode checks the shape (limb range,
 * no redundant top limb) and returns -1 (r marked bad) otherwise or when
 * out of memory; x is left zero then. */
void kt_exact_encode(const kt_exact *x, kt_wire_buf *b);
int kt_exact_decode(kt_exact *x, kt_wire_reader *r);

/* Sign: -1, 0 or 1. */
int kt_exact_sign(const kt_exact *x);

/* kt_exact_add_fast writes nothing before it knows it will finish and
 * calls nothing: the general way is its caller's (kt_moments_add's a tail
 * call), so that the common way saves few registers. */

static inline uint64_t *kt_exact_limbs_(kt_exact *x)
{
	return x->heap ? x->u.big : x->u.small;
}

/* A carry into *p run up to x's top limb, which absorbs it (it would take
 * 2^63 values to carry past its sign). Rare: x's size is read again here
 * (volatile) rather than kept in a register on the common way, which
 * saves two registers' push and pop per value (GCC 12). */
static inline void kt_exact_carry_(uint64_t *p, kt_exact *x)
{
	const uint64_t *end = kt_exact_limbs_(x) + *(volatile uint8_t *)&x->n;
	for (; p < end && ++*p == 0; p++)
		;
}

/* Limbs at .. at + k of x held: 0 or more; negative otherwise. */
static inline int kt_exact_holds_(const kt_exact *x, int at, int k)
{
	int i = at - x->lo;
	return i | (x->n - 1 - k - i);
}

static inline __attribute__((always_inline)) bool
kt_exact_add_fast(kt_exact *sum, kt_exact *squares, double v)
{
	typedef unsigned __int128 u128;
	uint64_t bits, *l;
	memcpy(&bits, &v, sizeof bits);
	/* v = +-m 2^e, m below 2^53: m 2^e goes in the two limbs from limb
	 * e >> 6 (an arithmetic shift: floor division), m^2 2^2e in the
	 * three from limb 2e >> 6 = e >> 5. Zero and subnormals (exponent
	 * field 0) take the general way. */
	int ex = (int)(bits >> 52 & 0x7ff), e = ex - 1075;
	if (((ex - 1) | (sum ? kt_exact_holds_(sum, e >> 6, 2) : 0) |
	     (squares ? kt_exact_holds_(squares, e >> 5, 3) : 0)) < 0)
		return false;
	uint64_t m = (bits & ((1ULL << 52) - 1)) | 1ULL << 52;
	u128 a = (u128)m << (e & 63); /* m 2^e = a 2^(64 (e >> 6)) */
	uint64_t a0 = (uint64_t)a, a1 = (uint64_t)(a >> 64); /* a1 below 2^53 */
	if (sum) {
		/* A carry or borrow out of the two limbs (the total changing
		 * sign, mostly) is left to the general way: nothing written
		 * yet. */
		l = kt_exact_limbs_(sum) + (unsigned)((e >> 6) - sum->lo);
		u128 t = (u128)l[1] << 64 | l[0];
		if (bits >> 63) {
			if (t < a)
				return false;
			t -= a;
		} else if (__builtin_add_overflow(t, a, &t)) {
			return false;
		}
		l[0] = (uint64_t)t;
		l[1] = (uint64_t)(t >> 64);
	}
	if (squares) {
		l = kt_exact_limbs_(squares) + (unsigned)((e >> 5) - squares->lo);
		bool c;
		if (!a0 && (unsigned)(e + 52) < 20) {
			/* An integer from 1 to 2^20 - 1, which is a1 (e from -52
			 * to -33: a = |v| 2^64): its square, below 2^40, goes in
			 * limb 0, l[2] (limb e >> 5 is -2), the limbs below it
			 * getting zeros. */
			c = __builtin_add_overflow(l[2], a1 * a1, &l[2]);
		} else {
			u128 sq = (u128)m * m; /* below 2^106 */
			u128 t = (u128)l[1] << 64 | l[0];
			/* Shifted by 2e & 63, the bits past 128 (below 2^42); the
			 * count written ~2e & 63 there, not 63 - (2e & 63), so that
			 * the 128-bit shift keeps its own (a shld, no test of its
			 * bit 6). */
			uint64_t top = ((uint64_t)(sq >> 64) >> 1) >> (~(2 * e) & 63);
			c = __builtin_add_overflow(t, sq << ((2 * e) & 63), &t);
			l[0] = (uint64_t)t;
			l[1] = (uint64_t)(t >> 64);
			c = __builtin_add_overflow(l[2], top + c, &l[2]);
		}
		if (c)
			kt_exact_carry_(l + 3, squares);
	}
	return true;
}

#endif
