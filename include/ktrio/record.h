/* record: decoding a Kafka message value into a JSON object (a cJSON tree), and
 * the reasons a record is refused (counted, never fatal). */
#ifndef KTRIO_RECORD_H
#define KTRIO_RECORD_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* A record arena: where decoded records live. Each is used by one thread at
 * a time; a pipeline keeps one per batch in flight, so a batch can be read
 * while the next is decoded into another. Embed it and kt_record_arena_init
 * it (or zero it); kt_record_arena_release gives its memory back.
 *
 * Why an arena: a tree per record, each node and string allocated on its
 * own, made malloc/free pairs the top of the consumer's profile; kt_json_parse
 * bumps a pointer in a reusable arena instead. */
typedef struct kt_record_arena {
	struct kt_record_chunk *first; /* chunks in order of use; after head: spare */
	struct kt_record_chunk *head;  /* the chunk being filled, NULL before the first */
	char *cur, *end;               /* its free space */
} kt_record_arena;

void kt_record_arena_init(kt_record_arena *a);

/* Decode one message value into arena a. On success returns the root
 * object, which lives in a until kt_record_arena_reset or _release (never
 * cJSON_Delete it), and leaves *reason alone; otherwise NULL with *reason
 * set, and what the arena held before is intact. value may be NULL (a
 * tombstone). Records larger than max_bytes are refused before parsing.
 * Several records may be alive at once (a batch), until the arena is
 * reset. */
cJSON *kt_record_decode(kt_record_arena *a, const void *value, size_t len,
			size_t max_bytes, enum kt_invalid *reason);

/* The top-level fields a query reads (names borrowed, NUL-terminated),
 * for kt_record_decode_some. */
#define KT_RECORD_MAX_KEYS 48 /* at most 64: bits of a word */
typedef struct kt_record_keys {
	size_t n;
	const char *name[KT_RECORD_MAX_KEYS];
	size_t len[KT_RECORD_MAX_KEYS]; /* strlen(name[i]) */
	/* Bytes 0..7 and 8..15 of each name and its NUL, as words (memcpy
	 * order), with masks of the bytes that are the name's. */
	uint64_t head[KT_RECORD_MAX_KEYS], head_mask[KT_RECORD_MAX_KEYS];
	uint64_t next[KT_RECORD_MAX_KEYS], next_mask[KT_RECORD_MAX_KEYS];
	/* Bit i of starting[b] set when name i starts with byte b: a key is
	 * compared with those names only. Bit l of lens set when some name
	 * is l bytes (l < 63), bit 63 for any longer one: a quick refusal. */
	uint64_t starting[256];
	uint64_t lens;
} kt_record_keys;

/* Add name (borrowed) to k: its index there (the same for a name given
 * again), which is the tag of the members so named in a tree that
 * kt_record_decode_some builds (kt_json_member_tag). -1 when k is full,
 * when the caller must keep every field instead (decode with keys NULL). */
int kt_record_keys_add(kt_record_keys *k, const char *name);

/* As kt_record_decode, but only the root's members named in keys (as a C
 * string: up to a NUL in the key, as the field lookups compare) go into
 * the tree; the others are checked as strictly (the same records are
 * refused, for the same reasons) and left out. keys NULL: all kept. */
cJSON *kt_record_decode_some(kt_record_arena *a, const void *value, size_t len,
			     size_t max_bytes, const kt_record_keys *keys,
			     enum kt_invalid *reason);

/* Forget every record decoded into a, keeping its memory for the next
 * batch. */
void kt_record_arena_reset(kt_record_arena *a);

/* Give back all of a's memory; a is empty and usable again. */
void kt_record_arena_release(kt_record_arena *a);

#endif
