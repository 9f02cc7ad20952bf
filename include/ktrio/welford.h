/* welford: running count, sum, mean, variance (Welford's method, stable for
 * large values with small spread), minimum and maximum. */
#ifndef KTRIO_WELFORD_H
#define KTRIO_WELFORD_H

#include <stdint.h>

typedef struct kt_welford {
	uint64_t count;
	double sum;
	double mean;
	double m2; /* sum of squared deviations from the mean */
	double min, max;
} kt_welford;

void kt_welford_init(kt_welford *w);

/* Add one finite value. */
void kt_welford_add(kt_welford *w, double x);

/* Fold b into a (Chan et al.'s parallel combination). */
void kt_welford_merge(kt_welford *a, const kt_welford *b);

/* Sample standard deviation (n - 1); NAN when count < 2. */
double kt_welford_stddev(const kt_welford *w);

#endif
