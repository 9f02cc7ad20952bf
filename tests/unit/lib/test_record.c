/* test_record: UTF-8 validation, decoding, refusal reasons and the arena. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktrio/json.h"
#include "ktrio/record.h"
#include "ktrio/utf8.h"

#define MAXB (1024 * 1024)

/* The arena the tests decode into (released after each test). */
static kt_record_arena arena;

/* Checks on a copy of exactly len bytes, so a read past the end shows
 * under ASan or valgrind. */
static bool utf8(const char *s, size_t len)
{
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, s, len);
	bool ok = kt_utf8_valid(copy, len);
	free(copy);
	return ok;
}

#define VALID(lit) assert_true(utf8(lit, sizeof(lit) - 1))
#define INVALID(lit) assert_false(utf8(lit, sizeof(lit) - 1))

/* Decode from an exact-size copy; the copy is freed at once, so the
 * result must not point into the input. */
static cJSON *decode_into(kt_record_arena *a, const char *s, size_t len,
			 size_t max, enum kt_invalid *reason)
{
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, s, len);
	cJSON *root = kt_record_decode(a, copy, len, max, reason);
	free(copy);
	return root;
}

static cJSON *decode(const char *s, size_t len, size_t max, enum kt_invalid *reason)
{
	return decode_into(&arena, s, len, max, reason);
}

static void refused(const char *s, size_t len, size_t max, enum kt_invalid want)
{
	enum kt_invalid reason = KT_INVALID_COUNT;
	cJSON *root = decode(s, len, max, &reason);
	if (root)
		fail_msg("accepted '%.60s'", s);
	if (reason != want)
		fail_msg("'%.60s': %s, want %s", s, kt_invalid_name(reason), kt_invalid_name(want));
}

#define REFUSED(lit, want) refused(lit, sizeof(lit) - 1, MAXB, want)

static int teardown(void **state)
{
	(void)state;
	kt_record_arena_release(&arena);
	return 0;
}

static void test_invalid_names(void **state)
{
	(void)state;
	static const char *const want[KT_INVALID_COUNT] = {
		"empty",        "null_value",    "too_large",    "bad_utf8",
		"not_json",     "not_object",    "duplicate_key", "missing_field",
		"wrong_type",   "bad_number",    "bad_time",
	};
	for (int i = 0; i < KT_INVALID_COUNT; i++)
		assert_string_equal(kt_invalid_name((enum kt_invalid)i), want[i]);
	assert_string_equal(kt_invalid_name(KT_INVALID_COUNT), "unknown");
	assert_string_equal(kt_invalid_name((enum kt_invalid)-1), "unknown");
}

static void test_utf8_valid(void **state)
{
	(void)state;
	assert_true(kt_utf8_valid("", 0));
	VALID("plain ASCII, longer than eight bytes");
	VALID("a\0b"); /* NUL is a character like another */
	VALID("\xC2\x80");         /* U+0080, the first two-byte */
	VALID("\xC3\xA9");         /* U+00E9 e acute */
	VALID("\xDF\xBF");         /* U+07FF, the last two-byte */
	VALID("\xE0\xA0\x80");     /* U+0800, the first three-byte */
	VALID("\xE2\x82\xAC");     /* U+20AC euro */
	VALID("\xED\x9F\xBF");     /* U+D7FF, just below the surrogates */
	VALID("\xEE\x80\x80");     /* U+E000, just above them */
	VALID("\xEF\xBF\xBF");     /* U+FFFF */
	VALID("\xF0\x90\x80\x80"); /* U+10000, the first four-byte */
	VALID("\xF0\x9F\x98\x80"); /* U+1F600 */
	VALID("\xF4\x8F\xBF\xBF"); /* U+10FFFF, the last code point */
	VALID("na\xC3\xAFve caf\xC3\xA9 \xE2\x82\xAC 5 \xF0\x9F\x98\x80!");
}

static void test_utf8_invalid(void **state)
{
	(void)state;
	/* Overlongs. */
	INVALID("\xC0\x80");         /* NUL in two bytes */
	INVALID("\xC1\xBF");         /* U+007F in two bytes */
	INVALID("\xE0\x80\x80");
	INVALID("\xE0\x9F\xBF");     /* U+07FF in three bytes */
	INVALID("\xF0\x80\x80\x80");
	INVALID("\xF0\x8F\xBF\xBF"); /* U+FFFF in four bytes */
	/* Surrogates. */
	INVALID("\xED\xA0\x80");     /* U+D800 */
	INVALID("\xED\xBF\xBF");     /* U+DFFF */
	INVALID("\xED\xA0\xBD\xED\xB8\x80"); /* a CESU-8 pair */
	/* Beyond U+10FFFF, and lead bytes that cannot start anything. */
	INVALID("\xF4\x90\x80\x80"); /* U+110000 */
	INVALID("\xF5\x80\x80\x80");
	INVALID("\xF7\xBF\xBF\xBF");
	INVALID("\xF8\x88\x80\x80\x80"); /* old five-byte form */
	INVALID("\xFC\x84\x80\x80\x80\x80");
	INVALID("\xFE");
	INVALID("\xFF");
	/* Lone continuation bytes. */
	INVALID("\x80");
	INVALID("a\xBF");
	/* Truncated sequences, at the end and before ASCII. */
	INVALID("\xC3");
	INVALID("\xE2\x82");
	INVALID("\xF0\x9F\x98");
	INVALID("ab\xF0\x9F\x98");
	INVALID("\xC3" "A");
	INVALID("\xE2\x82" "AB");
	INVALID("\xF0\x9F\x98" "ABCDEFGH");
}

/* A multibyte character (and a bad byte) at every offset of an ASCII
 * run, through both the eight-at-a-time path and the byte path. */
static void test_utf8_every_offset(void **state)
{
	(void)state;
	for (size_t at = 0; at < 24; at++) {
		char buf[32];
		memset(buf, 'x', sizeof buf);
		memcpy(buf + at, "\xF0\x9F\x98\x80", 4);
		assert_true(utf8(buf, sizeof buf));
		buf[at + 3] = 'x'; /* truncate it */
		assert_false(utf8(buf, sizeof buf));
		memset(buf, 'x', sizeof buf);
		buf[at] = (char)0x80;
		assert_false(utf8(buf, sizeof buf));
		/* Bad bytes beyond len are not looked at. */
		assert_true(utf8(buf, at));
	}
}

static void test_decode_reasons(void **state)
{
	(void)state;
	enum kt_invalid reason = KT_INVALID_COUNT;
	/* A tombstone, whatever the length says. */
	assert_null(kt_record_decode(&arena, NULL, 0, MAXB, &reason));
	assert_int_equal(reason, KT_INVALID_NULL);
	reason = KT_INVALID_COUNT;
	assert_null(kt_record_decode(&arena, NULL, 5, MAXB, &reason));
	assert_int_equal(reason, KT_INVALID_NULL);
	reason = KT_INVALID_COUNT;
	assert_null(kt_record_decode(&arena, "", 0, MAXB, &reason));
	assert_int_equal(reason, KT_INVALID_EMPTY);

	/* {"a":1234} is 10 bytes: refused above 9, before anything else (even
	 * bad UTF-8) is looked at. */
	refused("{\"a\":1234}", 10, 9, KT_INVALID_TOO_LARGE);
	refused("{\"a\":\"\xFF\"}", 9, 8, KT_INVALID_TOO_LARGE);
	reason = KT_INVALID_COUNT;
	cJSON *root = decode("{\"a\":1234}", 10, 10, &reason);
	assert_non_null(root);
	assert_int_equal(reason, KT_INVALID_COUNT); /* left alone */
	kt_record_arena_reset(&arena);

	REFUSED("{\"a\":\"\xC3\"}", KT_INVALID_BAD_UTF8);
	REFUSED("{\"a\":\"\xED\xA0\x80\"}", KT_INVALID_BAD_UTF8);

	REFUSED("{\"a\":", KT_INVALID_NOT_JSON);
	REFUSED("hello", KT_INVALID_NOT_JSON);
	REFUSED("{\"a\":1,}", KT_INVALID_NOT_JSON);
	REFUSED("{'a':1}", KT_INVALID_NOT_JSON);
	REFUSED("   ", KT_INVALID_NOT_JSON);
	/* Trailing garbage after a complete value. */
	REFUSED("{\"a\":1} x", KT_INVALID_NOT_JSON);
	REFUSED("{\"a\":1}{\"b\":2}", KT_INVALID_NOT_JSON);
	REFUSED("{\"a\":1},", KT_INVALID_NOT_JSON);

	REFUSED("[1,2]", KT_INVALID_NOT_OBJECT);
	REFUSED("[]", KT_INVALID_NOT_OBJECT);
	REFUSED("\"text\"", KT_INVALID_NOT_OBJECT);
	REFUSED("42", KT_INVALID_NOT_OBJECT);
	REFUSED("-1.5e3", KT_INVALID_NOT_OBJECT);
	REFUSED("true", KT_INVALID_NOT_OBJECT);
	REFUSED("null", KT_INVALID_NOT_OBJECT);
}

/* 100,000 levels must fail cleanly (no stack exhaustion): not_json. */
static void test_deep_nesting(void **state)
{
	(void)state;
	const size_t depth = 100000;
	char *s = malloc(depth * 6 + 16); /* the object form: 5 + 1 per level */
	assert_non_null(s);

	memset(s, '[', depth);
	memset(s + depth, ']', depth);
	refused(s, 2 * depth, 16 * MAXB, KT_INVALID_NOT_JSON);

	/* {"a":{"a":...{}...}} */
	size_t n = 0;
	for (size_t i = 0; i < depth; i++) {
		memcpy(s + n, "{\"a\":", 5);
		n += 5;
	}
	memcpy(s + n, "{}", 2);
	n += 2;
	memset(s + n, '}', depth);
	refused(s, n + depth, 16 * MAXB, KT_INVALID_NOT_JSON);

	/* Unterminated, as an attacker would send it. */
	memset(s, '[', depth);
	refused(s, depth, 16 * MAXB, KT_INVALID_NOT_JSON);

	/* A reasonable depth (100) still decodes. */
	n = 0;
	for (size_t i = 0; i < 100; i++) {
		memcpy(s + n, "{\"a\":", 5);
		n += 5;
	}
	memcpy(s + n, "7", 1);
	n += 1;
	memset(s + n, '}', 100);
	enum kt_invalid reason;
	cJSON *root = decode(s, n + 100, MAXB, &reason);
	assert_non_null(root);
	const cJSON *c = root;
	for (size_t i = 0; i < 100; i++)
		c = cJSON_GetObjectItemCaseSensitive(c, "a");
	assert_true(cJSON_IsNumber(c));
	assert_int_equal(c->valueint, 7);
	kt_record_arena_reset(&arena);
	free(s);
}

static void test_decode_valid(void **state)
{
	(void)state;
	enum kt_invalid reason = KT_INVALID_COUNT;
	const char *json = " \t{\"a\":1,\"b\":\"x\xC3\xA9\",\"c\":[1,{\"d\":null}],\"e\":-2.5e2}\r\n\t ";
	cJSON *root = decode(json, strlen(json), MAXB, &reason);
	assert_non_null(root);
	assert_int_equal(reason, KT_INVALID_COUNT);
	assert_true(cJSON_IsObject(root));
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(root, "a")->valuedouble, 1);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(root, "b")->valuestring, "x\xC3\xA9");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "c");
	assert_int_equal(cJSON_GetArraySize(c), 2);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(c, 1), "d")));
	assert_true(cJSON_GetObjectItemCaseSensitive(root, "e")->valuedouble == -250.0);
	/* Printing a decoded record uses ordinary memory. */
	char *text = cJSON_PrintUnformatted(root);
	assert_non_null(text);
	assert_string_equal(text, "{\"a\":1,\"b\":\"x\xC3\xA9\",\"c\":[1,{\"d\":null}],\"e\":-250}");
	cJSON_free(text);
	kt_record_arena_reset(&arena);

	/* The empty object is an object. */
	root = decode("{}", 2, MAXB, &reason);
	assert_non_null(root);
	assert_null(root->child);
	kt_record_arena_reset(&arena);

	/* Objects built outside a decode are plain heap objects. */
	cJSON *mine = cJSON_CreateObject();
	assert_non_null(mine);
	assert_non_null(cJSON_AddStringToObject(mine, "k", "v"));
	cJSON_Delete(mine);
}

/* Several records alive at once, one of them larger than a chunk, with
 * failed decodes in between: the earlier ones stay intact. */
static void test_batch_survives_failures(void **state)
{
	(void)state;
	enum kt_invalid reason;
	cJSON *a = decode("{\"id\":\"first\",\"n\":1}", 20, MAXB, &reason);
	assert_non_null(a);

	/* 200,000 x's: more than one 64 KiB chunk. */
	const size_t big = 200000;
	char *s = malloc(big + 32);
	assert_non_null(s);
	memcpy(s, "{\"id\":\"", 7);
	memset(s + 7, 'x', big);
	memcpy(s + 7 + big, "\"}", 2);
	cJSON *b = decode(s, big + 9, MAXB, &reason);
	assert_non_null(b);
	assert_int_equal(strlen(cJSON_GetObjectItemCaseSensitive(b, "id")->valuestring), big);

	/* The same, but with trailing garbage: parsed, then refused. */
	memcpy(s + 7 + big, "\"} ?", 4);
	refused(s, big + 11, MAXB, KT_INVALID_NOT_JSON);
	refused("[1,2,3]", 7, MAXB, KT_INVALID_NOT_OBJECT);
	refused("{\"k\":[1,2,", 10, MAXB, KT_INVALID_NOT_JSON);

	cJSON *c = decode("{\"id\":\"third\"}", 14, MAXB, &reason);
	assert_non_null(c);
	/* Many small records in one batch, past the first chunk. */
	cJSON *many[2000];
	for (int i = 0; i < 2000; i++) {
		char j[64];
		int n = snprintf(j, sizeof j, "{\"i\":%d,\"pad\":\"%032d\"}", i, i);
		many[i] = decode(j, (size_t)n, MAXB, &reason);
		assert_non_null(many[i]);
	}
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(a, "id")->valuestring, "first");
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(a, "n")->valueint, 1);
	const char *bx = cJSON_GetObjectItemCaseSensitive(b, "id")->valuestring;
	assert_int_equal(strlen(bx), big);
	assert_int_equal(bx[0], 'x');
	assert_int_equal(bx[big - 1], 'x');
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(c, "id")->valuestring, "third");
	for (int i = 0; i < 2000; i++)
		assert_int_equal(cJSON_GetObjectItemCaseSensitive(many[i], "i")->valueint, i);
	free(s);

	/* After a reset the arena serves new records. */
	kt_record_arena_reset(&arena);
	cJSON *d = decode("{\"id\":\"after\"}", 14, MAXB, &reason);
	assert_non_null(d);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(d, "id")->valuestring, "after");
	kt_record_arena_reset(&arena);
	/* Releasing twice, or before any decode, is harmless. */
	kt_record_arena_release(&arena);
	kt_record_arena_release(&arena);
	d = decode("{\"id\":\"again\"}", 14, MAXB, &reason);
	assert_non_null(d);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(d, "id")->valuestring, "again");
}

/* Two arenas: resetting one leaves the records of the other alone, and a
 * reset arena reuses its chunks for a batch as large as before, a failed
 * parse in the middle included. */
static void test_two_arenas(void **state)
{
	(void)state;
	enum kt_invalid reason;
	cJSON *kept[3000], *fresh[3000];
	char j[96];
	kt_record_arena other;
	kt_record_arena_init(&other);
	for (int i = 0; i < 3000; i++) {
		int n = snprintf(j, sizeof j, "{\"arena\":0,\"i\":%d,\"pad\":\"%040d\"}", i, i);
		kept[i] = decode(j, (size_t)n, MAXB, &reason);
		assert_non_null(kept[i]);
	}
	for (int round = 0; round < 3; round++) {
		kt_record_arena_reset(&other);
		for (int i = 0; i < 3000; i++) {
			if (i == 1500) {
				reason = KT_INVALID_COUNT;
				assert_null(decode_into(&other, "{\"a\":[1,2,{\"b\":", 15, MAXB,
							&reason));
				assert_int_equal(reason, KT_INVALID_NOT_JSON);
			}
			int n = snprintf(j, sizeof j, "{\"arena\":1,\"i\":%d,\"r\":%d}", i, round);
			fresh[i] = decode_into(&other, j, (size_t)n, MAXB, &reason);
			assert_non_null(fresh[i]);
		}
		for (int i = 0; i < 3000; i++) {
			assert_int_equal(cJSON_GetObjectItemCaseSensitive(fresh[i], "i")->valueint, i);
			assert_int_equal(cJSON_GetObjectItemCaseSensitive(fresh[i], "r")->valueint, round);
		}
	}
	for (int i = 0; i < 3000; i++) {
		assert_int_equal(cJSON_GetObjectItemCaseSensitive(kept[i], "arena")->valueint, 0);
		assert_int_equal(cJSON_GetObjectItemCaseSensitive(kept[i], "i")->valueint, i);
	}
	kt_record_arena_release(&other);
	kt_record_arena_release(&arena);
}

/* A failed decode as the very first use of the arena. */
static void test_first_decode_fails(void **state)
{
	(void)state;
	kt_record_arena_release(&arena);
	refused("{\"a\":[1,2,3],\"b\":{\"c\":", 22, MAXB, KT_INVALID_NOT_JSON);
	enum kt_invalid reason;
	cJSON *r = decode("{\"ok\":true}", 11, MAXB, &reason);
	assert_non_null(r);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok")));
}

/* The arena test_record_reasons decodes into. */
static kt_record_arena core_arena;

static void test_record_reasons(void **st)
{
	(void)st;
	static const struct {
		const char *value;
		size_t len;
		enum kt_invalid why;
	} bad[] = {
		{"", 0, KT_INVALID_EMPTY},
		{"{\"a\":\"\xff\"}", 9, KT_INVALID_BAD_UTF8},
		{"{\"a\":\"\xc0\xaf\"}", 10, KT_INVALID_BAD_UTF8}, /* overlong '/' */
		{"{\"a\":\"\xed\xa0\x80\"}", 11, KT_INVALID_BAD_UTF8}, /* surrogate */
		{"{\"a\":1", 6, KT_INVALID_NOT_JSON},
		{"{\"a\":1} x", 9, KT_INVALID_NOT_JSON},
		{"NaN", 3, KT_INVALID_NOT_JSON},
		{"[1]", 3, KT_INVALID_NOT_OBJECT},
		{"\"s\"", 3, KT_INVALID_NOT_OBJECT},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		enum kt_invalid why = KT_INVALID_COUNT;
		assert_null(kt_record_decode(&core_arena, bad[i].value, bad[i].len, 1000, &why));
		assert_int_equal(why, bad[i].why);
	}
	enum kt_invalid why;
	assert_null(kt_record_decode(&core_arena, NULL, 0, 1000, &why));
	assert_int_equal(why, KT_INVALID_NULL);
	assert_null(kt_record_decode(&core_arena, "{\"a\":1}", 7, 5, &why));
	assert_int_equal(why, KT_INVALID_TOO_LARGE);
	/* 100,000 levels of nesting: refused, not a stack overflow */
	size_t n = 200000;
	char *deep = malloc(n);
	memset(deep, '[', n / 2);
	memset(deep + n / 2, ']', n / 2);
	assert_null(kt_record_decode(&core_arena, deep, n, n, &why));
	assert_int_equal(why, KT_INVALID_NOT_JSON);
	free(deep);
	cJSON *ok = kt_record_decode(&core_arena, "{\"a\":\"\xc3\xa9\"} ", 11, 1000, &why);
	assert_non_null(ok);
	assert_string_equal(cJSON_GetObjectItem(ok, "a")->valuestring, "\xc3\xa9");
	kt_record_arena_reset(&core_arena);
	assert_string_equal(kt_invalid_name(KT_INVALID_MISSING_FIELD), "missing_field");
	kt_record_arena_release(&core_arena);
}

/* Fields left out of the tree are checked as strictly: each record below
 * is refused for the same reason with and without a key set naming only
 * "k" (its fault sits in another field), and a good one keeps "k" alone,
 * a key holding a NUL after "k" too (it compares as a C string). */
static void test_decode_some(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		enum kt_invalid why;
	} bad[] = {
		{"{\"k\":1,\"x\":\"\xc3\"}", KT_INVALID_BAD_UTF8},
		{"{\"k\":1,\"x\":\"\\q\"}", KT_INVALID_NOT_JSON},
		{"{\"k\":1,\"x\":\"\\ud800\"}", KT_INVALID_NOT_JSON},
		{"{\"k\":1,\"x\":01}", KT_INVALID_NOT_JSON},
		{"{\"k\":1,\"x\":-}", KT_INVALID_NOT_JSON},
		{"{\"k\":1,\"x\":1.}", KT_INVALID_NOT_JSON},
		{"{\"k\":1,\"x\":1e}", KT_INVALID_NOT_JSON},
		{"{\"k\":1,\"x\":tru}", KT_INVALID_NOT_JSON},
		{"{\"k\":1,\"x\":[1,]}", KT_INVALID_NOT_JSON},
		{"{\"k\":1,\"x\":{\"a\" 1}}", KT_INVALID_NOT_JSON},
		{"{\"k\":1,\"x\":\"a\x01\"}", KT_INVALID_NOT_JSON},
		{"{\"k\":1,\"x\":1,}", KT_INVALID_NOT_JSON},
	};
	kt_record_keys keys = {0};
	assert_int_equal(kt_record_keys_add(&keys, "k"), 0);
	kt_record_arena a;
	kt_record_arena_init(&a);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		enum kt_invalid all = KT_INVALID_COUNT, some = KT_INVALID_COUNT;
		size_t n = strlen(bad[i].text);
		assert_null(kt_record_decode(&a, bad[i].text, n, 1000, &all));
		assert_null(kt_record_decode_some(&a, bad[i].text, n, 1000, &keys, &some));
		assert_int_equal(all, bad[i].why);
		assert_int_equal(some, bad[i].why);
	}
	/* deeper than cJSON's limit under a left-out field: refused either way */
	char deep[2 * CJSON_NESTING_LIMIT + 64] = "{\"k\":1,\"x\":";
	size_t n = strlen(deep);
	for (int i = 0; i < CJSON_NESTING_LIMIT + 1; i++)
		deep[n++] = '[';
	for (int i = 0; i < CJSON_NESTING_LIMIT + 1; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	enum kt_invalid why = KT_INVALID_COUNT;
	assert_null(kt_record_decode_some(&a, deep, n, sizeof deep, &keys, &why));
	assert_int_equal(why, KT_INVALID_NOT_JSON);
	const char good[] = "{\"x\":{\"k\":2},\"k\":\"v\",\"y\":[true,null,-1.5e3],\"k\\u0000z\":3}";
	cJSON *root = kt_record_decode_some(&a, good, sizeof good - 1, 1000, &keys, &why);
	assert_non_null(root);
	assert_int_equal(cJSON_GetArraySize(root), 2);
	assert_string_equal(root->child->string, "k");
	assert_string_equal(root->child->valuestring, "v");
	assert_int_equal(root->child->next->valuedouble, 3);
	assert_int_equal(kt_json_member_tag(root->child), 0);
	assert_int_equal(kt_json_member_tag(root->child->next), 0);
	/* none kept: an empty object, still an object */
	kt_record_keys none = {0};
	assert_int_equal(kt_record_keys_add(&none, "absent"), 0);
	root = kt_record_decode_some(&a, good, sizeof good - 1, 1000, &none, &why);
	assert_non_null(root);
	assert_true(cJSON_IsObject(root));
	assert_null(root->child);
	kt_record_arena_release(&a);
}

/* Each kept member is tagged with the index of the name it matches as a C
 * string (the first name, for one given twice), whatever its length
 * against the words compared: names of 1 to 17 bytes, keys
 * equal to them, one byte shorter or longer, differing in each byte, or
 * holding a NUL after the name. The expected tag is a plain strcmp over
 * the names. */
static void test_decode_some_tags(void **state)
{
	(void)state;
	static const char *const names[] = {"a", "ab", "abcdefg", "abcdefgh", "abcdefghi",
					    "abcdefghijklmno", "abcdefghijklmnop",
					    "abcdefghijklmnopq", "price", "quantity", "x"};
	const size_t nnames = sizeof names / sizeof *names;
	kt_record_keys keys = {0};
	for (size_t i = 0; i < nnames; i++)
		assert_int_equal(kt_record_keys_add(&keys, names[i]), (int)i);
	assert_int_equal(kt_record_keys_add(&keys, "price"), 8); /* again: its index */
	kt_record_arena a;
	kt_record_arena_init(&a);
	for (size_t i = 0; i < nnames; i++) {
		size_t len = strlen(names[i]);
		char variants[4 + 2 * 18][32];
		size_t nv = 0;
		snprintf(variants[nv++], 32, "%s", names[i]);
		snprintf(variants[nv++], 32, "%.*s", (int)len - 1, names[i]);
		snprintf(variants[nv++], 32, "%sz", names[i]);
		snprintf(variants[nv++], 32, "%s\\u0000tail", names[i]);
		for (size_t b = 0; b < len; b++) {
			snprintf(variants[nv], 32, "%s", names[i]);
			variants[nv++][b] ^= 1;
		}
		for (size_t v = 0; v < nv; v++) {
			char text[128];
			int n = snprintf(text, sizeof text, "{\"%s\":1,\"zz\":2}", variants[v]);
			enum kt_invalid why;
			cJSON *root = kt_record_decode_some(&a, text, (size_t)n, 1000, &keys, &why);
			assert_non_null(root);
			int want = -1;
			const char *key = variants[v];
			char plain[32];
			snprintf(plain, sizeof plain, "%.*s", (int)strcspn(key, "\\"), key);
			for (size_t k = 0; k < nnames && want < 0; k++)
				if (strcmp(plain, names[k]) == 0)
					want = (int)k;
			if (want < 0) {
				assert_null(root->child);
			} else {
				assert_non_null(root->child);
				assert_int_equal(kt_json_member_tag(root->child), want);
				assert_null(root->child->next);
			}
		}
		kt_record_arena_reset(&a);
	}
	/* a tree parsed without keys has no tags */
	enum kt_invalid why;
	cJSON *root = kt_record_decode(&a, "{\"a\":1}", 7, 1000, &why);
	assert_int_equal(kt_json_member_tag(root->child), -1);
	kt_record_arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invalid_names),
		cmocka_unit_test(test_two_arenas),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_invalid),
		cmocka_unit_test(test_utf8_every_offset),
		cmocka_unit_test_teardown(test_decode_reasons, teardown),
		cmocka_unit_test_teardown(test_deep_nesting, teardown),
		cmocka_unit_test_teardown(test_decode_valid, teardown),
		cmocka_unit_test_teardown(test_batch_survives_failures, teardown),
		cmocka_unit_test_teardown(test_first_decode_fails, teardown),
		cmocka_unit_test(test_record_reasons),
		cmocka_unit_test(test_decode_some),
		cmocka_unit_test(test_decode_some_tags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
