/* rng: a small, fast, seedable random number generator (xoshiro256**) with
 * the draws the generator needs: uniform, normal, zipf, bool and UUIDs. */
#ifndef KTRIO_RNG_H
#define KTRIO_RNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kt_rng {
	uint64_t s[4];
	double spare; /* second normal of a Marsaglia pair */
	bool has_spare;
} kt_rng;

/* Seed deterministically: the same seed gives the same sequence. */
void kt_rng_seed(kt_rng *r, uint64_t seed);

/* A seed from the system (getrandom, falling back to time and pid). */
uint64_t kt_rng_system_seed(void);

/* The next 64 random bits. */
uint64_t kt_rng_next(kt_rng *r);

/* Uniform double in [0, 1). */
double kt_rng_uniform(kt_rng *r);

/* Uniform integer in [lo, hi], both included (lo <= hi; any int64_t
 * range, the whole of it included), without modulo bias. */
int64_t kt_rng_range(kt_rng *r, int64_t lo, int64_t hi);

/* Normal with the given mean and standard deviation (Marsaglia's polar
 * method; every second call returns the pair's cached value). */
double kt_rng_normal(kt_rng *r, double mean, double stddev);

/* UUID version 4 text from 128 bits of r, lowercase hex with dashes
 * (36 characters and a NUL) into out. */
void kt_rng_uuid(kt_rng *r, char out[37]);

/* Zipf over ranks 1..n with exponent s: P(k) proportional to 1/k^s.
 * Up to KT_ZIPF_TABLE_MAX ranks an alias table (Vose) is built once, so a
 * draw is O(1) from one uniform: its integer part picks a column, its
 * fraction the column's rank or its alias (a binary search over the CDF
 * was an eighth of the generator's drawing and encoding time). Beyond, a
 * table would cost 12 bytes a rank (zipf(10000000): 160 MB and seconds
 * to start, per field): rejection-inversion (Hoermann and Derflinger
 * 1996) draws exactly from O(1) memory, about 1.1 uniforms and three
 * transcendental functions a draw. */
#define KT_ZIPF_TABLE_MAX 65536u

typedef struct kt_zipf {
	double *prob;    /* owned: per column, the chance of its own rank */
	uint32_t *alias; /* owned: per column, the other rank */
	uint32_t n;
	/* Rejection-inversion (prob NULL): the exponent, H(1.5) - 1,
	 * H(n + 0.5) and the squeeze bound. */
	double s, h_x1, h_n, squeeze;
} kt_zipf;

/* Fill z (12n bytes up to KT_ZIPF_TABLE_MAX ranks, none beyond; released
 * with kt_zipf_release). -1, z left empty, when n < 1, s is not a finite
 * positive number, or on allocation failure. */
int kt_zipf_init(kt_zipf *z, uint32_t n, double s);
/* Free the table; z becomes empty. Safe on an empty or zeroed z. */
void kt_zipf_release(kt_zipf *z);
/* A rank in 1..n; z must have been initialised successfully. */
uint32_t kt_zipf_draw(const kt_zipf *z, kt_rng *r);

#endif
