/* welford: running count, sum, mean, variance (Welford's method, stable for
 * large values with small spread), minimum and maximum. */
#ifndef KTRIO_WELFORD_H
#define KTRIO_WELFORD_H

#include <stdint.h>

/* Plain data: read the fields directly; update them only through the
 * functions below. Embedded, so nothing to release. */
typedef struct kt_welford {
	uint64_t count;
	double sum;
	double mean; /* 0 while empty */
	double m2;   /* sum of squared deviations from the mean */
	/* Internal: the first value, and the mean of the values minus it.
	 * Working on deviations from a value near the data keeps the running
	 * mean's rounding small (values near 1e9 arriving in order drifted
	 * by 5e-5 of the stddev without it). */
	double shift, dmean;
	double min, max; /* +INFINITY and -INFINITY while empty */
} kt_welford;

/* Empty moments. */
void kt_welford_init(kt_welford *w);

/* Add one finite value (a NAN or an infinity would poison the moments:
 * callers filter them). O(1), no allocation. */
void kt_welford_add(kt_welford *w, double x);

/* Fold b into a: a then holds the moments of both sets of values (Chan et
 * al.'s pairwise formula; equal to adding them one by one up to rounding,
 * about 1e-15 relative). */
void kt_welford_merge(kt_welford *a, const kt_welford *b);

/* Sample variance (divided by count - 1) and standard deviation; NAN when
 * count < 2, never negative. */
double kt_welford_variance(const kt_welford *w);
double kt_welford_stddev(const kt_welford *w);

#endif
