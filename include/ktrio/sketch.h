/* sketch: a relative-error quantile sketch (DDSketch-style logarithmic
 * buckets) that starts small and grows only with the spread of its values.
 *
 * Error bound: for q in [0, 1] and n values, let k = floor(q * (n - 1)) and
 * x_k the k-th smallest value (0-based). kt_sketch_quantile returns v with
 * |v - x_k| <= KT_SKETCH_ALPHA * |x_k|, for |x_k| in [1e-9, 1e15]; values
 * of smaller magnitude count as 0, larger ones share the edge bucket (and
 * estimates are clamped to the exact min and max, which q = 0 and q = 1
 * return as they are). When every value added
 * is an integer, estimates below 1 / (2 * alpha) = 50 in magnitude are
 * rounded, which makes them exact (the bound keeps them within 0.5 of x_k).
 *
 * Memory: about 80 bytes plus, per sign, the smaller of 8 bytes per used
 * bucket (sparse, up to 1024 buckets) and 4 bytes per bucket between the
 * lowest and highest used (dense; at 1 % error a factor of 10 spans 116
 * buckets). At most about 11 KB per sign, for the whole 1e-9..1e15 range. */
#ifndef KTRIO_SKETCH_H
#define KTRIO_SKETCH_H

#include <stdint.h>

#define KT_SKETCH_ALPHA 0.01

/* Buckets of one sign: sparse (sorted index/count pairs) while that is the
 * smaller form, then a dense run of counters from `base`. */
typedef struct kt_sketch_store {
	int32_t *keys;    /* sparse: bucket indexes, ascending */
	uint32_t *counts; /* sparse: per key; dense: per index - base */
	uint32_t n;       /* sparse: pairs used; dense: counters */
	uint32_t cap;
	int32_t base;     /* dense: index of counts[0] */
	uint8_t dense;
} kt_sketch_store;

typedef struct kt_sketch {
	uint64_t count;
	uint64_t zeros;
	double min, max;
	int fractional; /* some value added was not an integer */
	kt_sketch_store pos, neg; /* by |x| */
} kt_sketch;

/* An empty sketch; it allocates on first use, so release it. */
void kt_sketch_init(kt_sketch *s);
void kt_sketch_release(kt_sketch *s);

/* Add one finite value. On allocation failure the value is counted in the
 * nearest existing bucket rather than lost (count stays exact). */
void kt_sketch_add(kt_sketch *s, double x);

/* Estimate of the q-quantile as defined above; NAN when empty. */
double kt_sketch_quantile(const kt_sketch *s, double q);

/* Fold src into dst. -1 on allocation failure (dst then unchanged). */
int kt_sketch_merge(kt_sketch *dst, const kt_sketch *src);

#endif
