/* sketch: relative-error quantiles in logarithmic buckets, sparse then dense. */
#include "ktrio/sketch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A store stays sparse (8 bytes a bucket) while that is smaller than the
 * dense run would be (4 bytes for every index between its lowest and
 * highest bucket), and below SPARSE_MAX buckets, which bounds the cost of
 * inserting into the sorted pairs. */
#define SPARSE_MIN 32
#define SPARSE_MAX 1024
#define MIN_MAGNITUDE 1e-9
#define MAX_MAGNITUDE 1e15

/* gamma = (1 + alpha) / (1 - alpha): bucket i holds (gamma^(i-1), gamma^i],
 * and its midpoint 2 gamma^i / (gamma + 1) is within alpha of all of it. */
static const double GAMMA = (1 + KT_SKETCH_ALPHA) / (1 - KT_SKETCH_ALPHA);

/* log(GAMMA) for alpha = 0.01, as a constant so no thread computes it. */
#define LOG_GAMMA 0.020000666706669435
/* (recompute it, log((1 + a) / (1 - a)), if KT_SKETCH_ALPHA ever changes) */

static int32_t bucket_of(double magnitude)
{
	if (magnitude > MAX_MAGNITUDE)
		magnitude = MAX_MAGNITUDE;
	return (int32_t)ceil(log(magnitude) / LOG_GAMMA);
}

static double bucket_value(int32_t i)
{
	return exp((double)i * LOG_GAMMA) * 2.0 / (GAMMA + 1.0);
}

void kt_sketch_init(kt_sketch *s)
{
	memset(s, 0, sizeof *s);
	s->min = INFINITY;
	s->max = -INFINITY;
}

static void store_release(kt_sketch_store *st)
{
	free(st->keys);
	free(st->counts);
	memset(st, 0, sizeof *st);
}

void kt_sketch_release(kt_sketch *s)
{
	store_release(&s->pos);
	store_release(&s->neg);
	kt_sketch_init(s);
}

static int to_dense(kt_sketch_store *st)
{
	int32_t lo = st->keys[0], hi = st->keys[st->n - 1];
	uint32_t n = (uint32_t)(hi - lo + 1);
	uint32_t *counts = calloc(n, sizeof *counts);
	if (!counts)
		return -1;
	for (uint32_t i = 0; i < st->n; i++)
		counts[st->keys[i] - lo] = st->counts[i];
	free(st->keys);
	free(st->counts);
	st->keys = NULL;
	st->counts = counts;
	st->n = st->cap = n;
	st->base = lo;
	st->dense = 1;
	return 0;
}

/* Widen the dense run to include idx. */
static int dense_grow(kt_sketch_store *st, int32_t idx)
{
	int32_t lo = idx < st->base ? idx : st->base;
	int32_t hi = st->base + (int32_t)st->n - 1;
	if (idx > hi)
		hi = idx;
	uint32_t n = (uint32_t)(hi - lo + 1);
	uint32_t *counts = calloc(n, sizeof *counts);
	if (!counts)
		return -1;
	memcpy(counts + (st->base - lo), st->counts, st->n * sizeof *counts);
	free(st->counts);
	st->counts = counts;
	st->n = st->cap = n;
	st->base = lo;
	return 0;
}

static int sparse_insert(kt_sketch_store *st, uint32_t at, int32_t idx,
			 uint32_t count)
{
	if (st->n == st->cap) {
		uint32_t cap = st->cap ? st->cap * 2 : 4;
		int32_t *keys = realloc(st->keys, cap * sizeof *keys);
		if (!keys)
			return -1;
		st->keys = keys;
		uint32_t *counts = realloc(st->counts, cap * sizeof *counts);
		if (!counts)
			return -1;
		st->counts = counts;
		st->cap = cap;
	}
	memmove(st->keys + at + 1, st->keys + at, (st->n - at) * sizeof *st->keys);
	memmove(st->counts + at + 1, st->counts + at, (st->n - at) * sizeof *st->counts);
	st->keys[at] = idx;
	st->counts[at] = count;
	st->n++;
	return 0;
}

/* Add count to bucket idx; -1 when memory runs out (nothing added). */
static int store_add(kt_sketch_store *st, int32_t idx, uint32_t count)
{
	if (st->dense) {
		if (idx < st->base || idx >= st->base + (int32_t)st->n)
			if (dense_grow(st, idx) < 0)
				return -1;
		st->counts[idx - st->base] += count;
		return 0;
	}
	uint32_t lo = 0, hi = st->n;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (st->keys[mid] < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < st->n && st->keys[lo] == idx) {
		st->counts[lo] += count;
		return 0;
	}
	if (st->n < SPARSE_MIN)
		return sparse_insert(st, lo, idx, count);
	int32_t span_lo = idx < st->keys[0] ? idx : st->keys[0];
	int32_t span_hi = idx > st->keys[st->n - 1] ? idx : st->keys[st->n - 1];
	if (st->n < SPARSE_MAX && 2 * (st->n + 1) < (uint32_t)(span_hi - span_lo + 1))
		return sparse_insert(st, lo, idx, count);
	if (to_dense(st) < 0)
		return -1;
	return store_add(st, idx, count);
}

/* Out of memory: put the value in the store's nearest bucket so counts
 * stay exact and only this value's position is approximate. */
static void store_add_nearest(kt_sketch_store *st, int32_t idx, uint64_t *zeros)
{
	if (st->n == 0) {
		(*zeros)++;
		return;
	}
	if (st->dense) {
		int32_t top = st->base + (int32_t)st->n - 1;
		idx = idx < st->base ? st->base : idx > top ? top : idx;
		st->counts[idx - st->base]++;
		return;
	}
	uint32_t best = 0;
	for (uint32_t i = 1; i < st->n; i++)
		if (llabs((long long)st->keys[i] - idx) < llabs((long long)st->keys[best] - idx))
			best = i;
	st->counts[best]++;
}

void kt_sketch_add(kt_sketch *s, double x)
{
	s->count++;
	if (x != floor(x))
		s->fractional = 1;
	if (x < s->min)
		s->min = x;
	if (x > s->max)
		s->max = x;
	double m = fabs(x);
	if (m < MIN_MAGNITUDE) {
		s->zeros++;
		return;
	}
	kt_sketch_store *st = x > 0 ? &s->pos : &s->neg;
	int32_t idx = bucket_of(m);
	if (store_add(st, idx, 1) < 0)
		store_add_nearest(st, idx, &s->zeros);
}

static uint32_t bucket_count(const kt_sketch_store *st, uint32_t i, int32_t *idx)
{
	*idx = st->dense ? st->base + (int32_t)i : st->keys[i];
	return st->counts[i];
}

static double clamp(const kt_sketch *s, double v)
{
	v = v < s->min ? s->min : v > s->max ? s->max : v;
	if (!s->fractional && fabs(v) < 0.5 / KT_SKETCH_ALPHA)
		v = round(v);
	return v;
}

double kt_sketch_quantile(const kt_sketch *s, double q)
{
	if (s->count == 0 || !(q >= 0 && q <= 1))
		return NAN;
	uint64_t rank = (uint64_t)floor(q * (double)(s->count - 1));
	if (rank == 0)
		return s->min; /* the extremes are known exactly */
	if (rank == s->count - 1)
		return s->max;
	uint64_t seen = 0;
	int32_t idx;
	/* Negatives from the largest magnitude down, then zeros, then
	 * positives upward: ascending order of the values. */
	for (uint32_t i = s->neg.n; i-- > 0;) {
		seen += bucket_count(&s->neg, i, &idx);
		if (seen > rank)
			return clamp(s, -bucket_value(idx));
	}
	seen += s->zeros;
	if (seen > rank)
		return clamp(s, 0.0);
	for (uint32_t i = 0; i < s->pos.n; i++) {
		seen += bucket_count(&s->pos, i, &idx);
		if (seen > rank)
			return clamp(s, bucket_value(idx));
	}
	return s->max;
}

static int store_merge(kt_sketch_store *dst, const kt_sketch_store *src)
{
	for (uint32_t i = 0; i < src->n; i++) {
		int32_t idx;
		uint32_t c = bucket_count(src, i, &idx);
		if (c && store_add(dst, idx, c) < 0)
			return -1;
	}
	return 0;
}

int kt_sketch_merge(kt_sketch *dst, const kt_sketch *src)
{
	/* Merge into a copy so a failure leaves dst as it was. */
	kt_sketch tmp;
	kt_sketch_init(&tmp);
	if (store_merge(&tmp.pos, &dst->pos) < 0 || store_merge(&tmp.neg, &dst->neg) < 0 ||
	    store_merge(&tmp.pos, &src->pos) < 0 || store_merge(&tmp.neg, &src->neg) < 0) {
		kt_sketch_release(&tmp);
		return -1;
	}
	tmp.count = dst->count + src->count;
	tmp.zeros = dst->zeros + src->zeros;
	tmp.min = fmin(dst->min, src->min);
	tmp.max = fmax(dst->max, src->max);
	tmp.fractional = dst->fractional | src->fractional;
	kt_sketch_release(dst);
	*dst = tmp;
	return 0;
}
