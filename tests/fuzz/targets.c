/* targets: the fuzzed entry points, shared by the libFuzzer drivers
 * (fuzz_*.c, built by scripts/fuzz.sh) and the unit test that replays the
 * kept inputs (tests/unit/test_fuzz_regress.c). Each must survive any bytes. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ktrio/config.h"
#include "generator/event.h"
#include "consumer/emit.h"
#include "consumer/fields.h"
#include "consumer/filter.h"
#include "consumer/mstate.h"
#include "consumer/partials.h"
#include "consumer/summary.h"
#include "ktrio/json.h"
#include "ktrio/number.h"
#include "ktrio/parse.h"
#include "ktrio/record.h"
#include "generator/schema.h"

/* A NUL-terminated copy of the input (the parsers take C strings). */
static char *text_of(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* Record decoding and field extraction, as the consumer does per record. */
/* The extraction of one record, copied out of the spec's scratch. */
typedef struct extraction {
	int rc;
	enum kt_invalid why;
	kt_extracted x;
	char key[512], distinct[512];
} extraction;

static void extract_copy(kt_fieldspec *spec, const cJSON *root, extraction *out)
{
	out->why = KT_INVALID_COUNT;
	out->rc = kt_fields_extract(spec, root, &out->x, &out->why);
	if (out->rc < 0)
		return;
	if (out->x.keylen > sizeof out->key || out->x.distinct_len > sizeof out->distinct) {
		out->rc = 1; /* too long to compare here: both sides say so */
		return;
	}
	memcpy(out->key, out->x.key, out->x.keylen);
	if (out->x.distinct)
		memcpy(out->distinct, out->x.distinct, out->x.distinct_len);
}

/* A record decoded with the query's keys is read by its members' tags;
 * the same record decoded whole is read by names: the two agree in every
 * figure and refusal. */
static void tags_agree_with_names(const uint8_t *data, size_t size)
{
	kt_fieldspec spec;
	kt_fieldspec_init(&spec);
	char err[256];
	kt_fieldspec_set_group_by(&spec, "category,user", err, sizeof err);
	kt_fieldspec_set_stats(&spec, "price,quantity,category", err, sizeof err);
	spec.time_field = strdup("ts");
	spec.distinct = strdup("id");
	kt_record_keys keys = {0};
	if (!kt_fields_add_keys(&spec, &keys) || kt_record_keys_add(&keys, "name") < 0)
		abort();
	kt_record_arena arena;
	kt_record_arena_init(&arena);
	enum kt_invalid why_whole = KT_INVALID_COUNT, why_some = KT_INVALID_COUNT;
	cJSON *whole = kt_record_decode(&arena, data, size, 1 << 20, &why_whole);
	cJSON *some = kt_record_decode_some(&arena, data, size, 1 << 20, &keys, &why_some);
	if (!whole != !some || (!whole && why_whole != why_some))
		abort();
	if (whole) {
		static extraction by_name, by_tag;
		extract_copy(&spec, whole, &by_name);
		extract_copy(&spec, some, &by_tag);
		const kt_extracted *a = &by_name.x, *b = &by_tag.x;
		if (by_name.rc != by_tag.rc || (by_name.rc < 0 && by_name.why != by_tag.why))
			abort();
		if (by_name.rc == 0 &&
		    (a->keylen != b->keylen || memcmp(by_name.key, by_tag.key, a->keylen) ||
		     a->stat_present != b->stat_present || a->stat_exact != b->stat_exact ||
		     a->time != b->time || a->distinct_len != b->distinct_len ||
		     !a->distinct != !b->distinct ||
		     (a->distinct && memcmp(by_name.distinct, by_tag.distinct, a->distinct_len))))
			abort();
		for (int i = 0; by_name.rc == 0 && i < KT_MAX_STATS; i++)
			if (((a->stat_present >> i & 1) && memcmp(&a->stat[i], &b->stat[i], sizeof(double))) ||
			    ((a->stat_exact >> i & 1) && a->stat_int[i] != b->stat_int[i]))
				abort();
	}
	kt_fieldspec_release(&spec);
	kt_record_arena_release(&arena);
}

void kt_fuzz_record(const uint8_t *data, size_t size)
{
	kt_fieldspec spec;
	kt_fieldspec_init(&spec);
	char err[256];
	kt_fieldspec_set_group_by(&spec, "category,user", err, sizeof err);
	spec.time_field = strdup("ts");
	spec.distinct = strdup("id");
	enum kt_invalid why;
	kt_record_arena arena;
	kt_record_arena_init(&arena);
	cJSON *root = kt_record_decode(&arena, data, size, 1 << 20, &why);
	if (root) {
		kt_extracted x;
		if (kt_fields_extract(&spec, root, &x, &why) == 0) {
			/* Every key value back out, as the report prints it. */
			kt_emit e;
			kt_emit_init(&e);
			for (size_t i = 0; i < spec.ngroup; i++) {
				kt_key_part part;
				if (kt_key_part_at(x.key, x.keylen, i, &part) < 0)
					abort(); /* a key fields.c made must read back */
				kt_emit_key_json(&e, &part);
				kt_emit_key_text(&e, &part);
			}
			kt_emit_release(&e);
		}
	}
	kt_fieldspec_release(&spec);
	kt_record_arena_release(&arena);
	tags_agree_with_names(data, size);
}

/* Schema files, and a few events from any schema that parses. */
void kt_fuzz_schema(const uint8_t *data, size_t size)
{
	char err[512];
	kt_schema *s = kt_schema_parse((const char *)data, size, "fuzz", err, sizeof err);
	if (!s)
		return;
	kt_event_gen *g = kt_event_gen_new(s, true, 1, err, sizeof err);
	for (uint64_t i = 0; g && i < 3; i++) {
		const char *json;
		size_t len;
		kt_event_gen_next(g, i, 1700000000000 + (int64_t)i, &json, &len);
	}
	kt_event_gen_free(g);
	kt_schema_free(s);
}

/* Command-line values: numbers, durations, times, partitions, properties. */
void kt_fuzz_parse(const uint8_t *data, size_t size)
{
	char *s = text_of(data, size), err[256];
	if (!s)
		return;
	int64_t i;
	double d;
	kt_parse_int("--x", s, INT64_MIN, INT64_MAX, &i, err, sizeof err);
	kt_parse_double("--x", s, -1e300, 1e300, &d, err, sizeof err);
	kt_parse_duration_ms("--x", s, &i, err, sizeof err);
	kt_parse_rate("--x", s, &d, err, sizeof err);
	if (kt_parse_timestamp_ms("--x", s, &i, err, sizeof err) == 0) {
		char buf[40];
		kt_format_iso8601_ms(i, buf, sizeof buf);
	}
	kt_i32list l;
	kt_i32list_init(&l);
	kt_parse_partitions("--x", s, &l, err, sizeof err);
	kt_i32list_sort_unique(&l);
	kt_i32list_release(&l);
	kt_props p = {0};
	kt_props_parse(&p, s, err, sizeof err);
	kt_props_release(&p);
	kt_config_check_topic(s, err, sizeof err);
	free(s);
}

/* Filter expressions (first line) against a record (the rest). */
void kt_fuzz_filter(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t elen = nl ? (size_t)(nl - data) : size;
	char *expr = text_of(data, elen), err[512];
	kt_filter *f = kt_filter_new();
	kt_record_arena arena;
	kt_record_arena_init(&arena);
	if (expr && f && kt_filter_add(f, expr, err, sizeof err) == 0 && nl) {
		enum kt_invalid why;
		cJSON *root = kt_record_decode(&arena, nl + 1, size - elen - 1, 1 << 20, &why);
		if (root)
			kt_filter_match(f, root);
	}
	kt_filter_free(f);
	free(expr);
	kt_record_arena_release(&arena);
}

/* ---- kt_json_parse against cJSON_Parse -------------------------------- */

/* Blocks for kt_json_parse, each malloc'd and chained, freed together. */
typedef struct block {
	struct block *next;
	max_align_t data[];
} block;

static void *chain_alloc(void *ctx, size_t n)
{
	block **head = ctx, *b = malloc(sizeof *b + n);
	if (!b)
		return NULL;
	b->next = *head;
	*head = b;
	return b->data;
}

/* cJSON reads at most 63 characters of a number; a longer run of number
 * characters may differ for that reason alone. */
static bool has_long_number(const uint8_t *d, size_t size)
{
	size_t run = 0;
	for (size_t i = 0; i < size; i++) {
		run = strchr("0123456789+-.eE", d[i]) && d[i] ? run + 1 : 0;
		if (run >= 60)
			return true;
	}
	return false;
}

static bool same_tree(const cJSON *a, const cJSON *b)
{
	if ((a->type & 0xFF) != (b->type & 0xFF) || (!a->string != !b->string) ||
	    (a->string && strcmp(a->string, b->string)))
		return false;
	if (cJSON_IsString(a) && strcmp(a->valuestring, b->valuestring))
		return false;
	if (cJSON_IsNumber(a) && (memcmp(&a->valuedouble, &b->valuedouble, sizeof(double)) ||
				  a->valueint != b->valueint))
		return false;
	const cJSON *x = a->child, *y = b->child;
	for (; x && y; x = x->next, y = y->next)
		if (!same_tree(x, y))
			return false;
	return !x && !y;
}

/* kt_json_parse_some's choice here: keys of even length (as C strings),
 * tagged with that length over two, up to KT_JSON_MAX_TAG. */
static int even_key(void *ctx, const char *key, size_t len)
{
	(void)ctx;
	(void)len;
	size_t n = strlen(key);
	if (n % 2)
		return -1;
	return n / 2 < KT_JSON_MAX_TAG ? (int)(n / 2) : KT_JSON_MAX_TAG;
}

/* kt_json_parse_some accepts exactly what kt_json_parse does, and its tree
 * is the full one without the root members it was told to leave out. */
static void parse_some_agrees(const uint8_t *data, size_t size, const cJSON *full)
{
	block *blocks = NULL;
	cJSON *some = kt_json_parse_some((const char *)data, size, chain_alloc, &blocks,
					 even_key, NULL);
	if (!some != !full)
		abort();
	if (some && !cJSON_IsObject(full) && !same_tree(full, some))
		abort();
	if (some && cJSON_IsObject(full)) {
		const cJSON *y = some->child;
		for (const cJSON *x = full->child; x; x = x->next) {
			int tag = even_key(NULL, x->string, 0);
			if (tag < 0)
				continue;
			if (!y || !same_tree(x, y) || kt_json_member_tag(y) != tag ||
			    kt_json_member_tag(x) != -1)
				abort();
			y = y->next;
		}
		if (y || (some->type & 0xFF) != cJSON_Object)
			abort();
	}
	while (blocks) {
		block *next = blocks->next;
		free(blocks);
		blocks = next;
	}
}

/* What our parser accepts, cJSON (laxer) accepts too, as the same tree;
 * kt_json_parse_some agrees with it. */
void kt_fuzz_json(const uint8_t *data, size_t size)
{
	block *blocks = NULL;
	cJSON *ours = kt_json_parse((const char *)data, size, chain_alloc, &blocks);
	parse_some_agrees(data, size, ours);
	if (ours && !has_long_number(data, size)) {
		cJSON *theirs = cJSON_ParseWithLength((const char *)data, size);
		if (!theirs || !same_tree(ours, theirs))
			abort();
		cJSON_Delete(theirs);
	}
	while (blocks) {
		block *next = blocks->next;
		free(blocks);
		blocks = next;
	}
}

/* The number formatter: the input's first 8 bytes as a double, and the
 * input as text read by strtod; each formatted must read back as the same
 * double, be valid JSON number text (the consumer's parser takes it) and
 * fit KT_NUMBER_MAX. */
static void number_round_trip(double d)
{
	char buf[KT_NUMBER_MAX + 16];
	memset(buf, 'x', sizeof buf);
	size_t n = kt_number_format(d, buf);
	if (n >= KT_NUMBER_MAX || buf[n] != '\0' || strlen(buf) != n)
		abort();
	if (!isfinite(d)) {
		if (n)
			abort();
		return;
	}
	double back = strtod(buf, NULL);
	if (memcmp(&back, &d, sizeof d) != 0)
		abort();
	block *blocks = NULL;
	cJSON *v = kt_json_parse(buf, n, chain_alloc, &blocks);
	if (!v || !cJSON_IsNumber(v) || memcmp(&v->valuedouble, &d, sizeof d) != 0)
		abort();
	while (blocks) {
		block *next = blocks->next;
		free(blocks);
		blocks = next;
	}
}

void kt_fuzz_number(const uint8_t *data, size_t size)
{
	if (size >= sizeof(double)) {
		double d;
		memcpy(&d, data, sizeof d);
		number_round_trip(d);
	}
	char *text = text_of(data, size < 400 ? size : 400);
	if (text) {
		number_round_trip(strtod(text, NULL));
		free(text);
	}
	char buf[KT_NUMBER_MAX];
	int64_t i = 0;
	memcpy(&i, data, size < sizeof i ? size : sizeof i);
	kt_number_format_int(i, buf);
	if (strtoll(buf, NULL, 10) != i)
		abort();
}

/* A window's summary as the merger reads it from a partials topic: decode,
 * merge into another window, encode again; what decoded must encode to
 * bytes that decode to the same encoding. Inputs that read as a partials
 * record (partials.h) are taken apart first, a piece's body fuzzed as a
 * summary. Every input is also read as a merger's commit metadata
 * (mstate.h). */
static int mstate_entry(void *arg, bool is_source, const char *name, size_t len, int32_t n,
			int64_t sealed)
{
	(void)arg, (void)is_source, (void)name, (void)len, (void)n, (void)sealed;
	return 0;
}

void kt_fuzz_summary(const uint8_t *data, size_t size)
{
	kt_partial part;
	char perr[256];
	int64_t written, read; /* the merger's commit metadata: read or refused */
	kt_mstate_parse((const char *)data, size, &written, &read, mstate_entry, NULL);
	if (kt_partial_decode(data, size, &part, perr, sizeof perr) == 0) {
		if (part.kind != KT_PARTIAL_PIECE)
			return;
		data = part.body;
		size = part.body_len;
	}
	kt_fieldspec spec;
	kt_fieldspec_init(&spec); /* auto stats: any stat name is taken */
	char err[256];
	kt_window *w = kt_window_new(0, 0, 1000), *sum = kt_window_new(0, 0, 1000);
	if (w && sum && kt_summary_decode(w, &spec, data, size, err, sizeof err) == 0) {
		kt_summary_merge(sum, w);
		kt_summary_merge(sum, w);
		kt_wire_buf a, b;
		kt_wire_buf_init(&a);
		kt_wire_buf_init(&b);
		kt_summary_encode(w, &spec, 0, w->ngroups, true, &a);
		kt_window *again = kt_window_new(0, 0, 1000);
		if (!a.failed && again) {
			if (kt_summary_decode(again, &spec, a.data, a.len, err, sizeof err) < 0)
				abort(); /* what was decoded must read back */
			kt_summary_encode(again, &spec, 0, again->ngroups, true, &b);
			if (!b.failed && (a.len != b.len || memcmp(a.data, b.data, a.len)))
				abort();
		}
		kt_window_free(again);
		kt_wire_buf_release(&a);
		kt_wire_buf_release(&b);
	}
	kt_window_free(w);
	kt_window_free(sum);
	kt_fieldspec_release(&spec);
}
