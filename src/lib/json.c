/* json: a strict RFC 8259 parser building cJSON trees (see json.h). */
#include "ktrio/json.h"

#include "ktrio/utf8.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
/* KT_JSON_NO_SIMD: the portable 8-byte string scan even where SSE2 is
 * (tests/unit/lib/test_json_swar.c runs the JSON tests on it). */
#if defined(__SSE2__) && !defined(KT_JSON_NO_SIMD)
#define KT_JSON_SSE2 1
#include <emmintrin.h>
#endif

/* The parser works on its own copy of the text: strings are decoded in
 * place there (NUL-terminated over their closing quote) instead of each
 * being allocated and copied. The copy ends with PAD NULs: a NUL is never
 * valid where the parser reads one, so reads need no bound at every byte
 * (the text's end reads as a NUL, which every rule refuses), and strings
 * are scanned 16 (or 8) bytes at a time up to their last byte. */
#define PAD 16

/* The parse's settings and depth. The position in the text is not kept
 * here but passed and returned by value: in a register, where a string
 * decoded in place (char stores, which may alias anything) would force a
 * field's reload after every byte written. */
typedef struct parser {
	char *end;
	kt_json_alloc_fn alloc;
	void *ctx;
	int depth;
	kt_json_keep_fn keep; /* NULL: every member of the root object */
	void *keep_ctx;
} parser;

/* Where a value ends and its node: two registers when returned. p is
 * NULL when the text is malformed or alloc failed. */
typedef struct step {
	char *p;
	cJSON *node;
} step;

static const step FAILED = {NULL, NULL};

static step parse_value(parser *ps, char *p);

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The parser never reads past the NUL at the text's end: every rule
 * refuses it (p <= ps->end wherever these are called). */
static inline char *skip_space(char *p)
{
	/* most records have no space at all: one test for the common case */
	while ((unsigned char)*p <= ' ' && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

static cJSON *new_node(parser *ps, int type)
{
	cJSON *n = ps->alloc(ps->ctx, sizeof *n);
	if (n) {
		memset(n, 0, sizeof *n);
		n->type = type;
	}
	return n;
}

/* ---- strings --------------------------------------------------------- */

static int hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned c = (unsigned char)s[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* A \u escape at q (after the backslash and 'u'), a surrogate pair taken
 * whole, written as UTF-8 to *o. Returns the bytes read, 0 if malformed. */
static size_t unicode_escape(const char *q, const char *stop, char **o)
{
	unsigned cp, lo;
	if (stop - q < 4 || hex4(q, &cp) || (cp >= 0xDC00 && cp <= 0xDFFF))
		return 0;
	if (cp < 0xD800 || cp > 0xDBFF) {
		*o += put_utf8(*o, cp);
		return 4;
	}
	if (stop - q < 10 || q[4] != '\\' || q[5] != 'u' || hex4(q + 6, &lo) ||
	    lo < 0xDC00 || lo > 0xDFFF)
		return 0;
	*o += put_utf8(*o, 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00));
	return 10;
}

/* Decode the escaped text [q, stop) into out (never longer than it; out
 * may be q itself: every byte is read before it can be written over).
 * Returns the decoded length, or -1 when malformed. */
static ptrdiff_t unescape(const char *q, const char *stop, char *out)
{
	static const char simple[128] = {['"'] = '"', ['\\'] = '\\', ['/'] = '/',
					 ['b'] = '\b', ['f'] = '\f', ['n'] = '\n',
					 ['r'] = '\r', ['t'] = '\t'};
	char *o = out;
	while (q < stop) {
		if (*q != '\\') {
			*o++ = *q++;
			continue;
		}
		unsigned char c = (unsigned char)q[1];
		q += 2;
		if (c == 'u') {
			size_t used = unicode_escape(q, stop, &o);
			if (!used)
				return -1;
			q += used;
		} else if (c < 128 && simple[c]) {
			*o++ = simple[c];
		} else {
			return -1;
		}
	}
	*o = '\0';
	return o - out;
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Nonzero when a byte of w is '"', '\\' or below 0x20: what a JSON string
 * cannot hold as it is. The tests for "some byte is zero" and "some byte
 * is below n" (n <= 128) are exact: no false positives. */
static inline uint64_t special_bytes(uint64_t w)
{
	uint64_t quote = w ^ (ONES * '"'), slash = w ^ (ONES * '\\');
	uint64_t zero_q = (quote - ONES) & ~quote, zero_s = (slash - ONES) & ~slash;
	uint64_t low = (w - ONES * 0x20) & ~w;
	return (zero_q | zero_s | low) & HIGHS;
}

/* The parser also looks at bytes above 0x7F: UTF-8 to check. Nonzero
 * when it must; the lowest set bit is in the first such byte's high bit. */
static inline uint64_t needs_look(uint64_t w)
{
	return special_bytes(w) | (w & HIGHS);
}

size_t kt_json_plain_run(const char *s, size_t n)
{
	size_t i = 0;
	for (; n - i >= 8; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (special_bytes(w))
			break;
	}
	while (i < n && (unsigned char)s[i] >= 0x20 && s[i] != '"' && s[i] != '\\')
		i++;
	return i;
}

/* The first byte of [s, ...) that parse_string must look at (a quote,
 * a backslash, a control character, one above 0x7F, or the NUL at the
 * text's end), 16 or 8 bytes at a time: most strings hold none of them
 * until their closing quote. The padding makes the wide reads safe: a
 * block read whole holds no NUL, so it ends before the text does. */
static inline char *scan_plain(char *s)
{
#ifdef KT_JSON_SSE2
	const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\');
	const __m128i space = _mm_set1_epi8(0x20);
	for (;;) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
		/* signed: below 0x20 are the control characters and, as
		 * negative bytes, those above 0x7F */
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, slash)),
					 _mm_cmplt_epi8(v, space));
		unsigned mask = (unsigned)_mm_movemask_epi8(m);
		if (mask)
			return s + __builtin_ctz(mask);
		s += 16;
	}
#endif
	for (;;) {
		uint64_t w;
		memcpy(&w, s, 8);
		uint64_t look = needs_look(w);
		if (look) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			/* the lowest flag is always a true one */
			return s + __builtin_ctzll(look) / 8;
#else
			unsigned char c;
			while ((c = (unsigned char)*s) >= 0x20 && c < 0x80 && c != '"' && c != '\\')
				s++;
			return s;
#endif
		}
		s += 8;
	}
}

/* parse_string past its first byte to look at (s), which is not the
 * closing quote: escapes, UTF-8, the errors. Out of line, so the plain
 * strings' path saves no registers. */
static __attribute__((noinline)) char *string_rest(parser *ps, char *start, char *s, size_t *len)
{
	bool escaped = false;
	for (;;) {
		if (s >= ps->end)
			return NULL;
		unsigned char c = (unsigned char)*s;
		if (c == '"')
			break;
		if (c < 0x20)
			return NULL; /* control characters must be escaped */
		if (c >= 0x80) {
			size_t n = kt_utf8_sequence(s, (size_t)(ps->end - s));
			if (!n)
				return NULL;
			s += n;
		} else {
			if (c == '\\') {
				escaped = true;
				/* whatever follows is checked by unescape; a
				 * NUL (the end) is refused here */
				if (!*++s)
					return NULL;
			}
			s++;
		}
		s = scan_plain(s);
	}
	if (escaped) {
		ptrdiff_t n = unescape(start, s, start);
		if (n < 0)
			return NULL;
		*len = (size_t)n;
		return s + 1;
	}
	*s = '\0'; /* the closing quote, read already */
	*len = (size_t)(s - start);
	return s + 1;
}

/* The string whose opening quote is at p, decoded and NUL-terminated in
 * place at p + 1, its length (it may hold NULs: \u0000) in *len. Returns
 * where it ends (after the closing quote), NULL when malformed. */
static inline char *parse_string(parser *ps, char *p, size_t *len)
{
	char *start = p + 1, *s = scan_plain(start);
	if (*s != '"') /* (a quote is never the padding: s < ps->end) */
		return string_rest(ps, start, s, len);
	*s = '\0'; /* the closing quote, read already */
	*len = (size_t)(s - start);
	return s + 1;
}

/* ---- numbers --------------------------------------------------------- */

/* Powers of ten that doubles hold exactly. */
static const double exact_pow10[] = {
	1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

#define MAX_EXACT_MANTISSA (UINT64_C(1) << 53)

/* Text [s, stop) that the fast path cannot read exactly, through strtod,
 * which needs it NUL-terminated: the byte after it (our own copy of the
 * text, which has PAD more at its end) is lent for that. +-HUGE_VAL
 * beyond range, as cJSON gives. */
static double slow_number(char *s, char *stop)
{
	char saved = *stop;
	*stop = '\0';
	double v = strtod(s, NULL);
	*stop = saved;
	return v;
}

/* Integers from 2^53 up are not all doubles. */
#define MAX_EXACT_DOUBLE 9007199254740992.0

/* A NUL-terminated copy of [s, stop): the exact text of an integer that a
 * double may not hold (2^53 and up; rare, so a copy is cheap enough). */
static char *exact_text(parser *ps, const char *s, const char *stop)
{
	size_t n = (size_t)(stop - s);
	char *t = ps->alloc(ps->ctx, n + 1);
	if (t) {
		memcpy(t, s, n);
		t[n] = '\0';
	}
	return t;
}

/* Digits [q, stop) into *mant while it holds them exactly; returns where
 * digits end. *lost is set when a significant digit did not fit, *scale
 * lowered by one per fraction digit taken. */
static char *take_digits(char *q, uint64_t *mant, bool fraction, int *scale, bool *lost)
{
	/* the NUL at the text's end stops the digits: no bound to check */
	for (; is_digit(*q); q++) {
		if (*mant < (MAX_EXACT_MANTISSA - 9) / 10) {
			*mant = *mant * 10 + (uint64_t)(*q - '0');
			if (fraction)
				(*scale)--;
		} else {
			*lost = true;
		}
	}
	return q;
}

/* A number per the JSON grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
 * Exact without strtod when the digits fit in 53 bits and the power of ten
 * is one doubles hold: one correctly rounded multiplication or division
 * (Clinger's fast path). */
static step parse_number(parser *ps, char *p)
{
	char *s = p, *q = s, *stop = ps->end;
	bool neg = q < stop && *q == '-', lost = false;
	q += neg;
	if (q >= stop || !is_digit(*q))
		return FAILED;
	uint64_t mant = 0;
	int scale = 0, expo = 0;
	bool integer = true; /* no fraction, no exponent */
	if (*q == '0')
		q++; /* "01" then fails on the '1' that follows the value */
	else
		q = take_digits(q, &mant, false, &scale, &lost);
	if (q < stop && *q == '.') {
		integer = false;
		if (++q >= stop || !is_digit(*q))
			return FAILED;
		q = take_digits(q, &mant, true, &scale, &lost);
	}
	if (q < stop && (*q == 'e' || *q == 'E')) {
		integer = false;
		q++;
		bool eneg = q < stop && (*q == '-' || *q == '+') ? *q++ == '-' : false;
		if (q >= stop || !is_digit(*q))
			return FAILED;
		for (; q < stop && is_digit(*q); q++)
			if (expo < 100000)
				expo = expo * 10 + (*q - '0');
		expo = eneg ? -expo : expo;
	}
	int e = scale + expo;
	double v;
	if (!lost && (mant == 0 || (e >= -22 && e <= 22))) {
		v = mant == 0 ? 0
		    : e >= 0  ? (double)mant * exact_pow10[e]
			      : (double)mant / exact_pow10[-e];
		v = neg ? -v : v;
	} else {
		v = slow_number(s, q); /* signed by strtod */
	}
	cJSON *n = new_node(ps, cJSON_Number);
	if (!n)
		return FAILED;
	if (integer && !(fabs(v) < MAX_EXACT_DOUBLE) && !(n->valuestring = exact_text(ps, s, q)))
		return FAILED;
	n->valuedouble = v;
	/* cJSON's own saturation of valueint */
	n->valueint = v >= INT_MAX ? INT_MAX : v <= (double)INT_MIN ? INT_MIN : (int)v;
	return (step){q, n};
}

/* ---- values left out (kt_json_parse_some) ----------------------------- */

static char *skip_value(parser *ps, char *p);

static char *skip_digits(char *q)
{
	/* the NUL at the text's end stops the digits: no bound to check */
	while (is_digit(*q))
		q++;
	return q;
}

/* parse_number's grammar, without the value: where the number at q ends,
 * NULL when malformed. */
static char *skip_number(char *q, const char *stop)
{
	q += q < stop && *q == '-';
	if (q >= stop || !is_digit(*q))
		return NULL;
	q = *q == '0' ? q + 1 : skip_digits(q);
	if (q < stop && *q == '.') {
		if (++q >= stop || !is_digit(*q))
			return NULL;
		q = skip_digits(q);
	}
	if (q < stop && (*q == 'e' || *q == 'E')) {
		q++;
		q += q < stop && (*q == '-' || *q == '+');
		if (q >= stop || !is_digit(*q))
			return NULL;
		q = skip_digits(q);
	}
	return q;
}

/* A member's key at p (decoded in place at p + 1, its length in *len),
 * the colon and the space around it: where its value starts, or NULL. */
static inline char *member_key(parser *ps, char *p, size_t *len)
{
	if (*p != '"' || !(p = parse_string(ps, p, len)))
		return NULL;
	p = skip_space(p);
	return *p == ':' ? skip_space(p + 1) : NULL;
}

/* parse_container's grammar and depth limit, without nodes. */
static char *skip_container(parser *ps, char *p, bool object)
{
	if (++ps->depth > CJSON_NESTING_LIMIT)
		return NULL;
	char close = object ? '}' : ']';
	p = skip_space(p + 1);
	if (*p == close) {
		ps->depth--;
		return p + 1;
	}
	for (;;) {
		size_t keylen;
		if (object && !(p = member_key(ps, p, &keylen)))
			return NULL;
		if (!(p = skip_value(ps, p)))
			return NULL;
		p = skip_space(p);
		char next = *p++;
		if (next == close)
			break;
		if (next != ',')
			return NULL;
		p = skip_space(p);
	}
	ps->depth--;
	return p;
}

/* Where the literal word (len bytes) at p ends, NULL if it is not there. */
static char *skip_literal(char *p, const char *stop, const char *word, size_t len)
{
	if ((size_t)(stop - p) < len || memcmp(p, word, len))
		return NULL;
	return p + len;
}

/* Check the value at p as parse_value would; where it ends, or NULL. */
static char *skip_value(parser *ps, char *p)
{
	size_t len;
	switch (*p) {
	case '{':
		return skip_container(ps, p, true);
	case '[':
		return skip_container(ps, p, false);
	case '"':
		p = parse_string(ps, p, &len); /* decoded in our copy */
		return p && len <= INT_MAX ? p : NULL;
	case 't':
		return skip_literal(p, ps->end, "true", 4);
	case 'f':
		return skip_literal(p, ps->end, "false", 5);
	case 'n':
		return skip_literal(p, ps->end, "null", 4);
	default:
		return skip_number(p, ps->end);
	}
}

/* ---- containers ------------------------------------------------------ */

static void append(cJSON *parent, cJSON **last, cJSON *item)
{
	if (*last) {
		(*last)->next = item;
		item->prev = *last;
	} else {
		parent->child = item;
	}
	*last = item;
}

/* An array or object whose opening bracket is at p. */
static step parse_container(parser *ps, char *p, bool object)
{
	if (++ps->depth > CJSON_NESTING_LIMIT)
		return FAILED;
	cJSON *c = new_node(ps, object ? cJSON_Object : cJSON_Array), *last = NULL;
	if (!c)
		return FAILED;
	char close = object ? '}' : ']';
	/* whether keep chooses this container's members: the root's */
	bool choose = object && ps->depth == 1 && ps->keep;
	p = skip_space(p + 1);
	if (*p == close) {
		ps->depth--;
		return (step){p + 1, c};
	}
	for (;;) {
		char *key = NULL;
		size_t keylen = 0;
		if (object) {
			key = p + 1; /* where member_key decodes it */
			if (!(p = member_key(ps, p, &keylen)))
				return FAILED;
		}
		int tag = -1;
		if (choose && (tag = ps->keep(ps->keep_ctx, key, keylen)) < 0) {
			if (!(p = skip_value(ps, p)))
				return FAILED;
		} else {
			step item = parse_value(ps, p);
			if (!item.p)
				return FAILED;
			p = item.p;
			item.node->string = key;
			item.node->type |= (tag + 1) << 16; /* kt_json_member_tag */
			append(c, &last, item.node);
		}
		p = skip_space(p);
		char next = *p++;
		if (next == close)
			break;
		if (next != ',')
			return FAILED;
		p = skip_space(p);
	}
	if (c->child)
		c->child->prev = last; /* cJSON keeps the last item there */
	ps->depth--;
	return (step){p, c};
}

static step literal(parser *ps, char *p, const char *word, size_t len, int type)
{
	char *after = skip_literal(p, ps->end, word, len);
	cJSON *n = after ? new_node(ps, type) : NULL;
	if (!n)
		return FAILED;
	n->valueint = type == cJSON_True;
	return (step){after, n};
}

static step parse_value(parser *ps, char *p)
{
	switch (*p) {
	case '{':
		return parse_container(ps, p, true);
	case '[':
		return parse_container(ps, p, false);
	case '"': {
		size_t len;
		char *str = p + 1;
		p = parse_string(ps, p, &len);
		cJSON *n = p && len <= INT_MAX ? new_node(ps, cJSON_String) : NULL;
		if (!n)
			return FAILED;
		n->valuestring = str;
		n->valueint = (int)len;
		return (step){p, n};
	}
	case 't':
		return literal(ps, p, "true", 4, cJSON_True);
	case 'f':
		return literal(ps, p, "false", 5, cJSON_False);
	case 'n':
		return literal(ps, p, "null", 4, cJSON_NULL);
	default:
		return parse_number(ps, p);
	}
}

cJSON *kt_json_parse(const char *s, size_t len, kt_json_alloc_fn alloc, void *ctx)
{
	return kt_json_parse_some(s, len, alloc, ctx, NULL, NULL);
}

cJSON *kt_json_parse_some(const char *s, size_t len, kt_json_alloc_fn alloc, void *ctx,
			  kt_json_keep_fn keep, void *keep_ctx)
{
	char *text = alloc(ctx, len + PAD);
	if (!text)
		return NULL;
	memcpy(text, s, len);
	memset(text + len, 0, PAD);
	parser ps = {.end = text + len, .alloc = alloc, .ctx = ctx, .keep = keep,
		     .keep_ctx = keep_ctx};
	step root = parse_value(&ps, skip_space(text));
	if (!root.p)
		return NULL;
	return skip_space(root.p) == ps.end ? root.node : NULL;
}
