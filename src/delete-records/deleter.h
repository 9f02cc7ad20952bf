/* deleter: the Kafka side of delete-records: resolving offsets and times to
 * per-partition targets, sending DeleteRecords, checking the result, and
 * writing tombstones for keys on compacted topics. */
#ifndef KTRIO_DELETER_H
#define KTRIO_DELETER_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "delete_plan.h"
#include "ktrio/parse.h"

typedef struct kt_deleter {
	rd_kafka_t *rk;    /* borrowed: a handle that can send admin requests */
	int64_t timeout_ms; /* for each request */
	const struct rd_kafka_metadata *md; /* owned; cached cluster metadata */
} kt_deleter;

/* Fetch and cache the cluster's metadata. -1 with err on failure. */
int kt_deleter_init(kt_deleter *d, rd_kafka_t *rk, int64_t timeout_ms,
		    char *err, size_t errlen);
void kt_deleter_release(kt_deleter *d);

/* Partition count of topic from the cached metadata; 0 when unknown. */
int kt_deleter_partition_count(const kt_deleter *d, const char *topic);

/* kt_watermark_fn over a kt_deleter (opaque). */
int kt_deleter_watermarks(void *opaque, const char *topic, int32_t partition,
			  int64_t *low, int64_t *high, char *err, size_t errlen);

/* Add one request per partition (those in `only`, or all when only->n is
 * 0), each with the same offset (>= 0 or KT_OFFSET_END). An unknown topic
 * is an error here; unknown partitions are left for plan validation. */
int kt_deleter_request_offsets(kt_deleter *d, const char *topic,
			       const kt_i32list *only, int64_t offset,
			       kt_delete_requests *out, char *err, size_t errlen);

/* Like kt_deleter_request_offsets, with each partition's target found by
 * offsets-for-times: the first offset whose timestamp is >= time_ms. */
int kt_deleter_request_time(kt_deleter *d, const char *topic,
			    const kt_i32list *only, int64_t time_ms,
			    kt_delete_requests *out, char *err, size_t errlen);

/* Send DeleteRecords for every entry with records to delete, then re-read
 * each partition's low watermark into low_after, and record per-entry
 * errors. Returns the number of failed partitions, or -1 when the request
 * itself failed (err). */
int kt_deleter_execute(kt_deleter *d, kt_delete_plan *plan, char *err,
		       size_t errlen);

#endif
