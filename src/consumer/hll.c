/* hll: HyperLogLog distinct counts, exact in a hash set while small. */
#include "hll.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ktrio/hash.h"
#include "wire.h"

#define M KT_HLL_REGISTERS
#define Q (64 - KT_HLL_PRECISION) /* hash bits left for a register's rank */
#define HASH_SEED 0x686c6cULL
#define SET_MIN 8
#define SET_MAX 1024 /* slots: KT_HLL_EXACT is 3/4 of it */

struct kt_hll {
	/* Exact: the distinct fingerprints (top 32 bits of the hashes) in
	 * open addressing; 0 marks an empty slot, so the fingerprint 0 is
	 * kept as a flag. */
	uint32_t *set;
	uint8_t *reg; /* once past KT_HLL_EXACT: M registers, set freed */
	uint32_t n;   /* exact: distinct fingerprints, the zero one included */
	uint32_t cap; /* exact: slots, a power of 2 */
	uint8_t has_zero;
};

kt_hll *kt_hll_new(void)
{
	return calloc(1, sizeof(kt_hll));
}

void kt_hll_free(kt_hll *h)
{
	if (!h)
		return;
	free(h->set);
	free(h->reg);
	free(h);
}

/* The top bits pick the register; it keeps the highest rank (position of
 * the first 1 in the remaining Q bits, 1-based; Q + 1 when all are 0). */
static void reg_add(uint8_t *reg, uint64_t hash)
{
	uint32_t j = (uint32_t)(hash >> Q);
	uint64_t rest = hash << KT_HLL_PRECISION;
	uint8_t rank = rest ? (uint8_t)(__builtin_clzll(rest) + 1) : (uint8_t)(Q + 1);
	if (rank > reg[j])
		reg[j] = rank;
}

/* A fingerprint stands for a hash in the registers: its 32 bits, then ones,
 * so the rank it gives is the hash's own, or 21 if that is higher (rare,
 * and harmless for the few values of the exact phase). */
static uint64_t unfinger(uint32_t f)
{
	return (uint64_t)f << 32 | 0xffffffffu;
}

/* Slot of fingerprint f (non-zero) in set: where it is, or the empty slot
 * where it would go. */
static uint32_t set_slot(const uint32_t *set, uint32_t cap, uint32_t f)
{
	uint32_t i = f & (cap - 1);
	while (set[i] && set[i] != f)
		i = (i + 1) & (cap - 1);
	return i;
}

static int set_resize(kt_hll *h, uint32_t cap)
{
	uint32_t *set = calloc(cap, sizeof *set);
	if (!set)
		return -1;
	for (uint32_t i = 0; i < h->cap; i++)
		if (h->set[i])
			set[set_slot(set, cap, h->set[i])] = h->set[i];
	free(h->set);
	h->set = set;
	h->cap = cap;
	return 0;
}

/* Registers holding the exact set's hashes; NULL when out of memory. */
static uint8_t *registers_of(const kt_hll *h)
{
	uint8_t *reg = calloc(M, 1);
	if (!reg)
		return NULL;
	for (uint32_t i = 0; i < h->cap; i++)
		if (h->set[i])
			reg_add(reg, unfinger(h->set[i]));
	if (h->has_zero)
		reg_add(reg, unfinger(0));
	return reg;
}

/* Replace the set with reg. */
static void commit_registers(kt_hll *h, uint8_t *reg)
{
	free(h->set);
	h->set = NULL;
	h->n = h->cap = 0;
	h->has_zero = 0;
	h->reg = reg;
}

int kt_hll_add_hash(kt_hll *h, uint64_t hash)
{
	/* Registers take the fingerprint as the exact set does, so they
	 * are a function of the set of fingerprints alone, whichever came
	 * first: a merge of two counters equals one that saw both streams. */
	if (h->reg) {
		reg_add(h->reg, unfinger((uint32_t)(hash >> 32)));
		return 0;
	}
	uint32_t f = (uint32_t)(hash >> 32), slot = 0;
	if (f == 0) {
		if (h->has_zero)
			return 0;
	} else if (h->cap) {
		slot = set_slot(h->set, h->cap, f);
		if (h->set[slot] == f)
			return 0;
	}
	/* A new value. */
	if (h->n == KT_HLL_EXACT) {
		uint8_t *reg = registers_of(h);
		if (!reg)
			return -1;
		commit_registers(h, reg);
		reg_add(h->reg, unfinger(f));
		return 0;
	}
	if (f == 0) {
		h->has_zero = 1;
		h->n++;
		return 0;
	}
	if ((h->n + 1) * 4 > h->cap * 3) { /* keep it at most 3/4 full */
		if (set_resize(h, h->cap ? 2 * h->cap : SET_MIN) < 0)
			return -1;
		slot = set_slot(h->set, h->cap, f);
	}
	h->set[slot] = f;
	h->n++;
	return 0;
}

int kt_hll_add(kt_hll *h, const void *data, size_t len)
{
	return kt_hll_add_hash(h, kt_hash64(data, len, HASH_SEED));
}

/* Ertl's sigma(x) = x + sum over k >= 1 of x^(2^k) 2^(k-1), for x in
 * [0, 1): the share of empty registers, corrected. */
static double sigma(double x)
{
	if (x == 1)
		return INFINITY;
	double sum = x, power = x, weight = 1, before;
	do {
		power *= power;
		before = sum;
		sum += power * weight;
		weight *= 2;
	} while (sum != before);
	return sum;
}

/* Ertl's tau(x) = (1 - x - sum over k >= 1 of (1 - x^(2^-k))^2 2^-k) / 3,
 * for the share x of registers below the top rank. */
static double tau(double x)
{
	if (x == 0 || x == 1)
		return 0;
	double sum = 1 - x, root = x, weight = 1, before;
	do {
		root = sqrt(root);
		weight /= 2;
		before = sum;
		sum -= (1 - root) * (1 - root) * weight;
	} while (sum != before);
	return sum / 3;
}

uint64_t kt_hll_estimate(const kt_hll *h)
{
	if (!h->reg)
		return h->n;
	uint32_t hist[Q + 2] = {0};
	for (uint32_t j = 0; j < M; j++)
		hist[h->reg[j]]++;
	double z = M * tau(1 - (double)hist[Q + 1] / M);
	for (int k = Q; k >= 1; k--)
		z = 0.5 * (z + hist[k]);
	z += M * sigma((double)hist[0] / M);
	/* alpha_inf m^2 / z with alpha_inf = 1 / (2 ln 2) */
	return (uint64_t)llround(M / (2 * log(2)) * M / z);
}

size_t kt_hll_bytes(const kt_hll *h)
{
	return sizeof *h + (h->reg ? M : (size_t)h->cap * sizeof *h->set);
}

int kt_hll_merge(kt_hll *dst, const kt_hll *src)
{
	if (!src->reg) {
		for (uint32_t i = 0; i < src->cap; i++)
			if (src->set[i] && kt_hll_add_hash(dst, (uint64_t)src->set[i] << 32) < 0)
				return -1;
		return src->has_zero ? kt_hll_add_hash(dst, 0) : 0;
	}
	if (!dst->reg) {
		uint8_t *reg = registers_of(dst);
		if (!reg)
			return -1;
		commit_registers(dst, reg);
	}
	for (uint32_t j = 0; j < M; j++)
		if (src->reg[j] > dst->reg[j])
			dst->reg[j] = src->reg[j];
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Layout: u8 0 then u32 n and n fingerprints (the zero one included), or
 * u8 1 then the M registers. */
void kt_hll_encode(const kt_hll *h, kt_wire_buf *b)
{
	if (h->reg) {
		kt_wire_put_u8(b, 1);
		kt_wire_put_bytes(b, h->reg, M);
		return;
	}
	/* Ascending, so equal counters encode alike whatever order their
	 * values came in. */
	uint32_t sorted[KT_HLL_EXACT], n = 0;
	for (uint32_t i = 0; i < h->cap; i++)
		if (h->set[i])
			sorted[n++] = h->set[i];
	qsort(sorted, n, sizeof *sorted, cmp_u32);
	kt_wire_put_u8(b, 0);
	kt_wire_put_u32(b, h->n);
	if (h->has_zero)
		kt_wire_put_u32(b, 0);
	for (uint32_t i = 0; i < n; i++)
		kt_wire_put_u32(b, sorted[i]);
}

kt_hll *kt_hll_decode(kt_wire_reader *r)
{
	uint8_t mode = kt_wire_get_u8(r);
	kt_hll *h = kt_hll_new();
	if (!h)
		return NULL;
	if (mode == 1) {
		const uint8_t *reg = kt_wire_get_bytes(r, M);
		if (!reg || !(h->reg = malloc(M)))
			goto bad;
		for (uint32_t j = 0; j < M; j++)
			if (reg[j] > Q + 1)
				goto bad;
		memcpy(h->reg, reg, M);
		return h;
	}
	uint32_t n = kt_wire_get_u32(r);
	if (mode != 0 || n > KT_HLL_EXACT)
		goto bad;
	for (uint32_t i = 0; i < n && !r->bad; i++)
		if (kt_hll_add_hash(h, (uint64_t)kt_wire_get_u32(r) << 32) < 0)
			goto bad;
	/* A set with a value twice reads as fewer: not what was written. */
	if (!r->bad && h->n == n)
		return h;
bad:
	r->bad = true;
	kt_hll_free(h);
	return NULL;
}
