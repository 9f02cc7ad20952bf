/* event: drawing the generator's events into a cJSON object and writing its text. */
#include "event.h"
#include "ktrio/error.h"

#include <cJSON.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktrio/json.h"
#include "ktrio/number.h"
#include "ktrio/parse.h"

/* Bytes past every text print_event copies from, and past the largest
 * event in out: a piece of up to SLACK bytes is copied as SLACK bytes, one
 * fixed-size move instead of a call to memcpy (most are a few bytes). */
#define SLACK 16

static const char lit_true[SLACK] = "true", lit_false[SLACK] = "false",
		  lit_null[SLACK] = "null";

/* len bytes of src to out, src and out valid for SLACK bytes at least. */
static inline char *put(char *out, const char *src, size_t len)
{
	if (len <= SLACK)
		memcpy(out, src, SLACK);
	else
		memcpy(out, src, len);
	return out + len;
}

/* A string field's values (one draw: the field's or one case's) as the
 * JSON literals they print as, quotes included, escaped once at start; a
 * pattern's prefix (with its opening quote) and suffix (with its closing
 * one) in text[0] and text[1]. */
typedef struct literals {
	char **text;
	size_t *len;
} literals;

struct kt_event_gen {
	const kt_schema *schema;
	kt_rng rng;
	char run[37];
	char id[37];
	char seq_text[KT_NUMBER_MAX], ts_text[KT_NUMBER_MAX];
	int64_t ts_last;    /* the ts in ts_text, when ts_set */
	bool ts_set;
	/* One persistent object; each event only changes node values. String
	 * nodes are references to the schema's values or to bufs, so nothing
	 * is allocated per event. It is the oracle the encoder is held to
	 * (kt_event_gen_cjson_text) and where message keys are read. */
	cJSON *obj;
	cJSON *id_node, *seq_node, *ts_node;
	cJSON **nodes;      /* per field */
	int *types;         /* per field: the node's type when not null */
	size_t *chosen;     /* per field: index of the enum value drawn */
	char (*bufs)[KT_SCHEMA_MAX_STRING + 1];
	char **const_keys;  /* per field: a const object or array as key text */
	char **const_text;  /* per field: a const's JSON text */
	size_t *const_len;
	literals **lits;    /* per string or enum field: per draw (1 or ncases) */
	char **pattern_out; /* per pattern field: its value as a JSON string */
	char *keys;         /* per member: '{' or ',', its escaped name, ':' */
	size_t *key_len;    /* per member (id, run, seq, ts, then the fields) */
	/* Per member, this event's value as JSON text: val_len bytes at val,
	 * between quotes when quoted (a UUID, an ISO time: text that never
	 * needs escaping). */
	const char **val;
	size_t *val_len;
	bool *quoted;
	size_t members;
	char *out;          /* room for the largest event the schema makes */
	size_t cap;
	char keybuf[64];
};

/* Numbers are formatted here into raw nodes: cJSON's own number printing
 * (sprintf, then sscanf to check the round trip) was 40 % of the
 * generator's time. out has room for KT_NUMBER_MAX bytes. */
static size_t format_int(char *out, int64_t v)
{
	return kt_number_format_int(v, out);
}

/* x as cJSON prints a number: 15 significant digits when they read back
 * as x (within cJSON's tolerance of one epsilon), else 17. */
static void format_shortest(char *out, size_t outlen, double x)
{
	snprintf(out, outlen, "%1.15g", x);
	double back = strtod(out, NULL);
	if (!(fabs(back - x) <= fmax(fabs(back), fabs(x)) * DBL_EPSILON))
		snprintf(out, outlen, "%1.17g", x);
}

/* x as ktrio writes every number (ktrio/number.h), into out (at least
 * KT_NUMBER_MAX bytes); null, as cJSON would, for a non-finite x. */
static size_t format_number(char *out, double x)
{
	size_t n = kt_number_format(x, out);
	if (n)
		return n;
	memcpy(out, "null", 5);
	return 4;
}

/* x with at most `decimals` digits after the point, trailing zeros cut
 * ("35.1", "12"), as cJSON would print the rounded value. */
static size_t format_fixed(char *out, size_t outlen, double x, int decimals)
{
	static const int64_t pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000,
					10000000, 100000000, 1000000000};
	if (decimals > 9 || !(fabs(x) < 9e15 / (double)pow10[decimals > 9 ? 9 : decimals])) {
		/* Rare: many decimals or a huge value. From 1e17 up every
		 * double is an integer: no decimals to cut. Below, printf
		 * rounds to the decimals (at most 17 + 1 + 15 characters);
		 * 15 or 17 significant digits could show more of them. */
		if (!(fabs(x) < 1e17))
			return format_number(out, x);
		int n = snprintf(out, outlen, "%.*f", decimals, x);
		if (decimals > 0) { /* trailing zeros cut, as below */
			while (out[n - 1] == '0')
				n--;
			if (out[n - 1] == '.')
				n--;
			out[n] = '\0';
		}
		if (!strcmp(out, "-0"))
			strcpy(out, "0");
		return strlen(out);
	}
	int64_t scaled = llround(x * (double)pow10[decimals]);
	uint64_t mag = scaled < 0 ? (uint64_t)0 - (uint64_t)scaled : (uint64_t)scaled;
	uint64_t whole = mag / (uint64_t)pow10[decimals], frac = mag % (uint64_t)pow10[decimals];
	size_t n = 0;
	if (scaled < 0)
		out[n++] = '-';
	n += format_int(out + n, (int64_t)whole);
	if (frac) {
		int digits = decimals;
		while (frac % 10 == 0) {
			frac /= 10;
			digits--;
		}
		out[n++] = '.';
		for (int i = digits - 1; i >= 0; i--, frac /= 10)
			out[n + (size_t)i] = (char)('0' + frac % 10);
		n += (size_t)digits;
	}
	out[n] = '\0';
	return n;
}

/* prefix, n, suffix: a string pattern's value (lengths checked by the
 * schema: at most KT_SCHEMA_MAX_STRING in all) into out for the node, and
 * as a JSON string (lit: the escaped prefix and suffix) into json;
 * returns json's length. */
static size_t format_pattern(char *out, char *json, const kt_draw *d,
			     const literals *lit, int64_t n)
{
	char digits[KT_NUMBER_MAX];
	size_t nd = format_int(digits, n), p = strlen(d->prefix), j = lit->len[0];
	memcpy(out, d->prefix, p);
	memcpy(out + p, digits, nd);
	strcpy(out + p + nd, d->suffix);
	memcpy(json, lit->text[0], j);
	memcpy(json + j, digits, nd);
	memcpy(json + j + nd, lit->text[1], lit->len[1]);
	return j + nd + lit->len[1];
}

/* A node printing buf verbatim; the reference flag keeps cJSON from ever
 * freeing buf. */
static cJSON *raw_node(char *buf)
{
	cJSON *n = cJSON_CreateNull();
	if (n) {
		buf[0] = '0';
		buf[1] = '\0';
		n->type = cJSON_Raw | cJSON_IsReference;
		n->valuestring = buf;
	}
	return n;
}

static cJSON *make_node(kt_event_gen *g, size_t i)
{
	const kt_field *f = &g->schema->fields[i];
	switch (f->type) {
	case KT_FIELD_INT:
	case KT_FIELD_SEQ:
		return raw_node(g->bufs[i]);
	case KT_FIELD_FLOAT:
		return raw_node(g->bufs[i]);
	case KT_FIELD_TIMESTAMP:
		return f->iso ? cJSON_CreateStringReference(g->bufs[i]) : raw_node(g->bufs[i]);
	case KT_FIELD_BOOL:
		return cJSON_CreateFalse();
	case KT_FIELD_CONST:
		return cJSON_Duplicate(f->value, 1);
	default: /* string, enum, uuid */
		return cJSON_CreateStringReference(g->bufs[i]);
	}
}

static bool add(cJSON *obj, const char *name, cJSON *node)
{
	if (node && cJSON_AddItemToObject(obj, name, node))
		return true;
	cJSON_Delete(node);
	return false;
}

/* A JSON string literal as cJSON writes one: quotes and backslashes and
 * \b \f \n \r \t escaped, other bytes below 0x20 as \u00xx, the rest
 * as they are. Returns the bytes written (at most 6 * len + 2). */
static size_t put_string(char *out, const char *str)
{
	size_t n = 0, len = strlen(str);
	out[n++] = '"';
	for (const char *s = str, *end = str + len; s < end; s++) {
		size_t plain = kt_json_plain_run(s, (size_t)(end - s));
		memcpy(out + n, s, plain);
		n += plain;
		if ((s += plain) == end)
			break;
		const unsigned char *c = (const unsigned char *)s;
		out[n++] = '\\';
		switch (*c) {
		case '"': out[n++] = '"'; break;
		case '\\': out[n++] = '\\'; break;
		case '\b': out[n++] = 'b'; break;
		case '\f': out[n++] = 'f'; break;
		case '\n': out[n++] = 'n'; break;
		case '\r': out[n++] = 'r'; break;
		case '\t': out[n++] = 't'; break;
		default:
			n += (size_t)sprintf(out + n, "u%04x", *c);
		}
	}
	out[n++] = '"';
	return n;
}

/* Each member's lead-in ('{' or ',', the escaped name, ':'), in order. */
static int escape_names(kt_event_gen *g)
{
	size_t members = (size_t)cJSON_GetArraySize(g->obj), total = 0, i = 0;
	for (const cJSON *v = g->obj->child; v; v = v->next)
		total += 6 * strlen(v->string) + 4;
	g->keys = calloc(1, total + 1 + SLACK);
	g->key_len = calloc(members + 1, sizeof *g->key_len);
	if (!g->keys || !g->key_len)
		return -1;
	char *out = g->keys;
	for (const cJSON *v = g->obj->child; v; v = v->next, i++) {
		size_t n = 0;
		out[n++] = i ? ',' : '{';
		n += put_string(out + n, v->string);
		out[n++] = ':';
		g->key_len[i] = n;
		out += n;
	}
	return 0;
}

/* The draws of field f: its own, or one per case. */
static size_t ndraws(const kt_field *f)
{
	return f->by >= 0 ? f->ncases : 1;
}

static const kt_draw *draw_of(const kt_field *f, size_t k)
{
	return f->by >= 0 ? &f->cases[k] : &f->draw;
}

/* str as a JSON string, newly allocated, in *text (*len bytes). */
static int literal(const char *str, char **text, size_t *len)
{
	char *t = calloc(1, 6 * strlen(str) + 3 + SLACK);
	if (!t)
		return -1;
	*len = put_string(t, str);
	t[*len] = '\0';
	*text = t;
	return 0;
}

/* Field i's literals (a string or enum field's, else none), and the most
 * bytes its value can print as. -1 on OOM. */
static long field_literals(kt_event_gen *g, size_t i)
{
	const kt_field *f = &g->schema->fields[i];
	size_t most = 0;
	if (f->type != KT_FIELD_STRING && f->type != KT_FIELD_ENUM)
		return 0;
	size_t nd = ndraws(f);
	if (!(g->lits[i] = calloc(nd, sizeof *g->lits[i])))
		return -1;
	for (size_t k = 0; k < nd; k++) {
		const kt_draw *d = draw_of(f, k);
		literals *l = &g->lits[i][k];
		size_t nv = d->prefix ? 2 : d->nvalues;
		l->text = calloc(nv + 1, sizeof *l->text);
		l->len = calloc(nv + 1, sizeof *l->len);
		if (!l->text || !l->len)
			return -1;
		if (d->prefix) {
			/* "prefix and suffix": the quotes cut off, each kept
			 * on its side of the number. */
			if (literal(d->prefix, &l->text[0], &l->len[0]) < 0 ||
			    literal(d->suffix, &l->text[1], &l->len[1]) < 0)
				return -1;
			l->len[0]--;
			memmove(l->text[1], l->text[1] + 1, l->len[1]--);
			size_t n = l->len[0] + KT_NUMBER_MAX + l->len[1];
			most = n > most ? n : most;
			continue;
		}
		for (size_t v = 0; v < nv; v++) {
			if (literal(d->values[v], &l->text[v], &l->len[v]) < 0)
				return -1;
			most = l->len[v] > most ? l->len[v] : most;
		}
	}
	return (long)most;
}

/* The most bytes field i's value can print as (null and false included),
 * after its literals are made; -1 on OOM. */
static long field_room(kt_event_gen *g, size_t i)
{
	const kt_field *f = &g->schema->fields[i];
	long most = 5;
	switch (f->type) {
	case KT_FIELD_STRING:
	case KT_FIELD_ENUM: {
		long n = field_literals(g, i);
		if (n < 0)
			return -1;
		/* A pattern's text (a case may have one, another values). */
		for (size_t k = 0; k < ndraws(f); k++)
			if (draw_of(f, k)->prefix && !g->pattern_out[i] &&
			    !(g->pattern_out[i] = calloc(1, (size_t)n + SLACK)))
				return -1;
		return n > most ? n : most;
	}
	case KT_FIELD_UUID:
		return 38;
	case KT_FIELD_CONST: {
		/* cJSON's text, copied to where SLACK bytes follow it. */
		char *t = cJSON_PrintUnformatted(f->value);
		size_t n = t ? strlen(t) : 0;
		if (t && (g->const_text[i] = calloc(1, n + 1 + SLACK)))
			memcpy(g->const_text[i], t, n);
		cJSON_free(t);
		if (!g->const_text[i])
			return -1;
		g->const_len[i] = n;
		return (long)n > most ? (long)n : most;
	}
	default: /* numbers, a time (quoted when ISO), bool */
		return (long)sizeof g->bufs[i] + 2;
	}
}

kt_event_gen *kt_event_gen_new(const kt_schema *schema, bool seeded,
			       uint64_t seed, char *err, size_t errlen)
{
	kt_event_gen *g = calloc(1, sizeof *g);
	size_t n = schema->nfields;
	if (!g)
		goto oom;
	g->schema = schema;
	kt_rng_seed(&g->rng, seeded ? seed : kt_rng_system_seed());
	kt_rng_uuid(&g->rng, g->run);
	/* n + 1: calloc(0) may be NULL, which is not a failure here. */
	g->nodes = calloc(n + 1, sizeof *g->nodes);
	g->types = calloc(n + 1, sizeof *g->types);
	g->chosen = calloc(n + 1, sizeof *g->chosen);
	g->bufs = calloc(n + 1, sizeof *g->bufs);
	g->const_keys = calloc(n + 1, sizeof *g->const_keys);
	g->const_text = calloc(n + 1, sizeof *g->const_text);
	g->const_len = calloc(n + 1, sizeof *g->const_len);
	g->lits = calloc(n + 1, sizeof *g->lits);
	g->pattern_out = calloc(n + 1, sizeof *g->pattern_out);
	g->members = n + 4;
	g->val = calloc(n + 4, sizeof *g->val);
	g->val_len = calloc(n + 4, sizeof *g->val_len);
	g->quoted = calloc(n + 4, sizeof *g->quoted);
	g->obj = cJSON_CreateObject();
	if (!g->nodes || !g->types || !g->chosen || !g->bufs || !g->const_keys ||
	    !g->const_text || !g->const_len || !g->lits || !g->pattern_out || !g->val ||
	    !g->val_len || !g->quoted || !g->obj)
		goto oom;
	if (!add(g->obj, "id", g->id_node = cJSON_CreateStringReference(g->id)) ||
	    !add(g->obj, "run", cJSON_CreateStringReference(g->run)) ||
	    !add(g->obj, "seq", g->seq_node = raw_node(g->seq_text)) ||
	    !add(g->obj, "ts", g->ts_node = raw_node(g->ts_text)))
		goto oom;
	/* The largest event: every name, every value at its longest, the
	 * braces and a NUL. So an event is written without a check. */
	size_t cap = 2 * 38 + 2 * KT_NUMBER_MAX + 3;
	for (size_t i = 0; i < n; i++) {
		if (!add(g->obj, schema->fields[i].name, g->nodes[i] = make_node(g, i)))
			goto oom;
		g->types[i] = g->nodes[i]->type;
		const cJSON *v = schema->fields[i].value;
		if ((cJSON_IsObject(v) || cJSON_IsArray(v)) &&
		    !(g->const_keys[i] = cJSON_PrintUnformatted(v)))
			goto oom;
		long room = field_room(g, i);
		if (room < 0)
			goto oom;
		cap += (size_t)room;
	}
	if (escape_names(g) < 0)
		goto oom;
	for (size_t m = 0; m < g->members; m++)
		cap += g->key_len[m];
	g->quoted[0] = g->quoted[1] = true;
	g->val[0] = g->id;
	g->val[1] = g->run;
	g->val_len[0] = g->val_len[1] = 36;
	g->val[2] = g->seq_text;
	g->val[3] = g->ts_text;
	if (!(g->out = malloc((g->cap = cap) + SLACK)))
		goto oom;
	return g;
oom:
	kt_fail(err, errlen, "out of memory");
	kt_event_gen_free(g);
	return NULL;
}

void kt_event_gen_free(kt_event_gen *g)
{
	if (!g)
		return;
	size_t n = g->schema ? g->schema->nfields : 0;
	cJSON_Delete(g->obj);
	free(g->nodes);
	free(g->types);
	free(g->chosen);
	free(g->bufs);
	for (size_t i = 0; g->const_keys && i < n; i++)
		cJSON_free(g->const_keys[i]);
	free(g->const_keys);
	for (size_t i = 0; g->const_text && i < n; i++)
		free(g->const_text[i]);
	free(g->const_text);
	free(g->const_len);
	for (size_t i = 0; g->lits && i < n; i++) {
		if (!g->lits[i])
			continue;
		const kt_field *f = &g->schema->fields[i];
		for (size_t k = 0; k < ndraws(f); k++) {
			literals *l = &g->lits[i][k];
			const kt_draw *d = draw_of(f, k);
			size_t nv = d->prefix ? 2 : d->nvalues;
			for (size_t v = 0; l->text && v < nv; v++)
				free(l->text[v]);
			free(l->text);
			free(l->len);
		}
		free(g->lits[i]);
	}
	free(g->lits);
	for (size_t i = 0; g->pattern_out && i < n; i++)
		free(g->pattern_out[i]);
	free(g->pattern_out);
	free(g->val);
	free(g->val_len);
	free(g->quoted);
	free(g->keys);
	free(g->key_len);
	free(g->out);
	free(g);
}

const char *kt_event_gen_run_id(const kt_event_gen *g)
{
	return g->run;
}

static double draw_number(const kt_draw *d, kt_rng *r, bool integer)
{
	double x;
	switch (d->dist) {
	case KT_DIST_UNIFORM:
		if (integer)
			return (double)kt_rng_range(r, (int64_t)d->a, (int64_t)d->b);
		return d->a + (d->b - d->a) * kt_rng_uniform(r);
	case KT_DIST_NORMAL:
		x = kt_rng_normal(r, d->a, d->b);
		if (d->has_min && x < d->min)
			x = d->min;
		if (d->has_max && x > d->max)
			x = d->max;
		if (!integer)
			return x;
		return (double)llround(x < -9e15 ? -9e15 : x > 9e15 ? 9e15 : x);
	case KT_DIST_ZIPF:
		return (double)kt_zipf_draw(&d->zipf, r);
	default:
		return 0;
	}
}

static size_t draw_index(const kt_draw *d, kt_rng *r)
{
	if (d->cumulative) { /* enum: by weight */
		double u = kt_rng_uniform(r);
		size_t lo = 0, hi = d->nvalues - 1;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (d->cumulative[mid] > u)
				hi = mid;
			else
				lo = mid + 1;
		}
		return lo;
	}
	if (d->dist == KT_DIST_ZIPF)
		return kt_zipf_draw(&d->zipf, r) - 1;
	return (size_t)kt_rng_range(r, 0, (int64_t)d->nvalues - 1);
}

/* Draw field i's value into its node, and its JSON text into member
 * i + 4's val. */
static void draw_field(kt_event_gen *g, size_t i, uint64_t seq, int64_t ts)
{
	const kt_field *f = &g->schema->fields[i];
	size_t k = f->by >= 0 ? g->chosen[f->by] : 0;
	const kt_draw *d = f->by >= 0 ? &f->cases[k] : &f->draw;
	cJSON *node = g->nodes[i];
	size_t m = i + 4, v;
	const char **val = &g->val[m];
	size_t *len = &g->val_len[m];
	char *buf = g->bufs[i];
	double x;
	*val = buf;
	g->quoted[m] = false;
	switch (f->type) {
	case KT_FIELD_INT:
		*len = format_int(buf, (int64_t)draw_number(d, &g->rng, true));
		break;
	case KT_FIELD_FLOAT:
		x = draw_number(d, &g->rng, false);
		if (f->decimals >= 0)
			*len = format_fixed(buf, sizeof g->bufs[i], x, f->decimals);
		else /* every digit: the shortest text that reads back as x */
			*len = format_number(buf, x);
		break;
	case KT_FIELD_STRING:
		if (d->prefix) {
			*len = format_pattern(buf, g->pattern_out[i], d, &g->lits[i][k],
					      (int64_t)draw_number(d, &g->rng, true));
			node->valuestring = buf;
			*val = g->pattern_out[i];
		} else {
			v = draw_index(d, &g->rng);
			node->valuestring = d->values[v];
			*val = g->lits[i][k].text[v];
			*len = g->lits[i][k].len[v];
		}
		break;
	case KT_FIELD_ENUM:
		v = g->chosen[i] = draw_index(d, &g->rng);
		node->valuestring = d->values[v];
		*val = g->lits[i][0].text[v];
		*len = g->lits[i][0].len[v];
		break;
	case KT_FIELD_BOOL: {
		bool t = kt_rng_uniform(&g->rng) < f->p_true;
		g->types[i] = t ? cJSON_True : cJSON_False;
		*val = t ? lit_true : lit_false;
		*len = t ? 4 : 5;
		break;
	}
	case KT_FIELD_UUID:
		kt_rng_uuid(&g->rng, buf);
		*len = 36;
		g->quoted[m] = true;
		break;
	case KT_FIELD_SEQ:
		*len = format_int(buf, (int64_t)seq);
		break;
	case KT_FIELD_TIMESTAMP:
		if (f->iso) {
			kt_format_iso8601_ms(ts, buf, sizeof g->bufs[i]);
			*len = strlen(buf);
			g->quoted[m] = true; /* digits, '-', ':', 'T', '.', 'Z' */
		} else {
			*len = format_int(buf, ts);
		}
		break;
	case KT_FIELD_CONST:
		*val = g->const_text[i];
		*len = g->const_len[i];
		break;
	}
	/* Null by chance: the node prints as null, keeping its reference flag
	 * so cJSON never frees our buffers. */
	bool null = f->null_p > 0 && kt_rng_uniform(&g->rng) < f->null_p;
	node->type = null ? (cJSON_NULL | (g->types[i] & cJSON_IsReference)) : g->types[i];
	if (null) {
		*val = lit_null;
		*len = 4;
		g->quoted[m] = false;
	}
}

/* The event's text, byte for byte what cJSON_PrintUnformatted makes of
 * g->obj (a unit test holds them to it), written member by member: each
 * name escaped once at start, each value's text made as it was drawn
 * (string values escaped once at start too, numbers formatted by us).
 * cJSON's printer measured each piece it wrote again with strlen: a third
 * of the generator's CPU; escaping the same strings every event was
 * another sixth. g->out holds the largest event the schema makes. */
static size_t print_event(kt_event_gen *g)
{
	char *out = g->out;
	const char *key = g->keys;
	for (size_t m = 0; m < g->members; m++) {
		out = put(out, key, g->key_len[m]);
		key += g->key_len[m];
		bool q = g->quoted[m];
		*out = '"';
		out += q;
		out = put(out, g->val[m], g->val_len[m]);
		*out = '"';
		out += q;
	}
	*out++ = '}'; /* never "{}": id, run, seq and ts are always there */
	*out = '\0';
	return (size_t)(out - g->out);
}

int kt_event_gen_next(kt_event_gen *g, uint64_t seq, int64_t ts_ms,
		      const char **json, size_t *len)
{
	kt_rng_uuid(&g->rng, g->id);
	g->val_len[2] = format_int(g->seq_text, (int64_t)seq);
	/* At full speed the clock is read once per burst: many events in a
	 * row share their ts. */
	if (!g->ts_set || ts_ms != g->ts_last) {
		g->val_len[3] = format_int(g->ts_text, ts_ms);
		g->ts_last = ts_ms;
		g->ts_set = true;
	}
	for (size_t i = 0; i < g->schema->nfields; i++)
		draw_field(g, i, seq, ts_ms);
	*len = print_event(g);
	*json = g->out;
	return 0;
}

char *kt_event_gen_cjson_text(const kt_event_gen *g)
{
	return cJSON_PrintUnformatted(g->obj);
}

bool kt_event_gen_has_field(const kt_event_gen *g, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(g->obj, name) != NULL;
}

void kt_event_gen_key(kt_event_gen *g, const char *name, const char **key,
		      size_t *len)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(g->obj, name);
	*key = NULL;
	*len = 0;
	if (!n || cJSON_IsNull(n))
		return;
	if (cJSON_IsString(n) || cJSON_IsRaw(n)) {
		*key = n->valuestring;
	} else if (cJSON_IsNumber(n)) {
		/* The text the event carries, as cJSON printed it. */
		format_shortest(g->keybuf, sizeof g->keybuf, n->valuedouble);
		*key = g->keybuf;
	} else if (cJSON_IsBool(n)) {
		*key = cJSON_IsTrue(n) ? "true" : "false";
	} else { /* a const object or array: its JSON text */
		int i = kt_schema_field(g->schema, name);
		*key = i >= 0 ? g->const_keys[i] : NULL;
	}
	*len = *key ? strlen(*key) : 0;
}
