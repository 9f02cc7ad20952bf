/* welford: numerically stable running moments. */
#include "welford.h"

#include <math.h>

void kt_welford_init(kt_welford *w)
{
	*w = (kt_welford){.min = INFINITY, .max = -INFINITY};
}

void kt_welford_add(kt_welford *w, double x)
{
	if (w->count == 0)
		w->shift = x;
	w->count++;
	w->sum += x;
	/* Update the mean by the deviation, never forming sum of squares,
	 * so values near 1e9 with a tiny spread keep their variance. */
	double d = x - w->shift;
	double delta = d - w->dmean;
	w->dmean += delta / (double)w->count;
	w->m2 += delta * (d - w->dmean);
	w->mean = w->shift + w->dmean;
	if (x < w->min)
		w->min = x;
	if (x > w->max)
		w->max = x;
}

double kt_welford_variance(const kt_welford *w)
{
	if (w->count < 2)
		return NAN;
	double var = w->m2 / (double)(w->count - 1);
	return var > 0 ? var : 0.0;
}

double kt_welford_stddev(const kt_welford *w)
{
	return sqrt(kt_welford_variance(w));
}

void kt_welford_merge(kt_welford *a, const kt_welford *b)
{
	if (b->count == 0)
		return;
	if (a->count == 0) {
		*a = *b;
		return;
	}
	/* Chan, Golub and LeVeque: the means' difference, taken on the
	 * deviations from a's shift so large values keep their precision. */
	double na = (double)a->count, nb = (double)b->count, n = na + nb;
	double delta = (b->shift - a->shift) + (b->dmean - a->dmean);
	a->dmean += delta * (nb / n);
	a->m2 += b->m2 + delta * delta * (na * nb / n);
	a->count += b->count;
	a->sum += b->sum;
	a->mean = a->shift + a->dmean;
	if (b->min < a->min)
		a->min = b->min;
	if (b->max > a->max)
		a->max = b->max;
}
