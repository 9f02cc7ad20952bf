/* record: decoding message values into JSON objects, and refusal reasons. */
#include "ktrio/record.h"

#include "ktrio/json.h"
#include "ktrio/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The record arena: a chain of chunks filled in turn. A reset goes back to
 * the first and keeps the chunks for the next batch, so a steady stream
 * allocates nothing; chunks beyond KEPT_CHUNKS and oversized ones (a
 * record larger than a chunk) are given back at a reset. */
#define CHUNK_BYTES (64 * 1024)
#define KEPT_CHUNKS 64

typedef struct kt_record_chunk {
	struct kt_record_chunk *next;
	size_t cap;
	max_align_t data[]; /* aligned for any cJSON allocation */
} chunk;

typedef kt_record_arena arena_state;

/* cJSON's nodes hold pointers and doubles; strings need nothing. */
#define ARENA_ALIGN 8

static void use_chunk(arena_state *a, chunk *c)
{
	a->head = c;
	a->cur = (char *)c->data;
	a->end = a->cur + c->cap;
}

/* The slow path: move to the chunk after head (a spare one when big
 * enough, else a new one) and take n bytes there. */
static __attribute__((noinline)) void *refill(arena_state *a, size_t n)
{
	chunk *spare = a->head ? a->head->next : a->first;
	if (!spare || spare->cap < n) {
		size_t cap = n > CHUNK_BYTES ? n : CHUNK_BYTES;
		chunk *fresh = malloc(sizeof *fresh + cap);
		if (!fresh)
			return NULL; /* cJSON turns this into a parse failure */
		*fresh = (chunk){.next = spare, .cap = cap};
		if (a->head)
			a->head->next = fresh;
		else
			a->first = fresh;
		spare = fresh;
	}
	use_chunk(a, spare);
	void *p = a->cur;
	a->cur += n;
	return p;
}

/* kt_json_parse's allocator: a bump of the arena's pointer. */
static void *arena_alloc(void *ctx, size_t n)
{
	arena_state *a = ctx;
	n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if ((size_t)(a->end - a->cur) < n)
		return refill(a, n);
	void *p = a->cur;
	a->cur += n;
	return p;
}

/* Where the arena stands, to go back there when a parse fails without
 * losing the records decoded before it. */
typedef struct mark {
	chunk *head;
	char *cur;
} mark;

static mark arena_mark(const arena_state *a)
{
	return (mark){a->head, a->cur};
}

static void arena_rewind(arena_state *a, mark m)
{
	if (m.head) {
		use_chunk(a, m.head);
		a->cur = m.cur;
	} else if (a->first) {
		use_chunk(a, a->first);
	}
}

/* Back to the start, keeping up to KEPT_CHUNKS ordinary chunks. */
void kt_record_arena_reset(kt_record_arena *a)
{
	chunk **link = &a->first;
	size_t kept = 0;
	while (*link) {
		chunk *c = *link;
		if (c->cap > CHUNK_BYTES || kept == KEPT_CHUNKS) {
			*link = c->next;
			free(c);
			continue;
		}
		kept++;
		link = &c->next;
	}
	if (a->first)
		use_chunk(a, a->first);
	else
		*a = (arena_state){0};
}

void kt_record_arena_init(kt_record_arena *a)
{
	*a = (kt_record_arena){0};
}

void kt_record_arena_release(kt_record_arena *a)
{
	while (a->first) {
		chunk *next = a->first->next;
		free(a->first);
		a->first = next;
	}
	*a = (kt_record_arena){0};
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

_Static_assert(KT_RECORD_MAX_KEYS - 1 <= KT_JSON_MAX_TAG, "a key's index is its tag");
_Static_assert(KT_RECORD_MAX_KEYS <= 64, "a key's index is a bit of starting[]");

int kt_record_keys_add(kt_record_keys *k, const char *name)
{
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->name[i], name) == 0)
			return (int)i;
	if (k->n == KT_RECORD_MAX_KEYS)
		return -1;
	size_t len = strlen(name), n = k->n;
	size_t head = len + 1 < 8 ? len + 1 : 8;
	size_t next = len + 1 <= 8 ? 0 : len + 1 < 16 ? len + 1 - 8 : 8;
	k->starting[(unsigned char)name[0]] |= UINT64_C(1) << n;
	k->lens |= UINT64_C(1) << (len < 63 ? len : 63);
	k->len[n] = len;
	k->name[n] = name;
	k->head[n] = 0;
	memcpy(&k->head[n], name, head);
	k->head_mask[n] = 0;
	memset(&k->head_mask[n], 0xFF, head);
	k->next[n] = k->next_mask[n] = 0;
	memcpy(&k->next[n], name + 8, next);
	memset(&k->next_mask[n], 0xFF, next);
	k->n++;
	return (int)n;
}

/* The rest of a name of 16 bytes or more, after the two words matched
 * (out of line: rare, and the call would cost keep_named register saves). */
static __attribute__((noinline)) bool same_tail(const char *key, const char *name, size_t len)
{
	return memcmp(key + 16, name + 16, len - 15) == 0;
}

/* kt_json_keep_fn over a kt_record_keys: the key as a C string (up to a
 * NUL it may hold), as cJSON lookups and the consumer's field matching
 * compare names. The key is NUL-terminated at len, so when a name is no
 * longer than len its terminator can be compared too: bytes 0..7 and
 * 8..15 (the terminator of names up to 15 bytes among them) as words,
 * read whatever len is (the parser's copy is padded by 16 and a name no
 * longer than the key ends before the key's NUL), and the rest of longer
 * names with memcmp. Only the names starting with the key's first byte
 * (candidates, not 0) are compared. */
static __attribute__((noinline)) int keep_named(const kt_record_keys *k, const char *key,
						size_t len, uint64_t candidates)
{
	uint64_t word;
	memcpy(&word, key, sizeof word);
	do {
		unsigned i = (unsigned)__builtin_ctzll(candidates);
		candidates &= candidates - 1;
		if (k->len[i] > len || (word & k->head_mask[i]) != k->head[i])
			continue;
		if (k->len[i] < 8)
			return (int)i;
		uint64_t second;
		memcpy(&second, key + 8, sizeof second);
		if ((second & k->next_mask[i]) == k->next[i] &&
		    (k->len[i] < 16 || same_tail(key, k->name[i], k->len[i])))
			return (int)i;
	} while (candidates);
	return -1;
}

static int keep_key(void *ctx, const char *key, size_t len)
{
	const kt_record_keys *k = ctx;
	uint64_t candidates = k->starting[(unsigned char)key[0]];
	/* Most keys are refused here, without the names' loop: no name
	 * starts with their first byte, or none is as long (only for keys up
	 * to 62 bytes without a NUL: one with a NUL may equal a shorter
	 * name). */
	if (!candidates)
		return -1;
	if (len < 63 && !(k->lens >> len & 1) && strlen(key) == len)
		return -1;
	return keep_named(k, key, len, candidates);
}

cJSON *kt_record_decode(kt_record_arena *a, const void *value, size_t len,
			size_t max_bytes, enum kt_invalid *reason)
{
	return kt_record_decode_some(a, value, len, max_bytes, NULL, reason);
}

cJSON *kt_record_decode_some(kt_record_arena *a, const void *value, size_t len,
			     size_t max_bytes, const kt_record_keys *keys,
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
	/* Trailing NULs are forgiven: some producers send C strings with
	 * their terminator. */
	const char *text = value;
	while (len > 0 && text[len - 1] == '\0')
		len--;
	mark before = arena_mark(a);
	/* Nesting deeper than CJSON_NESTING_LIMIT fails cleanly. */
	cJSON *root = kt_json_parse_some(text, len, arena_alloc, a, keys ? keep_key : NULL,
					 (void *)keys);
	if (!root) {
		arena_rewind(a, before);
		/* The parser checks UTF-8 in strings, and JSON outside them is
		 * ASCII: a failure tells which it was only now, when rare. */
		*reason = kt_utf8_valid(text, len) ? KT_INVALID_NOT_JSON
						   : KT_INVALID_BAD_UTF8;
		return NULL;
	}
	if (!cJSON_IsObject(root)) {
		arena_rewind(a, before);
		*reason = KT_INVALID_NOT_OBJECT;
		return NULL;
	}
	return root;
}
