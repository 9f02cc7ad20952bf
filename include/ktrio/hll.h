/* hll: approximate distinct counting (HyperLogLog, 2^12 registers), exact
 * while small.
 *
 * Error: exact up to KT_HLL_EXACT distinct values (64-bit hashes kept
 * as they are); beyond, the standard error is 1.04 / sqrt(4096) = 1.6 %,
 * and estimates fall within 5 % (about 3 standard errors) of the truth.
 * Memory: 48 bytes, up to 8 bytes per value while exact, then 4 KiB. */
#ifndef KTRIO_HLL_H
#define KTRIO_HLL_H

#include <stddef.h>
#include <stdint.h>

#define KT_HLL_PRECISION 12
#define KT_HLL_EXACT 256

typedef struct kt_hll kt_hll;

/* An empty counter; NULL on allocation failure. */
kt_hll *kt_hll_new(void);
void kt_hll_free(kt_hll *h);

/* Count the value len bytes at data. -1 on allocation failure, when the
 * value is not counted. */
int kt_hll_add(kt_hll *h, const void *data, size_t len);
int kt_hll_add_hash(kt_hll *h, uint64_t hash);

/* Estimated number of distinct values added. */
uint64_t kt_hll_estimate(const kt_hll *h);

/* Fold src into dst. -1 on allocation failure (dst unchanged). */
int kt_hll_merge(kt_hll *dst, const kt_hll *src);

#endif
