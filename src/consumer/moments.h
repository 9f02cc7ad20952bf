/* moments: count, exact sum, mean, variance, minimum and maximum of a
 * field's values, the same bits whatever order the values came in. */
#ifndef KTRIO_MOMENTS_H
#define KTRIO_MOMENTS_H

#include <stdint.h>

#include "exact.h"
#include "wire.h"

/* Read count, min and max directly; update only through the functions
 * below. The sums are exact (see exact.h): every figure derived from them
 * is a function of the set of values alone, so a window's mean and stddev
 * do not change with the partitions' interleaving, threads, batching or
 * how many consumers merged their parts. */
typedef struct kt_moments {
	uint64_t count;
	double min, max; /* +INFINITY and -INFINITY while empty */
	kt_exact sum, squares;
} kt_moments;

/* Empty moments; release once values were added. */
void kt_moments_init(kt_moments *m);
void kt_moments_release(kt_moments *m);

/* Add one finite value (callers filter NAN and infinities). -1 when out
 * of memory: nothing counted. */
int kt_moments_add(kt_moments *m, double x);

/* The same for an integer v held exactly in exact (v its nearest double):
 * the sums take the integer. */
int kt_moments_add_int(kt_moments *m, double v, int64_t exact);

/* Make the room kt_moments_merge(a, b) needs: after it the merge cannot
 * fail. -1 when out of memory (a's figures unchanged either way). */
int kt_moments_reserve(kt_moments *a, const kt_moments *b);

/* Fold b into a (b may be a). -1 when out of memory, a unchanged. */
int kt_moments_merge(kt_moments *a, const kt_moments *b);

/* The exact sum rounded to the nearest double; 0 while empty. */
double kt_moments_sum(const kt_moments *m);

/* That sum divided by the count (NAN while empty); for a sum beyond a
 * double's range, the exact mean rounded once (see kt_exact_mean). */
double kt_moments_mean(const kt_moments *m);

/* Sample variance (divided by count - 1) from the exact sums, and its
 * square root; NAN when count < 2, never negative. */
double kt_moments_variance(const kt_moments *m);
double kt_moments_stddev(const kt_moments *m);

/* The three a report prints at once (the sum converted once). */
void kt_moments_figures(const kt_moments *m, double *sum, double *mean, double *stddev);

/* Lossless encoding; decode leaves m empty and returns -1 (r marked bad)
 * on a malformed one. */
void kt_moments_encode(const kt_moments *m, kt_wire_buf *b);
int kt_moments_decode(kt_moments *m, kt_wire_reader *r);

#endif
