/* tombstone: delete by key on a compacted topic: scan a topic for keys that
 * match, then write a tombstone (null value) for each live key into the
 * partition where it lives. */
#ifndef KTRIO_TOMBSTONE_H
#define KTRIO_TOMBSTONE_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktrio/kafka.h"
#include "ktrio/log.h"

/* Which keys to delete: exact keys and/or one PCRE2 pattern. */
typedef struct kt_key_matcher kt_key_matcher;

kt_key_matcher *kt_key_matcher_new(void);
void kt_key_matcher_free(kt_key_matcher *m);
/* Add one exact key (copied). -1 on OOM. */
int kt_key_matcher_add_key(kt_key_matcher *m, const char *key);
/* Set the pattern (compiled once, JIT when available). A bad pattern gives
 * PCRE2's message and the offset in err, and -1. */
int kt_key_matcher_set_regex(kt_key_matcher *m, const char *pattern,
			     char *err, size_t errlen);
bool kt_key_matcher_match(kt_key_matcher *m, const void *key, size_t len);

/* A matching key as found by the scan. */
typedef struct kt_tomb_key {
	int32_t partition;
	char *key; /* owned, not NUL-safe: use keylen */
	size_t keylen;
	bool live; /* its latest record has a value (needs a tombstone) */
} kt_tomb_key;

typedef struct kt_tomb_keys {
	kt_tomb_key *v;
	size_t n, cap;
	/* Where each (partition, key) is in v: open addressing, slot i + 1
	 * for v[i], 0 empty; nslots a power of two, at most half full. A scan
	 * matching 100k keys looked each up in a list (30 s). */
	size_t *slots;
	size_t nslots;
} kt_tomb_keys;

void kt_tomb_keys_init(kt_tomb_keys *k);
void kt_tomb_keys_release(kt_tomb_keys *k);
/* Record the state of (partition, key) (copied) as its latest: the scan
 * reads in offset order. A new pair is appended to v, a known one only
 * updated, in O(1) expected. -1 on OOM. */
int kt_tomb_keys_note(kt_tomb_keys *k, int32_t partition, const void *key,
		      size_t len, bool live);

/* Read partitions [0, nparts) of topic from their low to their high
 * watermark (as they are when the scan starts) with consumer (a consumer
 * handle with enable.partition.eof=true, no group needed) and collect each distinct matching key with
 * its latest state. -1 with err on failure. */
int kt_tomb_scan(rd_kafka_t *consumer, const char *topic, int nparts,
		 kt_key_matcher *m, int64_t timeout_ms, kt_tomb_keys *out,
		 char *err, size_t errlen);

/* The context of a producer that writes tombstones: the shared one and
 * what its delivery reports count. Outlives the handle, whose opaque must
 * be &kafka. */
typedef struct kt_tomb_ctx {
	kt_kafka_ctx kafka; /* first: the handle's opaque */
	int failed;         /* deliveries that failed in the current write */
} kt_tomb_ctx;

void kt_tomb_ctx_init(kt_tomb_ctx *t, const kt_log *log);

/* Install the delivery callback kt_tomb_write counts failures with on the
 * conf of a producer made with a kt_tomb_ctx; call before kt_kafka_new. */
void kt_tomb_conf(rd_kafka_conf_t *conf);

/* Produce one tombstone per live key, to its own partition, and wait for
 * every delivery; producer's opaque is a kt_tomb_ctx (see kt_tomb_conf).
 * Returns the number of failed deliveries, or -1 (err). */
int kt_tomb_write(rd_kafka_t *producer, const char *topic,
		  const kt_tomb_keys *keys, int64_t timeout_ms, char *err,
		  size_t errlen);

#endif
