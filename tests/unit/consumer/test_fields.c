/* test_fields: group keys, stats (explicit and found), event time, distinct. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consumer/emit.h"
#include "consumer/fields.h"
#include "ktrio/json.h"

/* A spec from its option values; NULL leaves an option out. */
static void spec_make(kt_fieldspec *s, const char *group_by, const char *stats,
		      const char *time_field, const char *distinct)
{
	char err[256] = "";
	kt_fieldspec_init(s);
	if (group_by && kt_fieldspec_set_group_by(s, group_by, err, sizeof err) != 0)
		fail_msg("--group-by '%s' refused: %s", group_by, err);
	if (stats && kt_fieldspec_set_stats(s, stats, err, sizeof err) != 0)
		fail_msg("--stats '%s' refused: %s", stats, err);
	if (time_field)
		assert_non_null(s->time_field = strdup(time_field));
	if (distinct)
		assert_non_null(s->distinct = strdup(distinct));
}

/* Extract from JSON text (duplicate keys kept, as cJSON does). Returns the
 * reason, or -1 when extraction succeeded. */
static int extract(kt_fieldspec *s, const char *json, kt_extracted *out)
{
	cJSON *root = cJSON_Parse(json);
	if (!root)
		fail_msg("bad test JSON: %s", json);
	enum kt_invalid reason = KT_INVALID_COUNT;
	int rc = kt_fields_extract(s, root, out, &reason);
	cJSON_Delete(root);
	if (rc == 0) {
		assert_int_equal(reason, KT_INVALID_COUNT); /* left alone */
		return -1;
	}
	assert_int_equal(rc, -1);
	return (int)reason;
}

#define OK(s, json, out) assert_int_equal(extract(s, json, out), -1)
#define REFUSED(s, json, out, want) assert_int_equal(extract(s, json, out), want)

static void test_init_release(void **state)
{
	(void)state;
	kt_fieldspec s;
	kt_fieldspec_init(&s);
	assert_true(s.auto_stats);
	assert_int_equal(s.ngroup, 0);
	assert_int_equal(s.nstats, 0);
	assert_null(s.time_field);
	assert_null(s.distinct);
	spec_make(&s, "a,b", "x", "t", "d");
	kt_fieldspec_release(&s);
	assert_int_equal(s.ngroup, 0);
	assert_int_equal(s.nstats, 0);
	assert_true(s.auto_stats);
	assert_null(s.time_field);
	kt_fieldspec_release(&s);
}

static void test_lists(void **state)
{
	(void)state;
	kt_fieldspec s;
	char err[256] = "";
	kt_fieldspec_init(&s);
	assert_int_equal(kt_fieldspec_set_group_by(&s, "category,user", err, sizeof err), 0);
	assert_int_equal(s.ngroup, 2);
	assert_string_equal(s.group_by[0], "category");
	assert_string_equal(s.group_by[1], "user");
	assert_true(s.auto_stats);
	assert_int_equal(kt_fieldspec_set_stats(&s, "price", err, sizeof err), 0);
	assert_false(s.auto_stats);
	assert_int_equal(s.nstats, 1);
	assert_string_equal(s.stats[0], "price");
	kt_fieldspec_release(&s);

	/* The most allowed: 8 group fields, 16 stats. */
	kt_fieldspec_init(&s);
	assert_int_equal(kt_fieldspec_set_group_by(&s, "a,b,c,d,e,f,g,h", err, sizeof err), 0);
	assert_int_equal(s.ngroup, KT_MAX_GROUP_FIELDS);
	assert_string_equal(s.group_by[7], "h");
	assert_int_equal(kt_fieldspec_set_stats(&s, "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p", err,
						sizeof err),
			 0);
	assert_int_equal(s.nstats, KT_MAX_STATS);
	assert_string_equal(s.stats[15], "p");
	kt_fieldspec_release(&s);
}

static void list_refused(bool stats, const char *list, const char *want)
{
	kt_fieldspec s;
	kt_fieldspec_init(&s);
	char err[256] = "";
	int rc = stats ? kt_fieldspec_set_stats(&s, list, err, sizeof err)
		       : kt_fieldspec_set_group_by(&s, list, err, sizeof err);
	assert_int_equal(rc, -1);
	assert_string_equal(err, want);
	kt_fieldspec_release(&s); /* whatever was kept is freed */
}

static void test_list_errors(void **state)
{
	(void)state;
	list_refused(false, "", "invalid value '' for --group-by: empty field name");
	list_refused(false, "a,,b", "invalid value 'a,,b' for --group-by: empty field name");
	list_refused(false, ",a", "invalid value ',a' for --group-by: empty field name");
	list_refused(false, "a,", "invalid value 'a,' for --group-by: empty field name");
	list_refused(true, "", "invalid value '' for --stats: empty field name");
	list_refused(true, "x,,y", "invalid value 'x,,y' for --stats: empty field name");
	list_refused(false, "a,b,c,d,e,f,g,h,i",
		     "invalid value 'a,b,c,d,e,f,g,h,i' for --group-by: at most 8 fields");
	list_refused(true, "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q",
		     "invalid value 'a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q' for --stats: at most 16 "
		     "fields");
	/* A field twice: duplicate JSON keys and CSV columns. A prefix is
	 * another field. */
	list_refused(false, "g,g", "invalid value 'g,g' for --group-by: field 'g' named twice");
	list_refused(true, "x,yy,yy", "invalid value 'x,yy,yy' for --stats: field 'yy' named twice");
	kt_fieldspec s;
	char err[200];
	kt_fieldspec_init(&s);
	assert_int_equal(kt_fieldspec_set_stats(&s, "price,pri", err, sizeof err), 0);
	assert_int_equal(kt_fieldspec_set_stats(&s, "price", err, sizeof err), -1);
	assert_string_equal(err, "invalid value 'price' for --stats: field 'price' named twice");
	kt_fieldspec_release(&s);
}

/* The i-th key value as the table and CSV show it (kt_emit_key_text), or
 * as JSON; "?" when there is none. */
static const char *key_text(const kt_extracted *x, size_t i, bool json)
{
	static char buf[4096];
	kt_key_part part;
	if (kt_key_part_at(x->key, x->keylen, i, &part) < 0)
		return "?";
	kt_emit e;
	kt_emit_init(&e);
	if (json)
		kt_emit_key_json(&e, &part);
	else
		kt_emit_key_text(&e, &part);
	assert_false(e.failed);
	assert_true(e.len < sizeof buf);
	memcpy(buf, e.buf, e.len);
	buf[e.len] = '\0';
	kt_emit_release(&e);
	return buf;
}

/* Extract from JSON text through the consumer's own parser (NULs in
 * strings, exact big integers). */
static int extract_kt(kt_fieldspec *s, const char *json, size_t len, kt_extracted *out)
{
	static kt_record_arena arena;
	kt_record_arena_init(&arena);
	enum kt_invalid reason = KT_INVALID_COUNT;
	cJSON *root = kt_record_decode(&arena, json, len, 1 << 20, &reason);
	if (!root)
		fail_msg("bad test JSON: %s", json);
	int rc = kt_fields_extract(s, root, out, &reason);
	/* The key lives in s's scratch, not the record: the arena may go. */
	kt_record_arena_release(&arena);
	return rc == 0 ? -1 : (int)reason;
}

#define OK_KT(s, json, out) assert_int_equal(extract_kt(s, json, sizeof json - 1, out), -1)

static bool same_key(const kt_extracted *a, const char *key, size_t len)
{
	return a->keylen == len && memcmp(a->key, key, len) == 0;
}

/* Each type through the key and back. */
static void test_key_round_trip(void **state)
{
	(void)state;
	kt_fieldspec s;
	kt_extracted out;
	spec_make(&s, "s,n,t,f,z,e", NULL, NULL, NULL);
	OK(&s, "{\"z\":null,\"s\":\"h\xC3\xA9llo, \\\"w\\\"\",\"n\":-2.5,\"t\":true,\"f\":false,"
	       "\"e\":\"\"}",
	   &out);
	/* By hand: s 1+4+11, n 1+4+4, t 1, f 1, z 1, e 1+4+0 */
	assert_int_equal(out.keylen, 16 + 9 + 1 + 1 + 1 + 5);
	kt_key_part p;
	assert_int_equal(kt_key_part_at(out.key, out.keylen, 0, &p), 0);
	assert_int_equal(p.type, 's');
	assert_int_equal(p.len, 11);
	assert_memory_equal(p.bytes, "h\xC3\xA9llo, \"w\"", 11);
	assert_int_equal(kt_key_part_at(out.key, out.keylen, 1, &p), 0);
	assert_int_equal(p.type, 'n');
	assert_int_equal(kt_key_part_at(out.key, out.keylen, 5, &p), 0);
	assert_int_equal(p.type, 's');
	assert_int_equal(p.len, 0);
	assert_int_equal(kt_key_part_at(out.key, out.keylen, 6, &p), -1); /* past the end */

	static const char *const text[] = {"h\xC3\xA9llo, \"w\"", "-2.5", "true", "false",
					   "null", "\"\"", "?"};
	static const char *const json[] = {"\"h\xC3\xA9llo, \\\"w\\\"\"", "-2.5", "true", "false",
					   "null", "\"\"", "?"};
	for (size_t i = 0; i < 7; i++) {
		assert_string_equal(key_text(&out, i, false), text[i]);
		assert_string_equal(key_text(&out, i, true), json[i]);
	}
	kt_fieldspec_release(&s);
}

static void test_key_numbers(void **state)
{
	(void)state;
	/* Shortest text that reads back as the same double; integers written
	 * as integers from 2^53 up exactly as written (by hand). */
	static const struct {
		const char *json, *text;
	} cases[] = {
		{"3", "3"},
		{"0.1", "0.1"},
		{"1e21", "1e+21"},
		{"-0.0", "0"}, /* equal to 0: one key */
		{"-0", "0"},
		{"0.30000000000000004", "0.30000000000000004"},
		{"0.3333333333333333", "0.3333333333333333"},
		{"9007199254740992", "9007199254740992"},
		{"9007199254740993", "9007199254740993"},
		{"9007199254740993.0", "9007199254740992"}, /* a double */
		{"1234567890123456099", "1234567890123456099"},
		{"-98765432109876543210987", "-98765432109876543210987"},
		{"1.7976931348623157e308", "1.7976931348623157e+308"},
	};
	kt_fieldspec s;
	spec_make(&s, "k", NULL, NULL, NULL);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char json[96];
		int n = snprintf(json, sizeof json, "{\"k\":%s}", cases[i].json);
		kt_extracted out;
		assert_int_equal(extract_kt(&s, json, (size_t)n, &out), -1);
		assert_string_equal(key_text(&out, 0, false), cases[i].text);
		assert_string_equal(key_text(&out, 0, true), cases[i].text);
	}
	kt_fieldspec_release(&s);
}

/* Defect 3 of issue 14: 100 ids from 1234567890123456000 to ...099 were one
 * group; each is its own key now. */
static void test_key_big_integers_distinct(void **state)
{
	(void)state;
	kt_fieldspec s;
	spec_make(&s, "id", NULL, NULL, NULL);
	char seen[100][32];
	for (int i = 0; i < 100; i++) {
		char json[64];
		int n = snprintf(json, sizeof json, "{\"id\":12345678901234560%02d}", i);
		kt_extracted out;
		assert_int_equal(extract_kt(&s, json, (size_t)n, &out), -1);
		snprintf(seen[i], sizeof seen[i], "%s", key_text(&out, 0, true));
		char want[32];
		snprintf(want, sizeof want, "12345678901234560%02d", i);
		assert_string_equal(seen[i], want);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(seen[i], seen[j]);
	}
	kt_fieldspec_release(&s);
}

/* Keys compare equal exactly when the values do: types and boundaries
 * are part of the key. */
static void test_key_distinguishes(void **state)
{
	(void)state;
	kt_fieldspec s;
	kt_extracted a, b;
	char ka[64], kb[64];
	spec_make(&s, "x,y", NULL, NULL, NULL);
#define DIFFER(ja, jb)                                                                     \
	do {                                                                               \
		OK_KT(&s, ja, &a);                                                         \
		memcpy(ka, a.key, a.keylen);                                               \
		size_t la = a.keylen;                                                      \
		OK_KT(&s, jb, &b);                                                         \
		memcpy(kb, b.key, b.keylen);                                               \
		assert_false(la == b.keylen && memcmp(ka, kb, la) == 0);                   \
	} while (0)
	DIFFER("{\"x\":\"1\",\"y\":\"\"}", "{\"x\":1,\"y\":\"\"}");
	DIFFER("{\"x\":\"ab\",\"y\":\"c\"}", "{\"x\":\"a\",\"y\":\"bc\"}");
	DIFFER("{\"x\":null,\"y\":\"null\"}", "{\"x\":\"null\",\"y\":null}");
	DIFFER("{\"x\":\"a\\u0000b\",\"y\":1}", "{\"x\":\"a\\u0000c\",\"y\":1}");
	DIFFER("{\"x\":\"a\\u0000\",\"y\":1}", "{\"x\":\"a\",\"y\":1}");
	DIFFER("{\"x\":true,\"y\":1}", "{\"x\":\"true\",\"y\":1}");
#undef DIFFER
	/* Field order in the record does not matter; 1.0 and 1 are one number. */
	OK(&s, "{\"y\":true,\"x\":1.0}", &a);
	memcpy(ka, a.key, a.keylen);
	OK(&s, "{\"x\":1,\"other\":5,\"y\":true}", &b);
	assert_true(same_key(&b, ka, a.keylen));
	kt_fieldspec_release(&s);
}

/* Defect 6 of issue 14: what prints alike is told apart in table and CSV. */
static void test_key_text_shows_kind(void **state)
{
	(void)state;
	static const struct {
		const char *json, *text;
	} cases[] = {
		{"42", "42"},
		{"\"42\"", "\"42\""},
		{"\"-1.5e3\"", "\"-1.5e3\""},
		{"\"1.\"", "1."}, /* not a JSON number */
		{"\"007\"", "007"},
		{"null", "null"},
		{"\"null\"", "\"null\""},
		{"\"true\"", "\"true\""},
		{"\"True\"", "True"},
		{"\"\"", "\"\""},
		{"\"a\\u0000b\"", "\"a\\u0000b\""},
		{"\"tab\\there\"", "\"tab\\there\""},
		{"\"del\\u007f\"", "\"del\\u007f\""},
		{"\"\\\"quoted\\\"\"", "\"\\\"quoted\\\"\""},
		{"\"say \\\"hi\\\"\"", "say \"hi\""},
		{"\"caf\\u00e9\"", "caf\xC3\xA9"},
	};
	kt_fieldspec s;
	spec_make(&s, "k", NULL, NULL, NULL);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char json[96];
		int n = snprintf(json, sizeof json, "{\"k\":%s}", cases[i].json);
		kt_extracted out;
		assert_int_equal(extract_kt(&s, json, (size_t)n, &out), -1);
		assert_string_equal(key_text(&out, 0, false), cases[i].text);
	}
	kt_fieldspec_release(&s);
}

static void test_key_malformed(void **state)
{
	(void)state;
	kt_key_part p;
	assert_int_equal(kt_key_part_at("", 0, 0, &p), -1);
	assert_int_equal(kt_key_part_at("s\x00\x00", 3, 0, &p), -1); /* length cut short */
	assert_int_equal(kt_key_part_at("s\x00\x00\x00\x05" "ab", 7, 0, &p), -1); /* says 5 */
	assert_int_equal(kt_key_part_at("t" "s\x00\x00\x00\x05" "ab", 8, 1, &p), -1);
	assert_int_equal(kt_key_part_at("s\xff\xff\xff\xff" "ab", 7, 0, &p), -1);
	/* An unknown type byte is malformed, not a null. */
	assert_int_equal(kt_key_part_at("q", 1, 0, &p), -1);
	assert_int_equal(kt_key_part_at("tq", 2, 1, &p), -1);
	assert_int_equal(kt_key_part_at("t" "s\x00\x00\x00\x02" "ab", 8, 1, &p), 0);
	assert_int_equal(p.len, 2);
}

static void test_group_errors(void **state)
{
	(void)state;
	kt_fieldspec s;
	kt_extracted out;
	spec_make(&s, "user,cat", NULL, NULL, NULL);
	REFUSED(&s, "{\"user\":\"u\"}", &out, KT_INVALID_MISSING_FIELD);
	REFUSED(&s, "{\"cat\":\"c\"}", &out, KT_INVALID_MISSING_FIELD);
	REFUSED(&s, "{\"user\":{\"id\":1},\"cat\":\"c\"}", &out, KT_INVALID_WRONG_TYPE);
	REFUSED(&s, "{\"user\":\"u\",\"cat\":[1]}", &out, KT_INVALID_WRONG_TYPE);
	REFUSED(&s, "{\"user\":1e999,\"cat\":\"c\"}", &out, KT_INVALID_BAD_NUMBER);
	REFUSED(&s, "{\"user\":\"u\",\"cat\":\"c\",\"user\":\"v\"}", &out,
		KT_INVALID_DUPLICATE_KEY);
	/* Case matters: "User" is another field. */
	REFUSED(&s, "{\"User\":\"u\",\"cat\":\"c\"}", &out, KT_INVALID_MISSING_FIELD);
	kt_fieldspec_release(&s);
}

/* Defect 5 of issue 14: a 510-byte group value was too_large; any length
 * works now, the whole value kept. */
static void test_long_keys(void **state)
{
	(void)state;
	kt_fieldspec s;
	kt_extracted out;
	spec_make(&s, "url,k", NULL, NULL, NULL);
	for (size_t len = 500; len <= 200000; len *= 4) {
		char *json = malloc(len + 64);
		assert_non_null(json);
		int n = sprintf(json, "{\"k\":1,\"url\":\"");
		memset(json + n, 'u', len);
		n += (int)len;
		n += sprintf(json + n, "\"}");
		assert_int_equal(extract_kt(&s, json, (size_t)n, &out), -1);
		assert_int_equal(out.keylen, 1 + 4 + len + 1 + 4 + 1);
		kt_key_part p;
		assert_int_equal(kt_key_part_at(out.key, out.keylen, 0, &p), 0);
		assert_int_equal(p.len, len);
		assert_int_equal(kt_key_part_at(out.key, out.keylen, 1, &p), 0);
		assert_true(p.type == 'n' && p.len == 1 && p.bytes[0] == '1');
		free(json);
	}
	kt_fieldspec_release(&s);
}

/* Defect 4 of issue 14: a stat field that is missing, null, not a number,
 * out of range or given twice leaves only that stat without a value. */
static void test_explicit_stats(void **state)
{
	(void)state;
	kt_fieldspec s;
	kt_extracted out;
	spec_make(&s, NULL, "price,qty", NULL, NULL);
	OK(&s, "{\"qty\":3,\"name\":\"x\",\"price\":2.5,\"other\":9}", &out);
	assert_true(out.stat[0] == 2.5);
	assert_true(out.stat[1] == 3.0);
	assert_int_equal(out.stat_present, 0x3);
	assert_int_equal(s.nstats, 2); /* "other" is not taken up */
	assert_int_equal(out.keylen, 0);

	static const struct {
		const char *json;
		uint32_t present;
	} cases[] = {
		{"{\"price\":1,\"qty\":null}", 0x1},
		{"{\"price\":1}", 0x1},
		{"{\"qty\":1}", 0x2},
		{"{}", 0x0},
		{"{\"price\":1,\"qty\":\"3\"}", 0x1},
		{"{\"price\":1,\"qty\":true}", 0x1},
		{"{\"price\":1,\"qty\":[3]}", 0x1},
		{"{\"price\":1e999,\"qty\":3}", 0x2},
		{"{\"price\":-1e999,\"qty\":3}", 0x2},
		{"{\"price\":1,\"qty\":3,\"price\":2}", 0x2},
		{"{\"price\":1,\"qty\":3,\"price\":2,\"price\":3}", 0x2},
		{"{\"price\":1,\"qty\":3,\"other\":1,\"other\":2}", 0x3},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		OK(&s, cases[i].json, &out);
		if (out.stat_present != cases[i].present)
			fail_msg("%s: stats 0x%x, want 0x%x", cases[i].json, out.stat_present,
				 cases[i].present);
	}
	OK(&s, "{\"price\":1,\"qty\":null}", &out);
	assert_true(out.stat[0] == 1.0);
	/* -0 is taken as 0: min, max and the quantiles keep the first of
	 * equal values, so 0 and -0 would print as whichever came first. */
	OK(&s, "{\"price\":-0,\"qty\":-0.0}", &out);
	assert_int_equal(out.stat_present, 0x3);
	assert_true(out.stat[0] == 0.0 && !signbit(out.stat[0]));
	assert_true(out.stat[1] == 0.0 && !signbit(out.stat[1]));
	kt_fieldspec_release(&s);
}

/* Integers from 2^53 up come with their exact value when int64 holds it. */
static void test_exact_stats(void **state)
{
	(void)state;
	kt_fieldspec s;
	kt_extracted out;
	spec_make(&s, NULL, "a,b,c,d", NULL, NULL);
	OK_KT(&s, "{\"a\":9007199254740993,\"b\":-9223372036854775808,\"c\":9223372036854775808,"
		  "\"d\":12.5}",
	      &out);
	assert_int_equal(out.stat_present, 0xF);
	assert_int_equal(out.stat_exact, 0x3);
	assert_true(out.stat_int[0] == INT64_C(9007199254740993));
	assert_true(out.stat[0] == 9007199254740992.0);
	assert_true(out.stat_int[1] == INT64_MIN);
	assert_true(out.stat[2] == 9223372036854775808.0); /* beyond int64: a double */
	kt_fieldspec_release(&s);
}

static void test_auto_stats(void **state)
{
	(void)state;
	kt_fieldspec s;
	kt_extracted out;
	spec_make(&s, "user", NULL, "when", NULL);
	assert_true(s.auto_stats);
	OK(&s,
	   "{\"seq\":1,\"ts\":2,\"user\":7,\"when\":1000,\"price\":2.5,\"name\":\"x\","
	   "\"ok\":true,\"qty\":3,\"nothing\":null,\"obj\":{\"deep\":1}}",
	   &out);
	/* Found in order: price, qty; not seq, ts, user (group), when (time),
	 * nor the string, bool, null or nested ones. */
	assert_int_equal(s.nstats, 2);
	assert_string_equal(s.stats[0], "price");
	assert_string_equal(s.stats[1], "qty");
	assert_int_equal(out.stat_present, 0x3);
	assert_true(out.stat[0] == 2.5);
	assert_true(out.stat[1] == 3.0);
	assert_int_equal(out.time, 1000);
	assert_string_equal(key_text(&out, 0, false), "7");

	/* Later records keep the indexes and add new fields after them. */
	OK(&s, "{\"user\":\"u\",\"when\":1,\"qty\":4,\"extra\":-9,\"price\":1}", &out);
	assert_int_equal(s.nstats, 3);
	assert_string_equal(s.stats[2], "extra");
	assert_int_equal(out.stat_present, 0x7);
	assert_true(out.stat[0] == 1.0);
	assert_true(out.stat[1] == 4.0);
	assert_true(out.stat[2] == -9.0);
	/* Found fields may be absent: not an error, no value. */
	OK(&s, "{\"user\":\"u\",\"when\":1}", &out);
	assert_int_equal(out.stat_present, 0);
	OK(&s, "{\"user\":\"u\",\"when\":1,\"price\":null}", &out);
	assert_int_equal(out.stat_present, 0);
	/* Defect 4: a field once numeric, now a string or bool: skipped for
	 * that stat, the record counts. */
	OK(&s, "{\"user\":\"u\",\"when\":1,\"price\":\"cheap\",\"qty\":2}", &out);
	assert_int_equal(out.stat_present, 0x2);
	OK(&s, "{\"user\":\"u\",\"when\":1,\"price\":false,\"qty\":2}", &out);
	assert_int_equal(out.stat_present, 0x2);
	/* Twice, out of range: no value either. */
	OK(&s, "{\"user\":\"u\",\"when\":1,\"qty\":1,\"qty\":2,\"price\":3}", &out);
	assert_int_equal(out.stat_present, 0x1);
	OK(&s, "{\"user\":\"u\",\"when\":1,\"fresh\":1,\"fresh\":2}", &out);
	assert_int_equal(out.stat_present, 0);
	/* Twice in the record that finds it, a string, null or bool before
	 * the number: twice all the same, no value (not the second copy's),
	 * whether or not other fields come between. */
	OK(&s, "{\"user\":\"u\",\"when\":1,\"late\":\"x\",\"late\":5}", &out);
	assert_int_equal(s.nstats, 5);
	assert_string_equal(s.stats[4], "late");
	assert_int_equal(out.stat_present, 0);
	OK(&s, "{\"later\":null,\"user\":\"u\",\"when\":1,\"price\":1,\"later\":5}", &out);
	assert_int_equal(s.nstats, 6);
	assert_int_equal(out.stat_present, 0x1);
	OK(&s, "{\"user\":\"u\",\"when\":1,\"last\":true,\"last\":5,\"last\":6}", &out);
	assert_int_equal(s.nstats, 7);
	assert_int_equal(out.stat_present, 0);
	/* Once found, the next record's one copy is its value. */
	OK(&s, "{\"user\":\"u\",\"when\":1,\"late\":5,\"later\":6,\"last\":7}", &out);
	assert_int_equal(out.stat_present, 0x70);
	OK(&s, "{\"user\":\"u\",\"when\":1,\"price\":1e999}", &out);
	assert_int_equal(out.stat_present, 0);
	/* A repeated unused string field is fine. */
	OK(&s, "{\"user\":\"u\",\"when\":1,\"name\":\"a\",\"name\":\"b\"}", &out);
	kt_fieldspec_release(&s);

	/* A record that cannot be grouped still has its fields found, all of
	 * them whatever their order: before or after a group or time field
	 * given twice, as after one missing. */
	static const char *const refused[] = {
		"{\"user\":1,\"user\":2,\"when\":1,\"a\":1}",
		"{\"b\":1,\"user\":1,\"user\":2,\"when\":1}",
		"{\"user\":1,\"when\":1,\"when\":2,\"c\":1}",
		"{\"when\":1,\"d\":1}",
	};
	spec_make(&s, "user", NULL, "when", NULL);
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
		REFUSED(&s, refused[i], &out,
			i < 3 ? KT_INVALID_DUPLICATE_KEY : KT_INVALID_MISSING_FIELD);
	assert_int_equal(s.nstats, 4);
	assert_string_equal(s.stats[0], "a");
	assert_string_equal(s.stats[1], "b");
	assert_string_equal(s.stats[2], "c");
	assert_string_equal(s.stats[3], "d");
	kt_fieldspec_release(&s);
}

static void test_auto_stats_cap(void **state)
{
	(void)state;
	kt_fieldspec s;
	kt_extracted out;
	spec_make(&s, NULL, NULL, NULL, NULL);
	/* 18 numeric fields f0..f17 with value i: the first 16 are taken. */
	char json[512];
	size_t n = 0;
	n += (size_t)snprintf(json + n, sizeof json - n, "{");
	for (int i = 0; i < 18; i++)
		n += (size_t)snprintf(json + n, sizeof json - n, "%s\"f%d\":%d", i ? "," : "", i, i);
	snprintf(json + n, sizeof json - n, "}");
	OK(&s, json, &out);
	assert_int_equal(s.nstats, KT_MAX_STATS);
	assert_int_equal(s.auto_skipped, 2);
	assert_string_equal(s.skipped[0], "f16");
	assert_string_equal(s.skipped[1], "f17");
	assert_int_equal(out.stat_present, 0xFFFF);
	for (int i = 0; i < KT_MAX_STATS; i++) {
		char name[16];
		snprintf(name, sizeof name, "f%d", i);
		assert_string_equal(s.stats[i], name);
		assert_true(out.stat[i] == (double)i);
	}
	/* The same record again: the same two fields left out, not four. */
	OK(&s, json, &out);
	assert_int_equal(s.auto_skipped, 2);
	kt_fieldspec_release(&s);
}

/* A group or time field twice cannot be grouped; a stat or distinct field
 * twice only has no value. */
static void test_duplicate_used_fields(void **state)
{
	(void)state;
	kt_fieldspec s;
	kt_extracted out;
	spec_make(&s, "g", "v", "t", "d");
	OK(&s, "{\"g\":1,\"v\":2,\"t\":3,\"d\":\"x\"}", &out);
	assert_non_null(out.distinct);
	REFUSED(&s, "{\"g\":1,\"v\":2,\"t\":3,\"d\":\"x\",\"g\":1}", &out, KT_INVALID_DUPLICATE_KEY);
	REFUSED(&s, "{\"g\":1,\"v\":2,\"t\":3,\"d\":\"x\",\"t\":3}", &out, KT_INVALID_DUPLICATE_KEY);
	OK(&s, "{\"g\":1,\"v\":2,\"t\":3,\"d\":\"x\",\"v\":2}", &out);
	assert_int_equal(out.stat_present, 0);
	OK(&s, "{\"g\":1,\"v\":2,\"t\":3,\"d\":\"x\",\"d\":\"y\"}", &out);
	assert_null(out.distinct);
	kt_fieldspec_release(&s);
}

static void test_event_time(void **state)
{
	(void)state;
	kt_fieldspec s;
	kt_extracted out;
	spec_make(&s, NULL, NULL, "when", NULL);
	/* 2026-11-24T10:00:00.250Z = 1795514400250 ms (computed with Python's
	 * datetime, independently). */
	OK(&s, "{\"when\":1795514400250}", &out);
	assert_int_equal(out.time, INT64_C(1795514400250));
	OK(&s, "{\"when\":\"2026-11-24T10:00:00.250Z\"}", &out);
	assert_int_equal(out.time, INT64_C(1795514400250));
	OK(&s, "{\"when\":\"2026-11-24T11:00:00.250+01:00\"}", &out);
	assert_int_equal(out.time, INT64_C(1795514400250));
	OK(&s, "{\"when\":\"1795514400250\"}", &out);
	assert_int_equal(out.time, INT64_C(1795514400250));
	OK(&s, "{\"when\":-1000}", &out);
	assert_int_equal(out.time, -1000);
	/* The largest accepted, +-9e15 ms (about year 287,000). */
	OK(&s, "{\"when\":9e15}", &out);
	assert_int_equal(out.time, INT64_C(9000000000000000));

	REFUSED(&s, "{\"other\":1}", &out, KT_INVALID_MISSING_FIELD);
	REFUSED(&s, "{\"when\":\"yesterday\"}", &out, KT_INVALID_BAD_TIME);
	REFUSED(&s, "{\"when\":\"2026-11-24T10:00:00\"}", &out, KT_INVALID_BAD_TIME); /* no zone */
	REFUSED(&s, "{\"when\":\"\"}", &out, KT_INVALID_BAD_TIME);
	REFUSED(&s, "{\"when\":true}", &out, KT_INVALID_BAD_TIME);
	REFUSED(&s, "{\"when\":null}", &out, KT_INVALID_BAD_TIME);
	REFUSED(&s, "{\"when\":{\"ms\":1}}", &out, KT_INVALID_BAD_TIME);
	REFUSED(&s, "{\"when\":1e16}", &out, KT_INVALID_BAD_TIME);
	REFUSED(&s, "{\"when\":-1e16}", &out, KT_INVALID_BAD_TIME);
	REFUSED(&s, "{\"when\":1e999}", &out, KT_INVALID_BAD_TIME);
	/* The same bound for a time given as a string of digits. */
	REFUSED(&s, "{\"when\":\"10000000000000000\"}", &out, KT_INVALID_BAD_TIME);
	REFUSED(&s, "{\"when\":\"4000000000000000000\"}", &out, KT_INVALID_BAD_TIME);
	kt_fieldspec_release(&s);
}

static void test_distinct(void **state)
{
	(void)state;
	kt_fieldspec s;
	kt_extracted out;
	spec_make(&s, "g", NULL, NULL, "user");
	/* Encoded as a key value: 's', 4-byte length, bytes. */
	OK(&s, "{\"g\":\"grp\",\"user\":\"u-42\"}", &out);
	assert_int_equal(out.distinct_len, 9);
	assert_memory_equal(out.distinct, "s\0\0\0\4u-42", 9);
	assert_int_equal(out.keylen, 8); /* 's' + 4 + "grp" */
	assert_string_equal(key_text(&out, 0, false), "grp");

	/* A number by its text, apart from the string of the same text. */
	OK(&s, "{\"g\":\"grp\",\"user\":42}", &out);
	assert_int_equal(out.distinct_len, 7);
	assert_memory_equal(out.distinct, "n\0\0\0\00242", 7);
	OK_KT(&s, "{\"g\":\"grp\",\"user\":1234567890123456001}", &out);
	assert_memory_equal(out.distinct, "n\0\0\0\0231234567890123456001", 24);
	OK(&s, "{\"g\":\"grp\",\"user\":null}", &out);
	assert_int_equal(out.distinct_len, 1);
	OK(&s, "{\"g\":\"grp\",\"user\":{\"a\":1}}", &out);
	assert_null(out.distinct);

	/* A long group key: the distinct value follows it, both whole. */
	char json[2100];
	int n = snprintf(json, sizeof json, "{\"g\":\"%02000d\",\"user\":123456}", 7);
	assert_int_equal(extract_kt(&s, json, (size_t)n, &out), -1);
	assert_int_equal(out.keylen, 2005);
	assert_ptr_equal(out.distinct, out.key + out.keylen);
	assert_memory_equal(out.distinct, "n\0\0\0\x06" "123456", 11);
	assert_int_equal(out.stat_present, 1); /* "user" found as a stat */
	assert_true(out.stat[0] == 123456.0);

	/* Absent: NULL (the previous record's value is not kept). */
	OK(&s, "{\"g\":\"grp\"}", &out);
	assert_null(out.distinct);
	kt_fieldspec_release(&s);
}

/* The arena extract_why decodes into. */
static kt_record_arena core_arena;

static int extract_why(kt_fieldspec *s, const char *json, kt_extracted *x, enum kt_invalid *why)
{
	cJSON *r = kt_record_decode(&core_arena, json, strlen(json), 1 << 20, why);
	assert_non_null(r);
	int rc = kt_fields_extract(s, r, x, why);
	kt_record_arena_reset(&core_arena);
	return rc;
}

static void test_fields(void **st)
{
	(void)st;
	char err[512] = "";
	kt_fieldspec s;
	kt_fieldspec_init(&s);
	assert_int_equal(kt_fieldspec_set_group_by(&s, "cat,vip", err, sizeof err), 0);
	assert_int_equal(kt_fieldspec_set_stats(&s, "price,qty", err, sizeof err), 0);
	s.time_field = strdup("ts");
	kt_extracted x;
	enum kt_invalid why;
	assert_int_equal(extract_why(&s, "{\"cat\":\"a\",\"vip\":true,\"price\":2.5,\"qty\":null,"
				     "\"ts\":\"2026-11-24T10:00:00Z\"}", &x, &why), 0);
	assert_true(x.stat[0] == 2.5 && x.stat_present == 1u); /* null qty skipped */
	assert_int_equal(x.time, 1795514400000);
	kt_key_part part;
	assert_int_equal(kt_key_part_at(x.key, x.keylen, 0, &part), 0);
	assert_true(part.type == 's' && part.len == 1 && part.bytes[0] == 'a');
	assert_int_equal(kt_key_part_at(x.key, x.keylen, 1, &part), 0);
	assert_true(part.type == 't');
	static const struct {
		const char *json;
		enum kt_invalid why;
	} bad[] = {
		{"{\"vip\":1,\"price\":1,\"qty\":1,\"ts\":1}", KT_INVALID_MISSING_FIELD},
		{"{\"cat\":\"a\",\"vip\":1,\"price\":1,\"qty\":1}", KT_INVALID_MISSING_FIELD},
		{"{\"cat\":{},\"vip\":1,\"price\":1,\"qty\":1,\"ts\":1}", KT_INVALID_WRONG_TYPE},
		{"{\"cat\":1e999,\"vip\":1,\"price\":1,\"qty\":1,\"ts\":1}", KT_INVALID_BAD_NUMBER},
		{"{\"cat\":\"a\",\"cat\":\"b\",\"vip\":1,\"price\":1,\"qty\":1,\"ts\":1}", KT_INVALID_DUPLICATE_KEY},
		{"{\"cat\":\"a\",\"vip\":1,\"price\":1,\"qty\":1,\"ts\":\"soon\"}", KT_INVALID_BAD_TIME},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		why = KT_INVALID_COUNT;
		assert_int_equal(extract_why(&s, bad[i].json, &x, &why), -1);
		assert_int_equal(why, bad[i].why);
	}
	kt_fieldspec_release(&s);
	/* Automatic stats: every numeric field but seq, ts and group fields. */
	kt_fieldspec_init(&s);
	kt_fieldspec_set_group_by(&s, "n", err, sizeof err);
	assert_int_equal(extract_why(&s, "{\"seq\":1,\"ts\":2,\"n\":3,\"price\":4,\"name\":\"x\",\"q\":5}",
				 &x, &why), 0);
	assert_int_equal(s.nstats, 2);
	assert_string_equal(s.stats[0], "price");
	assert_string_equal(s.stats[1], "q");
	assert_int_equal(kt_key_part_at(x.key, x.keylen, 0, &part), 0);
	assert_true(part.type == 'n' && part.len == 1 && part.bytes[0] == '3');
	assert_int_equal(kt_fieldspec_set_group_by(&s, "a,,b", err, sizeof err), -1);
	assert_non_null(strstr(err, "empty field name"));
	kt_fieldspec_release(&s);
	kt_record_arena_release(&core_arena);
}

/* Two extractions of one record agree: in every output field and reason. */
static void assert_same_extraction(int rc_a, const kt_extracted *a, enum kt_invalid why_a,
				   int rc_b, const kt_extracted *b, enum kt_invalid why_b,
				   const char *json)
{
	if (rc_a != rc_b || (rc_a < 0 && why_a != why_b))
		fail_msg("%s: by name %d (%d), by tag %d (%d)", json, rc_a, (int)why_a, rc_b,
			 (int)why_b);
	if (rc_a < 0)
		return;
	assert_int_equal(a->keylen, b->keylen);
	assert_memory_equal(a->key, b->key, a->keylen);
	assert_int_equal(a->stat_present, b->stat_present);
	assert_int_equal(a->stat_exact, b->stat_exact);
	for (int i = 0; i < KT_MAX_STATS; i++) {
		if (a->stat_present >> i & 1)
			assert_memory_equal(&a->stat[i], &b->stat[i], sizeof(double));
		if (a->stat_exact >> i & 1)
			assert_int_equal(a->stat_int[i], b->stat_int[i]);
	}
	assert_int_equal(a->time, b->time);
	assert_int_equal(a->distinct_len, b->distinct_len);
	if (a->distinct_len)
		assert_memory_equal(a->distinct, b->distinct, a->distinct_len);
}

/* A tree decoded with kt_fields_add_keys's keys is read by its members'
 * tags: the same key, stats, time, distinct value and refusals as reading
 * the whole tree by names, for fields in any order, given twice, missing,
 * of wrong types, with a NUL after the name, a field both grouped and
 * summarised, and filter-only and unread fields between them. */
static void test_tags_match_names(void **st)
{
	(void)st;
	kt_fieldspec s;
	spec_make(&s, "cat,vip", "price,qty,cat", "ts", "user");
	kt_record_keys keys = {0};
	assert_true(kt_fields_add_keys(&s, &keys));
	assert_true(kt_record_keys_add(&keys, "filtered") >= 0); /* as kt_filter_keys adds */
	static const char *const records[] = {
		"{\"cat\":\"a\",\"vip\":true,\"price\":2.5,\"qty\":3,\"ts\":1000,\"user\":\"u1\"}",
		"{\"user\":7,\"ts\":\"2026-11-24T10:00:00Z\",\"qty\":null,\"x\":[1,{\"cat\":2}],"
		"\"price\":1e3,\"vip\":null,\"cat\":12}",
		"{\"cat\":\"a\",\"cat\":\"b\",\"vip\":1,\"ts\":1}",
		"{\"cat\":\"a\",\"vip\":1,\"ts\":1,\"ts\":2}",
		"{\"cat\":\"a\",\"vip\":1,\"ts\":1,\"price\":1,\"price\":2,\"user\":1,\"user\":2}",
		"{\"cat\":\"a\",\"vip\":1}",
		"{\"vip\":1,\"ts\":1}",
		"{\"cat\":{},\"vip\":1,\"ts\":1}",
		"{\"cat\":\"a\",\"vip\":1,\"ts\":\"soon\"}",
		"{\"cat\\u0000x\":\"n\",\"vip\":false,\"ts\":5,\"qty\":9007199254740993,"
		"\"filtered\":1,\"price\":\"1\"}",
		"{\"filtered\":\"f\",\"ca\":1,\"cats\":2,\"cat\":-0.0,\"vip\":\"\",\"ts\":-1,"
		"\"user\":{\"a\":1}}",
	};
	kt_record_arena a;
	kt_record_arena_init(&a);
	for (size_t i = 0; i < sizeof records / sizeof *records; i++) {
		const char *json = records[i];
		enum kt_invalid why_name = KT_INVALID_COUNT, why_tag = KT_INVALID_COUNT;
		cJSON *whole = kt_record_decode(&a, json, strlen(json), 1 << 20, &why_name);
		cJSON *some = kt_record_decode_some(&a, json, strlen(json), 1 << 20, &keys, &why_tag);
		assert_non_null(whole);
		assert_non_null(some);
		assert_int_equal(kt_json_member_tag(whole->child), -1);
		assert_true(!some->child || kt_json_member_tag(some->child) >= 0);
		kt_extracted by_name, by_tag;
		int rc_name = kt_fields_extract(&s, whole, &by_name, &why_name);
		/* the key lives in the spec's scratch: keep a copy */
		char key[256], distinct[256];
		assert_true(rc_name < 0 || by_name.keylen + by_name.distinct_len <= sizeof key);
		if (rc_name == 0) {
			memcpy(key, by_name.key, by_name.keylen);
			by_name.key = key;
			if (by_name.distinct) {
				memcpy(distinct, by_name.distinct, by_name.distinct_len);
				by_name.distinct = distinct;
			}
		}
		int rc_tag = kt_fields_extract(&s, some, &by_tag, &why_tag);
		assert_same_extraction(rc_name, &by_name, why_name, rc_tag, &by_tag, why_tag, json);
		kt_record_arena_reset(&a);
	}
	kt_record_arena_release(&a);
	kt_fieldspec_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_release),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_list_errors),
		cmocka_unit_test(test_key_round_trip),
		cmocka_unit_test(test_key_numbers),
		cmocka_unit_test(test_key_big_integers_distinct),
		cmocka_unit_test(test_key_distinguishes),
		cmocka_unit_test(test_key_text_shows_kind),
		cmocka_unit_test(test_key_malformed),
		cmocka_unit_test(test_group_errors),
		cmocka_unit_test(test_long_keys),
		cmocka_unit_test(test_explicit_stats),
		cmocka_unit_test(test_exact_stats),
		cmocka_unit_test(test_auto_stats),
		cmocka_unit_test(test_auto_stats_cap),
		cmocka_unit_test(test_duplicate_used_fields),
		cmocka_unit_test(test_event_time),
		cmocka_unit_test(test_distinct),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_tags_match_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
