/* hll: HyperLogLog distinct counts, exact while small. */
#include "ktrio/hll.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ktrio/hash.h"

#define M (1u << KT_HLL_PRECISION)
#define HASH_SEED 0x686c6cULL

struct kt_hll {
	uint64_t *exact; /* distinct hashes, unsorted, while exact */
	uint32_t nexact, capexact;
	uint8_t *reg;    /* M registers once past KT_HLL_EXACT */
};

kt_hll *kt_hll_new(void)
{
	return calloc(1, sizeof(kt_hll));
}

void kt_hll_free(kt_hll *h)
{
	if (!h)
		return;
	free(h->exact);
	free(h->reg);
	free(h);
}

static void reg_add(uint8_t *reg, uint64_t hash)
{
	uint32_t j = (uint32_t)(hash >> (64 - KT_HLL_PRECISION));
	uint64_t rest = hash << KT_HLL_PRECISION;
	/* Position of the first 1 bit in the remaining 52 bits, 1-based. */
	uint8_t rho = rest ? (uint8_t)(__builtin_clzll(rest) + 1)
			   : (uint8_t)(64 - KT_HLL_PRECISION + 1);
	if (rho > reg[j])
		reg[j] = rho;
}

static int to_registers(kt_hll *h)
{
	if (!(h->reg = calloc(M, 1)))
		return -1;
	for (uint32_t i = 0; i < h->nexact; i++)
		reg_add(h->reg, h->exact[i]);
	free(h->exact);
	h->exact = NULL;
	h->nexact = h->capexact = 0;
	return 0;
}

int kt_hll_add_hash(kt_hll *h, uint64_t hash)
{
	if (h->reg) {
		reg_add(h->reg, hash);
		return 0;
	}
	for (uint32_t i = 0; i < h->nexact; i++)
		if (h->exact[i] == hash)
			return 0;
	if (h->nexact == KT_HLL_EXACT) {
		if (to_registers(h) < 0)
			return -1;
		reg_add(h->reg, hash);
		return 0;
	}
	if (h->nexact == h->capexact) {
		uint32_t cap = h->capexact ? h->capexact * 2 : 8;
		uint64_t *v = realloc(h->exact, cap * sizeof *v);
		if (!v)
			return -1;
		h->exact = v;
		h->capexact = cap;
	}
	h->exact[h->nexact++] = hash;
	return 0;
}

int kt_hll_add(kt_hll *h, const void *data, size_t len)
{
	return kt_hll_add_hash(h, kt_hash64(data, len, HASH_SEED));
}

uint64_t kt_hll_estimate(const kt_hll *h)
{
	if (!h->reg)
		return h->nexact;
	double sum = 0;
	uint32_t zeros = 0;
	for (uint32_t j = 0; j < M; j++) {
		sum += ldexp(1.0, -h->reg[j]);
		zeros += h->reg[j] == 0;
	}
	double alpha = 0.7213 / (1.0 + 1.079 / M);
	double e = alpha * M * M / sum;
	/* Small range: linear counting over empty registers is better. */
	if (e <= 2.5 * M && zeros)
		e = M * log((double)M / zeros);
	return (uint64_t)llround(e);
}

int kt_hll_merge(kt_hll *dst, const kt_hll *src)
{
	if (!src->reg) {
		for (uint32_t i = 0; i < src->nexact; i++)
			if (kt_hll_add_hash(dst, src->exact[i]) < 0)
				return -1;
		return 0;
	}
	if (!dst->reg && to_registers(dst) < 0)
		return -1;
	for (uint32_t j = 0; j < M; j++)
		if (src->reg[j] > dst->reg[j])
			dst->reg[j] = src->reg[j];
	return 0;
}
