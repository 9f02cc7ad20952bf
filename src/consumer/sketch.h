/* sketch: a relative-error quantile sketch (DDSketch-style logarithmic
 * buckets) whose memory grows with the spread of its values, not their number.
 *
 * Error bound. Take n values and q in [0, 1]. Let k = floor(q * (n - 1)) and
 * let x_k be the k-th smallest value, counting from 0 (the "lower" quantile:
 * always a value that was added, never an interpolation). kt_sketch_quantile
 * returns v with
 *     |v - x_k| <= KT_SKETCH_ALPHA * |x_k|   when KT_SKETCH_MIN <= |x_k| <= KT_SKETCH_MAX
 *     |v - x_k| <  KT_SKETCH_MIN             when |x_k| < KT_SKETCH_MIN
 * (plus a relative 1e-12 or so of floating-point rounding at bucket edges).
 * Values below KT_SKETCH_MIN in magnitude count as 0. Values above
 * KT_SKETCH_MAX go into the edge bucket, so their estimate lies between
 * about KT_SKETCH_MAX and the value. Estimates are clamped to the exact
 * min and max, which q = 0 and q = 1 return as they are. When every value
 * added is an integer, estimates below 1 / (2 * alpha) = 50 in magnitude
 * are rounded to integers: that makes them exact, since the bound keeps
 * them within 0.5 of x_k.
 *
 * Memory: sizeof(kt_sketch) (80 bytes) plus, for each sign of value, one
 * heap block holding the smaller of
 *   - sparse: (2 + w) bytes per used bucket (capacity doubles as needed),
 *   - dense:  w bytes per bucket from the lowest to the highest used one
 *     (plus up to 1/8 slack when the run widens),
 * where w, the counter width, is 1, 2, 4 or 8 bytes: the fewest that hold the
 * largest count of one bucket (up to 255, 65,535, 2^32 - 1, more); a dense
 * run's counters start at half a byte, while no bucket counts more than 15.
 * At 1 % error a factor of 10 spans 116 buckets, so 50 values from 1 to 1000
 * take at most 192 heap bytes (sparse), 40 prices around 50 about 50 (dense,
 * 4 bits each), and a million about 700 (dense: 347 buckets of 2 bytes).
 * Zeros take no room. Hard cap:
 * 3,255 buckets per sign (KT_SKETCH_MIN to KT_SKETCH_MAX): at most 13 KB per
 * sign, 26 KB per sketch, while no bucket counts 2^32 values.
 *
 * Time: adding is O(1): an index into the dense run, or while sparse a
 * binary search over at most 1,024 buckets (up to 8 compared at once). It
 * allocates only when a new bucket needs room (sparse capacity doubles,
 * the dense run widens with slack) or a count outgrows its width (at most
 * 3 times). */
#ifndef KTRIO_SKETCH_H
#define KTRIO_SKETCH_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define KT_SKETCH_ALPHA 0.01
#define KT_SKETCH_MIN 1e-9
#define KT_SKETCH_MAX 0x1p64 /* about 1.8e19: any 64-bit integer */

/* Buckets of one sign, keyed by index i, which holds magnitudes in
 * (gamma^(i-1), gamma^i] with gamma = (1 + alpha) / (1 - alpha). */
typedef struct kt_sketch_store {
	/* Sparse: cap int16_t indexes, ascending, then cap counters.
	 * Dense: n counters for the indexes base .. base + n - 1. */
	void *mem;
	int16_t base;
	uint16_t n;     /* sparse: buckets used; dense: counters */
	uint16_t cap;   /* sparse: room for buckets */
	uint8_t width;  /* bytes per counter: 1, 2, 4 or 8; 0: 4 bits (dense only) */
	uint8_t dense;
} kt_sketch_store;

typedef struct kt_sketch {
	uint64_t count;   /* values added */
	uint64_t zeros;   /* of them, magnitude below KT_SKETCH_MIN */
	uint64_t dropped; /* of them, left out of the buckets for lack of memory */
	double min, max;
	kt_sketch_store pos, neg; /* by magnitude */
	uint8_t fractional;       /* some value added was not an integer */
} kt_sketch;

/* An empty sketch. It allocates nothing until values come, but must be
 * released once it has some. */
void kt_sketch_init(kt_sketch *s);

/* Free what s holds and leave it empty, ready for reuse. */
void kt_sketch_release(kt_sketch *s);

/* Add one value. 0 on success. -1 when x is NAN (ignored, nothing counted)
 * or memory ran out: then x still counts in count, min and max, but not in
 * the quantiles, which are taken over the other values. */
int kt_sketch_add(kt_sketch *s, double x);

/* A few magnitudes' bucket indexes, remembered for kt_sketch_add_memo:
 * real data repeats values (small integers, latencies in ms), and a hit
 * takes a load and a compare instead of bucket_of's arithmetic. Direct
 * mapped, by a hash of the magnitude's bits. The index is a function of
 * the magnitude alone, the same in every sketch, so a memo is never stale
 * and may serve any number of sketches (the window keeps one per stat
 * column and one for its latency), but only one thread at a time. All
 * zeros (calloc, = {0}) is an empty memo; nothing to release. */
#define KT_SKETCH_MEMO_BITS 6
typedef struct kt_sketch_memo {
	/* The complement of a magnitude's bits: 0, the complement of bits
	 * with the sign set, is no magnitude's, so it marks an empty slot. */
	uint64_t key[1 << KT_SKETCH_MEMO_BITS];
	/* The bucket index times 2, plus 1 when the magnitude makes its
	 * sketch fractional (see kt_sketch.fractional). */
	int16_t code[1 << KT_SKETCH_MEMO_BITS];
} kt_sketch_memo;

/* kt_sketch_add, its bucket looked up in memo first (and stored there on
 * a miss). The sketch ends up exactly as kt_sketch_add would leave it. */
int kt_sketch_add_memo(kt_sketch *s, double x, kt_sketch_memo *memo);

/* Estimate of the q-quantile as defined above. NAN when the sketch is empty
 * or q is outside [0, 1] (or NAN). */
double kt_sketch_quantile(const kt_sketch *s, double q);

/* out[i] = kt_sketch_quantile(s, q[i]) for n quantiles in ascending order,
 * in one walk over the buckets (a window's writer asks three per stat). */
void kt_sketch_quantiles(const kt_sketch *s, const double *q, size_t n, double *out);

/* Fold src into dst (which may be src itself: every count doubles). The
 * result is the sketch of both sets of values, as if added to one sketch.
 * 0 on success; -1 on allocation failure, when dst is left unchanged.
 * Buckets have one index mapping in every sketch, so the merged counts are
 * exactly those of one sketch fed both streams: quantiles of a merge are
 * identical to the single sketch's. The merger (summary.c) folds the
 * partitions' sketches this way. */
int kt_sketch_merge(kt_sketch *dst, const kt_sketch *src);

/* Append s's state (counts, extremes, the non-empty buckets) to b, and
 * read it back: kt_sketch_decode initialises s and fills it with what was
 * encoded (equal quantiles, bit-exact extremes), or returns -1 with r->bad
 * set and s empty when the input is malformed (inconsistent counts,
 * buckets out of range or out of order) or memory runs out. */
void kt_sketch_encode(const kt_sketch *s, kt_wire_buf *b);
int kt_sketch_decode(kt_sketch *s, kt_wire_reader *r);

/* The index of the bucket holding a magnitude m in [KT_SKETCH_MIN, +inf]
 * (those above KT_SKETCH_MAX go to its bucket): ceil(log(m) / log(gamma)),
 * the mapping every sketch shares. kt_sketch_bucket_log computes it with
 * libm's log, as the definition says; kt_sketch_bucket, which kt_sketch_add
 * uses, gives the same index for every m without log() except near a
 * bucket's edge. Exposed for the tests that hold the two equal. */
int kt_sketch_bucket(double m);
int kt_sketch_bucket_log(double m);

/* Bytes used by s: the struct and its heap blocks (allocator overhead
 * aside). The consumer does not need it: tests hold the memory bound to
 * it. */
size_t kt_sketch_bytes(const kt_sketch *s);

#endif
