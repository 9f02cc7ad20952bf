/* test_json: kt_json_parse against cJSON's own parser and strtod as oracles,
 * its refusals, nesting, and allocation failure. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktrio/json.h"
#include "generator/rng.h"

/* A test allocator: every block malloc'd and remembered, freed at once;
 * fail_after > 0 makes that allocation and all later ones fail. */
typedef struct pool {
	void *blocks[1 << 16];
	size_t n;
	size_t fail_after;
} pool;

static void *pool_alloc(void *ctx, size_t n)
{
	pool *p = ctx;
	if (p->fail_after && p->n + 1 >= p->fail_after)
		return NULL;
	assert_true(p->n < sizeof p->blocks / sizeof *p->blocks);
	void *b = malloc(n);
	assert_non_null(b);
	assert_int_equal((uintptr_t)b % 8, 0);
	p->blocks[p->n++] = b;
	return b;
}

static void pool_clear(pool *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->blocks[i]);
	p->n = 0;
}

static pool *the_pool(void)
{
	static pool p;
	return &p;
}

/* Parse an exact-size copy, so a read past the end shows under ASan. */
static cJSON *parse_len(const char *s, size_t len)
{
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, s, len);
	cJSON *root = kt_json_parse(copy, len, pool_alloc, the_pool());
	free(copy);
	return root;
}

static cJSON *parse(const char *s)
{
	return parse_len(s, strlen(s));
}

/* Exact equality: types, keys, strings, bit-identical doubles, valueint,
 * order, and cJSON's convention that the first child's prev is the last. */
static void same_tree(const cJSON *a, const cJSON *b, const char *text)
{
	if ((a->type & 0xFF) != (b->type & 0xFF))
		fail_msg("'%s': type %d, cJSON %d", text, a->type & 0xFF, b->type & 0xFF);
	if ((a->string == NULL) != (b->string == NULL) ||
	    (a->string && strcmp(a->string, b->string)))
		fail_msg("'%s': key differs", text);
	if (cJSON_IsString(a) && strcmp(a->valuestring, b->valuestring))
		fail_msg("'%s': '%s', cJSON '%s'", text, a->valuestring, b->valuestring);
	if (cJSON_IsNumber(a) &&
	    (memcmp(&a->valuedouble, &b->valuedouble, sizeof(double)) ||
	     a->valueint != b->valueint))
		fail_msg("'%s': %.17g, cJSON %.17g", text, a->valuedouble, b->valuedouble);
	const cJSON *x = a->child, *y = b->child, *last = NULL;
	for (; x && y; x = x->next, y = y->next) {
		same_tree(x, y, text);
		last = x;
	}
	if (x || y)
		fail_msg("'%s': child counts differ", text);
	if (a->child && a->child->prev != last)
		fail_msg("'%s': first child's prev is not the last", text);
}

static void agrees_with_cjson(const char *text)
{
	cJSON *ours = parse(text);
	cJSON *theirs = cJSON_Parse(text);
	if (!ours)
		fail_msg("refused '%s'", text);
	assert_non_null(theirs);
	same_tree(ours, theirs, text);
	cJSON_Delete(theirs);
	pool_clear(the_pool());
}

static void test_agrees_with_cjson(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"{}", "[]", "0", "-0", "1", "-1", "true", "false", "null", "\"\"",
		" \t\r\n{ \"a\" : 1 , \"b\" : [ 1 , 2 , { } , [ ] ] } \n",
		"{\"id\":\"0f8e-12\",\"seq\":42,\"ts\":1764547200123,\"price\":19.99,"
		"\"quantity\":3,\"category\":\"books\",\"ok\":true,\"note\":null}",
		"[0.1,0.2,0.30000000000000004,1e22,1e23,123456789012345678,"
		"9007199254740993,2.2250738585072014e-308,4.9e-324,1.7976931348623157e308,"
		"-1e-7,1E+2,1e-0,0e0,-0.0e5,3.14159265358979323846]",
		"[2147483647,2147483648,-2147483648,-2147483649,1e300,-1e300]",
		"[1e400,-1e400,1e-400]", /* out of range: +-inf and 0, as strtod */
		"\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t\"",
		"\"\\u0041\\u00e9\\u20ac\\ud83d\\ude00 caf\xc3\xa9\"",
		"{\"a\":1,\"a\":2}", /* duplicates kept, as cJSON does */
		"[[[[[[[[[[\"deep\"]]]]]]]]]]",
	};
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
		agrees_with_cjson(texts[i]);
}

/* Numbers of every shape the fast path takes or declines, against strtod. */
static void test_numbers_match_strtod(void **state)
{
	(void)state;
	kt_rng rng;
	kt_rng_seed(&rng, 7);
	char text[64];
	for (int i = 0; i < 200000; i++) {
		uint64_t r = kt_rng_next(&rng);
		double d;
		memcpy(&d, &r, sizeof d);
		switch (i % 5) {
		case 0: /* any finite double, shortest and long forms */
			if (!isfinite(d))
				continue;
			snprintf(text, sizeof text, i % 2 ? "%.17g" : "%.15g", d);
			break;
		case 1: /* prices: two decimals */
			snprintf(text, sizeof text, "%llu.%02llu",
				 (unsigned long long)(r % 100000), (unsigned long long)(r / 7 % 100));
			break;
		case 2: /* integers up to 2^63 */
			snprintf(text, sizeof text, "-%llu", (unsigned long long)(r >> (r % 64)));
			break;
		case 3: /* short mantissa, wide exponent */
			snprintf(text, sizeof text, "%llue%d", (unsigned long long)(r % 1000000),
				 (int)(r % 700) - 350);
			break;
		default: /* long fractions */
			snprintf(text, sizeof text, "0.%llu", (unsigned long long)r);
			break;
		}
		cJSON *n = parse(text);
		if (!n || !cJSON_IsNumber(n))
			fail_msg("refused number '%s'", text);
		double want = strtod(text, NULL);
		if (memcmp(&want, &n->valuedouble, sizeof want))
			fail_msg("'%s': %.17g, strtod %.17g", text, n->valuedouble, want);
		pool_clear(the_pool());
	}
}

static void test_refuses_what_is_not_json(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"", " ", "+1", "01", "-01", ".5", "1.", "1.e5", "1e", "1e+", "-", "--1",
		"0x10", "NaN", "Infinity", "-Infinity", "tru", "nul", "fals", "True",
		"\"abc", "\"\x01\"", "\"tab\there\"", "\"\\x\"", "\"\\u12\"", "\"\\u12g4\"",
		"\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\", "[", "{", "[1,]",
		"[,1]", "{\"a\":1,}", "{\"a\"}", "{\"a\" 1}", "{1:2}", "{'a':1}", "1 2",
		"[1 2]", "{}}", "[]]", "\v1", "{\"a\":1}x", "\xc3\xa9",
		/* malformed UTF-8 in strings: truncated, overlong, surrogate,
		 * beyond U+10FFFF, a stray continuation byte, at SWAR offsets */
		"\"\xc3\"", "\"abcdefgh\xc3\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"",
		"\"\xf4\x90\x80\x80\"", "\"abcdefg\x80\"", "{\"k\xff\":1}",
	};
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
		if (parse(texts[i]))
			fail_msg("accepted '%s'", texts[i]);
		pool_clear(the_pool());
	}
	/* A NUL inside the text is not whitespace. */
	assert_null(parse_len("{}\0", 3));
	assert_null(parse_len("[1,\0 2]", 7));
	pool_clear(the_pool());
}

/* n arrays nested, as text. */
static char *nested(size_t n)
{
	char *s = malloc(2 * n + 1);
	assert_non_null(s);
	memset(s, '[', n);
	memset(s + n, ']', n);
	s[2 * n] = '\0';
	return s;
}

static void test_nesting_limit(void **state)
{
	(void)state;
	char *ok = nested(CJSON_NESTING_LIMIT), *deep = nested(CJSON_NESTING_LIMIT + 1);
	assert_non_null(parse(ok));
	pool_clear(the_pool());
	assert_null(parse(deep));
	pool_clear(the_pool());
	free(ok);
	free(deep);
	char *huge = nested(100000); /* fails at the limit, not on the stack */
	assert_null(parse(huge));
	pool_clear(the_pool());
	free(huge);
}

static void test_allocation_failure(void **state)
{
	(void)state;
	const char *text = "{\"a\":[1,\"two\",{\"b\":\"\\u00e9\"}],\"c\":1e400,\"d\":"
			   "0.1234567890123456789}";
	pool *p = the_pool();
	assert_non_null(parse(text));
	size_t needed = p->n;
	pool_clear(p);
	for (size_t k = 1; k <= needed; k++) {
		p->fail_after = k;
		assert_null(parse(text));
		pool_clear(p);
	}
	p->fail_after = 0;
}

/* The string scanner reads eight bytes at a time: an escape, a quote or a
 * control character at every offset of a long string. */
static void test_strings_at_every_offset(void **state)
{
	(void)state;
	char text[96], want[32];
	for (size_t at = 0; at < 40; at++) {
		for (size_t tail = 0; tail < 10; tail++) {
			/* "aaa\"aaa" and "aaa\u00e9aaa": agree with cJSON */
			static const char *const escapes[] = {"\\\"", "\\\\", "\\n", "\\u00e9", "\xc3\xa9"};
			for (size_t e = 0; e < sizeof escapes / sizeof *escapes; e++) {
				snprintf(text, sizeof text, "\"%.*s%s%.*s\"", (int)at,
					 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", escapes[e],
					 (int)tail, "bbbbbbbbbb");
				agrees_with_cjson(text);
			}
			/* a raw control character: refused */
			int n = snprintf(text, sizeof text, "\"%.*s\x01%.*s\"", (int)at,
					 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", (int)tail,
					 "bbbbbbbbbb");
			if (parse_len(text, (size_t)n))
				fail_msg("accepted a control character at %zu", at);
			/* unterminated: refused, and nothing read past the end */
			n = snprintf(text, sizeof text, "\"%.*s", (int)(at + tail),
				     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
			assert_null(parse_len(text, (size_t)n));
			pool_clear(the_pool());
		}
	}
	/* The quote ends the string wherever it falls. */
	for (size_t at = 0; at < 24; at++) {
		memset(want, 'x', at);
		want[at] = '\0';
		snprintf(text, sizeof text, "[\"%s\",1]", want);
		cJSON *root = parse(text);
		assert_non_null(root);
		assert_string_equal(root->child->valuestring, want);
		assert_int_equal(root->child->next->valueint, 1);
		pool_clear(the_pool());
	}
}

/* kt_json_plain_run stops at the first byte a string must escape, at any
 * offset; bytes above 0x7F (UTF-8) are plain. */
static void test_plain_run(void **state)
{
	(void)state;
	static const char specials[] = {'"', '\\', '\n', '\x01', '\x1f'};
	char buf[48];
	for (size_t at = 0; at < 40; at++)
		for (size_t k = 0; k < sizeof specials; k++) {
			memset(buf, 'a', sizeof buf);
			buf[at / 3] = (char)0xc3; /* UTF-8 before it: plain */
			buf[at] = specials[k];
			assert_int_equal(kt_json_plain_run(buf, sizeof buf), at);
			assert_int_equal(kt_json_plain_run(buf, at), at);
		}
	memset(buf, 'z', sizeof buf);
	assert_int_equal(kt_json_plain_run(buf, sizeof buf), sizeof buf);
	assert_int_equal(kt_json_plain_run(buf, 0), 0);
	assert_int_equal(kt_json_plain_run("\x7f\xff", 2), 2);
}

static void test_strings_are_copies(void **state)
{
	(void)state;
	cJSON *root = parse("{\"key\":\"value\"}"); /* the text is freed by now */
	assert_non_null(root);
	assert_string_equal(root->child->string, "key");
	assert_string_equal(root->child->valuestring, "value");
	assert_ptr_equal(cJSON_GetObjectItemCaseSensitive(root, "key"), root->child);
	pool_clear(the_pool());
}

/* A string's length in valueint (NULs inside count); an integer from 2^53
 * up keeps its text in valuestring, other numbers none. */
static void test_lengths_and_exact_integers(void **state)
{
	(void)state;
	static const char text[] = "{\"a\":\"x\\u0000y\",\"b\":\"\",\"c\":\"caf\\u00e9\","
				   "\"d\":1234567890123456099,\"e\":-9007199254740993,"
				   "\"f\":9007199254740991,\"g\":1.5e300,\"h\":12345678901234567890.5,"
				   "\"i\":-0,\"j\":9007199254740992}";
	cJSON *root = parse_len(text, sizeof text - 1);
	assert_non_null(root);
	cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "a");
	assert_int_equal(v->valueint, 3);
	assert_memory_equal(v->valuestring, "x\0y", 4);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(root, "b")->valueint, 0);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(root, "c")->valueint, 5);
	v = cJSON_GetObjectItemCaseSensitive(root, "d");
	assert_string_equal(v->valuestring, "1234567890123456099");
	assert_true(v->valuedouble == 1234567890123456099.0);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(root, "e")->valuestring,
			    "-9007199254740993");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(root, "j")->valuestring,
			    "9007199254740992");
	assert_null(cJSON_GetObjectItemCaseSensitive(root, "f")->valuestring); /* below 2^53 */
	assert_null(cJSON_GetObjectItemCaseSensitive(root, "g")->valuestring); /* exponent */
	assert_null(cJSON_GetObjectItemCaseSensitive(root, "h")->valuestring); /* fraction */
	assert_null(cJSON_GetObjectItemCaseSensitive(root, "i")->valuestring);
	assert_false(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, "d")));
	pool_clear(the_pool());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agrees_with_cjson),
		cmocka_unit_test(test_numbers_match_strtod),
		cmocka_unit_test(test_refuses_what_is_not_json),
		cmocka_unit_test(test_nesting_limit),
		cmocka_unit_test(test_allocation_failure),
		cmocka_unit_test(test_strings_at_every_offset),
		cmocka_unit_test(test_plain_run),
		cmocka_unit_test(test_strings_are_copies),
		cmocka_unit_test(test_lengths_and_exact_integers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
