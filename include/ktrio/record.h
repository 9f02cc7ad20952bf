/* record: decoding a Kafka message value into a JSON object (a cJSON tree), and
 * the reasons a record is refused (counted, never fatal). */
#ifndef KTRIO_RECORD_H
#define KTRIO_RECORD_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* Why a record was not counted; the names are part of the JSON output. */
enum kt_invalid {
	KT_INVALID_EMPTY,         /* "empty": zero-length value */
	KT_INVALID_NULL,          /* "null_value": tombstone (no value) */
	KT_INVALID_TOO_LARGE,     /* "too_large": above the size limit */
	KT_INVALID_BAD_UTF8,      /* "bad_utf8": not valid UTF-8 */
	KT_INVALID_NOT_JSON,      /* "not_json": does not parse (or too deep) */
	KT_INVALID_NOT_OBJECT,    /* "not_object": an array, string, number ... */
	KT_INVALID_DUPLICATE_KEY, /* "duplicate_key": a field used twice */
	KT_INVALID_MISSING_FIELD, /* "missing_field": group, stat or time field */
	KT_INVALID_WRONG_TYPE,    /* "wrong_type": e.g. a string where a number is */
	KT_INVALID_BAD_NUMBER,    /* "bad_number": beyond double range */
	KT_INVALID_BAD_TIME,      /* "bad_time": event time not a usable epoch ms */
	KT_INVALID_COUNT
};

/* The stable name of a reason, e.g. "not_json". */
const char *kt_invalid_name(enum kt_invalid reason);

/* Decode one message value. On success returns the root object, which
 * lives in this thread's record arena until kt_record_free or
 * kt_record_arena_reset (never cJSON_Delete it), and leaves *reason alone;
 * otherwise NULL with *reason set. value may be NULL (a tombstone). Records
 * larger than max_bytes are refused before parsing. Several records may be
 * alive at once (a batch), until the arena is reset.
 *
 * Why an arena: a tree per record, each node and string allocated on its
 * own, made malloc/free pairs the top of the consumer's profile; kt_json_parse
 * bumps a pointer in a reusable per-thread arena instead. */
cJSON *kt_record_decode(const void *value, size_t len, size_t max_bytes,
			enum kt_invalid *reason);

/* Release the records decoded on this thread into the selected arena
 * (root may be NULL). */
void kt_record_free(cJSON *root);

/* The same, for a batch: forget every record decoded into the selected
 * arena. */
void kt_record_arena_reset(void);

/* Give back the memory of all this thread's arenas (at thread or program
 * end). */
void kt_record_arena_release(void);

/* Each thread has KT_RECORD_ARENAS arenas; decoding, kt_record_free and
 * kt_record_arena_reset work on the selected one (0 at first). A pipeline
 * decodes one batch into one arena while the records of the previous batch,
 * in the other, are still being read. */
#define KT_RECORD_ARENAS 2
void kt_record_arena_select(unsigned which);

#endif
