/* moments: running count, extremes and exact sums of a field's values. */
#include "moments.h"

#include <math.h>

void kt_moments_init(kt_moments *m)
{
	*m = (kt_moments){.min = INFINITY, .max = -INFINITY};
	kt_exact_init(&m->sum);
	kt_exact_init(&m->squares);
}

void kt_moments_release(kt_moments *m)
{
	kt_exact_release(&m->sum);
	kt_exact_release(&m->squares);
	kt_moments_init(m);
}

static void count(kt_moments *m, double x)
{
	m->count++;
	m->min = x < m->min ? x : m->min; /* minsd and maxsd, no branches */
	m->max = x > m->max ? x : m->max;
}

static __attribute__((noinline)) int add_slow(kt_moments *m, double x)
{
	if (kt_exact_add_both(&m->sum, &m->squares, x) < 0)
		return -1;
	count(m, x);
	return 0;
}

/* The exact sums' common case in line, the rest a tail call: nothing to
 * save around a call on the way most values take. */
int kt_moments_add(kt_moments *m, double x)
{
	if (!kt_exact_add_fast(&m->sum, &m->squares, x))
		return add_slow(m, x);
	count(m, x);
	return 0;
}

int kt_moments_add_int(kt_moments *m, double v, int64_t exact)
{
	if (kt_exact_add_both_int(&m->sum, &m->squares, exact) < 0)
		return -1;
	count(m, v);
	return 0;
}

int kt_moments_reserve(kt_moments *a, const kt_moments *b)
{
	return kt_exact_reserve(&a->sum, &b->sum) < 0 || kt_exact_reserve(&a->squares, &b->squares) < 0
		       ? -1
		       : 0;
}

int kt_moments_merge(kt_moments *a, const kt_moments *b)
{
	if (b->count == 0)
		return 0;
	if (kt_moments_reserve(a, b) < 0)
		return -1;
	kt_exact_merge(&a->sum, &b->sum); /* reserved: cannot fail */
	kt_exact_merge(&a->squares, &b->squares);
	a->count += b->count;
	if (b->min < a->min)
		a->min = b->min;
	if (b->max > a->max)
		a->max = b->max;
	return 0;
}

double kt_moments_sum(const kt_moments *m)
{
	return kt_exact_double(&m->sum);
}

double kt_moments_mean(const kt_moments *m)
{
	return kt_exact_mean(&m->sum, m->count);
}

double kt_moments_variance(const kt_moments *m)
{
	if (m->count < 2)
		return NAN;
	double v = kt_exact_variance(&m->sum, &m->squares, m->count);
	return v > 0 ? v : 0.0;
}

double kt_moments_stddev(const kt_moments *m)
{
	return kt_exact_stddev(&m->sum, &m->squares, m->count); /* NAN below 2 */
}

void kt_moments_figures(const kt_moments *m, double *sum, double *mean, double *stddev)
{
	*sum = kt_exact_double(&m->sum);
	*mean = kt_exact_mean_of(&m->sum, *sum, m->count);
	*stddev = kt_moments_stddev(m);
}

void kt_moments_encode(const kt_moments *m, kt_wire_buf *b)
{
	kt_wire_put_u64(b, m->count);
	kt_wire_put_f64(b, m->min);
	kt_wire_put_f64(b, m->max);
	kt_exact_encode(&m->sum, b);
	kt_exact_encode(&m->squares, b);
}

int kt_moments_decode(kt_moments *m, kt_wire_reader *r)
{
	kt_moments_init(m);
	m->count = kt_wire_get_u64(r);
	m->min = kt_wire_get_f64(r);
	m->max = kt_wire_get_f64(r);
	if (r->bad || kt_exact_decode(&m->sum, r) < 0 || kt_exact_decode(&m->squares, r) < 0 ||
	    kt_exact_sign(&m->squares) < 0) {
		r->bad = true;
		kt_moments_release(m);
		return -1;
	}
	return 0;
}
