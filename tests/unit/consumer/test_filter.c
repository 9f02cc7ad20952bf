/* test_filter: --filter parsing, errors and semantics on records. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consumer/filter.h"
#include "ktrio/number.h"
#include "ktrio/record.h"

/* Whether the record (JSON text) passes the filter made of the given
 * expressions (NULL-terminated); each expression must be accepted. */
static bool passes(const char *json, const char *expr, ...)
{
	kt_filter *f = kt_filter_new();
	assert_non_null(f);
	char err[256] = "";
	va_list ap;
	va_start(ap, expr);
	for (const char *e = expr; e; e = va_arg(ap, const char *)) {
		if (kt_filter_add(f, e, err, sizeof err) != 0)
			fail_msg("'%s' refused: %s", e, err);
	}
	va_end(ap);
	cJSON *rec = cJSON_Parse(json);
	if (!rec)
		fail_msg("bad test JSON: %s", json);
	bool ok = kt_filter_match(f, rec);
	cJSON_Delete(rec);
	kt_filter_free(f);
	return ok;
}

#define PASS(json, ...) assert_true(passes(json, __VA_ARGS__, (char *)NULL))
#define DROP(json, ...) assert_false(passes(json, __VA_ARGS__, (char *)NULL))

/* The expression is refused with exactly this message; the filter keeps
 * what it had. */
static void refused(const char *expr, const char *want)
{
	kt_filter *f = kt_filter_new();
	char err[512] = "";
	assert_int_equal(kt_filter_add(f, "keep=1", err, sizeof err), 0);
	assert_int_equal(kt_filter_add(f, expr, err, sizeof err), -1);
	assert_string_equal(err, want);
	cJSON *rec = cJSON_Parse("{\"keep\":1}");
	assert_true(kt_filter_match(f, rec));
	cJSON_Delete(rec);
	rec = cJSON_Parse("{\"keep\":2}");
	assert_false(kt_filter_match(f, rec));
	cJSON_Delete(rec);
	kt_filter_free(f);
}

static void test_lifecycle(void **state)
{
	(void)state;
	kt_filter_free(NULL);
	assert_true(kt_filter_match(NULL, NULL));

	kt_filter *f = kt_filter_new();
	assert_non_null(f);
	/* Empty filter: everything passes, even no record at all. */
	assert_true(kt_filter_match(f, NULL));
	cJSON *rec = cJSON_Parse("{\"a\":1}");
	assert_true(kt_filter_match(f, rec));
	char err[128];
	assert_int_equal(kt_filter_add(f, "a=1", err, sizeof err), 0);
	assert_int_equal(kt_filter_add(f, "a~^1$", err, sizeof err), 0);
	assert_int_equal(kt_filter_add(f, "a!~x", err, sizeof err), 0);
	/* The expression is copied. */
	char buf[] = "a<5";
	assert_int_equal(kt_filter_add(f, buf, err, sizeof err), 0);
	memcpy(buf, "a>5", 4);
	assert_true(kt_filter_match(f, rec));
	cJSON_Delete(rec);
	kt_filter_free(f);
}

static void test_each_operator(void **state)
{
	(void)state;
	const char *r = "{\"n\":5,\"s\":\"abc\"}";
	PASS(r, "s~b");
	DROP(r, "s~x");
	PASS(r, "s!~x");
	DROP(r, "s!~b");
	PASS(r, "s=abc");
	DROP(r, "s=ab");
	PASS(r, "s!=ab");
	DROP(r, "s!=abc");
	PASS(r, "n>4");
	DROP(r, "n>5");
	PASS(r, "n<6");
	DROP(r, "n<5");
	PASS(r, "n>=5");
	DROP(r, "n>=5.5");
	PASS(r, "n<=5");
	DROP(r, "n<=4.999");
}

static void test_longest_match(void **state)
{
	(void)state;
	/* "a!=1" is a != 1, not field "a!" = 1. */
	PASS("{\"a\":2}", "a!=1");
	DROP("{\"a\":1}", "a!=1");
	DROP("{\"a!\":1,\"a\":1}", "a!=1");
	/* "a!~x" is a !~ x, not field "a!" ~ x. */
	DROP("{\"a\":\"x\"}", "a!~x");
	PASS("{\"a\":\"y\"}", "a!~x");
	/* ">=" and "<=" are one operator each, not > "=5" (which is no
	 * number and would be refused). */
	PASS("{\"a\":5}", "a>=5");
	PASS("{\"a\":5}", "a<=5");
	DROP("{\"a\":6}", "a<=5");
}

static void test_first_operator(void **state)
{
	(void)state;
	/* The first operator splits; later ones belong to the operand. */
	PASS("{\"a\":\"b=c\"}", "a=b=c");
	PASS("{\"a\":\"b~c\"}", "a=b~c");
	PASS("{\"a\":\"=3\"}", "a==3");
	PASS("{\"url\":\"x?a=1\"}", "url~\\?a=1$");
	PASS("{\"a\":\"x<y\"}", "a~<");
	PASS("{\"a\":\"<\"}", "a!=>");
	/* A '!' not followed by ~ or = is part of the field name. */
	PASS("{\"a!b\":1}", "a!b=1");
	PASS("{\"!a\":1}", "!a=1");
	/* Nothing is trimmed. */
	DROP("{\"a\":1}", "a = 1");
	PASS("{\"a \":\" 1\"}", "a = 1");
	/* Empty operands for = and ~ are values too. */
	PASS("{\"a\":\"\"}", "a=");
	DROP("{\"a\":\"x\"}", "a=");
	PASS("{\"a\":\"x\"}", "a~");
	DROP("{\"a\":\"x\"}", "a!~");
}

static void test_bad_expressions(void **state)
{
	(void)state;
	const char *ops = "(expected one of ~ !~ = != > < >= <=)";
	char want[256];
	snprintf(want, sizeof want, "filter 'name': no operator %s", ops);
	refused("name", want);
	snprintf(want, sizeof want, "filter '': no operator %s", ops);
	refused("", want);
	snprintf(want, sizeof want, "filter 'a!b': no operator %s", ops);
	refused("a!b", want);

	refused("=x", "filter '=x': empty field name");
	refused("~x", "filter '~x': empty field name");
	refused("!=x", "filter '!=x': empty field name");
	refused("!~x", "filter '!~x': empty field name");
	refused(">=1", "filter '>=1': empty field name");
	refused("<1", "filter '<1': empty field name");

	refused("n>", "filter 'n>': missing number after '>'");
	refused("n<", "filter 'n<': missing number after '<'");
	refused("n>=", "filter 'n>=': missing number after '>='");
	refused("n<=", "filter 'n<=': missing number after '<='");

	refused("n>abc", "filter 'n>abc': not a number 'abc' after '>'");
	refused("n<1x", "filter 'n<1x': not a number '1x' after '<'");
	refused("n>= 1", "filter 'n>= 1': not a number ' 1' after '>='");
	refused("n<=1 ", "filter 'n<=1 ': not a number '1 ' after '<='");
	refused("n>0x10", "filter 'n>0x10': not a number '0x10' after '>'");
	refused("n>inf", "filter 'n>inf': not a number 'inf' after '>'");
	refused("n>nan", "filter 'n>nan': not a number 'nan' after '>'");
	refused("n>-", "filter 'n>-': not a number '-' after '>'");
	refused("n>1e", "filter 'n>1e': not a number '1e' after '>'");
	refused("n>=<3", "filter 'n>=<3': not a number '<3' after '>='");
	refused("n>1e999", "filter 'n>1e999': number out of range '1e999'");

	/* Accepted numbers. */
	PASS("{\"n\":-2.5}", "n>-3", "n<-2", "n>=-2.5e0", "n<=+.0", "n>-1E1");
}

/* PCRE2's own message and offset for a pattern. */
static void pcre2_says(const char *pattern, char *msg, size_t size,
		       size_t *offset)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
				       PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code,
				       &off, NULL);
	assert_null(re);
	assert_true(pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, size) > 0);
	*offset = off;
}

static void test_bad_regex(void **state)
{
	(void)state;
	refused("name~(ab",
		"filter 'name~(ab': missing closing parenthesis at offset 3");
	refused("name!~(ab",
		"filter 'name!~(ab': missing closing parenthesis at offset 3");

	const char *cases[][2] = {
		{"x~a)b", "a)b"},
		{"x~[z-a]", "[z-a]"},
		{"x~a{2,1}", "a{2,1}"},
		{"x~\\", "\\"},
		{"x~ab\xff", "ab\xff"}, /* not UTF-8: refused with PCRE2_UTF */
		{"x!~(?<n", "(?<n"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char msg[256], want[512];
		size_t off;
		pcre2_says(cases[i][1], msg, sizeof msg, &off);
		snprintf(want, sizeof want, "filter '%s': %s at offset %zu",
			 cases[i][0], msg, off);
		refused(cases[i][0], want);
	}
}

static void test_error_buffer(void **state)
{
	(void)state;
	kt_filter *f = kt_filter_new();
	char small[12];
	memset(small, 'x', sizeof small);
	assert_int_equal(kt_filter_add(f, "name~(ab", small, sizeof small), -1);
	assert_string_equal(small, "filter 'nam");
	/* err may be NULL. */
	assert_int_equal(kt_filter_add(f, "name", NULL, 0), -1);
	assert_int_equal(kt_filter_add(f, NULL, NULL, 0), -1);
	assert_int_equal(kt_filter_add(f, "a=1", NULL, 0), 0);
	/* Only a=1 was added. */
	cJSON *one = cJSON_Parse("{\"a\":1}"), *two = cJSON_Parse("{\"a\":2}");
	assert_true(kt_filter_match(f, one));
	assert_false(kt_filter_match(f, two));
	cJSON_Delete(one);
	cJSON_Delete(two);
	kt_filter_free(f);
}

static void test_equals_strings(void **state)
{
	(void)state;
	const char *r = "{\"s\":\"Hello\",\"e\":\"\",\"d\":\"3\",\"u\":\"caf\\u00e9\"}";
	PASS(r, "s=Hello");
	DROP(r, "s=hello"); /* exact: case matters */
	DROP(r, "s=Hell");  /* no prefix match */
	DROP(r, "s=Hello ");
	PASS(r, "s!=hello");
	PASS(r, "e=");
	DROP(r, "e!=");
	/* A string holding digits is compared as a string. */
	PASS(r, "d=3");
	DROP(r, "d=3.0");
	PASS(r, "d!=03");
	PASS(r, "u=café");
}

static void test_equals_numbers(void **state)
{
	(void)state;
	PASS("{\"quantity\":3}", "quantity=3");
	PASS("{\"quantity\":3.0}", "quantity=3");
	PASS("{\"quantity\":3}", "quantity=3.0");
	PASS("{\"quantity\":3}", "quantity=3e0");
	PASS("{\"quantity\":3}", "quantity=+3");
	PASS("{\"quantity\":300}", "quantity=3e2");
	DROP("{\"quantity\":3.5}", "quantity=3");
	PASS("{\"quantity\":3.5}", "quantity!=3");
	DROP("{\"quantity\":3}", "quantity!=3.0");
	PASS("{\"x\":-0.5}", "x=-.5");
	PASS("{\"x\":0}", "x=-0");
	/* A VALUE that is no number never equals a number. */
	DROP("{\"quantity\":3}", "quantity=three");
	DROP("{\"quantity\":3}", "quantity= 3");
	DROP("{\"quantity\":16}", "quantity=0x10");
	PASS("{\"quantity\":3}", "quantity!=three");
}

static void test_equals_bool_null_other(void **state)
{
	(void)state;
	const char *r = "{\"t\":true,\"f\":false,\"z\":null,\"a\":[1],\"o\":{}}";
	PASS(r, "t=true");
	DROP(r, "t=false");
	DROP(r, "t=1");
	DROP(r, "t=TRUE");
	PASS(r, "t!=false");
	PASS(r, "f=false");
	DROP(r, "f!=false");
	PASS(r, "z=null");
	DROP(r, "z=");
	DROP(r, "z=NULL");
	PASS(r, "z!=x");
	DROP(r, "z!=null");
	/* Arrays and objects equal nothing. */
	DROP(r, "a=[1]");
	DROP(r, "a=1");
	PASS(r, "a!=[1]");
	DROP(r, "o={}");
	PASS(r, "o!={}");
	/* A string "true" or "null" is a string. */
	PASS("{\"t\":\"true\",\"z\":\"null\"}", "t=true", "z=null");
}

static void test_missing_fields(void **state)
{
	(void)state;
	const char *r = "{\"a\":1}";
	DROP(r, "b=1");
	PASS(r, "b!=1");
	DROP(r, "b~.*");
	DROP(r, "b~");
	PASS(r, "b!~x");
	PASS(r, "b!~.*");
	DROP(r, "b>0");
	DROP(r, "b<0");
	DROP(r, "b>=0");
	DROP(r, "b<=0");
	/* Keys are case-sensitive. */
	DROP(r, "A=1");

	/* No record, or a record that is no object: no fields. */
	kt_filter *f = kt_filter_new();
	char err[128];
	assert_int_equal(kt_filter_add(f, "a!=1", err, sizeof err), 0);
	assert_true(kt_filter_match(f, NULL));
	cJSON *arr = cJSON_Parse("[{\"a\":1}]");
	assert_true(kt_filter_match(f, arr));
	cJSON_Delete(arr);
	assert_int_equal(kt_filter_add(f, "a=1", err, sizeof err), 0);
	assert_false(kt_filter_match(f, NULL));
	kt_filter_free(f);
}

static void test_regex_strings(void **state)
{
	(void)state;
	const char *r = "{\"name\":\"order-42\",\"path\":\"/api/v1/users\"}";
	PASS(r, "name~order");
	PASS(r, "name~-4");     /* unanchored search */
	DROP(r, "name~^42");
	PASS(r, "name~^order-\\d+$");
	DROP(r, "name~ORDER");
	PASS(r, "name~(?i)ORDER");
	PASS(r, "path~^/api/v[0-9]+/");
	PASS(r, "path!~^/admin");
	DROP(r, "path!~users$");
	/* Capture groups beyond what the shared match data holds still match. */
	PASS(r, "name~(o)(r)(d)(e)(r)-(4)(2)");
	PASS(r, "name!~(x)(y)|(z)");
	/* Empty string value. */
	PASS("{\"e\":\"\"}", "e~^$");
	DROP("{\"e\":\"\"}", "e~.");
}

static void test_regex_numbers_bools(void **state)
{
	(void)state;
	PASS("{\"n\":3.0}", "n~^3$"); /* printed as the output prints it: "3" */
	DROP("{\"n\":3.0}", "n~\\.");
	PASS("{\"n\":-17}", "n~^-17$");
	PASS("{\"n\":2.5}", "n~^2\\.5$");
	PASS("{\"n\":1e3}", "n~^1000$");
	PASS("{\"n\":-0.0}", "n~^0$"); /* equal to 0, as group keys */
	PASS("{\"n\":0.1}", "n~^0\\.1$");
	PASS("{\"n\":1e20}", "n~^100000000000000000000$");
	PASS("{\"n\":1e21}", "n~^1e\\+21$");
	PASS("{\"n\":0.30000000000000004}", "n~^0\\.30000000000000004$");
	PASS("{\"n\":12345678901}", "n~^12345678901$");
	PASS("{\"n\":42}", "n!~^4$");
	PASS("{\"b\":true}", "b~^true$");
	PASS("{\"b\":false}", "b~^false$", "b!~true");
	/* null, arrays and objects have no text. */
	DROP("{\"z\":null}", "z~null");
	PASS("{\"z\":null}", "z!~null");
	DROP("{\"a\":[\"x\"]}", "a~x");
	PASS("{\"a\":[\"x\"]}", "a!~x");
	DROP("{\"o\":{\"k\":\"x\"}}", "o~x");
}

/* Number text must be what the output prints (kt_number_format, -0 as 0),
 * for any double: what a user sees in a key is what a regex sees. */
static void check_number_text(double d)
{
	cJSON *rec = cJSON_CreateObject();
	assert_non_null(rec);
	assert_non_null(cJSON_AddNumberToObject(rec, "n", d));
	char text[KT_NUMBER_MAX];
	kt_number_format(d == 0 ? 0.0 : d, text);
	char expr[128], err[256];
	snprintf(expr, sizeof expr, "n~^\\Q%s\\E$", text);
	kt_filter *f = kt_filter_new();
	assert_int_equal(kt_filter_add(f, expr, err, sizeof err), 0);
	if (!kt_filter_match(f, rec))
		fail_msg("%.17g printed as %s, no match", d, text);
	kt_filter_free(f);
	cJSON_Delete(rec);
}

static void test_number_text_like_output(void **state)
{
	(void)state;
	const double fixed[] = {0,
				-0.0,
				1,
				-1,
				0.5,
				1.0 / 3,
				2147483647.0,
				2147483648.0,
				-2147483648.0,
				-2147483649.0,
				999999999999999.0,
				1e15,
				1234567890123456.0,
				9007199254740993.0,
				1e300,
				-1e-300,
				5e-324,
				1.7976931348623157e308,
				0.1 + 0.2,
				123.456};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		check_number_text(fixed[i]);
	/* And a spread of arbitrary finite bit patterns. */
	uint64_t x = 0x9e3779b97f4a7c15u;
	for (int i = 0; i < 5000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		double d;
		memcpy(&d, &x, sizeof d);
		if (d != d || d - d != 0) /* NaN or infinite: not JSON */
			continue;
		check_number_text(d);
		check_number_text((double)(int64_t)(x >> 12) / 1000);
	}
}

static void test_ordered(void **state)
{
	(void)state;
	const char *r = "{\"n\":10,\"f\":-1.5,\"s\":\"10\",\"b\":true,\"z\":null,"
			"\"a\":[10],\"big\":1e300}";
	PASS(r, "n>9.99", "n<10.01", "n>=10", "n<=10", "n>=1e1");
	DROP(r, "n>10");
	DROP(r, "n<10");
	PASS(r, "f<-1", "f>-2", "f<=-1.5", "f>=-1.5");
	PASS(r, "big>1e299");
	/* Only numbers compare: every other type drops the record. */
	const char *fields[] = {"s", "b", "z", "a"};
	const char *ops[] = {">", "<", ">=", "<="};
	for (size_t i = 0; i < 4; i++)
		for (size_t j = 0; j < 4; j++) {
			char e1[32], e2[32];
			snprintf(e1, sizeof e1, "%s%s-1e300", fields[i], ops[j]);
			snprintf(e2, sizeof e2, "%s%s1e300", fields[i], ops[j]);
			DROP(r, e1);
			DROP(r, e2);
		}
}

static void test_and(void **state)
{
	(void)state;
	const char *r = "{\"category\":\"books\",\"price\":12.5,\"qty\":3}";
	PASS(r, "category=books", "price>10", "qty<=3", "category~^b");
	DROP(r, "category=books", "price>10", "qty<3");
	DROP(r, "category=toys", "price>10");
	DROP(r, "price>10", "category!~oo");
	PASS(r, "price>10", "price<20"); /* a range on one field */
	DROP(r, "price>10", "price<12");

	/* One filter, many records: the shared match data is reused. */
	kt_filter *f = kt_filter_new();
	char err[128];
	assert_int_equal(kt_filter_add(f, "k~^a", err, sizeof err), 0);
	assert_int_equal(kt_filter_add(f, "k!~z$", err, sizeof err), 0);
	assert_int_equal(kt_filter_add(f, "v>=0", err, sizeof err), 0);
	const char *recs[] = {"{\"k\":\"ab\",\"v\":1}", "{\"k\":\"az\",\"v\":1}",
			      "{\"k\":\"ba\",\"v\":1}", "{\"k\":\"ab\",\"v\":-1}",
			      "{\"k\":\"a\",\"v\":0}"};
	const bool want[] = {true, false, false, false, true};
	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < 5; i++) {
			cJSON *rec = cJSON_Parse(recs[i]);
			assert_int_equal(kt_filter_match(f, rec), want[i]);
			cJSON_Delete(rec);
		}
	kt_filter_free(f);
}

static void test_unicode(void **state)
{
	(void)state;
	const char *r = "{\"city\":\"Zürich\",\"word\":\"\\u03b1\\u03b2\\u03b3\","
			"\"emoji\":\"\xf0\x9f\x8d\x95 pizza\"}";
	PASS(r, "city~^Zürich$");
	PASS(r, "city~^Z.rich$");      /* . is one character, not one byte */
	PASS(r, "city~^.{6}$");
	PASS(r, "city~(?i)^ZÜRICH$");  /* caseless beyond ASCII */
	PASS(r, "city~^Z\\x{fc}rich$");
	PASS(r, "word~^\\p{Greek}+$");
	PASS(r, "word~^[α-ω]{3}$");
	DROP(r, "word~\\p{Latin}");
	PASS(r, "emoji~^. pizza$");
	PASS(r, "emoji~\\x{1F355}");
	PASS(r, "city=Zürich", "word=αβγ");
}

static void test_invalid_utf8_value(void **state)
{
	(void)state;
	/* cJSON keeps raw bytes; the record decoder may refuse such values,
	 * but the filter must not depend on it. */
	const char *r = "{\"s\":\"ab\xff\xfe" "cd\",\"bad\":\"\xc3\x28\",\"lone\":\"\x80\"}";
	cJSON *rec = cJSON_Parse(r);
	assert_non_null(rec);
	assert_string_equal(cJSON_GetObjectItem(rec, "s")->valuestring,
			    "ab\xff\xfe" "cd");
	cJSON_Delete(rec);
	/* The valid parts still match; invalid bytes match nothing. */
	PASS(r, "s~^ab");
	PASS(r, "s~cd$");
	DROP(r, "s~^ab.");
	DROP(r, "s~abcd");
	DROP(r, "lone~.");
	PASS(r, "lone!~.");
	PASS(r, "bad~\\(");
	DROP(r, "bad~^\\x{c3}");
	/* Exact comparison is on bytes. */
	PASS(r, "lone=\x80");
	PASS(r, "s!=abcd");
}

static void test_dotted_paths(void **state)
{
	(void)state;
	const char *r = "{\"user\":{\"id\":7,\"name\":\"ann\",\"geo\":{\"cc\":\"CH\"}},"
			"\"n\":5,\"list\":[1]}";
	PASS(r, "user.id=7", "user.id>5", "user.name~^an", "user.geo.cc=CH");
	DROP(r, "user.id=8");
	DROP(r, "user.age=1");
	PASS(r, "user.age!=1");
	DROP(r, "nobody.id=7");
	PASS(r, "nobody.id!=7");
	DROP(r, "n.x=5");          /* through a number */
	DROP(r, "list.0=1");       /* arrays are not indexed */
	DROP(r, "user.geo=CH");    /* an object equals nothing */
	DROP(r, "user.id.x>0");
	/* Malformed paths are only ever top-level keys. */
	DROP(r, "user.=7");
	DROP(r, ".user=7");
	DROP(r, "user..id=7");
	PASS("{\"user.\":1}", "user.=1");
	/* A top-level key with dots wins over the path. */
	const char *both = "{\"a.b\":1,\"a\":{\"b\":2}}";
	PASS(both, "a.b=1");
	DROP(both, "a.b=2");
	PASS("{\"a\":{\"b\":2}}", "a.b=2");
}

/* A copy holds the same expressions (the tricky splits included) and
 * lives on after the original is freed; a copy of NULL keeps everything. */
static void test_copy(void **state)
{
	(void)state;
	static const char *const exprs[] = {"a=b=c", "n!=1", "t~^x.*y$", "u.v>=2.5",
					    "w!~\\d", "k<10"};
	static const char *const records[] = {
		"{\"a\":\"b=c\",\"n\":2,\"t\":\"xzy\",\"u\":{\"v\":3},\"w\":\"q\",\"k\":9}",
		"{\"a\":\"b\",\"n\":2,\"t\":\"xzy\",\"u\":{\"v\":3},\"w\":\"q\",\"k\":9}",
		"{\"a\":\"b=c\",\"n\":1,\"t\":\"xzy\",\"u\":{\"v\":3},\"w\":\"q\",\"k\":9}",
		"{\"a\":\"b=c\",\"n\":2,\"t\":\"xz\",\"u\":{\"v\":3},\"w\":\"q\",\"k\":9}",
		"{\"a\":\"b=c\",\"n\":2,\"t\":\"xzy\",\"u\":{\"v\":2},\"w\":\"q\",\"k\":9}",
		"{\"a\":\"b=c\",\"n\":2,\"t\":\"xzy\",\"u\":{\"v\":3},\"w\":\"q1\",\"k\":9}",
		"{\"a\":\"b=c\",\"n\":2,\"t\":\"xzy\",\"u\":{\"v\":3},\"w\":\"q\",\"k\":10}",
	};
	kt_filter *f = kt_filter_new();
	char err[256];
	for (size_t i = 0; i < sizeof exprs / sizeof *exprs; i++)
		assert_int_equal(kt_filter_add(f, exprs[i], err, sizeof err), 0);
	kt_filter *c = kt_filter_copy(f);
	assert_non_null(c);
	bool want[sizeof records / sizeof *records];
	for (size_t i = 0; i < sizeof records / sizeof *records; i++) {
		cJSON *rec = cJSON_Parse(records[i]);
		assert_non_null(rec);
		want[i] = kt_filter_match(f, rec);
		/* Only the first record passes every expression. */
		assert_int_equal(want[i], i == 0);
		cJSON_Delete(rec);
	}
	kt_filter_free(f);
	for (size_t i = 0; i < sizeof records / sizeof *records; i++) {
		cJSON *rec = cJSON_Parse(records[i]);
		assert_int_equal(kt_filter_match(c, rec), want[i]);
		cJSON_Delete(rec);
	}
	kt_filter_free(c);
	kt_filter *none = kt_filter_copy(NULL);
	assert_non_null(none);
	cJSON *rec = cJSON_Parse(records[1]);
	assert_true(kt_filter_match(none, rec));
	cJSON_Delete(rec);
	kt_filter_free(none);
}

/* Through the consumer's parser: an id above 2^53 matches its own digits
 * only (= and ~), and a string with a NUL is not its prefix. */
static void test_exact_values(void **state)
{
	(void)state;
	kt_record_arena arena;
	kt_record_arena_init(&arena);
	static const struct {
		const char *json, *expr;
		bool match;
	} cases[] = {
		{"{\"id\":1234567890123456099}", "id=1234567890123456099", true},
		{"{\"id\":1234567890123456099}", "id=1234567890123456098", false},
		{"{\"id\":1234567890123456099}", "id!=1234567890123456098", true},
		{"{\"id\":1234567890123456099}", "id~^1234567890123456099$", true},
		{"{\"id\":1234567890123456099}", "id~e\\+", false},
		{"{\"id\":1234567890123456099}", "id>1234567890123455000", true}, /* as doubles */
		{"{\"id\":9007199254740993}", "id=9007199254740992", false},
		{"{\"id\":9007199254740993.0}", "id=9007199254740992", true}, /* a double */
		{"{\"s\":\"a\\u0000b\"}", "s=a", false},
		{"{\"s\":\"a\\u0000b\"}", "s~^a$", false},
		{"{\"s\":\"a\\u0000b\"}", "s~b$", true},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		enum kt_invalid why;
		cJSON *rec = kt_record_decode(&arena, cases[i].json, strlen(cases[i].json), 1 << 20, &why);
		assert_non_null(rec);
		kt_filter *f = kt_filter_new();
		char err[256];
		assert_int_equal(kt_filter_add(f, cases[i].expr, err, sizeof err), 0);
		if (kt_filter_match(f, rec) != cases[i].match)
			fail_msg("%s on %s: want %d", cases[i].expr, cases[i].json, cases[i].match);
		kt_filter_free(f);
		kt_record_arena_reset(&arena);
	}
	kt_record_arena_release(&arena);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_each_operator),
		cmocka_unit_test(test_longest_match),
		cmocka_unit_test(test_first_operator),
		cmocka_unit_test(test_bad_expressions),
		cmocka_unit_test(test_bad_regex),
		cmocka_unit_test(test_error_buffer),
		cmocka_unit_test(test_equals_strings),
		cmocka_unit_test(test_equals_numbers),
		cmocka_unit_test(test_equals_bool_null_other),
		cmocka_unit_test(test_missing_fields),
		cmocka_unit_test(test_regex_strings),
		cmocka_unit_test(test_regex_numbers_bools),
		cmocka_unit_test(test_number_text_like_output),
		cmocka_unit_test(test_exact_values),
		cmocka_unit_test(test_ordered),
		cmocka_unit_test(test_and),
		cmocka_unit_test(test_unicode),
		cmocka_unit_test(test_invalid_utf8_value),
		cmocka_unit_test(test_dotted_paths),
		cmocka_unit_test(test_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
