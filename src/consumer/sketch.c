/* sketch: relative-error quantiles in logarithmic buckets, sparse then dense,
 * each counter as narrow as the counts allow. */
#include "sketch.h"

#include "wire.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Bucket i holds magnitudes in (gamma^(i-1), gamma^i]; its representative
 * 2 gamma^i / (gamma + 1) is within alpha of every one of them. */
static const double GAMMA = (1 + KT_SKETCH_ALPHA) / (1 - KT_SKETCH_ALPHA);

/* log(GAMMA) as a constant so nothing needs computing at start-up
 * (recompute log((1 + a) / (1 - a)) if KT_SKETCH_ALPHA ever changes). */
#define LOG_GAMMA 0.020000666706669435

/* Indexes of KT_SKETCH_MIN and KT_SKETCH_MAX: ceil(log(m) / LOG_GAMMA). */
#define IDX_MIN (-1036)
#define IDX_MAX 2218

/* Past this many buckets a store goes dense whatever the sizes, which
 * bounds the binary search and the shifting done by a sparse insert. */
#define SPARSE_MAX 1024

static int bucket_of(double magnitude)
{
	if (magnitude > KT_SKETCH_MAX)
		magnitude = KT_SKETCH_MAX;
	return (int)ceil(log(magnitude) / LOG_GAMMA);
}

static double bucket_value(int i)
{
	return exp((double)i * LOG_GAMMA) * 2.0 / (GAMMA + 1.0);
}

/* Counters are 1, 2, 4 or 8 bytes wide, the same for a whole store. */

static uint64_t ctr_get(const void *c, unsigned width, size_t i)
{
	switch (width) {
	case 1:
		return ((const uint8_t *)c)[i];
	case 2:
		return ((const uint16_t *)c)[i];
	case 4:
		return ((const uint32_t *)c)[i];
	default:
		return ((const uint64_t *)c)[i];
	}
}

static void ctr_set(void *c, unsigned width, size_t i, uint64_t v)
{
	switch (width) {
	case 1:
		((uint8_t *)c)[i] = (uint8_t)v;
		break;
	case 2:
		((uint16_t *)c)[i] = (uint16_t)v;
		break;
	case 4:
		((uint32_t *)c)[i] = (uint32_t)v;
		break;
	default:
		((uint64_t *)c)[i] = v;
	}
}

static unsigned width_for(uint64_t v)
{
	return v <= UINT8_MAX ? 1 : v <= UINT16_MAX ? 2 : v <= UINT32_MAX ? 4 : 8;
}

/* Sparse layout: cap indexes, then cap counters. cap is a multiple of 4, so
 * the counters start 8-byte aligned. */
static int16_t *sparse_keys(const kt_sketch_store *st)
{
	return st->mem;
}

static void *sparse_ctrs(const kt_sketch_store *st)
{
	return (char *)st->mem + 2 * (size_t)st->cap;
}

static size_t store_bytes(const kt_sketch_store *st)
{
	if (!st->mem)
		return 0;
	return st->dense ? (size_t)st->n * st->width : (size_t)st->cap * (2u + st->width);
}

/* The i-th bucket in ascending index order (dense ones may be empty). */
static uint64_t store_bucket(const kt_sketch_store *st, uint32_t i, int *idx)
{
	if (st->dense) {
		*idx = st->base + (int)i;
		return ctr_get(st->mem, st->width, i);
	}
	*idx = sparse_keys(st)[i];
	return ctr_get(sparse_ctrs(st), st->width, i);
}

/* Move st's buckets into a new block laid out as `to` says (dense: base,
 * n, width; sparse: cap, width, which must be room enough). -1 when out of
 * memory, st unchanged. */
static int relayout(kt_sketch_store *st, kt_sketch_store to)
{
	to.mem = calloc(1, to.dense ? (size_t)to.n * to.width : (size_t)to.cap * (2u + to.width));
	if (!to.mem)
		return -1;
	uint16_t used = 0;
	for (uint32_t i = 0; i < (st->mem ? st->n : 0); i++) {
		int idx;
		uint64_t c = store_bucket(st, i, &idx);
		if (to.dense) {
			ctr_set(to.mem, to.width, (size_t)(idx - to.base), c);
		} else {
			sparse_keys(&to)[used] = (int16_t)idx;
			ctr_set(sparse_ctrs(&to), to.width, used++, c);
		}
	}
	if (!to.dense)
		to.n = used;
	free(st->mem);
	*st = to;
	return 0;
}

/* Go dense over [lo, hi] (the used span widened for what comes next). */
static int to_dense(kt_sketch_store *st, int lo, int hi, unsigned width)
{
	kt_sketch_store to = {.dense = 1, .width = (uint8_t)width};
	to.base = (int16_t)lo;
	to.n = (uint16_t)(hi - lo + 1);
	return relayout(st, to);
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* Add c to bucket idx. -1 when out of memory (st unchanged). */
static int store_add(kt_sketch_store *st, int idx, uint64_t c)
{
	if (st->dense) {
		int top = st->base + (int)st->n - 1;
		if (idx < st->base || idx > top) {
			/* Widen the run with 1/8 slack on the side it grows,
			 * so a drifting stream does not copy it at each step. */
			int lo = idx < st->base ? idx : st->base;
			int hi = idx > top ? idx : top;
			int slack = (hi - lo + 1) / 8;
			if (idx < st->base)
				lo = lo - slack < IDX_MIN ? IDX_MIN : lo - slack;
			else
				hi = hi + slack > IDX_MAX ? IDX_MAX : hi + slack;
			if (to_dense(st, lo, hi, st->width) < 0)
				return -1;
		}
		size_t i = (size_t)(idx - st->base);
		uint64_t v = add_sat(ctr_get(st->mem, st->width, i), c);
		if (width_for(v) > st->width) {
			kt_sketch_store to = *st;
			to.width = (uint8_t)width_for(v);
			if (relayout(st, to) < 0)
				return -1;
		}
		ctr_set(st->mem, st->width, i, v);
		return 0;
	}

	int16_t *keys = sparse_keys(st);
	uint32_t lo = 0, hi = st->n;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (keys[mid] < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	uint64_t v = c;
	if (lo < st->n && keys[lo] == idx)
		v = add_sat(ctr_get(sparse_ctrs(st), st->width, lo), c);
	unsigned width = st->mem && st->width > width_for(v) ? st->width : width_for(v);

	if (!(lo < st->n && keys[lo] == idx) && st->n == st->cap) {
		/* Full: grow, or go dense when a dense run would take no
		 * more room than the doubled pairs. (A new store starts
		 * sparse: its next values may be far apart.) */
		uint32_t cap = st->cap ? 2u * st->cap : 4;
		int first = st->n ? keys[0] : idx, last = st->n ? keys[st->n - 1] : idx;
		int span_lo = idx < first ? idx : first, span_hi = idx > last ? idx : last;
		size_t dense = (size_t)(span_hi - span_lo + 1) * width;
		if (st->n && (cap > SPARSE_MAX || dense <= (size_t)cap * (2 + width))) {
			if (to_dense(st, span_lo, span_hi, width) < 0)
				return -1;
		} else {
			kt_sketch_store to = *st;
			to.cap = (uint16_t)cap;
			to.width = (uint8_t)width;
			if (relayout(st, to) < 0)
				return -1;
		}
		return store_add(st, idx, c);
	}
	if (width > st->width) {
		kt_sketch_store to = *st;
		to.width = (uint8_t)width;
		if (relayout(st, to) < 0)
			return -1;
		keys = sparse_keys(st);
	}
	void *ctrs = sparse_ctrs(st);
	if (!(lo < st->n && keys[lo] == idx)) {
		/* Open the bucket: shift the higher ones up by one. */
		memmove(keys + lo + 1, keys + lo, (st->n - lo) * sizeof *keys);
		memmove((char *)ctrs + (lo + 1) * st->width, (char *)ctrs + lo * st->width,
			(st->n - lo) * st->width);
		keys[lo] = (int16_t)idx;
		st->n++;
	}
	ctr_set(ctrs, st->width, lo, v);
	return 0;
}

void kt_sketch_init(kt_sketch *s)
{
	memset(s, 0, sizeof *s);
	s->min = INFINITY;
	s->max = -INFINITY;
}

void kt_sketch_release(kt_sketch *s)
{
	free(s->pos.mem);
	free(s->neg.mem);
	kt_sketch_init(s);
}

int kt_sketch_add(kt_sketch *s, double x)
{
	if (isnan(x))
		return -1;
	s->count++;
	if (x < s->min)
		s->min = x;
	if (x > s->max)
		s->max = x;
	double m = fabs(x);
	/* Only values that small can be the exact quantile of an estimate
	 * below 50, the ones rounded for integer data. */
	if (m < 64 && x != floor(x))
		s->fractional = 1;
	if (m < KT_SKETCH_MIN) {
		s->zeros++;
		return 0;
	}
	if (store_add(x > 0 ? &s->pos : &s->neg, bucket_of(m), 1) < 0) {
		s->dropped++;
		return -1;
	}
	return 0;
}

static double finish(const kt_sketch *s, double v)
{
	v = v < s->min ? s->min : v > s->max ? s->max : v;
	if (!s->fractional && fabs(v) < 0.5 / KT_SKETCH_ALPHA)
		v = round(v);
	return v;
}

/* The rank among the values in the buckets (zeros included) whose value
 * is the q-quantile, or -1 when *v is the answer already (an extreme, no
 * value, out of memory for all). */
static int64_t quantile_rank(const kt_sketch *s, double q, double *v)
{
	if (s->count == 0 || !(q >= 0 && q <= 1)) {
		*v = NAN;
		return -1;
	}
	/* q * (count - 1) >= 0: the conversion truncates, as floor would */
	uint64_t rank = (uint64_t)(q * (double)(s->count - 1));
	if (rank == 0 || rank == s->count - 1) {
		*v = rank == 0 ? s->min : s->max; /* the extremes are known exactly */
		return -1;
	}
	uint64_t placed = s->count - s->dropped;
	if (placed < s->count) { /* out of memory once: rank among the rest */
		if (placed == 0) {
			*v = q < 0.5 ? s->min : s->max;
			return -1;
		}
		rank = (uint64_t)(q * (double)(placed - 1));
	}
	return (int64_t)rank;
}

/* A walk over the buckets in ascending order of value: negatives from the
 * largest magnitude down, then zeros, then positives upward. */
typedef struct walk {
	const kt_sketch *s;
	uint64_t seen; /* values before the current bucket */
	int phase;     /* 0 negatives, 1 zeros, 2 positives, 3 done */
	uint32_t i;    /* the next bucket within the phase */
	uint64_t end;  /* seen + the current bucket's count */
	int idx;       /* the current bucket's index (phases 0 and 2) */
} walk;

/* The estimate of the values in w's current bucket. */
static double walk_value(const walk *w)
{
	double v = w->phase == 1 ? 0.0 : bucket_value(w->idx);
	return finish(w->s, w->phase == 0 ? -v : v);
}

/* Step w to the next non-empty bucket; false at the end. */
static bool walk_next(walk *w)
{
	const kt_sketch *s = w->s;
	w->seen = w->end;
	for (;;) {
		if (w->phase == 0 && w->i < s->neg.n) {
			uint64_t c = store_bucket(&s->neg, s->neg.n - 1 - w->i++, &w->idx);
			if (!c)
				continue;
			w->end = w->seen + c;
			return true;
		}
		if (w->phase == 0) {
			w->phase = 1;
			if (s->zeros) {
				w->end = w->seen + s->zeros;
				return true;
			}
		}
		if (w->phase == 1)
			w->phase = 2, w->i = 0;
		if (w->phase == 2 && w->i < s->pos.n) {
			uint64_t c = store_bucket(&s->pos, w->i++, &w->idx);
			if (!c)
				continue;
			w->end = w->seen + c;
			return true;
		}
		w->phase = 3;
		return false;
	}
}

void kt_sketch_quantiles(const kt_sketch *s, const double *q, size_t n, double *out)
{
	walk w = {.s = s};
	bool in_bucket = false, done = false, valued = false;
	double value = 0;
	for (size_t k = 0; k < n; k++) {
		int64_t rank = quantile_rank(s, q[k], &out[k]);
		if (rank < 0)
			continue;
		/* Ranks rise with q: the walk goes on from where it is. */
		while (!done && (!in_bucket || w.end <= (uint64_t)rank)) {
			in_bucket = walk_next(&w);
			done = !in_bucket;
			valued = false;
		}
		if (!done && !valued) /* one exp per bucket, however many ask */
			value = walk_value(&w), valued = true;
		out[k] = done ? s->max : value;
	}
}

double kt_sketch_quantile(const kt_sketch *s, double q)
{
	double v;
	kt_sketch_quantiles(s, &q, 1, &v);
	return v;
}

static int store_merge(kt_sketch_store *dst, const kt_sketch_store *src)
{
	for (uint32_t i = 0; i < (src->mem ? src->n : 0); i++) {
		int idx;
		uint64_t c = store_bucket(src, i, &idx);
		if (c && store_add(dst, idx, c) < 0)
			return -1;
	}
	return 0;
}

int kt_sketch_merge(kt_sketch *dst, const kt_sketch *src)
{
	if (src->count == 0)
		return 0;
	/* Build the result aside so that a failure leaves dst as it was
	 * (and so that src may be dst). */
	kt_sketch tmp;
	kt_sketch_init(&tmp);
	if (store_merge(&tmp.pos, &dst->pos) < 0 || store_merge(&tmp.neg, &dst->neg) < 0 ||
	    store_merge(&tmp.pos, &src->pos) < 0 || store_merge(&tmp.neg, &src->neg) < 0) {
		kt_sketch_release(&tmp);
		return -1;
	}
	tmp.count = dst->count + src->count;
	tmp.zeros = dst->zeros + src->zeros;
	tmp.dropped = dst->dropped + src->dropped;
	tmp.min = fmin(dst->min, src->min);
	tmp.max = fmax(dst->max, src->max);
	tmp.fractional = dst->fractional | src->fractional;
	free(dst->pos.mem);
	free(dst->neg.mem);
	*dst = tmp;
	return 0;
}

size_t kt_sketch_bytes(const kt_sketch *s)
{
	return sizeof *s + store_bytes(&s->pos) + store_bytes(&s->neg);
}

static void store_encode(const kt_sketch_store *st, kt_wire_buf *b)
{
	uint32_t used = 0;
	int idx;
	for (uint32_t i = 0; i < (st->mem ? st->n : 0); i++)
		used += store_bucket(st, i, &idx) != 0;
	kt_wire_put_u32(b, used);
	for (uint32_t i = 0; i < (st->mem ? st->n : 0); i++) {
		uint64_t c = store_bucket(st, i, &idx);
		if (c) {
			kt_wire_put_u32(b, (uint32_t)(idx - IDX_MIN));
			kt_wire_put_u64(b, c);
		}
	}
}

void kt_sketch_encode(const kt_sketch *s, kt_wire_buf *b)
{
	kt_wire_put_u64(b, s->count);
	kt_wire_put_u64(b, s->zeros);
	kt_wire_put_u64(b, s->dropped);
	kt_wire_put_f64(b, s->min);
	kt_wire_put_f64(b, s->max);
	kt_wire_put_u8(b, s->fractional);
	store_encode(&s->pos, b);
	store_encode(&s->neg, b);
}

/* Buckets in ascending index order, each counting something; *total
 * gets their sum. */
static int store_decode(kt_sketch_store *st, kt_wire_reader *r, uint64_t *total)
{
	uint32_t n = kt_wire_get_u32(r);
	if (n > IDX_MAX - IDX_MIN + 1)
		return -1;
	int prev = IDX_MIN - 1;
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		uint32_t at = kt_wire_get_u32(r);
		uint64_t c = kt_wire_get_u64(r);
		int idx = (int)(at > (uint32_t)(IDX_MAX - IDX_MIN) ? IDX_MAX + 1 : (int)at + IDX_MIN);
		if (r->bad || idx > IDX_MAX || idx <= prev || c == 0 || c > UINT64_MAX - *total)
			return -1;
		prev = idx;
		*total += c;
		if (store_add(st, idx, c) < 0)
			return -1;
	}
	return r->bad ? -1 : 0;
}

int kt_sketch_decode(kt_sketch *s, kt_wire_reader *r)
{
	kt_sketch_init(s);
	s->count = kt_wire_get_u64(r);
	s->zeros = kt_wire_get_u64(r);
	s->dropped = kt_wire_get_u64(r);
	s->min = kt_wire_get_f64(r);
	s->max = kt_wire_get_f64(r);
	s->fractional = kt_wire_get_u8(r);
	uint64_t total = 0;
	bool ok = !r->bad && s->fractional <= 1 && store_decode(&s->pos, r, &total) == 0 &&
		  store_decode(&s->neg, r, &total) == 0;
	/* Every value counted once: in a bucket, as a zero or as dropped;
	 * and the extremes ordered (or both empty) as adding makes them. */
	ok = ok && s->zeros <= UINT64_MAX - total && s->zeros + total <= UINT64_MAX - s->dropped &&
	     s->zeros + total + s->dropped == s->count &&
	     (s->count ? s->min <= s->max : s->min == INFINITY && s->max == -INFINITY);
	if (ok)
		return 0;
	r->bad = true;
	kt_sketch_release(s);
	return -1;
}
