/* delete_plan: what delete-records will delete, built from a request and the
 * partitions' watermarks, validated in full before anything is sent. */
#ifndef KTRIO_DELETE_PLAN_H
#define KTRIO_DELETE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A requested target: "delete everything before this offset". */
#define KT_OFFSET_END (-1)   /* the partition's high watermark */
#define KT_OFFSET_NONE (-2)  /* leave this partition alone (by time: nothing older) */

/* One requested partition; topic is owned by the request list. */
typedef struct kt_delete_request {
	char *topic;
	int32_t partition;
	int64_t offset; /* >= 0, KT_OFFSET_END or KT_OFFSET_NONE */
} kt_delete_request;

typedef struct kt_delete_requests {
	kt_delete_request *v;
	size_t n, cap;
} kt_delete_requests;

void kt_delete_requests_init(kt_delete_requests *r);
void kt_delete_requests_release(kt_delete_requests *r);
/* Append a request (copies topic). -1 on OOM. */
int kt_delete_requests_add(kt_delete_requests *r, const char *topic,
			   int32_t partition, int64_t offset);

/* Parse the JSON of Kafka's kafka-delete-records.sh offset file:
 * {"partitions":[{"topic":"t","partition":0,"offset":N}],"version":1}
 * (offset -1 = high watermark; version optional, only 1; a partition
 * twice, a key twice in an object and any text after the object but
 * whitespace refused). Appends to r; -1 with a message in err. */
int kt_delete_requests_parse_json(kt_delete_requests *r, const char *json,
				  size_t len, char *err, size_t errlen);

/* One partition of the plan and, after the deletion, of the report. */
typedef struct kt_delete_entry {
	const char *topic; /* borrowed from the requests */
	int32_t partition;
	int64_t low, high;   /* watermarks when planned */
	int64_t target;      /* resolved offset: records below it go */
	int64_t to_delete;   /* target - low when positive, else 0 */
	int64_t low_after;   /* filled after deletion, -1 until then */
	int error;           /* broker error code after deletion, 0 = OK */
	char error_text[256];
} kt_delete_entry;

typedef struct kt_delete_plan {
	kt_delete_entry *v;
	size_t n;
	int64_t total;     /* records to delete in all */
	size_t partitions; /* partitions with something to delete */
	size_t unreachable; /* partitions whose leader could not be asked */
} kt_delete_plan;

/* Looks up what the broker says about a partition, for plan building:
 * return 1 and fill low/high when the partition exists, 0 when the topic
 * or partition does not exist, 2 when it exists but its leader cannot be
 * asked now (down, being elected; the reason in err), -1 on error
 * (message in err). */
typedef int (*kt_watermark_fn)(void *opaque, const char *topic,
			       int32_t partition, int64_t *low, int64_t *high,
			       char *err, size_t errlen);

/* Build and validate the plan for every request: unknown topic or
 * partition, a negative target, a target above the high watermark, a
 * partition asked twice and an empty plan are errors naming the topic and
 * partition. On error returns -1, err filled, plan left empty. A partition
 * whose leader is out of reach is no error here: its entry is planned as
 * failed (error -1, the reason in error_text, nothing to delete, low, high
 * and target -1) and counted in unreachable, so the others still go. */
int kt_delete_plan_build(kt_delete_plan *plan, const kt_delete_requests *r,
			 kt_watermark_fn watermarks, void *opaque, char *err,
			 size_t errlen);

void kt_delete_plan_init(kt_delete_plan *plan);
void kt_delete_plan_release(kt_delete_plan *plan);

#endif
