/* record: decoding message values into JSON objects, and refusal reasons. */
#include "ktrio/record.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The record arena: a chain of chunks; the first is kept between records,
 * the others (for large records) are freed when the record is. */
#define CHUNK_BYTES (64 * 1024)

typedef struct chunk {
	struct chunk *next;
	size_t cap, used;
	max_align_t data[]; /* aligned for any cJSON allocation */
} chunk;

static _Thread_local struct {
	chunk *head; /* current chunk; chain ends with the kept first one */
	bool active; /* inside kt_record_decode: allocate from the arena */
} arena;

static _Thread_local bool hooks_installed;

static void *arena_malloc(size_t n)
{
	if (!arena.active)
		return malloc(n);
	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	chunk *c = arena.head;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > CHUNK_BYTES ? n : CHUNK_BYTES;
		chunk *fresh = malloc(sizeof *fresh + cap);
		if (!fresh)
			return NULL; /* cJSON turns this into a parse failure */
		fresh->next = c;
		fresh->cap = cap;
		fresh->used = 0;
		arena.head = c = fresh;
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

static void arena_free(void *p)
{
	/* Inside a parse only arena memory is freed (a failed parse cleaning
	 * up): it goes when the arena is reset. */
	if (!arena.active)
		free(p);
}

/* Where the arena stands, to go back there when a parse fails without
 * losing the records decoded before it. */
typedef struct mark {
	chunk *head;
	size_t used;
} mark;

static mark arena_mark(void)
{
	return (mark){arena.head, arena.head ? arena.head->used : 0};
}

static void arena_rewind(mark m)
{
	while (arena.head && arena.head != m.head && arena.head->next) {
		chunk *next = arena.head->next;
		free(arena.head);
		arena.head = next;
	}
	if (arena.head && arena.head == m.head)
		arena.head->used = m.used;
	else if (arena.head)
		arena.head->used = 0;
}

/* Back to one empty chunk. */
static void arena_reset(void)
{
	chunk *c = arena.head;
	while (c && c->next) {
		chunk *next = c->next;
		free(c);
		c = next;
	}
	arena.head = c;
	if (c)
		c->used = 0;
}

void kt_record_arena_release(void)
{
	arena_reset();
	free(arena.head);
	arena.head = NULL;
}

void kt_record_free(cJSON *root)
{
	(void)root; /* everything it holds is in the arena */
	arena_reset();
}

void kt_record_arena_reset(void)
{
	arena_reset();
}

static const char *const names[KT_INVALID_COUNT] = {
	[KT_INVALID_EMPTY] = "empty",
	[KT_INVALID_NULL] = "null_value",
	[KT_INVALID_TOO_LARGE] = "too_large",
	[KT_INVALID_BAD_UTF8] = "bad_utf8",
	[KT_INVALID_NOT_JSON] = "not_json",
	[KT_INVALID_NOT_OBJECT] = "not_object",
	[KT_INVALID_DUPLICATE_KEY] = "duplicate_key",
	[KT_INVALID_MISSING_FIELD] = "missing_field",
	[KT_INVALID_WRONG_TYPE] = "wrong_type",
	[KT_INVALID_BAD_NUMBER] = "bad_number",
	[KT_INVALID_BAD_TIME] = "bad_time",
};

const char *kt_invalid_name(enum kt_invalid reason)
{
	return (unsigned)reason < KT_INVALID_COUNT ? names[reason] : "unknown";
}

bool kt_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + len;
	while (s < end) {
		/* Skip ASCII eight bytes at a time: most JSON is ASCII. */
		if (end - s >= 8) {
			uint64_t w;
			memcpy(&w, s, 8);
			if (!(w & 0x8080808080808080ULL)) {
				s += 8;
				continue;
			}
		}
		unsigned c = *s;
		if (c < 0x80) {
			s++;
			continue;
		}
		size_t n;
		unsigned min;
		uint32_t cp;
		if ((c & 0xE0) == 0xC0) {
			n = 2, min = 0x80, cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			n = 3, min = 0x800, cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			n = 4, min = 0x10000, cp = c & 0x07;
		} else {
			return false;
		}
		if ((size_t)(end - s) < n)
			return false;
		for (size_t i = 1; i < n; i++) {
			if ((s[i] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		s += n;
	}
	return true;
}

cJSON *kt_record_decode(const void *value, size_t len, size_t max_bytes,
			enum kt_invalid *reason)
{
	if (!value) {
		*reason = KT_INVALID_NULL;
		return NULL;
	}
	if (len == 0) {
		*reason = KT_INVALID_EMPTY;
		return NULL;
	}
	if (len > max_bytes) {
		*reason = KT_INVALID_TOO_LARGE;
		return NULL;
	}
	if (!kt_utf8_valid(value, len)) {
		*reason = KT_INVALID_BAD_UTF8;
		return NULL;
	}
	if (!hooks_installed) {
		cJSON_Hooks hooks = {arena_malloc, arena_free};
		cJSON_InitHooks(&hooks);
		hooks_installed = true;
	}
	mark before = arena_mark();
	/* cJSON stops at CJSON_NESTING_LIMIT levels, so deep input fails
	 * cleanly here instead of exhausting the stack. */
	const char *end = NULL;
	arena.active = true;
	cJSON *root = cJSON_ParseWithLengthOpts(value, len, &end, 0);
	arena.active = false;
	if (!root) {
		arena_rewind(before);
		*reason = KT_INVALID_NOT_JSON;
		return NULL;
	}
	/* Only whitespace may follow the value. */
	const char *stop = (const char *)value + len;
	while (end < stop && (*end == ' ' || *end == '\n' || *end == '\r' ||
			      *end == '\t' || *end == '\0'))
		end++;
	if (end != stop) {
		arena_rewind(before);
		*reason = KT_INVALID_NOT_JSON;
		return NULL;
	}
	if (!cJSON_IsObject(root)) {
		arena_rewind(before);
		*reason = KT_INVALID_NOT_OBJECT;
		return NULL;
	}
	return root;
}
