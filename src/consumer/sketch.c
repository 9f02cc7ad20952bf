/* sketch: relative-error quantiles in logarithmic buckets, sparse then dense,
 * each counter as narrow as the counts allow. */
#include "sketch.h"

#include "wire.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
/* KT_SKETCH_NO_SIMD: the binary search over a sparse store's keys even
 * where SSE2 is (tests/unit/consumer/test_sketch_portable.c runs the
 * sketch's tests on it). */
#if defined(__SSE2__) && !defined(KT_SKETCH_NO_SIMD)
#define KT_SKETCH_SSE2 1
#include <emmintrin.h>
#endif

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

/* The index mapping itself, the one every sketch must share (merges and
 * the partials' buckets depend on it): ceil(log(m) / LOG_GAMMA) as libm
 * computes it. */
static __attribute__((noinline)) int bucket_exact(double magnitude)
{
	return (int)ceil(log(magnitude) / LOG_GAMMA);
}

/* {log(c), 1 / c} for c = 1 + k / 128, k = 0 .. 127, rounded to the nearest
 * double (python3: math.log(c), 1 / c, as float.hex). Their own rounding
 * matters little: bucket_of only trusts its estimate far from an edge. */
static const double LOG_STEP[128][2] = {
	{0x0.0p+0, 0x1.0000000000000p+0}, {0x1.fe02a6b106789p-8, 0x1.fc07f01fc07f0p-1},
	{0x1.fc0a8b0fc03e4p-7, 0x1.f81f81f81f820p-1}, {0x1.7b91b07d5b11bp-6, 0x1.f44659e4a4271p-1},
	{0x1.f829b0e783300p-6, 0x1.f07c1f07c1f08p-1}, {0x1.39e87b9febd60p-5, 0x1.ecc07b301ecc0p-1},
	{0x1.77458f632dcfcp-5, 0x1.e9131abf0b767p-1}, {0x1.b42dd711971bfp-5, 0x1.e573ac901e574p-1},
	{0x1.f0a30c01162a6p-5, 0x1.e1e1e1e1e1e1ep-1}, {0x1.16536eea37ae1p-4, 0x1.de5d6e3f8868ap-1},
	{0x1.341d7961bd1d1p-4, 0x1.dae6076b981dbp-1}, {0x1.51b073f06183fp-4, 0x1.d77b654b82c34p-1},
	{0x1.6f0d28ae56b4cp-4, 0x1.d41d41d41d41dp-1}, {0x1.8c345d6319b21p-4, 0x1.d0cb58f6ec074p-1},
	{0x1.a926d3a4ad563p-4, 0x1.cd85689039b0bp-1}, {0x1.c5e548f5bc743p-4, 0x1.ca4b3055ee191p-1},
	{0x1.e27076e2af2e6p-4, 0x1.c71c71c71c71cp-1}, {0x1.fec9131dbeabbp-4, 0x1.c3f8f01c3f8f0p-1},
	{0x1.0d77e7cd08e59p-3, 0x1.c0e070381c0e0p-1}, {0x1.1b72ad52f67a0p-3, 0x1.bdd2b899406f7p-1},
	{0x1.29552f81ff523p-3, 0x1.bacf914c1bad0p-1}, {0x1.371fc201e8f74p-3, 0x1.b7d6c3dda338bp-1},
	{0x1.44d2b6ccb7d1ep-3, 0x1.b4e81b4e81b4fp-1}, {0x1.526e5e3a1b438p-3, 0x1.b2036406c80d9p-1},
	{0x1.5ff3070a793d4p-3, 0x1.af286bca1af28p-1}, {0x1.6d60fe719d21dp-3, 0x1.ac5701ac5701bp-1},
	{0x1.7ab890210d909p-3, 0x1.a98ef606a63bep-1}, {0x1.87fa06520c911p-3, 0x1.a6d01a6d01a6dp-1},
	{0x1.9525a9cf456b4p-3, 0x1.a41a41a41a41ap-1}, {0x1.a23bc1fe2b563p-3, 0x1.a16d3f97a4b02p-1},
	{0x1.af3c94e80bff3p-3, 0x1.9ec8e951033d9p-1}, {0x1.bc286742d8cd6p-3, 0x1.9c2d14ee4a102p-1},
	{0x1.c8ff7c79a9a22p-3, 0x1.999999999999ap-1}, {0x1.d5c216b4fbb91p-3, 0x1.970e4f80cb872p-1},
	{0x1.e27076e2af2e6p-3, 0x1.948b0fcd6e9e0p-1}, {0x1.ef0adcbdc5936p-3, 0x1.920fb49d0e229p-1},
	{0x1.fb9186d5e3e2bp-3, 0x1.8f9c18f9c18fap-1}, {0x1.0402594b4d041p-2, 0x1.8d3018d3018d3p-1},
	{0x1.0a324e27390e3p-2, 0x1.8acb90f6bf3aap-1}, {0x1.1058bf9ae4ad5p-2, 0x1.886e5f0abb04ap-1},
	{0x1.1675cababa60ep-2, 0x1.8618618618618p-1}, {0x1.1c898c16999fbp-2, 0x1.83c977ab2beddp-1},
	{0x1.22941fbcf7966p-2, 0x1.8181818181818p-1}, {0x1.2895a13de86a3p-2, 0x1.7f405fd017f40p-1},
	{0x1.2e8e2bae11d31p-2, 0x1.7d05f417d05f4p-1}, {0x1.347dd9a987d55p-2, 0x1.7ad2208e0ecc3p-1},
	{0x1.3a64c556945eap-2, 0x1.78a4c8178a4c8p-1}, {0x1.404308686a7e4p-2, 0x1.767dce434a9b1p-1},
	{0x1.4618bc21c5ec2p-2, 0x1.745d1745d1746p-1}, {0x1.4be5f957778a1p-2, 0x1.724287f46debcp-1},
	{0x1.51aad872df82dp-2, 0x1.702e05c0b8170p-1}, {0x1.5767717455a6cp-2, 0x1.6e1f76b4337c7p-1},
	{0x1.5d1bdbf5809cap-2, 0x1.6c16c16c16c17p-1}, {0x1.62c82f2b9c795p-2, 0x1.6a13cd1537290p-1},
	{0x1.686c81e9b14afp-2, 0x1.6816816816817p-1}, {0x1.6e08eaa2ba1e4p-2, 0x1.661ec6a5122f9p-1},
	{0x1.739d7f6bbd007p-2, 0x1.642c8590b2164p-1}, {0x1.792a55fdd47a2p-2, 0x1.623fa77016240p-1},
	{0x1.7eaf83b82afc3p-2, 0x1.6058160581606p-1}, {0x1.842d1da1e8b17p-2, 0x1.5e75bb8d015e7p-1},
	{0x1.89a3386c1425bp-2, 0x1.5c9882b931057p-1}, {0x1.8f11e873662c7p-2, 0x1.5ac056b015ac0p-1},
	{0x1.947941c2116fbp-2, 0x1.58ed2308158edp-1}, {0x1.99d958117e08bp-2, 0x1.571ed3c506b3ap-1},
	{0x1.9f323ecbf984cp-2, 0x1.5555555555555p-1}, {0x1.a484090e5bb0ap-2, 0x1.5390948f40febp-1},
	{0x1.a9cec9a9a084ap-2, 0x1.51d07eae2f815p-1}, {0x1.af1293247786bp-2, 0x1.5015015015015p-1},
	{0x1.b44f77bcc8f63p-2, 0x1.4e5e0a72f0539p-1}, {0x1.b9858969310fbp-2, 0x1.4cab88725af6ep-1},
	{0x1.beb4d9da71b7cp-2, 0x1.4afd6a052bf5bp-1}, {0x1.c3dd7a7cdad4dp-2, 0x1.49539e3b2d067p-1},
	{0x1.c8ff7c79a9a22p-2, 0x1.47ae147ae147bp-1}, {0x1.ce1af0b85f3ebp-2, 0x1.460cbc7f5cf9ap-1},
	{0x1.d32fe7e00ebd5p-2, 0x1.446f86562d9fbp-1}, {0x1.d83e7258a2f3ep-2, 0x1.42d6625d51f87p-1},
	{0x1.dd46a04c1c4a1p-2, 0x1.4141414141414p-1}, {0x1.e24881a7c6c26p-2, 0x1.3fb013fb013fbp-1},
	{0x1.e744261d68788p-2, 0x1.3e22cbce4a902p-1}, {0x1.ec399d2468cc0p-2, 0x1.3c995a47babe7p-1},
	{0x1.f128f5faf06edp-2, 0x1.3b13b13b13b14p-1}, {0x1.f6123fa7028acp-2, 0x1.3991c2c187f63p-1},
	{0x1.faf588f78f31fp-2, 0x1.3813813813814p-1}, {0x1.ffd2e0857f498p-2, 0x1.3698df3de0748p-1},
	{0x1.02552a5a5d0ffp-1, 0x1.3521cfb2b78c1p-1}, {0x1.04bdf9da926d2p-1, 0x1.33ae45b57bcb2p-1},
	{0x1.0723e5c1cdf40p-1, 0x1.323e34a2b10bfp-1}, {0x1.0986f4f573521p-1, 0x1.30d190130d190p-1},
	{0x1.0be72e4252a83p-1, 0x1.2f684bda12f68p-1}, {0x1.0e44985d1cc8cp-1, 0x1.2e025c04b8097p-1},
	{0x1.109f39e2d4c97p-1, 0x1.2c9fb4d812ca0p-1}, {0x1.12f719593efbcp-1, 0x1.2b404ad012b40p-1},
	{0x1.154c3d2f4d5eap-1, 0x1.29e4129e4129ep-1}, {0x1.179eabbd899a1p-1, 0x1.288b01288b013p-1},
	{0x1.19ee6b467c96fp-1, 0x1.27350b8812735p-1}, {0x1.1c3b81f713c25p-1, 0x1.25e22708092f1p-1},
	{0x1.1e85f5e7040d0p-1, 0x1.2492492492492p-1}, {0x1.20cdcd192ab6ep-1, 0x1.23456789abcdfp-1},
	{0x1.23130d7bebf43p-1, 0x1.21fb78121fb78p-1}, {0x1.2555bce98f7cbp-1, 0x1.20b470c67c0d9p-1},
	{0x1.2795e1289b11bp-1, 0x1.1f7047dc11f70p-1}, {0x1.29d37fec2b08bp-1, 0x1.1e2ef3b3fb874p-1},
	{0x1.2c0e9ed448e8cp-1, 0x1.1cf06ada2811dp-1}, {0x1.2e47436e40268p-1, 0x1.1bb4a4046ed29p-1},
	{0x1.307d7334f10bep-1, 0x1.1a7b9611a7b96p-1}, {0x1.32b1339121d71p-1, 0x1.19453808ca29cp-1},
	{0x1.34e289d9ce1d3p-1, 0x1.1811811811812p-1}, {0x1.37117b54747b6p-1, 0x1.16e0689427379p-1},
	{0x1.393e0d3562a1ap-1, 0x1.15b1e5f75270dp-1}, {0x1.3b68449fffc23p-1, 0x1.1485f0e0acd3bp-1},
	{0x1.3d9026a7156fbp-1, 0x1.135c81135c811p-1}, {0x1.3fb5b84d16f42p-1, 0x1.12358e75d3033p-1},
	{0x1.41d8fe84672aep-1, 0x1.1111111111111p-1}, {0x1.43f9fe2f9ce67p-1, 0x1.0fef010fef011p-1},
	{0x1.4618bc21c5ec2p-1, 0x1.0ecf56be69c90p-1}, {0x1.48353d1ea88dfp-1, 0x1.0db20a88f4696p-1},
	{0x1.4a4f85db03ebbp-1, 0x1.0c9714fbcda3bp-1}, {0x1.4c679afccee3ap-1, 0x1.0b7e6ec259dc8p-1},
	{0x1.4e7d811b75bb1p-1, 0x1.0a6810a6810a7p-1}, {0x1.50913cc01686bp-1, 0x1.0953f39010954p-1},
	{0x1.52a2d265bc5abp-1, 0x1.0842108421084p-1}, {0x1.54b2467999498p-1, 0x1.073260a47f7c6p-1},
	{0x1.56bf9d5b3f399p-1, 0x1.0624dd2f1a9fcp-1}, {0x1.58cadb5cd7989p-1, 0x1.05197f7d73404p-1},
	{0x1.5ad404c359f2dp-1, 0x1.0410410410410p-1}, {0x1.5cdb1dc6c1765p-1, 0x1.03091b51f5e1ap-1},
	{0x1.5ee02a9241675p-1, 0x1.0204081020408p-1}, {0x1.60e32f44788d9p-1, 0x1.0101010101010p-1},
};

#define LN2 0x1.62e42fefa39efp-1
#define INV_LOG_GAMMA (1.0 / LOG_GAMMA)

/* How close to an edge (in buckets) bucket_of's estimate must be to be
 * checked with log(): the estimate is within 5e-8 of the true quotient
 * (below), libm's log and the division within 1e-12, so outside this
 * margin both have the same ceiling. About 2 values in a million fall
 * inside it. */
#define EDGE_MARGIN 1e-6

/* The bits of KT_SKETCH_MIN and KT_SKETCH_MAX: positive doubles order as
 * their bits do, so one unsigned compare tells a magnitude in range. */
#define MIN_BITS UINT64_C(0x3e112e0be826d695) /* 1e-9 */
#define MAX_BITS UINT64_C(0x43f0000000000000) /* 2^64 */

/* bucket_of's cases off its path: out of range (above: the edge bucket;
 * below, which callers do not pass: the formula) and near an edge. */
static __attribute__((noinline)) int bucket_off(double magnitude)
{
	if (magnitude > KT_SKETCH_MAX)
		return IDX_MAX;
	/* 1 is the one magnitude on an edge exactly (log(1) = +0, C's Annex
	 * F says), and a common one: integer data has many. */
	if (magnitude == 1.0)
		return 0;
	return bucket_exact(magnitude);
}

/* bucket_fast's answer when bucket_off must answer instead. */
#define OFF INT16_MIN

/* bucket_exact(m) for m in [KT_SKETCH_MIN, +inf] (clamped to
 * KT_SKETCH_MAX), without log() for all but values near a bucket's edge
 * or out of range, for which it returns OFF:
 * m = 2^e * x with x in [1, 2), x = c (1 + r) with c = 1 + k / 128 taken
 * from the top 7 bits of x's mantissa, so 0 <= r < 1 / 128 and
 *     log(m) = e log(2) + log(c) + log(1 + r),
 * the last as r - r^2 / 2 + r^3 / 3, whose error is below r^4 / 4 < 1e-9
 * (4.7e-8 buckets after the division by LOG_GAMMA). */
static inline __attribute__((always_inline)) int bucket_fast(double magnitude)
{
	uint64_t bits;
	memcpy(&bits, &magnitude, sizeof bits);
	if (bits - MIN_BITS > MAX_BITS - MIN_BITS)
		return OFF;
	int e = (int)(bits >> 52) - 1023;
	unsigned k = (unsigned)(bits >> 45) & 127;
	/* x - c: the mantissa's 45 bits below k's, exactly */
	double r = (double)(int64_t)(bits & ((UINT64_C(1) << 45) - 1)) * 0x1p-52 * LOG_STEP[k][1];
	double lg = (double)e * LN2 + LOG_STEP[k][0] + (r - r * r * (0.5 - r * (1.0 / 3)));
	double t = lg * INV_LOG_GAMMA; /* |t| < 2300 */
	int i = (int)t; /* truncated: ceil below */
	i += (double)i < t;
	double below = (double)i - t; /* in [0, 1) */
	if (below < EDGE_MARGIN || below > 1 - EDGE_MARGIN)
		return OFF;
	return i;
}

static int bucket_of(double magnitude)
{
	int i = bucket_fast(magnitude);
	return i == OFF ? bucket_off(magnitude) : i;
}

int kt_sketch_bucket(double magnitude)
{
	return bucket_of(magnitude);
}

int kt_sketch_bucket_log(double magnitude)
{
	return bucket_exact(magnitude > KT_SKETCH_MAX ? KT_SKETCH_MAX : magnitude);
}

static double bucket_value(int i)
{
	return exp((double)i * LOG_GAMMA) * 2.0 / (GAMMA + 1.0);
}

/* Counters are 1, 2, 4 or 8 bytes wide, the same for a whole store; a dense
 * store starts them at 4 bits (NIBBLE: two a byte, low half first) while no
 * bucket counts more than 15, which halves the run of a sketch with a few
 * values in each bucket (a busy group's window: tens of values over a
 * hundred buckets). Sparse stores shift their counters one at a time, so
 * theirs are whole bytes. */
#define NIBBLE 0
#define NIBBLE_MAX 15

static uint64_t ctr_get(const void *c, unsigned width, size_t i)
{
	switch (width) {
	case NIBBLE:
		return ((const uint8_t *)c)[i / 2] >> (i % 2 * 4) & NIBBLE_MAX;
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
	case NIBBLE: {
		uint8_t *b = (uint8_t *)c + i / 2;
		unsigned shift = i % 2 * 4;
		*b = (uint8_t)((*b & ~(NIBBLE_MAX << shift)) | v << shift);
		break;
	}
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

/* The fewest whole bytes that hold v. */
static unsigned width_for(uint64_t v)
{
	return v <= UINT8_MAX ? 1 : v <= UINT16_MAX ? 2 : v <= UINT32_MAX ? 4 : 8;
}

static bool fits(uint64_t v, unsigned width)
{
	return width == NIBBLE ? v <= NIBBLE_MAX : width_for(v) <= width;
}

/* Bytes of n dense counters. */
static size_t dense_bytes(size_t n, unsigned width)
{
	return width == NIBBLE ? (n + 1) / 2 : n * width;
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
	return st->dense ? dense_bytes(st->n, st->width) : (size_t)st->cap * (2u + st->width);
}

/* The i-th bucket in ascending index order (dense ones may be empty). */
/* The first of the n sorted keys not below idx (n when none is). */
static inline uint32_t sparse_find(const int16_t *keys, uint32_t n, int idx)
{
	uint32_t lo = 0, hi = n;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (keys[mid] < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

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
	to.mem = calloc(1, to.dense ? dense_bytes(to.n, to.width) : (size_t)to.cap * (2u + to.width));
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

/* The largest count of a sparse store's buckets. */
static uint64_t max_count(const kt_sketch_store *st)
{
	uint64_t m = 0;
	for (uint32_t i = 0; i < (st->mem ? st->n : 0); i++) {
		uint64_t c = ctr_get(sparse_ctrs(st), st->width, i);
		m = c > m ? c : m;
	}
	return m;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* Add c to bucket idx. -1 when out of memory (st unchanged). Out of line:
 * kt_sketch_add tries store_bump first. */
static __attribute__((noinline)) int store_add(kt_sketch_store *st, int idx, uint64_t c)
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
		if (!fits(v, st->width)) {
			kt_sketch_store to = *st;
			to.width = (uint8_t)width_for(v);
			if (relayout(st, to) < 0)
				return -1;
		}
		ctr_set(st->mem, st->width, i, v);
		return 0;
	}

	int16_t *keys = sparse_keys(st);
	uint32_t lo = sparse_find(keys, st->n, idx);
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
			/* Chosen on whole bytes (a run of nibbles would often
			 * lose to the pairs once its counts outgrow 15), but
			 * nibbles while they hold every count. */
			unsigned dense_width = width == 1 && v <= NIBBLE_MAX &&
						       max_count(st) <= NIBBLE_MAX ? NIBBLE : width;
			if (to_dense(st, span_lo, span_hi, dense_width) < 0)
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

/* One more in bucket idx when the store has that bucket already and its
 * count still fits the width: what most values of a busy sketch need,
 * without store_add's calls and register saves. 0 when store_add must do
 * it (a sparse store's new bucket is searched for twice: rare once the
 * sketch has seen its range). */
static inline __attribute__((always_inline)) int store_bump(kt_sketch_store *st,
							    int idx)
{
	size_t i;
	void *ctrs;
	if (st->dense) {
		i = (size_t)(unsigned)(idx - st->base);
		if (i >= st->n)
			return 0;
		ctrs = st->mem;
	} else {
		const int16_t *keys = sparse_keys(st);
#if KT_SKETCH_SSE2
		/* Up to 8 buckets (a sketch of small integers, a window's
		 * latencies), compared at once. Their keys are whole in the
		 * block: 8 bytes when cap is 4, 16 when it is 8 or more. */
		if (st->n - 1u < 8) {
			__m128i k = st->cap >= 8 ? _mm_loadu_si128((const __m128i *)keys)
						 : _mm_loadl_epi64((const __m128i *)keys);
			__m128i eq = _mm_cmpeq_epi16(k, _mm_set1_epi16((int16_t)idx));
			unsigned hit = (unsigned)_mm_movemask_epi8(eq);
			hit &= (1u << 2 * st->n) - 1;
			if (!hit)
				return 0;
			i = (unsigned)__builtin_ctz(hit) / 2;
		} else
#endif
		{
			uint32_t lo = sparse_find(keys, st->n, idx);
			if (lo == st->n || keys[lo] != idx)
				return 0;
			i = lo;
		}
		ctrs = sparse_ctrs(st);
	}
	switch (st->width) {
	case NIBBLE: {
		uint8_t *b = (uint8_t *)ctrs + i / 2;
		unsigned shift = i % 2 * 4;
		return (*b >> shift & NIBBLE_MAX) < NIBBLE_MAX ? (*b += (uint8_t)(1u << shift), 1) : 0;
	}
	case 1: {
		uint8_t *c = (uint8_t *)ctrs + i;
		return *c < UINT8_MAX ? (++*c, 1) : 0;
	}
	case 2: {
		uint16_t *c = (uint16_t *)ctrs + i;
		return *c < UINT16_MAX ? (++*c, 1) : 0;
	}
	case 4: {
		uint32_t *c = (uint32_t *)ctrs + i;
		return *c < UINT32_MAX ? (++*c, 1) : 0;
	}
	default:
		return 0;
	}
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

/* The memo's slot for a magnitude's bits: the top bits of a Fibonacci
 * hash, which depend on all of them (small integers differ only in their
 * exponent and top mantissa bits, prices in their low ones). */
static inline unsigned memo_slot(uint64_t bits)
{
	return (unsigned)((bits * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - KT_SKETCH_MEMO_BITS));
}

/* Whether a magnitude m (at least KT_SKETCH_MIN) makes its sketch
 * fractional: only values that small can be the exact quantile of an
 * estimate below 50, the ones rounded for integer data. */
static inline bool makes_fractional(double m)
{
	return m < 64 && m != (double)(int64_t)m; /* floor without a call */
}

/* A value for a bucket store_bump cannot take: store_add's, or -1 when
 * out of memory (counted as dropped). */
static __attribute__((noinline)) int add_new(kt_sketch *s, kt_sketch_store *st, int idx)
{
	if (store_add(st, idx, 1) < 0) {
		s->dropped++;
		return -1;
	}
	return 0;
}

/* The end of an add whose bucket idx is known: one more there. */
static inline __attribute__((always_inline)) int add_to(kt_sketch *s, kt_sketch_store *st,
							int idx)
{
	if (store_bump(st, idx))
		return 0;
	return add_new(s, st, idx);
}

/* What an add does after the extremes: the zeros, or the magnitude's
 * fractional mark and bucket. */
static __attribute__((noinline)) int add_magnitude(kt_sketch *s, double x, double m)
{
	if (m < KT_SKETCH_MIN) {
		s->zeros++;
		return 0;
	}
	if (makes_fractional(m))
		s->fractional = 1;
	return add_to(s, x > 0 ? &s->pos : &s->neg, bucket_of(m));
}

/* The end of a memo miss with bucket idx: remembered in the slot, then
 * used. */
static inline __attribute__((always_inline)) int add_missed(kt_sketch *s, double x,
							    double m, kt_sketch_memo *memo,
							    unsigned slot, int idx)
{
	bool frac = makes_fractional(m);
	uint64_t bits;
	memcpy(&bits, &m, sizeof bits);
	memo->key[slot] = ~bits;
	memo->code[slot] = (int16_t)(idx * 2 + frac);
	if (frac)
		s->fractional = 1;
	return add_to(s, x > 0 ? &s->pos : &s->neg, idx);
}

/* A memo miss that bucket_fast cannot answer (rare: out of line so that
 * add_miss makes no call but tail calls). */
static __attribute__((noinline)) int add_miss_off(kt_sketch *s, double x, double m,
						  kt_sketch_memo *memo, unsigned slot)
{
	return add_missed(s, x, m, memo, slot, bucket_off(m));
}

/* A memo miss: a zero, or the bucket computed. */
static __attribute__((noinline)) int add_miss(kt_sketch *s, double x, double m,
					      kt_sketch_memo *memo, unsigned slot)
{
	if (m < KT_SKETCH_MIN) {
		s->zeros++;
		return 0;
	}
	int idx = bucket_fast(m);
	if (idx == OFF)
		return add_miss_off(s, x, m, memo, slot);
	return add_missed(s, x, m, memo, slot, idx);
}

/* The count and the extremes, which every value changes; false for NAN. */
static inline bool add_extremes(kt_sketch *s, double x)
{
	if (isnan(x))
		return false;
	s->count++;
	if (x < s->min)
		s->min = x;
	if (x > s->max)
		s->max = x;
	return true;
}

int kt_sketch_add(kt_sketch *s, double x)
{
	if (!add_extremes(s, x))
		return -1;
	return add_magnitude(s, x, fabs(x));
}

/* The hit path makes no call but tail calls, so it saves no registers. */
int kt_sketch_add_memo(kt_sketch *s, double x, kt_sketch_memo *memo)
{
	if (!add_extremes(s, x))
		return -1;
	double m = fabs(x);
	uint64_t bits;
	memcpy(&bits, &m, sizeof bits);
	unsigned slot = memo_slot(bits);
	/* Magnitudes below KT_SKETCH_MIN are never stored, so they miss:
	 * an empty slot's key is the complement of no magnitude's bits. */
	if (memo->key[slot] != ~bits)
		return add_miss(s, x, m, memo, slot);
	int code = memo->code[slot];
	if (code & 1)
		s->fractional = 1;
	return add_to(s, x > 0 ? &s->pos : &s->neg, code >> 1);
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
