/* window: per-window groups with counts, statistics and distinct counters. */
#include "window.h"

#include <stdlib.h>
#include <string.h>

#include "ktrio/hash.h"
#include "ktrio/vec.h"

kt_window *kt_window_new(int64_t start, int64_t end, size_t max_groups)
{
	kt_window *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->max_groups = max_groups;
	w->slot = -1;
	w->start = start;
	w->end = end;
	kt_sketch_init(&w->latency);
	return w;
}

kt_stat *kt_stat_new(void)
{
	kt_stat *st = calloc(1, sizeof *st);
	if (st) {
		kt_moments_init(&st->moments);
		kt_sketch_init(&st->quantiles);
	}
	return st;
}

void kt_stat_free(kt_stat *st)
{
	if (!st)
		return;
	kt_sketch_release(&st->quantiles);
	kt_moments_release(&st->moments);
	free(st);
}

static void free_group(kt_group *g)
{
	free(g->key);
	for (size_t i = 0; i < KT_MAX_STATS; i++)
		kt_stat_free(g->stats[i]);
	kt_hll_free(g->distinct);
}

void kt_window_reset(kt_window *w, int64_t start, int64_t end)
{
	for (size_t i = 0; i < w->ngroups; i++)
		free_group(&w->groups[i]);
	w->ngroups = 0;
	if (w->buckets)
		memset(w->buckets, 0, w->nbuckets * sizeof *w->buckets);
	kt_sketch_release(&w->latency);
	kt_sketch_init(&w->latency);
	for (size_t i = 0; i < w->nslots; i++)
		w->min_offset[i] = -1;
	w->start = start;
	w->end = end;
	w->written_ms = 0;
	w->partial = false;
	w->slot = -1;
	w->seen_before = false;
	w->records = w->bytes = w->overflow = 0;
}

void kt_window_free(kt_window *w)
{
	if (!w)
		return;
	kt_window_reset(w, 0, 0);
	kt_sketch_release(&w->latency);
	free(w->groups);
	free(w->buckets);
	free(w->min_offset);
	free(w);
}

static int grow_buckets(kt_window *w)
{
	size_t n = w->nbuckets ? w->nbuckets * 2 : 64;
	uint32_t *buckets = calloc(n, sizeof *buckets);
	if (!buckets)
		return -1;
	for (size_t i = 0; i < w->ngroups; i++) {
		size_t b = w->groups[i].hash & (n - 1);
		while (buckets[b])
			b = (b + 1) & (n - 1);
		buckets[b] = (uint32_t)i + 1;
	}
	free(w->buckets);
	w->buckets = buckets;
	w->nbuckets = n;
	return 0;
}

kt_group *kt_window_group(kt_window *w, const char *key, size_t keylen, bool *oom)
{
	uint64_t h = kt_hash64(key, keylen, 0x6b74726966ULL);
	if (w->nbuckets) {
		for (size_t b = h & (w->nbuckets - 1); w->buckets[b];
		     b = (b + 1) & (w->nbuckets - 1)) {
			kt_group *g = &w->groups[w->buckets[b] - 1];
			if (g->hash == h && g->keylen == keylen &&
			    (!keylen || !memcmp(g->key, key, keylen)))
				return g;
		}
	}
	if (w->ngroups >= w->max_groups)
		return NULL;
	/* Keep the table at most half full so probes stay short. */
	if ((w->ngroups + 1) * 2 > w->nbuckets && grow_buckets(w) < 0)
		goto oom;
	if (KT_VEC_RESERVE(w->groups, w->ngroups, w->cap, 1) < 0)
		goto oom;
	kt_group *g = &w->groups[w->ngroups];
	memset(g, 0, sizeof *g);
	if (keylen) {
		if (!(g->key = malloc(keylen)))
			goto oom;
		memcpy(g->key, key, keylen);
	}
	g->keylen = keylen;
	g->hash = h;
	size_t b = h & (w->nbuckets - 1);
	while (w->buckets[b])
		b = (b + 1) & (w->nbuckets - 1);
	w->buckets[b] = (uint32_t)++w->ngroups;
	return g;
oom:
	*oom = true;
	return NULL;
}

/* x as an exact integer: the one it holds, or the double's value when that
 * is an integer within int64 range. */
static bool as_int(double d, const int64_t *exact, int64_t *out)
{
	if (exact) {
		*out = *exact;
		return true;
	}
	if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 && d == (double)(int64_t)d) {
		*out = (int64_t)d;
		return true;
	}
	return false;
}

/* a vs b, exactly, for values given as doubles and, when exact is not
 * NULL, the integer they stand for. Rounding is monotonic, so unequal
 * doubles already order the values; equal ones (2^53 and up, where every
 * double is an integer) are told apart by their integers. */
static int cmp_exact(double a, const int64_t *ea, double b, const int64_t *eb)
{
	if (a != b)
		return a < b ? -1 : 1;
	if (!ea && !eb)
		return 0;
	int64_t x, y;
	bool xi = as_int(a, ea, &x), yi = as_int(b, eb, &y);
	if (!xi || !yi) /* a double of 2^63, above every int64 */
		return xi ? -1 : yi ? 1 : 0;
	return (x > y) - (x < y);
}

/* One value into st; exact is its integer when the double may be off. -1
 * when out of memory (nothing of it counted). */
static int stat_add(kt_stat *st, double v, const int64_t *exact, kt_sketch_memo *memo)
{
	const kt_moments *m = &st->moments;
	bool first = m->count == 0;
	double was_min = m->min, was_max = m->max;
	if ((exact ? kt_moments_add_int(&st->moments, v, *exact)
		   : kt_moments_add(&st->moments, v)) < 0)
		return -1;
	if (first || cmp_exact(v, exact, was_min, st->min_is_int ? &st->min_int : NULL) < 0) {
		st->min_is_int = exact != NULL;
		st->min_int = exact ? *exact : 0;
	}
	if (first || cmp_exact(v, exact, was_max, st->max_is_int ? &st->max_int : NULL) > 0) {
		st->max_is_int = exact != NULL;
		st->max_int = exact ? *exact : 0;
	}
	kt_sketch_add_memo(&st->quantiles, v, memo); /* out of memory: counted as dropped */
	return 0;
}

int kt_stat_merge(kt_stat *dst, const kt_stat *src)
{
	if (src->moments.count == 0)
		return 0;
	/* The moments' room first, then the sketch: either may fail with dst
	 * as it was; the moments' merge then cannot. */
	if (kt_moments_reserve(&dst->moments, &src->moments) < 0 ||
	    kt_sketch_merge(&dst->quantiles, &src->quantiles) < 0)
		return -1;
	bool first = dst->moments.count == 0;
	const int64_t *smin = src->min_is_int ? &src->min_int : NULL;
	const int64_t *smax = src->max_is_int ? &src->max_int : NULL;
	if (first || cmp_exact(src->moments.min, smin, dst->moments.min,
			       dst->min_is_int ? &dst->min_int : NULL) < 0) {
		dst->min_is_int = src->min_is_int;
		dst->min_int = src->min_int;
	}
	if (first || cmp_exact(src->moments.max, smax, dst->moments.max,
			       dst->max_is_int ? &dst->max_int : NULL) > 0) {
		dst->max_is_int = src->max_is_int;
		dst->max_int = src->max_int;
	}
	kt_moments_merge(&dst->moments, &src->moments);
	return 0;
}

int kt_window_add(kt_window *w, const kt_extracted *x, size_t value_bytes,
		  int64_t kafka_ts_ms)
{
	bool oom = false;
	kt_group *g = kt_window_group(w, x->key, x->keylen, &oom);
	if (oom)
		return -1;
	if (kafka_ts_ms >= 0)
		kt_sketch_add_memo(&w->latency, (double)(w->opened_ms - kafka_ts_ms),
				   &w->memo);
	if (!g) {
		w->overflow++;
		return 0;
	}
	for (uint32_t bits = x->stat_present; bits; bits &= bits - 1) {
		int i = __builtin_ctz(bits);
		kt_stat *st = g->stats[i];
		if (!st && !(st = g->stats[i] = kt_stat_new()))
			return -1;
		if (stat_add(st, x->stat[i], x->stat_exact & (1u << i) ? &x->stat_int[i] : NULL,
			     &w->memo) < 0)
			return -1;
	}
	if (x->distinct) {
		if (!g->distinct && !(g->distinct = kt_hll_new()))
			return -1;
		kt_hll_add(g->distinct, x->distinct, x->distinct_len);
	}
	g->count++;
	w->records++;
	w->bytes += value_bytes;
	return 0;
}

int kt_window_note_offset(kt_window *w, int32_t slot, int64_t offset)
{
	if (slot < 0)
		return 0;
	if ((size_t)slot >= w->nslots) {
		size_t n = (size_t)slot + 1;
		if (KT_VEC_RESERVE(w->min_offset, w->nslots, w->slots_cap, n - w->nslots) < 0)
			return -1;
		for (size_t i = w->nslots; i < n; i++)
			w->min_offset[i] = -1;
		w->nslots = n;
	}
	if (w->min_offset[slot] < 0 || offset < w->min_offset[slot])
		w->min_offset[slot] = offset;
	return 0;
}

int64_t kt_window_min_offset(const kt_window *w, int32_t slot)
{
	if (slot < 0 || (size_t)slot >= w->nslots)
		return -1;
	return w->min_offset[slot];
}

/* A group as the ranking sees it, in 16 bytes (a window of 100,000
 * groups ranks in 1.6 MB, not 3.2): one 128-bit number, from its top bit
 * down, of the window's largest count less the group's (so a larger
 * count ranks first) in as few bits as the largest less the smallest
 * needs, then as many bits of the key as fit from where the window's keys
 * start to differ (big-endian, zero-padded), then the group's index in
 * w->groups in as few bits as the last index needs. The bits above the
 * index order two groups as the whole order does whenever they differ;
 * only when they are equal are the keys read. (100,000 groups with counts
 * of 1 to 1,000,000: 91 bits of key, over 11 bytes.) */
typedef struct rank_entry {
	uint64_t hi, lo; /* the number's top and bottom 64 bits */
} rank_entry;
_Static_assert(sizeof(rank_entry) == 16, "rank_entry is 16 bytes");

/* What a comparison reads beside the entries: the groups, and the mask of
 * an entry's index bits (all in lo: at most 32). Passed by value, so that
 * the compiler knows the sorts' stores to entries leave it alone. */
typedef struct rank_ctx {
	const kt_group *gs;
	uint64_t idx_mask;
} rank_ctx;

/* Keys ordered as memcmp orders them, a shorter one first when it is a
 * prefix of the other. */
static int key_cmp(const kt_group *x, const kt_group *y)
{
	size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c = n ? memcmp(x->key, y->key, n) : 0;
	return c ? c : (x->keylen > y->keylen) - (x->keylen < y->keylen);
}

static inline const kt_group *rank_group(rank_ctx c, const rank_entry *a)
{
	return &c.gs[a->lo & c.idx_mask];
}

/* a before b: the larger count, then the smaller key. The key bits order
 * keys as key_cmp does whenever they differ (a key that ends early pads
 * with zeros, which sort first, as the shorter key does). */
static inline bool ranks_before(rank_ctx c, const rank_entry *a, const rank_entry *b)
{
	if (a->hi != b->hi)
		return a->hi < b->hi;
	if ((a->lo ^ b->lo) > c.idx_mask) /* they differ above the index */
		return a->lo < b->lo;
	return key_cmp(rank_group(c, a), rank_group(c, b)) < 0;
}

static uint64_t key_word(const kt_group *g, size_t from)
{
	uint64_t v = 0;
	if (from + 8 <= g->keylen) {
		memcpy(&v, g->key + from, 8); /* read big-endian: byte order is number order */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		v = __builtin_bswap64(v);
#endif
		return v;
	}
	for (size_t i = 0; i < 8; i++)
		v = v << 8 | (from + i < g->keylen ? (unsigned char)g->key[from + i] : 0);
	return v;
}

/* Bytes every key of w starts with (so the prefix words hold what
 * tells keys apart, not a shared type tag and length). */
static size_t common_prefix(const kt_window *w)
{
	if (!w->ngroups)
		return 0;
	const kt_group *first = &w->groups[0];
	size_t n = first->keylen;
	for (size_t i = 1; i < w->ngroups && n; i++) {
		const kt_group *g = &w->groups[i];
		size_t m = g->keylen < n ? g->keylen : n, j = 0;
		while (j < m && g->key[j] == first->key[j])
			j++;
		n = j;
	}
	return n;
}

static void insertion_sort(rank_ctx c, rank_entry *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		rank_entry x = v[i];
		size_t j = i;
		for (; j > 0 && ranks_before(c, &x, &v[j - 1]); j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Restore the heap below i: v[0] is the entry ranked last of v[0..n). */
static void sift_down(rank_ctx c, rank_entry *v, size_t n, size_t i)
{
	for (;;) {
		size_t worst = i, l = 2 * i + 1, r = l + 1;
		if (l < n && ranks_before(c, &v[worst], &v[l]))
			worst = l;
		if (r < n && ranks_before(c, &v[worst], &v[r]))
			worst = r;
		if (worst == i)
			return;
		rank_entry t = v[i];
		v[i] = v[worst];
		v[worst] = t;
		i = worst;
	}
}

/* Move the top entries of v[0..n) (by rank) to v[0..top), in no order:
 * a heap of the best top seen so far, whose root is the one to drop. */
static void select_top(rank_ctx c, rank_entry *v, size_t n, size_t top)
{
	for (size_t i = top / 2; i-- > 0;)
		sift_down(c, v, top, i);
	for (size_t i = top; i < n; i++) {
		if (ranks_before(c, &v[i], &v[0])) {
			rank_entry t = v[0];
			v[0] = v[i];
			v[i] = t;
			sift_down(c, v, top, 0);
		}
	}
}

/* Sort v[0..n) by rank in place (the heap of select_top, emptied from the
 * back): the fallback that bounds quicksort's worst case. */
static void heap_sort(rank_ctx c, rank_entry *v, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(c, v, n, i);
	for (size_t end = n; end > 1; end--) {
		rank_entry t = v[0];
		v[0] = v[end - 1];
		v[end - 1] = t;
		sift_down(c, v, end - 1, 0);
	}
}

static void swap_entries(rank_entry *a, rank_entry *b)
{
	rank_entry t = *a;
	*a = *b;
	*b = t;
}

/* Sort v[0..n) by rank in place, no memory beyond the stack: quicksort on
 * the median of three (keys are all different, so no equal runs), heap
 * sort below a depth of 2 log2 n, insertion sort for short runs. */
static void intro_sort(rank_ctx c, rank_entry *v, size_t n, int depth)
{
	while (n > 16) {
		if (depth-- == 0) {
			heap_sort(c, v, n);
			return;
		}
		rank_entry *a = &v[0], *m = &v[n / 2], *z = &v[n - 1];
		if (ranks_before(c, m, a))
			swap_entries(m, a);
		if (ranks_before(c, z, m)) {
			swap_entries(z, m);
			if (ranks_before(c, m, a))
				swap_entries(m, a);
		}
		swap_entries(m, &v[n - 2]); /* the pivot aside; v[n - 1] ranks after it */
		rank_entry *pivot = &v[n - 2];
		size_t i = 0, j = n - 2;
		for (;;) {
			while (ranks_before(c, &v[++i], pivot))
				;
			while (j > 0 && ranks_before(c, pivot, &v[--j]))
				;
			if (i >= j)
				break;
			swap_entries(&v[i], &v[j]);
		}
		swap_entries(&v[i], pivot);
		/* Recurse on the smaller side, loop on the larger. */
		if (i < n - i - 1) {
			intro_sort(c, v, i, depth);
			v += i + 1;
			n -= i + 1;
		} else {
			intro_sort(c, v + i + 1, n - i - 1, depth);
			n = i;
		}
	}
	insertion_sort(c, v, n);
}

static void sort_entries(rank_ctx c, rank_entry *v, size_t n)
{
	int depth = 0;
	for (size_t k = n; k > 1; k /= 2)
		depth += 2;
	intro_sort(c, v, n, depth);
}

/* Bits needed for x (0 for 0). */
static int bits_of(uint64_t x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

kt_group **kt_window_sorted(const kt_window *w, size_t top)
{
	size_t n = w->ngroups;
	rank_entry *v = malloc((n ? n : 1) * sizeof *v);
	if (!v)
		return NULL;
	const kt_group *gs = w->groups;
	uint64_t least = UINT64_MAX, most = 0;
	for (size_t i = 0; i < n; i++) {
		least = gs[i].count < least ? gs[i].count : least;
		most = gs[i].count > most ? gs[i].count : most;
	}
	/* count_bits <= 64 and idx_bits <= 32 (the buckets hold an index in
	 * 32 bits): at least 32 bits of key. */
	int count_bits = n ? bits_of(most - least) : 0, idx_bits = n ? bits_of(n - 1) : 0;
	rank_ctx c = {gs, (UINT64_C(1) << idx_bits) - 1};
	size_t from = common_prefix(w);
	for (size_t i = 0; i < n; i++) {
		const kt_group *g = &gs[i];
		uint64_t k0 = key_word(g, from), k1 = key_word(g, from + 8);
		uint64_t up = most - g->count, hi, lo; /* up < 2^count_bits */
		if (count_bits == 0) {
			hi = k0;
			lo = k1;
		} else if (count_bits == 64) {
			hi = up;
			lo = k0;
		} else {
			hi = up << (64 - count_bits) | k0 >> count_bits;
			lo = k0 << (64 - count_bits) | k1 >> count_bits;
		}
		v[i] = (rank_entry){hi, (lo & ~c.idx_mask) | i};
	}
	if (top > n)
		top = n;
	/* A few of many: pick them, then sort only those. */
	if (top < n / 4) {
		if (top)
			select_top(c, v, n, top);
		sort_entries(c, v, top);
	} else {
		sort_entries(c, v, n);
	}
	/* The pointers over the entries, in place: out[i] ends before v[i + 1]
	 * starts, and v[i] is read before out[i] is written. */
	kt_group **out = (kt_group **)(void *)v;
	for (size_t i = 0; i < n; i++) {
		kt_group *g = &w->groups[v[i].lo & c.idx_mask];
		out[i] = g;
	}
	kt_group **shrunk = realloc(out, (n ? n : 1) * sizeof *out);
	return shrunk ? shrunk : out;
}

double kt_window_latency_ms(const kt_window *w, double q, int64_t written_ms)
{
	return kt_sketch_quantile(&w->latency, q) + (double)(written_ms - w->opened_ms);
}

double kt_window_open_seconds(const kt_window *w, int64_t written_ms)
{
	int64_t ms = written_ms - w->opened_ms;
	return (double)(ms < 1 ? 1 : ms) / 1000.0;
}
