/* test_schema: schema files: every type and distribution parsed into the
 * right draw, the built-in templates, and each kind of bad file refused
 * with a message naming the field and the problem. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "generator/schema.h"

#define TEMPLATES KT_SOURCE_DIR "/templates"

/* The test's JSON is written with ' for ", to stay readable in C. */
static char *dq(const char *text)
{
	char *s = strdup(text);
	assert_non_null(s);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	return s;
}

/* Write text (with ' for ") to a temporary file and load it. */
static kt_schema *load_text(const char *text, char *err, size_t errlen)
{
	char path[] = "/tmp/kt-test-schema-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	char *json = dq(text);
	size_t len = strlen(json);
	assert_int_equal(write(fd, json, len), (ssize_t)len);
	close(fd);
	free(json);
	err[0] = '\0';
	kt_schema *s = kt_schema_load(path, err, errlen);
	unlink(path);
	return s;
}

/* A schema of the given fields (the text inside "fields": [...]). */
static kt_schema *load_fields(const char *fields, char *err, size_t errlen)
{
	char text[8192];
	snprintf(text, sizeof text, "{'name': 't', 'fields': [%s]}", fields);
	return load_text(text, err, errlen);
}

static kt_schema *must_load_fields(const char *fields)
{
	char err[512];
	kt_schema *s = load_fields(fields, err, sizeof err);
	if (!s)
		fail_msg("schema refused: %s", err);
	return s;
}

static const kt_field *field(const kt_schema *s, const char *name)
{
	int i = kt_schema_field(s, name);
	assert_true(i >= 0);
	return &s->fields[i];
}

static void test_builtins_load(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		const char *fields[6];
	} want[] = {
		{"orders", {"category", "name", "price", "quantity", "user", NULL}},
		{"sensors", {"kind", "device", "temperature", "humidity", "battery", NULL}},
		{"clicks", {"user", "page", "referrer", "duration_ms", "mobile", NULL}},
	};
	for (size_t t = 0; t < sizeof want / sizeof *want; t++) {
		char err[512] = "";
		kt_schema *s = kt_schema_load_builtin(want[t].name, TEMPLATES, err, sizeof err);
		if (!s)
			fail_msg("%s: %s", want[t].name, err);
		assert_string_equal(s->name, want[t].name);
		size_t n = 0;
		for (; want[t].fields[n]; n++)
			assert_string_equal(s->fields[n].name, want[t].fields[n]);
		assert_int_equal(s->nfields, n);
		kt_schema_free(s);
	}
}

static void test_orders_shape(void **state)
{
	(void)state;
	char err[512];
	kt_schema *s = kt_schema_load_builtin("orders", TEMPLATES, err, sizeof err);
	assert_non_null(s);
	const kt_field *cat = field(s, "category"), *price = field(s, "price");
	const kt_field *name = field(s, "name"), *user = field(s, "user");
	assert_int_equal(cat->type, KT_FIELD_ENUM);
	assert_int_equal(price->type, KT_FIELD_FLOAT);
	assert_int_equal(price->decimals, 2);
	/* price and name depend on the category: one case per category */
	assert_int_equal(price->by, kt_schema_field(s, "category"));
	assert_int_equal(price->ncases, cat->draw.nvalues);
	assert_int_equal(name->by, kt_schema_field(s, "category"));
	for (size_t i = 0; i < price->ncases; i++) {
		assert_int_equal(price->cases[i].dist, KT_DIST_NORMAL);
		assert_true(name->cases[i].nvalues > 0);
	}
	assert_int_equal(user->type, KT_FIELD_STRING);
	assert_string_equal(user->draw.prefix, "user-");
	assert_int_equal(user->draw.dist, KT_DIST_ZIPF);
	assert_true(user->draw.a == 1000);
	kt_schema_free(s);
}

static void test_builtin_errors(void **state)
{
	(void)state;
	char err[512];
	assert_null(kt_schema_load_builtin("bogus", TEMPLATES, err, sizeof err));
	assert_non_null(strstr(err, "'bogus'"));
	assert_non_null(strstr(err, "orders, sensors or clicks"));
	assert_null(kt_schema_load_builtin("orders", "/nonexistent", err, sizeof err));
	assert_non_null(strstr(err, "cannot open schema '/nonexistent/orders.json'"));
	assert_null(kt_schema_load("/nonexistent/x.json", err, sizeof err));
	assert_string_equal(err, "cannot open schema '/nonexistent/x.json': No such file or directory");
	kt_schema_free(NULL);
}

static void test_numeric_types(void **state)
{
	(void)state;
	kt_schema *s = must_load_fields(
		"{'name': 'a', 'type': 'int', 'dist': 'uniform(-5, 10)'},"
		"{'name': 'b', 'type': 'int', 'dist': 'normal(50, 10)', 'min': 0, 'max': 100},"
		"{'name': 'c', 'type': 'int', 'dist': 'zipf(1000, 1.2)'},"
		"{'name': 'd', 'type': 'float', 'dist': 'uniform(0.5, 1.5)', 'decimals': 3},"
		"{'name': 'e', 'type': 'float', 'dist': 'normal(21.5, 1.5)', 'min': 0},"
		"{'name': 'f', 'type': 'float', 'dist': 'zipf(10,2)', 'null': 0.25}");
	const kt_field *f = field(s, "a");
	assert_int_equal(f->type, KT_FIELD_INT);
	assert_int_equal(f->draw.dist, KT_DIST_UNIFORM);
	assert_true(f->draw.a == -5 && f->draw.b == 10);
	assert_int_equal(f->by, -1);
	assert_true(f->null_p == 0);
	assert_int_equal(f->decimals, -1);
	f = field(s, "b");
	assert_int_equal(f->draw.dist, KT_DIST_NORMAL);
	assert_true(f->draw.a == 50 && f->draw.b == 10);
	assert_true(f->draw.has_min && f->draw.min == 0 && f->draw.has_max && f->draw.max == 100);
	f = field(s, "c");
	assert_int_equal(f->draw.dist, KT_DIST_ZIPF);
	assert_int_equal(f->draw.zipf.n, 1000);
	assert_non_null(f->draw.zipf.prob);
	f = field(s, "d");
	assert_int_equal(f->type, KT_FIELD_FLOAT);
	assert_int_equal(f->decimals, 3);
	f = field(s, "e");
	assert_true(f->draw.has_min && !f->draw.has_max);
	f = field(s, "f");
	assert_true(f->null_p == 0.25);
	assert_int_equal(kt_schema_field(s, "nope"), -1);
	assert_int_equal(kt_schema_field(s, "id"), -1);
	kt_schema_free(s);
}

static void test_other_types(void **state)
{
	(void)state;
	kt_schema *s = must_load_fields(
		"{'name': 's1', 'type': 'string', 'values': ['x', 'y', 'z']},"
		"{'name': 's2', 'type': 'string', 'values': ['x', 'y'], 'dist': 'zipf(1.5)'},"
		"{'name': 's3', 'type': 'string', 'values': ['x', 'y'], 'dist': 'zipf(2, 1.5)'},"
		"{'name': 's4', 'type': 'string', 'pattern': 'dev-{}-eu', 'dist': 'uniform(1, 9)'},"
		"{'name': 'b', 'type': 'bool', 'p': 0.1},"
		"{'name': 'b2', 'type': 'bool'},"
		"{'name': 'e', 'type': 'enum', 'values': {'a': 0.5, 'b': 0.25, 'c': 0.25}},"
		"{'name': 'u', 'type': 'uuid', 'null': 1},"
		"{'name': 'n', 'type': 'seq'},"
		"{'name': 't1', 'type': 'timestamp'},"
		"{'name': 't2', 'type': 'timestamp', 'format': 'iso'},"
		"{'name': 't3', 'type': 'timestamp', 'format': 'epoch_ms'},"
		"{'name': 'k', 'type': 'const', 'value': {'region': 'eu', 'n': [1, 2]}}");
	const kt_field *f = field(s, "s1");
	assert_int_equal(f->type, KT_FIELD_STRING);
	assert_int_equal(f->draw.nvalues, 3);
	assert_string_equal(f->draw.values[2], "z");
	assert_int_equal(f->draw.dist, KT_DIST_UNIFORM);
	assert_int_equal(field(s, "s2")->draw.dist, KT_DIST_ZIPF);
	assert_int_equal(field(s, "s3")->draw.zipf.n, 2);
	f = field(s, "s4");
	assert_string_equal(f->draw.prefix, "dev-");
	assert_string_equal(f->draw.suffix, "-eu");
	assert_true(field(s, "b")->p_true == 0.1);
	assert_true(field(s, "b2")->p_true == 0.5);
	f = field(s, "e");
	assert_int_equal(f->type, KT_FIELD_ENUM);
	assert_int_equal(f->draw.nvalues, 3);
	assert_string_equal(f->draw.values[0], "a");
	assert_true(fabs(f->draw.cumulative[0] - 0.5) < 1e-12);
	assert_true(fabs(f->draw.cumulative[1] - 0.75) < 1e-12);
	assert_true(f->draw.cumulative[2] == 1.0);
	assert_int_equal(field(s, "u")->type, KT_FIELD_UUID);
	assert_true(field(s, "u")->null_p == 1);
	assert_int_equal(field(s, "n")->type, KT_FIELD_SEQ);
	assert_false(field(s, "t1")->iso);
	assert_true(field(s, "t2")->iso);
	assert_false(field(s, "t3")->iso);
	f = field(s, "k");
	assert_int_equal(f->type, KT_FIELD_CONST);
	char *v = cJSON_PrintUnformatted(f->value);
	assert_string_equal(v, "{\"region\":\"eu\",\"n\":[1,2]}");
	cJSON_free(v);
	kt_schema_free(s);
}

static void test_by_cases(void **state)
{
	(void)state;
	kt_schema *s = must_load_fields(
		"{'name': 'cat', 'type': 'enum', 'values': {'tv': 0.7, 'pen': 0.3}},"
		"{'name': 'price', 'type': 'float', 'decimals': 2, 'by': 'cat', 'null': 0.1,"
		" 'cases': {'pen': {'dist': 'uniform(1, 3)'},"
		"           'tv': {'dist': 'normal(500, 100)', 'min': 100}}},"
		"{'name': 'qty', 'type': 'int', 'by': 'cat',"
		" 'cases': {'tv': {'dist': 'zipf(3, 2)'}, 'pen': {'dist': 'uniform(1, 20)'}}},"
		"{'name': 'what', 'type': 'string', 'by': 'cat',"
		" 'cases': {'tv': {'values': ['OLED 55', 'LCD 42']},"
		"           'pen': {'pattern': 'pen-{}', 'dist': 'uniform(1, 5)'}}}");
	const kt_field *f = field(s, "price");
	assert_int_equal(f->by, 0);
	assert_int_equal(f->ncases, 2);
	/* cases are stored in the order of the enum's values, not the file's */
	assert_int_equal(f->cases[0].dist, KT_DIST_NORMAL);
	assert_true(f->cases[0].has_min && f->cases[0].min == 100);
	assert_int_equal(f->cases[1].dist, KT_DIST_UNIFORM);
	assert_true(f->null_p == 0.1);
	assert_int_equal(f->decimals, 2);
	f = field(s, "qty");
	assert_int_equal(f->cases[0].dist, KT_DIST_ZIPF);
	f = field(s, "what");
	assert_int_equal(f->cases[0].nvalues, 2);
	assert_string_equal(f->cases[1].prefix, "pen-");
	kt_schema_free(s);
}

static void test_weights_tolerance(void **state)
{
	(void)state;
	/* Sums within 1e-6 of 1 pass, so thirds can be written out. */
	kt_schema *s = must_load_fields(
		"{'name': 'e', 'type': 'enum',"
		" 'values': {'a': 0.3333333, 'b': 0.3333333, 'c': 0.3333334}},"
		"{'name': 'z', 'type': 'enum', 'values': {'a': 1, 'never': 0}}");
	kt_schema_free(s);
	char err[512];
	assert_null(load_fields("{'name': 'e', 'type': 'enum',"
				" 'values': {'a': 0.333, 'b': 0.333, 'c': 0.333}}",
				err, sizeof err));
	assert_non_null(strstr(err, "field 'e': weights sum to 0.999, not 1"));
}

static void test_top_level(void **state)
{
	(void)state;
	char err[512];
	/* name defaults to the origin; description is allowed */
	kt_schema *s = load_text("{'description': 'x', 'fields': [{'name': 'a', 'type': 'seq'}]}",
				 err, sizeof err);
	assert_non_null(s);
	assert_non_null(strstr(s->name, "kt-test-schema-"));
	kt_schema_free(s);
	const char *text = "{\"fields\": [{\"name\": \"a\", \"type\": \"uuid\"}]}";
	s = kt_schema_parse(text, strlen(text), "mem", err, sizeof err);
	assert_non_null(s);
	assert_string_equal(s->name, "mem");
	kt_schema_free(s);
}

/* Each bad schema, and what the message must say. */
static const struct bad {
	const char *fields; /* the fields array's contents; NULL: text is the file */
	const char *text;
	const char *want;
} bad[] = {
	/* types and keys */
	{"{'name': 'a', 'type': 'integer'}", NULL, "field 'a': unknown type 'integer'"},
	{"{'name': 'a', 'type': 3}", NULL, "field 'a': missing 'type'"},
	{"{'name': 'a'}", NULL, "field 'a': missing 'type'"},
	{"{'name': 'qty', 'type': 'int', 'dist': 'uniform(1, 5)', 'maxx': 3}", NULL,
	 "field 'qty': unknown key 'maxx'"},
	{"{'name': 'u', 'type': 'uuid', 'format': 'hex'}", NULL, "field 'u': unknown key 'format'"},
	{"{'name': 'b', 'type': 'bool', 'values': ['x']}", NULL, "field 'b': unknown key 'values'"},
	{"{'name': 'qty', 'type': 'int'}", NULL, "field 'qty': missing 'dist'"},
	{"{'name': 'qty', 'type': 'int', 'dist': 5}", NULL, "field 'qty': missing 'dist'"},
	{"{'name': 'k', 'type': 'const'}", NULL, "field 'k': a const needs 'value'"},
	{"{'type': 'int', 'dist': 'uniform(1, 2)'}", NULL, "fields[0] has no 'name'"},
	{"{'name': 'a', 'type': 'seq'}, {'name': '', 'type': 'seq'}", NULL,
	 "fields[1] has no 'name'"},
	{"{'name': 'a', 'type': 'seq'}, 7", NULL, "fields[1] is not an object"},
	/* names */
	{"{'name': 'a', 'type': 'seq'}, {'name': 'a', 'type': 'uuid'}", NULL,
	 "field 'a': defined twice"},
	{"{'name': 'id', 'type': 'uuid'}", NULL, "field 'id': the name is the event's own"},
	{"{'name': 'run', 'type': 'uuid'}", NULL, "field 'run': the name is the event's own"},
	{"{'name': 'seq', 'type': 'seq'}", NULL, "field 'seq': the name is the event's own"},
	{"{'name': 'ts', 'type': 'timestamp'}", NULL, "field 'ts': the name is the event's own"},
	/* distributions */
	{"{'name': 'qty', 'type': 'int', 'dist': 'uniform(10, 5)'}", NULL,
	 "field 'qty': min 10 > max 5"},
	{"{'name': 'price', 'type': 'float', 'dist': 'normal(7, 1)', 'min': 10, 'max': 5}", NULL,
	 "field 'price': min 10 > max 5"},
	{"{'name': 't', 'type': 'float', 'dist': 'normal(20, -1)'}", NULL,
	 "field 't': negative stddev -1"},
	{"{'name': 'u', 'type': 'int', 'dist': 'zipf(0, 1.1)'}", NULL,
	 "field 'u': zipf n must be an integer from 1 to 10000000"},
	{"{'name': 'u', 'type': 'int', 'dist': 'zipf(2.5, 1.1)'}", NULL,
	 "field 'u': zipf n must be an integer from 1 to 10000000"},
	{"{'name': 'u', 'type': 'int', 'dist': 'zipf(20000000, 1.1)'}", NULL,
	 "field 'u': zipf n must be an integer from 1 to 10000000"},
	{"{'name': 'u', 'type': 'int', 'dist': 'zipf(10, 0)'}", NULL,
	 "field 'u': zipf s must be positive"},
	{"{'name': 'x', 'type': 'int', 'dist': 'poisson(3, 1)'}", NULL,
	 "field 'x': unknown distribution 'poisson(3, 1)' (uniform, normal or zipf)"},
	{"{'name': 'x', 'type': 'int', 'dist': 'normal(1,)'}", NULL,
	 "field 'x': bad distribution 'normal(1,)'"},
	{"{'name': 'x', 'type': 'int', 'dist': 'normal(1 2)'}", NULL,
	 "field 'x': bad distribution 'normal(1 2)'"},
	{"{'name': 'x', 'type': 'int', 'dist': 'normal(1, 2) '}", NULL,
	 "field 'x': bad distribution"},
	{"{'name': 'x', 'type': 'int', 'dist': 'uniform(1)'}", NULL,
	 "field 'x': 'uniform(1)' needs two numbers"},
	{"{'name': 'x', 'type': 'int', 'dist': 'uniform(1, 2, 3)'}", NULL,
	 "field 'x': bad distribution"},
	{"{'name': 'x', 'type': 'int', 'dist': 'uniform(1.5, 3)'}", NULL,
	 "field 'x': uniform bounds of an int must be integers"},
	{"{'name': 'x', 'type': 'int', 'dist': 'normal(5, 1)', 'max': 7.5}", NULL,
	 "field 'x': 'min' and 'max' of an int must be integers"},
	{"{'name': 'x', 'type': 'float', 'dist': 'uniform(1, 3)', 'min': 0}", NULL,
	 "field 'x': 'min' and 'max' clamp a normal"},
	{"{'name': 'x', 'type': 'int', 'dist': 'zipf(5, 1)', 'max': 3}", NULL,
	 "field 'x': 'min' and 'max' clamp a normal only"},
	{"{'name': 'x', 'type': 'float', 'dist': 'normal(5, 1)', 'min': '0'}", NULL,
	 "field 'x': 'min' must be a number"},
	{"{'name': 'x', 'type': 'int', 'dist': 'uniform(0, 1e17)'}", NULL,
	 "field 'x': a parameter is beyond"},
	/* extras */
	{"{'name': 'x', 'type': 'uuid', 'null': 1.5}", NULL,
	 "field 'x': 'null' must be a probability from 0 to 1"},
	{"{'name': 'x', 'type': 'uuid', 'null': '0.1'}", NULL, "field 'x': 'null' must be a number"},
	{"{'name': 'x', 'type': 'bool', 'p': -0.1}", NULL,
	 "field 'x': 'p' must be a probability from 0 to 1"},
	{"{'name': 'x', 'type': 'int', 'dist': 'uniform(1, 2)', 'decimals': 2}", NULL,
	 "field 'x': 'decimals' is an integer from 0 to 15, for floats"},
	{"{'name': 'x', 'type': 'float', 'dist': 'uniform(1, 2)', 'decimals': 16}", NULL,
	 "field 'x': 'decimals' is an integer from 0 to 15, for floats"},
	{"{'name': 'x', 'type': 'float', 'dist': 'uniform(1, 2)', 'decimals': 1.5}", NULL,
	 "field 'x': 'decimals' is an integer from 0 to 15, for floats"},
	{"{'name': 'x', 'type': 'timestamp', 'format': 'unix'}", NULL,
	 "field 'x': 'format' is \"epoch_ms\" or \"iso\""},
	/* strings */
	{"{'name': 's', 'type': 'string'}", NULL,
	 "field 's': a string needs either 'values' or 'pattern'"},
	{"{'name': 's', 'type': 'string', 'values': ['a'], 'pattern': 'x{}', 'dist': 'uniform(1, 2)'}",
	 NULL, "field 's': a string needs either 'values' or 'pattern'"},
	{"{'name': 's', 'type': 'string', 'values': []}", NULL,
	 "field 's': 'values' must be a non-empty array of strings"},
	{"{'name': 's', 'type': 'string', 'values': ['a', 2]}", NULL,
	 "field 's': 'values' must hold strings only"},
	{"{'name': 's', 'type': 'string', 'pattern': 'user-', 'dist': 'uniform(1, 2)'}", NULL,
	 "field 's': 'pattern' must be a string with {} where the number goes"},
	{"{'name': 's', 'type': 'string', 'pattern': 'user-{}'}", NULL, "field 's': missing 'dist'"},
	{"{'name': 's', 'type': 'string', 'values': ['a', 'b'], 'dist': 'zipf(3, 1.1)'}", NULL,
	 "field 's': zipf n 3 differs from the 2 values"},
	{"{'name': 's', 'type': 'string', 'values': ['a', 'b'], 'dist': 'zipf(0)'}", NULL,
	 "field 's': zipf over values needs a positive s"},
	{"{'name': 's', 'type': 'string', 'values': ['a', 'b'], 'dist': 'normal(1, 2)'}", NULL,
	 "field 's': values are drawn by \"uniform\" or \"zipf(s)\""},
	/* enums */
	{"{'name': 'category', 'type': 'enum', 'values': {'a': 0.5, 'b': 0.4}}", NULL,
	 "field 'category': weights sum to 0.9, not 1"},
	{"{'name': 'category', 'type': 'enum', 'values': {'a': 0.7, 'b': 0.7}}", NULL,
	 "field 'category': weights sum to 1.4, not 1"},
	{"{'name': 'e', 'type': 'enum', 'values': {'a': 1.5, 'b': -0.5}}", NULL,
	 "field 'e': weight of 'b' must be a number >= 0"},
	{"{'name': 'e', 'type': 'enum', 'values': {'a': '1'}}", NULL,
	 "field 'e': weight of 'a' must be a number >= 0"},
	{"{'name': 'e', 'type': 'enum', 'values': {'a': 0.5, 'a': 0.5}}", NULL,
	 "field 'e': value 'a' given twice"},
	{"{'name': 'e', 'type': 'enum', 'values': ['a', 'b']}", NULL,
	 "field 'e': an enum needs 'values'"},
	{"{'name': 'e', 'type': 'enum'}", NULL, "field 'e': an enum needs 'values'"},
	/* by and cases */
	{"{'name': 'p', 'type': 'float', 'by': 'c', 'cases': {}}", NULL,
	 "field 'p': 'by' names 'c', which is not an earlier enum field"},
	{"{'name': 'p', 'type': 'float', 'by': 'c', 'cases': {}},"
	 "{'name': 'c', 'type': 'enum', 'values': {'a': 1}}",
	 NULL, "field 'p': 'by' names 'c', which is not an earlier enum field"},
	{"{'name': 'c', 'type': 'seq'}, {'name': 'p', 'type': 'float', 'by': 'c', 'cases': {}}", NULL,
	 "field 'p': 'by' names 'c', which is not an earlier enum field"},
	{"{'name': 'c', 'type': 'enum', 'values': {'a': 1}},"
	 "{'name': 'p', 'type': 'bool', 'by': 'c', 'cases': {'a': {}}}",
	 NULL, "field 'p': 'by' applies to int, float and string fields"},
	{"{'name': 'c', 'type': 'enum', 'values': {'a': 1}},"
	 "{'name': 'p', 'type': 'float', 'by': 'c'}",
	 NULL, "field 'p': 'by' needs 'cases'"},
	{"{'name': 'c', 'type': 'enum', 'values': {'a': 0.5, 'b': 0.5}},"
	 "{'name': 'p', 'type': 'float', 'by': 'c', 'cases': {'a': {'dist': 'uniform(1, 2)'}}}",
	 NULL, "field 'p': no case for 'b' of 'c'"},
	{"{'name': 'c', 'type': 'enum', 'values': {'a': 1}},"
	 "{'name': 'p', 'type': 'float', 'by': 'c', 'cases': {'a': {'dist': 'uniform(1, 2)'},"
	 " 'food': {'dist': 'uniform(1, 2)'}}}",
	 NULL, "field 'p': case 'food' is not a value of 'c'"},
	{"{'name': 'c', 'type': 'enum', 'values': {'a': 1}},"
	 "{'name': 'p', 'type': 'float', 'by': 'c', 'cases': {'a': {'dist': 'uniform(1, 2)'},"
	 " 'a': {'dist': 'uniform(1, 2)'}}}",
	 NULL, "field 'p': case 'a' given twice"},
	{"{'name': 'c', 'type': 'enum', 'values': {'a': 1}},"
	 "{'name': 'p', 'type': 'float', 'by': 'c', 'cases': {'a': 'uniform(1, 2)'}}",
	 NULL, "field 'p': case 'a' must be an object"},
	{"{'name': 'c', 'type': 'enum', 'values': {'a': 1}},"
	 "{'name': 'p', 'type': 'float', 'by': 'c', 'cases': {'a': {'dist': 'uniform(1, 2)', "
	 "'decimals': 2}}}",
	 NULL, "field 'p': unknown key 'decimals' in case 'a'"},
	{"{'name': 'c', 'type': 'enum', 'values': {'a': 1}},"
	 "{'name': 'p', 'type': 'float', 'by': 'c', 'cases': {'a': {'dist': 'uniform(2, 1)'}}}",
	 NULL, "field 'p': min 2 > max 1"},
	{"{'name': 'c', 'type': 'enum', 'values': {'a': 1}},"
	 "{'name': 'p', 'type': 'float', 'dist': 'uniform(1, 2)', 'by': 'c', "
	 "'cases': {'a': {'dist': 'uniform(1, 2)'}}}",
	 NULL, "field 'p': unknown key 'dist'"},
	{"{'name': 'p', 'type': 'float', 'dist': 'uniform(1, 2)', 'cases': {}}", NULL,
	 "field 'p': 'cases' needs 'by'"},
	/* the file as a whole */
	{NULL, "{'name': 't',\n 'fields': [\n  {'name': 'a', 'type': 'seq'},\n  {'name': 'b' 'type': 'uuid'}\n]}",
	 "not valid JSON (near line 4)"},
	{NULL, "", "not valid JSON (near line 1)"},
	{NULL, "[{'name': 'a', 'type': 'seq'}]", "expected an object with \"fields\""},
	{NULL, "{'feilds': [{'name': 'a', 'type': 'seq'}]}", "unknown key 'feilds'"},
	{NULL, "{'fields': []}", "'fields' must be a non-empty array"},
	{NULL, "{'name': 'x'}", "'fields' must be a non-empty array"},
};

static void test_bad_schemas(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char err[512];
		kt_schema *s = bad[i].fields ? load_fields(bad[i].fields, err, sizeof err)
					     : load_text(bad[i].text, err, sizeof err);
		if (s) {
			kt_schema_free(s);
			fail_msg("bad schema %zu accepted: %s", i, bad[i].fields ? bad[i].fields : bad[i].text);
		}
		/* the message names the file first, then the field */
		if (strncmp(err, "schema '/tmp/kt-test-schema-", 28) != 0 || !strstr(err, bad[i].want))
			fail_msg("bad schema %zu: got \"%s\", want \"%s\"", i, err, bad[i].want);
	}
}

/* A const value n arrays deep (the schema is n + 3 deep), after a string
 * of brackets that nest nothing. */
static kt_schema *load_deep_const(int n, char *err, size_t errlen)
{
	char *text = malloc(2 * (size_t)n + 128);
	assert_non_null(text);
	int len = sprintf(text, "{'name': '[[{', 'fields': [{'name': 'c', 'type': 'const', 'value': ");
	for (int i = 0; i < n; i++)
		text[len++] = '[';
	text[len++] = '0';
	for (int i = 0; i < n; i++)
		text[len++] = ']';
	strcpy(text + len, "}]}");
	kt_schema *s = load_text(text, err, errlen);
	free(text);
	return s;
}

static void test_nesting_named(void **state)
{
	(void)state;
	char err[512];
	kt_schema *s = load_deep_const(CJSON_NESTING_LIMIT - 3, err, sizeof err);
	assert_non_null(s);
	kt_schema_free(s);
	assert_null(load_deep_const(999, err, sizeof err));
	if (!strstr(err, "nested 1002 levels deep (line 1), more than the 1000 levels a schema may have"))
		fail_msg("got \"%s\"", err);
}

static void test_error_buffer_truncated(void **state)
{
	(void)state;
	char err[16];
	memset(err, 'x', sizeof err);
	assert_null(load_fields("{'name': 'a', 'type': 'integer'}", err, sizeof err));
	assert_int_equal(strlen(err), sizeof err - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtins_load),
		cmocka_unit_test(test_orders_shape),
		cmocka_unit_test(test_builtin_errors),
		cmocka_unit_test(test_numeric_types),
		cmocka_unit_test(test_other_types),
		cmocka_unit_test(test_by_cases),
		cmocka_unit_test(test_weights_tolerance),
		cmocka_unit_test(test_top_level),
		cmocka_unit_test(test_bad_schemas),
		cmocka_unit_test(test_nesting_named),
		cmocka_unit_test(test_error_buffer_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
