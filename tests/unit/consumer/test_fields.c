/* test_fields: group keys, stats (explicit and found), event time, distinct. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consumer/fields.h"

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
}

/* Each type through the key and back: kt_key_value and kt_key_text. */
static void test_key_round_trip(void **state)
{
	(void)state;
	kt_fieldspec s;
	kt_extracted out;
	spec_make(&s, "s,n,t,f,z,e", NULL, NULL, NULL);
	OK(&s, "{\"z\":null,\"s\":\"h\xC3\xA9llo, \\\"w\\\"\",\"n\":-2.5,\"t\":true,\"f\":false,"
	       "\"e\":\"\"}",
	   &out);
	/* By hand: s 1+2+11, n 1+2+4, t 1, f 1, z 1, e 1+2+0 */
	assert_int_equal(out.keylen, 14 + 7 + 1 + 1 + 1 + 3);

	cJSON *v = kt_key_value(out.key, out.keylen, 0);
	assert_true(cJSON_IsString(v));
	assert_string_equal(v->valuestring, "h\xC3\xA9llo, \"w\"");
	cJSON_Delete(v);
	v = kt_key_value(out.key, out.keylen, 1);
	assert_true(cJSON_IsNumber(v));
	assert_true(v->valuedouble == -2.5);
	cJSON_Delete(v);
	v = kt_key_value(out.key, out.keylen, 2);
	assert_true(cJSON_IsTrue(v));
	cJSON_Delete(v);
	v = kt_key_value(out.key, out.keylen, 3);
	assert_true(cJSON_IsFalse(v));
	cJSON_Delete(v);
	v = kt_key_value(out.key, out.keylen, 4);
	assert_true(cJSON_IsNull(v));
	cJSON_Delete(v);
	v = kt_key_value(out.key, out.keylen, 5);
	assert_true(cJSON_IsString(v));
	assert_string_equal(v->valuestring, "");
	cJSON_Delete(v);
	assert_null(kt_key_value(out.key, out.keylen, 6)); /* past the end */

	static const char *const text[] = {"h\xC3\xA9llo, \"w\"", "-2.5", "true", "false",
					   "null", "", "?"};
	for (size_t i = 0; i < 7; i++) {
		char buf[64];
		kt_key_text(out.key, out.keylen, i, buf, sizeof buf);
		assert_string_equal(buf, text[i]);
	}
	kt_fieldspec_release(&s);
}

static void test_key_numbers(void **state)
{
	(void)state;
	/* Shortest text that reads back as the same double, by hand. */
	static const struct {
		const char *json;
		double value;
		const char *text;
	} cases[] = {
		{"3", 3.0, "3"},
		{"0.1", 0.1, "0.1"},
		{"1e21", 1e21, "1e+21"},
		{"-0.0", -0.0, "-0"},
		{"0.30000000000000004", 0.30000000000000004, "0.30000000000000004"},
		{"0.3333333333333333", 1.0 / 3.0, "0.33333333333333331"},
		{"9007199254740993", 9007199254740992.0, "9007199254740992"},
		{"1.7976931348623157e308", 1.7976931348623157e308, "1.7976931348623157e+308"},
	};
	kt_fieldspec s;
	spec_make(&s, "k", NULL, NULL, NULL);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char json[96];
		snprintf(json, sizeof json, "{\"k\":%s}", cases[i].json);
		kt_extracted out;
		OK(&s, json, &out);
		char buf[64];
		kt_key_text(out.key, out.keylen, 0, buf, sizeof buf);
		assert_string_equal(buf, cases[i].text);
		cJSON *v = kt_key_value(out.key, out.keylen, 0);
		assert_true(cJSON_IsNumber(v));
		if (v->valuedouble != cases[i].value)
			fail_msg("%s came back as %.17g", cases[i].json, v->valuedouble);
		cJSON_Delete(v);
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
	spec_make(&s, "x,y", NULL, NULL, NULL);
	OK(&s, "{\"x\":\"1\",\"y\":\"\"}", &a);
	OK(&s, "{\"x\":1,\"y\":\"\"}", &b);
	assert_false(a.keylen == b.keylen && memcmp(a.key, b.key, a.keylen) == 0);
	OK(&s, "{\"x\":\"ab\",\"y\":\"c\"}", &a);
	OK(&s, "{\"x\":\"a\",\"y\":\"bc\"}", &b);
	assert_false(a.keylen == b.keylen && memcmp(a.key, b.key, a.keylen) == 0);
	OK(&s, "{\"x\":null,\"y\":\"null\"}", &a);
	OK(&s, "{\"x\":\"null\",\"y\":null}", &b);
	assert_false(a.keylen == b.keylen && memcmp(a.key, b.key, a.keylen) == 0);
	/* Field order in the record does not matter; 1.0 and 1 are one number. */
	OK(&s, "{\"y\":true,\"x\":1.0}", &a);
	OK(&s, "{\"x\":1,\"other\":5,\"y\":true}", &b);
	assert_int_equal(a.keylen, b.keylen);
	assert_memory_equal(a.key, b.key, a.keylen);
	kt_fieldspec_release(&s);
}

static void test_key_malformed(void **state)
{
	(void)state;
	char buf[16];
	assert_null(kt_key_value("", 0, 0));
	kt_key_text("", 0, 0, buf, sizeof buf);
	assert_string_equal(buf, "?");
	assert_null(kt_key_value("s\x00", 2, 0));      /* length cut short */
	assert_null(kt_key_value("s\x00\x05" "ab", 5, 0)); /* says 5, has 2 */
	assert_null(kt_key_value("t" "s\x00\x05" "ab", 6, 1));
	kt_key_text("s\x00\x05" "ab", 5, 0, buf, sizeof buf);
	assert_string_equal(buf, "?");
	/* An unknown type byte is malformed, not a null. */
	assert_null(kt_key_value("q", 1, 0));
	assert_null(kt_key_value("tq", 2, 1));
	kt_key_text("q", 1, 0, buf, sizeof buf);
	assert_string_equal(buf, "?");
	/* A string longer than any key can hold (a key is at most
	 * KT_MAX_KEY_BYTES): refused, not copied. */
	size_t n = 2 * KT_MAX_KEY_BYTES;
	char *key = malloc(3 + n);
	assert_non_null(key);
	key[0] = 's';
	key[1] = (char)(n >> 8);
	key[2] = (char)(n & 0xff);
	memset(key + 3, 'k', n);
	assert_null(kt_key_value(key, 3 + n, 0));
	free(key);
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

	/* One string value: 1 + 2 + len <= 512, so 509 bytes fit, 510 do not. */
	spec_make(&s, "k", NULL, NULL, NULL);
	char json[600];
	snprintf(json, sizeof json, "{\"k\":\"%0509d\"}", 7);
	OK(&s, json, &out);
	assert_int_equal(out.keylen, KT_MAX_KEY_BYTES);
	snprintf(json, sizeof json, "{\"k\":\"%0510d\"}", 7);
	REFUSED(&s, json, &out, KT_INVALID_TOO_LARGE);
	kt_fieldspec_release(&s);
}

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

	/* null: no value, but the record counts. */
	OK(&s, "{\"price\":1,\"qty\":null}", &out);
	assert_int_equal(out.stat_present, 0x1);
	assert_true(out.stat[0] == 1.0);

	REFUSED(&s, "{\"price\":1}", &out, KT_INVALID_MISSING_FIELD);
	REFUSED(&s, "{\"qty\":1}", &out, KT_INVALID_MISSING_FIELD);
	REFUSED(&s, "{\"price\":1,\"qty\":\"3\"}", &out, KT_INVALID_WRONG_TYPE);
	REFUSED(&s, "{\"price\":1,\"qty\":true}", &out, KT_INVALID_WRONG_TYPE);
	REFUSED(&s, "{\"price\":1,\"qty\":[3]}", &out, KT_INVALID_WRONG_TYPE);
	REFUSED(&s, "{\"price\":1e999,\"qty\":3}", &out, KT_INVALID_BAD_NUMBER);
	REFUSED(&s, "{\"price\":-1e999,\"qty\":3}", &out, KT_INVALID_BAD_NUMBER);
	REFUSED(&s, "{\"price\":1,\"qty\":3,\"price\":2}", &out, KT_INVALID_DUPLICATE_KEY);
	/* An unused field twice is no business of ours. */
	OK(&s, "{\"price\":1,\"qty\":3,\"other\":1,\"other\":2}", &out);
	assert_int_equal(out.stat_present, 0x3);
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
	char buf[32];
	kt_key_text(out.key, out.keylen, 0, buf, sizeof buf);
	assert_string_equal(buf, "7");

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
	/* Duplicate of a found field; of one seen for the first time. */
	REFUSED(&s, "{\"user\":\"u\",\"when\":1,\"qty\":1,\"qty\":2}", &out,
		KT_INVALID_DUPLICATE_KEY);
	REFUSED(&s, "{\"user\":\"u\",\"when\":1,\"fresh\":1,\"fresh\":2}", &out,
		KT_INVALID_DUPLICATE_KEY);
	REFUSED(&s, "{\"user\":\"u\",\"when\":1,\"price\":1e999}", &out, KT_INVALID_BAD_NUMBER);
	/* A repeated unused string field is fine. */
	OK(&s, "{\"user\":\"u\",\"when\":1,\"name\":\"a\",\"name\":\"b\"}", &out);
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
	assert_int_equal(out.stat_present, 0xFFFF);
	for (int i = 0; i < KT_MAX_STATS; i++) {
		char name[16];
		snprintf(name, sizeof name, "f%d", i);
		assert_string_equal(s.stats[i], name);
		assert_true(out.stat[i] == (double)i);
	}
	kt_fieldspec_release(&s);
}

static void test_duplicate_used_fields(void **state)
{
	(void)state;
	kt_fieldspec s;
	kt_extracted out;
	spec_make(&s, "g", "v", "t", "d");
	OK(&s, "{\"g\":1,\"v\":2,\"t\":3,\"d\":\"x\"}", &out);
	REFUSED(&s, "{\"g\":1,\"v\":2,\"t\":3,\"d\":\"x\",\"g\":1}", &out, KT_INVALID_DUPLICATE_KEY);
	REFUSED(&s, "{\"g\":1,\"v\":2,\"t\":3,\"d\":\"x\",\"v\":2}", &out, KT_INVALID_DUPLICATE_KEY);
	REFUSED(&s, "{\"g\":1,\"v\":2,\"t\":3,\"d\":\"x\",\"t\":3}", &out, KT_INVALID_DUPLICATE_KEY);
	REFUSED(&s, "{\"g\":1,\"v\":2,\"t\":3,\"d\":\"x\",\"d\":\"y\"}", &out,
		KT_INVALID_DUPLICATE_KEY);
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
	cJSON *root = cJSON_Parse("{\"g\":\"grp\",\"user\":\"u-42\"}");
	assert_non_null(root);
	enum kt_invalid reason;
	assert_int_equal(kt_fields_extract(&s, root, &out, &reason), 0);
	/* Borrowed from the record. */
	assert_ptr_equal(out.distinct, cJSON_GetObjectItemCaseSensitive(root, "user")->valuestring);
	assert_int_equal(out.distinct_len, 4);
	assert_memory_equal(out.distinct, "u-42", 4);
	cJSON_Delete(root);

	/* A number counts by its text, and leaves the group key alone. */
	OK(&s, "{\"g\":\"grp\",\"user\":42}", &out);
	assert_int_equal(out.distinct_len, 2);
	assert_memory_equal(out.distinct, "42", 2);
	assert_int_equal(out.keylen, 6); /* 's' + 2 + "grp" */
	char buf[16];
	kt_key_text(out.key, out.keylen, 0, buf, sizeof buf);
	assert_string_equal(buf, "grp");
	OK(&s, "{\"g\":\"grp\",\"user\":2.5}", &out);
	assert_int_equal(out.distinct_len, 3);
	assert_memory_equal(out.distinct, "2.5", 3);

	/* A group key filling the whole key buffer leaves no room for the
	 * number's text: whatever happens, nothing is written past key[]. */
	kt_fieldspec_release(&s);
	spec_make(&s, "g", NULL, NULL, "user");
	char json[600];
	snprintf(json, sizeof json, "{\"g\":\"%0509d\",\"user\":123456}", 7);
	memset(&out, 0x55, sizeof out);
	OK(&s, json, &out);
	assert_int_equal(out.keylen, KT_MAX_KEY_BYTES);
	if (out.distinct)
		assert_true(out.distinct >= out.key &&
			    out.distinct + out.distinct_len <= out.key + sizeof out.key);
	assert_int_equal(out.stat_present, 1); /* "user" found as a stat */
	assert_true(out.stat[0] == 123456.0);

	/* Absent: NULL (the previous record's value is not kept). */
	OK(&s, "{\"g\":\"grp\"}", &out);
	assert_null(out.distinct);
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
		cmocka_unit_test(test_key_distinguishes),
		cmocka_unit_test(test_key_malformed),
		cmocka_unit_test(test_group_errors),
		cmocka_unit_test(test_explicit_stats),
		cmocka_unit_test(test_auto_stats),
		cmocka_unit_test(test_auto_stats_cap),
		cmocka_unit_test(test_duplicate_used_fields),
		cmocka_unit_test(test_event_time),
		cmocka_unit_test(test_distinct),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
