/* emit: a text buffer with JSON, CSV and key encoders (see emit.h). */
#include "emit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ktrio/json.h"
#include "ktrio/number.h"

void kt_emit_init(kt_emit *e)
{
	memset(e, 0, sizeof *e);
}

void kt_emit_release(kt_emit *e)
{
	free(e->buf);
	kt_emit_init(e);
}

bool kt_emit_grow(kt_emit *e, size_t n)
{
	if (e->failed)
		return false;
	if (e->cap - e->len >= n)
		return true;
	size_t cap = e->cap ? e->cap : 4096;
	while (cap - e->len < n)
		cap *= 2;
	char *b = realloc(e->buf, cap);
	if (!b) {
		e->failed = true;
		return false;
	}
	e->buf = b;
	e->cap = cap;
	return true;
}

void kt_emit_uint(kt_emit *e, uint64_t v)
{
	if (kt_emit_room(e, KT_NUMBER_MAX))
		e->len += kt_number_format_uint(v, e->buf + e->len);
}

void kt_emit_int(kt_emit *e, int64_t v)
{
	if (kt_emit_room(e, KT_NUMBER_MAX))
		e->len += kt_number_format_int(v, e->buf + e->len);
}

void kt_emit_double(kt_emit *e, double d, const char *none)
{
	if (!kt_emit_room(e, KT_NUMBER_MAX))
		return;
	size_t n = kt_number_format(d, e->buf + e->len);
	if (n)
		e->len += n;
	else
		kt_emit_str(e, none);
}

void kt_emit_double_cached(kt_emit *e, kt_numcache *cache, double d, const char *none)
{
	uint64_t bits;
	memcpy(&bits, &d, sizeof bits);
	if (!cache || !isfinite(d)) {
		kt_emit_double(e, d, none);
		return;
	}
	if (!kt_emit_room(e, KT_NUMBER_MAX))
		return;
	size_t h = (size_t)((bits * UINT64_C(0x9e3779b97f4a7c15)) >> 54); /* 10 bits */
	char *at = e->buf + e->len;
	if (cache->len[h] && cache->bits[h] == bits) {
		memcpy(at, cache->text[h], KT_NUMBER_MAX); /* a fixed size: a few stores */
		e->len += cache->len[h];
		return;
	}
	size_t n = kt_number_format(d, at); /* writes KT_NUMBER_MAX bytes */
	memcpy(cache->text[h], at, KT_NUMBER_MAX);
	cache->bits[h] = bits;
	cache->len[h] = (uint8_t)n;
	e->len += n;
}

void kt_emit_json_string(kt_emit *e, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	kt_emit_char(e, '"');
	size_t i = 0;
	while (i < n) {
		size_t run = kt_json_plain_run(s + i, n - i);
		/* DEL passes kt_json_plain_run; escape it too, for terminals. */
		const char *del = memchr(s + i, 0x7f, run);
		if (del)
			run = (size_t)(del - (s + i));
		kt_emit_bytes(e, s + i, run);
		i += run;
		if (i == n)
			break;
		unsigned char c = (unsigned char)s[i++];
		char esc[7] = {'\\', 0};
		size_t len = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			len = 6;
		}
		kt_emit_bytes(e, esc, len);
	}
	kt_emit_char(e, '"');
}

void kt_emit_csv_field(kt_emit *e, const char *s, size_t n)
{
	bool quote = false;
	for (size_t i = 0; i < n && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
	if (!quote) {
		kt_emit_bytes(e, s, n);
		return;
	}
	kt_emit_char(e, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			kt_emit_char(e, '"');
		kt_emit_char(e, s[i]);
	}
	kt_emit_char(e, '"');
}

void kt_emit_key_json(kt_emit *e, const kt_key_part *p)
{
	switch (p->type) {
	case 's':
		kt_emit_json_string(e, p->bytes, p->len);
		break;
	case 'n':
		kt_emit_bytes(e, p->bytes, p->len);
		break;
	default:
		kt_emit_str(e, p->type == 't' ? "true" : p->type == 'f' ? "false" : "null");
	}
}

void kt_emit_key_text(kt_emit *e, const kt_key_part *p)
{
	if (p->type == 's' && !kt_key_string_needs_quotes(p->bytes, p->len))
		kt_emit_bytes(e, p->bytes, p->len);
	else
		kt_emit_key_json(e, p);
}

int kt_emit_flush(kt_emit *e, FILE *out)
{
	bool ok = !e->failed && fwrite(e->buf, 1, e->len, out) == e->len;
	e->len = 0;
	e->failed = false;
	return ok ? 0 : -1;
}
