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

/* Both at once: v into sum and its square into squares (one split of v;
 * what running moments do per value). -1 when out of memory: both as
 * they were. */
int kt_exact_add_both(kt_exact *sum, kt_exact *squares, double v);

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

/* Lossless: the limbs as they are. decode checks the shape (limb range,
 * no redundant top limb) and returns -1 (r marked bad) otherwise or when
 * out of memory; x is left zero then. */
void kt_exact_encode(const kt_exact *x, kt_wire_buf *b);
int kt_exact_decode(kt_exact *x, kt_wire_reader *r);

/* Sign: -1, 0 or 1. */
int kt_exact_sign(const kt_exact *x);

#endif
