/* emit: a growable text buffer and the encoders the consumer's output
 * needs: JSON strings and numbers, CSV fields, and the display form of a
 * group key's values. Output is built here and written with one fwrite,
 * instead of a cJSON tree printed per group (which cost about 10 us a
 * group, mostly cJSON's printf + sscanf per number). */
#ifndef KTRIO_EMIT_H
#define KTRIO_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fields.h"
#include "ktrio/number.h"

typedef struct kt_emit {
	char *buf;
	size_t len, cap;
	bool failed; /* out of memory: everything after is dropped */
} kt_emit;

void kt_emit_init(kt_emit *e);
void kt_emit_release(kt_emit *e);

/* Make room for n more bytes (the slow path of the inline writers); false
 * when memory ran out (failed is then set). */
bool kt_emit_grow(kt_emit *e, size_t n);

static inline bool kt_emit_room(kt_emit *e, size_t n)
{
	return (!e->failed && e->cap - e->len >= n) || kt_emit_grow(e, n);
}

/* Inline: the writers run about 30 times per group of a window. */
static inline void kt_emit_bytes(kt_emit *e, const char *s, size_t n)
{
	if (n && kt_emit_room(e, n)) {
		memcpy(e->buf + e->len, s, n);
		e->len += n;
	}
}

/* s a NUL-terminated string (a literal's length folds to a constant). */
static inline void kt_emit_str(kt_emit *e, const char *s)
{
	kt_emit_bytes(e, s, strlen(s));
}

static inline void kt_emit_char(kt_emit *e, char c)
{
	if (kt_emit_room(e, 1))
		e->buf[e->len++] = c;
}
void kt_emit_uint(kt_emit *e, uint64_t v);
void kt_emit_int(kt_emit *e, int64_t v);

/* d by kt_number_format; a NaN or infinity as `none` ("null" in JSON, ""
 * in CSV). */
void kt_emit_double(kt_emit *e, double d, const char *none);

/* Texts of recently written doubles, by their bits (direct-mapped): a
 * window's quantile estimates are bucket values, a few hundred distinct
 * ones over all its groups, each costing a full shortest-digits search. */
#define KT_NUMCACHE_SIZE 1024
typedef struct kt_numcache {
	uint64_t bits[KT_NUMCACHE_SIZE];
	uint8_t len[KT_NUMCACHE_SIZE]; /* 0: empty */
	char text[KT_NUMCACHE_SIZE][KT_NUMBER_MAX];
} kt_numcache;

/* As kt_emit_double, through cache (NULL: as kt_emit_double). */
void kt_emit_double_cached(kt_emit *e, kt_numcache *cache, double d, const char *none);

/* s[0..n) as a JSON string: quoted, '"', '\\' and control bytes escaped
 * (\n, \t, ... or \u00XX; NULs too), DEL as \u007f, UTF-8 as it is. */
void kt_emit_json_string(kt_emit *e, const char *s, size_t n);

/* s[0..n) as one CSV field (RFC 4180: quoted when it holds a comma, quote,
 * CR or LF, quotes doubled). */
void kt_emit_csv_field(kt_emit *e, const char *s, size_t n);

/* A key value as JSON: a string quoted, a number's text, true/false/null. */
void kt_emit_key_json(kt_emit *e, const kt_key_part *p);

/* A key value for people (table, CSV): a string as it is, unless
 * kt_key_string_needs_quotes, then as a JSON string; others as in JSON. */
void kt_emit_key_text(kt_emit *e, const kt_key_part *p);

/* Write what is buffered to out and empty the buffer; -1 when out fails or
 * memory ran out since the last flush. */
int kt_emit_flush(kt_emit *e, FILE *out);

#endif
