/* hash: a fast 64-bit hash of byte strings, for hash tables and HyperLogLog. */
#ifndef KTRIO_HASH_H
#define KTRIO_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Hash len bytes at data (data may be NULL when len is 0). Deterministic
 * across runs and machines of the same endianness; seeds give independent
 * hash functions. Not cryptographic. */
uint64_t kt_hash64(const void *data, size_t len, uint64_t seed);

#endif
