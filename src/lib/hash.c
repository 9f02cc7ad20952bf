/* hash: a fast 64-bit hash of byte strings. */
#include "ktrio/hash.h"

#include <string.h>

/* Odd constants with well-mixed bits (from the fractional parts of
 * sqrt(2), sqrt(3) and the golden ratio). */
#define M1 0x6a09e667f3bcc909ULL
#define M2 0xbb67ae8584caa73bULL
#define M3 0x9e3779b97f4a7c15ULL

static inline uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* Spread every input bit over the whole word (xor-shift-multiply rounds). */
static inline uint64_t finish(uint64_t h)
{
	h ^= h >> 31;
	h *= M1;
	h ^= h >> 29;
	h *= M2;
	h ^= h >> 32;
	return h;
}

uint64_t kt_hash64(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t a = seed ^ M3, b = (uint64_t)len * M1;
	/* Two lanes of 8-byte words so consecutive multiplies overlap. */
	while (len >= 16) {
		uint64_t w0, w1;
		memcpy(&w0, p, 8);
		memcpy(&w1, p + 8, 8);
		a = rotl(a ^ (w0 * M1), 29) * M2;
		b = rotl(b ^ (w1 * M2), 31) * M1;
		p += 16;
		len -= 16;
	}
	if (len >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		a = rotl(a ^ (w * M1), 29) * M2;
		p += 8;
		len -= 8;
	}
	uint64_t tail = 0;
	if (len)
		memcpy(&tail, p, len); /* the 0..7 bytes left, zero-padded */
	b ^= (tail + len) * M3;
	return finish(a ^ rotl(b, 23) ^ (b >> 7));
}
