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

struct kt_event_gen {
	const kt_schema *schema;
	kt_rng rng;
	char run[37];
	char id[37];
	char seq_text[24], ts_text[24];
	/* One persistent object; each event only changes node values. String
	 * nodes are references to the schema's values or to bufs, so nothing
	 * is allocated per event. */
	cJSON *obj;
	cJSON *id_node, *seq_node, *ts_node;
	cJSON **nodes;      /* per field */
	int *types;         /* per field: the node's type when not null */
	size_t *chosen;     /* per field: index of the enum value drawn */
	char (*bufs)[KT_SCHEMA_MAX_STRING + 1];
	char **const_keys;  /* per field: a const object or array as key text */
	char *keys;         /* per member: '{' or ',', its escaped name, ':' */
	size_t *key_len;    /* per member (id, run, seq, ts, then the fields) */
	char *out;
	size_t cap;
	char keybuf[64];
};

/* Numbers are formatted here into raw nodes: cJSON's own number printing
 * (sprintf, then sscanf to check the round trip) was 40 % of the
 * generator's time. cJSON still prints the object around them. */
static size_t format_int(char *out, int64_t v)
{
	char tmp[24];
	size_t n = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do
		tmp[n++] = (char)('0' + u % 10);
	while ((u /= 10));
	size_t len = 0;
	if (v < 0)
		out[len++] = '-';
	while (n)
		out[len++] = tmp[--n];
	out[len] = '\0';
	return len;
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
static void format_number(char *out, double x)
{
	if (!kt_number_format(x, out))
		memcpy(out, "null", 5);
}

/* x with at most `decimals` digits after the point, trailing zeros cut
 * ("35.1", "12"), as cJSON would print the rounded value. */
static void format_fixed(char *out, size_t outlen, double x, int decimals)
{
	static const int64_t pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000,
					10000000, 100000000, 1000000000};
	if (decimals > 9 || !(fabs(x) < 9e15 / (double)pow10[decimals > 9 ? 9 : decimals])) {
		/* Rare: many decimals or a huge value. From 1e17 up every
		 * double is an integer: no decimals to cut. Below, printf
		 * rounds to the decimals (at most 17 + 1 + 15 characters);
		 * 15 or 17 significant digits could show more of them. */
		if (!(fabs(x) < 1e17)) {
			format_number(out, x);
			return;
		}
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
		return;
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
}

/* prefix, n, suffix: a string pattern's value (lengths checked by the
 * schema: at most KT_SCHEMA_MAX_STRING in all). */
static void format_pattern(char *out, const kt_draw *d, int64_t n)
{
	size_t p = strlen(d->prefix);
	memcpy(out, d->prefix, p);
	p += format_int(out + p, n);
	strcpy(out + p, d->suffix);
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
	g->keys = malloc(total + 1);
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
	g->cap = 4096;
	g->out = malloc(g->cap);
	g->obj = cJSON_CreateObject();
	if (!g->nodes || !g->types || !g->chosen || !g->bufs || !g->const_keys || !g->out ||
	    !g->obj)
		goto oom;
	if (!add(g->obj, "id", g->id_node = cJSON_CreateStringReference(g->id)) ||
	    !add(g->obj, "run", cJSON_CreateStringReference(g->run)) ||
	    !add(g->obj, "seq", g->seq_node = raw_node(g->seq_text)) ||
	    !add(g->obj, "ts", g->ts_node = raw_node(g->ts_text)))
		goto oom;
	for (size_t i = 0; i < n; i++) {
		if (!add(g->obj, schema->fields[i].name, g->nodes[i] = make_node(g, i)))
			goto oom;
		g->types[i] = g->nodes[i]->type;
		const cJSON *v = schema->fields[i].value;
		if ((cJSON_IsObject(v) || cJSON_IsArray(v)) &&
		    !(g->const_keys[i] = cJSON_PrintUnformatted(v)))
			goto oom;
	}
	if (escape_names(g) < 0)
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
	cJSON_Delete(g->obj);
	free(g->nodes);
	free(g->types);
	free(g->chosen);
	free(g->bufs);
	for (size_t i = 0; g->const_keys && i < g->schema->nfields; i++)
		cJSON_free(g->const_keys[i]);
	free(g->const_keys);
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

/* Draw field i's value into its node. */
static void draw_field(kt_event_gen *g, size_t i, uint64_t seq, int64_t ts)
{
	const kt_field *f = &g->schema->fields[i];
	const kt_draw *d = f->by >= 0 ? &f->cases[g->chosen[f->by]] : &f->draw;
	cJSON *node = g->nodes[i];
	double x;
	switch (f->type) {
	case KT_FIELD_INT:
		format_int(g->bufs[i], (int64_t)draw_number(d, &g->rng, true));
		break;
	case KT_FIELD_FLOAT:
		x = draw_number(d, &g->rng, false);
		if (f->decimals >= 0)
			format_fixed(g->bufs[i], sizeof g->bufs[i], x, f->decimals);
		else /* every digit: the shortest text that reads back as x */
			format_number(g->bufs[i], x);
		break;
	case KT_FIELD_STRING:
		if (d->prefix) {
			format_pattern(g->bufs[i], d, (int64_t)draw_number(d, &g->rng, true));
			node->valuestring = g->bufs[i];
		} else {
			node->valuestring = d->values[draw_index(d, &g->rng)];
		}
		break;
	case KT_FIELD_ENUM:
		g->chosen[i] = draw_index(d, &g->rng);
		node->valuestring = d->values[g->chosen[i]];
		break;
	case KT_FIELD_BOOL:
		g->types[i] = kt_rng_uniform(&g->rng) < f->p_true ? cJSON_True : cJSON_False;
		break;
	case KT_FIELD_UUID:
		kt_rng_uuid(&g->rng, g->bufs[i]);
		break;
	case KT_FIELD_SEQ:
		format_int(g->bufs[i], (int64_t)seq);
		break;
	case KT_FIELD_TIMESTAMP:
		if (f->iso)
			kt_format_iso8601_ms(ts, g->bufs[i], sizeof g->bufs[i]);
		else
			format_int(g->bufs[i], ts);
		break;
	case KT_FIELD_CONST:
		break;
	}
	/* Null by chance: the node prints as null, keeping its reference flag
	 * so cJSON never frees our buffers. */
	bool null = f->null_p > 0 && kt_rng_uniform(&g->rng) < f->null_p;
	node->type = null ? (cJSON_NULL | (g->types[i] & cJSON_IsReference)) : g->types[i];
}

/* Room for n more bytes at out[used]; false past 64 MiB or on OOM. */
static bool room(kt_event_gen *g, size_t used, size_t n)
{
	if (g->cap - used >= n)
		return true;
	size_t cap = g->cap;
	while (cap - used < n)
		cap *= 2;
	char *bigger = cap <= (64u << 20) ? realloc(g->out, cap) : NULL;
	if (!bigger)
		return false;
	g->out = bigger;
	g->cap = cap;
	return true;
}

/* One member's value at out[used]; -1 when the buffer cannot grow. */
static int put_value(kt_event_gen *g, const cJSON *v, size_t *used)
{
	size_t len;
	switch (v->type & 0xFF) {
	case cJSON_Raw:
		len = strlen(v->valuestring);
		if (!room(g, *used, len))
			return -1;
		memcpy(g->out + *used, v->valuestring, len);
		break;
	case cJSON_String:
		if (!room(g, *used, 6 * strlen(v->valuestring) + 2))
			return -1;
		len = put_string(g->out + *used, v->valuestring);
		break;
	case cJSON_True:
	case cJSON_False:
	case cJSON_NULL: {
		const char *lit = cJSON_IsTrue(v) ? "true" : cJSON_IsFalse(v) ? "false" : "null";
		len = strlen(lit);
		if (!room(g, *used, len))
			return -1;
		memcpy(g->out + *used, lit, len);
		break;
	}
	default: /* numbers, objects and arrays: cJSON's own text */
		for (;;) {
			if (cJSON_PrintPreallocated((cJSON *)v, g->out + *used,
						    (int)(g->cap - *used), 0))
				break;
			if (!room(g, *used, g->cap - *used + 1))
				return -1;
		}
		len = strlen(g->out + *used);
	}
	*used += len;
	return 0;
}

/* The event's text, byte for byte what cJSON_PrintUnformatted makes of
 * g->obj (a unit test holds them to it), written member by member: names
 * escaped once at start, values by type. cJSON's printer measured each
 * piece it wrote again with strlen: a third of the generator's CPU. */
static int print_event(kt_event_gen *g, size_t *len)
{
	size_t used = 0, i = 0;
	const char *key = g->keys;
	for (const cJSON *v = g->obj->child; v; v = v->next, i++) {
		if (!room(g, used, g->key_len[i]))
			return -1;
		memcpy(g->out + used, key, g->key_len[i]);
		used += g->key_len[i];
		key += g->key_len[i];
		if (put_value(g, v, &used) < 0)
			return -1;
	}
	if (!room(g, used, 2))
		return -1;
	if (!i)
		g->out[used++] = '{';
	g->out[used++] = '}';
	g->out[used] = '\0';
	*len = used;
	return 0;
}

int kt_event_gen_next(kt_event_gen *g, uint64_t seq, int64_t ts_ms,
		      const char **json, size_t *len)
{
	kt_rng_uuid(&g->rng, g->id);
	format_int(g->seq_text, (int64_t)seq);
	format_int(g->ts_text, ts_ms);
	for (size_t i = 0; i < g->schema->nfields; i++)
		draw_field(g, i, seq, ts_ms);
	if (print_event(g, len) < 0)
		return -1;
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
