/* test_event: the generator's events: their shape, seeded reproducibility,
 * the statistics of 100k events against the schema's declared parameters,
 * number formatting, nulls and message keys. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generator/event.h"
#include "generator/schema.h"

#define TEMPLATES KT_SOURCE_DIR "/templates"
#define TS0 1767225600000LL /* 2026-01-01T00:00:00Z */
#define N 100000

/* Parse a schema written with ' for ". */
static kt_schema *schema_of(const char *text)
{
	char *json = strdup(text), err[512];
	assert_non_null(json);
	for (char *p = json; *p; p++)
		if (*p == '\'')
			*p = '"';
	kt_schema *s = kt_schema_parse(json, strlen(json), "test", err, sizeof err);
	free(json);
	if (!s)
		fail_msg("schema refused: %s", err);
	return s;
}

static kt_schema *builtin(const char *name)
{
	char err[512];
	kt_schema *s = kt_schema_load_builtin(name, TEMPLATES, err, sizeof err);
	if (!s)
		fail_msg("%s: %s", name, err);
	return s;
}

static kt_event_gen *gen_of(const kt_schema *s, uint64_t seed)
{
	char err[512];
	kt_event_gen *g = kt_event_gen_new(s, true, seed, err, sizeof err);
	if (!g)
		fail_msg("kt_event_gen_new: %s", err);
	return g;
}

/* The next event, parsed; the caller deletes it. */
static cJSON *next_parsed(kt_event_gen *g, uint64_t seq, int64_t ts, const char **text)
{
	const char *json;
	size_t len;
	assert_int_equal(kt_event_gen_next(g, seq, ts, &json, &len), 0);
	assert_int_equal(strlen(json), len);
	cJSON *o = cJSON_ParseWithLength(json, len);
	if (!o)
		fail_msg("not JSON: %s", json);
	assert_true(cJSON_IsObject(o));
	if (text)
		*text = json;
	return o;
}

static bool is_uuid_v4(const char *u)
{
	if (strlen(u) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? u[i] != '-' : !strchr("0123456789abcdef", u[i]) || !u[i])
			return false;
	}
	return u[14] == '4' && strchr("89ab", u[19]);
}

/* The text of top-level scalar `name` as the event printed it. */
static void raw_text(const char *json, const char *name, char *out, size_t outlen)
{
	char pat[128];
	snprintf(pat, sizeof pat, "\"%s\":", name);
	const char *p = strstr(json, pat);
	assert_non_null(p);
	p += strlen(pat);
	size_t n = strcspn(p, ",}");
	assert_true(n < outlen);
	memcpy(out, p, n);
	out[n] = '\0';
}

static double num(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	if (!cJSON_IsNumber(v))
		fail_msg("'%s' is not a number", name);
	return v->valuedouble;
}

static const char *str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	if (!cJSON_IsString(v))
		fail_msg("'%s' is not a string", name);
	return v->valuestring;
}

/* A proportion of n draws within 5 standard errors of p. */
static void assert_share(long count, long n, double p, const char *what)
{
	double got = (double)count / (double)n, tol = 5 * sqrt(p * (1 - p) / (double)n) + 1e-12;
	if (fabs(got - p) > tol)
		fail_msg("%s: share %g, expected %g +- %g", what, got, p, tol);
}

/* Mean and sample standard deviation of n draws (from sums of x and x^2)
 * within 5 standard errors of those of the declared distribution. */
static void assert_normal(double sum, double sq, long n, double mean, double sd, const char *what)
{
	double m = sum / (double)n, s = sqrt((sq - sum * sum / (double)n) / (double)(n - 1));
	double tol_m = 5 * sd / sqrt((double)n), tol_s = 5 * sd / sqrt(2.0 * (double)n);
	if (fabs(m - mean) > tol_m)
		fail_msg("%s: mean %g, expected %g +- %g", what, m, mean, tol_m);
	if (fabs(s - sd) > tol_s)
		fail_msg("%s: stddev %g, expected %g +- %g", what, s, sd, tol_s);
}

static double harmonic(unsigned n, double s)
{
	double h = 0;
	for (unsigned k = n; k >= 1; k--)
		h += pow(k, -s);
	return h;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* id, run, seq, ts, then the schema's fields in its order. */
static void check_shape(const cJSON *o, const kt_schema *s, const char *run, uint64_t seq,
			int64_t ts)
{
	const cJSON *c = o->child;
	assert_string_equal(c->string, "id");
	assert_true(cJSON_IsString(c) && is_uuid_v4(c->valuestring));
	c = c->next;
	assert_string_equal(c->string, "run");
	assert_string_equal(c->valuestring, run);
	c = c->next;
	assert_string_equal(c->string, "seq");
	assert_true(cJSON_IsNumber(c) && c->valuedouble == (double)seq);
	c = c->next;
	assert_string_equal(c->string, "ts");
	assert_true(cJSON_IsNumber(c) && c->valuedouble == (double)ts);
	for (size_t i = 0; i < s->nfields; i++) {
		c = c->next;
		assert_non_null(c);
		assert_string_equal(c->string, s->fields[i].name);
		if (s->fields[i].null_p == 0)
			assert_false(cJSON_IsNull(c));
	}
	assert_null(c->next);
}

static void test_builtins_shape(void **state)
{
	(void)state;
	static const char *const names[] = {"orders", "sensors", "clicks"};
	for (size_t t = 0; t < 3; t++) {
		kt_schema *s = builtin(names[t]);
		kt_event_gen *g = gen_of(s, 1);
		const char *run = kt_event_gen_run_id(g);
		assert_true(is_uuid_v4(run));
		enum { M = 10000 };
		char(*ids)[37] = malloc(M * sizeof *ids);
		assert_non_null(ids);
		for (uint64_t i = 0; i < M; i++) {
			const char *text;
			cJSON *o = next_parsed(g, i, TS0 + (int64_t)i * 7, &text);
			assert_null(strchr(text, '\n'));
			check_shape(o, s, run, i, TS0 + (int64_t)i * 7);
			strcpy(ids[i], str(o, "id"));
			assert_string_not_equal(ids[i], run);
			cJSON_Delete(o);
		}
		qsort(ids, M, sizeof *ids, cmp_id);
		for (int i = 1; i < M; i++)
			assert_string_not_equal(ids[i - 1], ids[i]);
		free(ids);
		kt_event_gen_free(g);
		kt_schema_free(s);
	}
}

static void test_orders_values(void **state)
{
	(void)state;
	kt_schema *s = builtin("orders");
	kt_event_gen *g = gen_of(s, 2);
	const kt_field *cat = &s->fields[kt_schema_field(s, "category")];
	const kt_field *name = &s->fields[kt_schema_field(s, "name")];
	const kt_field *price = &s->fields[kt_schema_field(s, "price")];
	long count[16] = {0}, user1 = 0;
	double sum[16] = {0}, sq[16] = {0};
	for (uint64_t i = 0; i < N; i++) {
		cJSON *o = next_parsed(g, i, TS0, NULL);
		const char *c = str(o, "category");
		size_t k = 0;
		while (k < cat->draw.nvalues && strcmp(cat->draw.values[k], c))
			k++;
		assert_true(k < cat->draw.nvalues);
		count[k]++;
		/* the product name belongs to the category */
		const kt_draw *names = &name->cases[k];
		size_t j = 0;
		while (j < names->nvalues && strcmp(names->values[j], str(o, "name")))
			j++;
		assert_true(j < names->nvalues);
		double p = num(o, "price");
		assert_true(p >= price->cases[k].min); /* each category's clamp */
		assert_true(fabs(p * 100 - round(p * 100)) < 1e-6);
		sum[k] += p;
		sq[k] += p * p;
		double q = num(o, "quantity");
		assert_true(q >= 1 && q <= 5 && q == floor(q));
		user1 += !strcmp(str(o, "user"), "user-1");
		cJSON_Delete(o);
	}
	/* category shares follow the enum's weights */
	for (size_t k = 0; k < cat->draw.nvalues; k++) {
		double w = cat->draw.cumulative[k] - (k ? cat->draw.cumulative[k - 1] : 0);
		assert_share(count[k], N, w, cat->draw.values[k]);
	}
	/* electronics prices: normal(180, 60) clamped at 5, 2.5 sd below */
	assert_normal(sum[0], sq[0], count[0], 180, 60, "electronics price");
	assert_normal(sum[1], sq[1], count[1], 22, 6, "books price");
	assert_share(user1, N, 1 / harmonic(1000, 1.05), "user-1");
	kt_event_gen_free(g);
	kt_schema_free(s);
}

/* Every type and distribution, with the parameters the checks use. */
static const char all_types[] =
	"{'name': 'all', 'fields': ["
	"{'name': 'cat', 'type': 'enum', 'values': {'a': 0.5, 'b': 0.3, 'c': 0.2}},"
	"{'name': 'price', 'type': 'float', 'decimals': 2, 'by': 'cat', 'cases': {"
	"  'a': {'dist': 'normal(100, 20)'}, 'b': {'dist': 'normal(10, 2)'},"
	"  'c': {'dist': 'uniform(1, 3)'}}},"
	"{'name': 'label', 'type': 'string', 'by': 'cat', 'cases': {"
	"  'a': {'values': ['a1', 'a2']}, 'b': {'pattern': 'b-{}', 'dist': 'uniform(1, 3)'},"
	"  'c': {'values': ['c1'], 'dist': 'zipf(1.1)'}}},"
	"{'name': 'temp', 'type': 'float', 'dist': 'normal(20, 5)'},"
	"{'name': 'clamped', 'type': 'float', 'dist': 'normal(0, 1)', 'min': -1, 'max': 1},"
	"{'name': 'qty', 'type': 'int', 'dist': 'uniform(1, 6)'},"
	"{'name': 'inorm', 'type': 'int', 'dist': 'normal(50, 10)', 'min': 30, 'max': 70},"
	"{'name': 'rank', 'type': 'int', 'dist': 'zipf(100, 1.2)'},"
	"{'name': 'ratio', 'type': 'float', 'dist': 'uniform(-2.5, 7.5)', 'decimals': 3},"
	"{'name': 'user', 'type': 'string', 'pattern': 'user-{}', 'dist': 'zipf(1000, 1.05)'},"
	"{'name': 'page', 'type': 'string', 'values': ['p0', 'p1', 'p2', 'p3', 'p4']},"
	"{'name': 'ref', 'type': 'string', 'values': ['r1', 'r2', 'r3', 'r4'], 'dist': 'zipf(1.5)'},"
	"{'name': 'flag', 'type': 'bool', 'p': 0.3},"
	"{'name': 'maybe', 'type': 'int', 'dist': 'uniform(0, 9)', 'null': 0.05},"
	"{'name': 'never', 'type': 'string', 'values': ['x'], 'null': 1},"
	"{'name': 'oid', 'type': 'uuid'},"
	"{'name': 'n', 'type': 'seq'},"
	"{'name': 'at', 'type': 'timestamp', 'format': 'iso'},"
	"{'name': 'at_ms', 'type': 'timestamp'},"
	"{'name': 'fine', 'type': 'float', 'dist': 'uniform(0, 1)', 'decimals': 12},"
	"{'name': 'src', 'type': 'const', 'value': {'shop': 'eu-1', 'v': [1, 2]}}"
	"]}";

static void test_all_types_statistics(void **state)
{
	(void)state;
	kt_schema *s = schema_of(all_types);
	kt_event_gen *g = gen_of(s, 3);
	long cat[3] = {0}, qty[7] = {0}, rank1 = 0, user1 = 0, page[5] = {0}, ref1 = 0,
	     flags = 0, nulls = 0, clamp_lo = 0, clamp_hi = 0;
	double psum[3] = {0}, psq[3] = {0}, pmin = 1e9, pmax = -1e9, tsum = 0, tsq = 0,
	       qsum = 0, rmin = 1e9, rmax = -1e9;
	for (uint64_t i = 0; i < N; i++) {
		int64_t ts = TS0 + (int64_t)i * 250;
		const char *text;
		cJSON *o = next_parsed(g, 1000 + i, ts, &text);
		int k = str(o, "cat")[0] - 'a';
		assert_true(k >= 0 && k < 3);
		cat[k]++;
		double p = num(o, "price");
		psum[k] += p;
		psq[k] += p * p;
		char raw[64];
		raw_text(text, "price", raw, sizeof raw);
		const char *dot = strchr(raw, '.');
		assert_true(!dot || strlen(dot + 1) <= 2); /* decimals 2 prints short */
		const char *label = str(o, "label");
		if (k == 0)
			assert_true(!strcmp(label, "a1") || !strcmp(label, "a2"));
		else if (k == 1)
			assert_true(!strcmp(label, "b-1") || !strcmp(label, "b-2") || !strcmp(label, "b-3"));
		else {
			assert_string_equal(label, "c1");
			pmin = fmin(pmin, p);
			pmax = fmax(pmax, p);
		}
		double t = num(o, "temp");
		tsum += t;
		tsq += t * t;
		double c = num(o, "clamped");
		assert_true(c >= -1 && c <= 1);
		clamp_lo += c == -1;
		clamp_hi += c == 1;
		double q = num(o, "qty");
		assert_true(q >= 1 && q <= 6 && q == floor(q));
		qty[(int)q]++;
		qsum += q;
		double in = num(o, "inorm");
		assert_true(in >= 30 && in <= 70 && in == floor(in));
		double r = num(o, "rank");
		assert_true(r >= 1 && r <= 100 && r == floor(r));
		rank1 += r == 1;
		double ra = num(o, "ratio");
		assert_true(ra >= -2.5 && ra <= 7.5);
		rmin = fmin(rmin, ra);
		rmax = fmax(rmax, ra);
		const char *u = str(o, "user");
		assert_memory_equal(u, "user-", 5);
		long un = strtol(u + 5, NULL, 10);
		assert_true(un >= 1 && un <= 1000);
		user1 += un == 1;
		const char *pg = str(o, "page");
		assert_true(pg[0] == 'p' && pg[1] >= '0' && pg[1] <= '4' && !pg[2]);
		page[pg[1] - '0']++;
		ref1 += !strcmp(str(o, "ref"), "r1");
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, "flag");
		assert_true(cJSON_IsBool(f));
		flags += cJSON_IsTrue(f);
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "maybe");
		if (cJSON_IsNull(m))
			nulls++;
		else
			assert_true(cJSON_IsNumber(m) && m->valuedouble >= 0 && m->valuedouble <= 9);
		assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "never")));
		assert_true(is_uuid_v4(str(o, "oid")));
		assert_string_not_equal(str(o, "oid"), str(o, "id"));
		assert_true(num(o, "n") == (double)(1000 + i));
		char iso[32];
		snprintf(iso, sizeof iso, "2026-01-01T%02d:%02d:%02d.%03dZ", (int)(i * 250 / 3600000),
			 (int)(i * 250 / 60000 % 60), (int)(i * 250 / 1000 % 60), (int)(i * 250 % 1000));
		assert_string_equal(str(o, "at"), iso);
		assert_true(num(o, "at_ms") == (double)ts);
		double fine = num(o, "fine"); /* 12 decimals, whichever notation */
		assert_true(fabs(fine * 1e12 - round(fine * 1e12)) < 1e-3);
		raw_text(text, "fine", raw, sizeof raw);
		assert_true(strlen(raw) <= 14 || strchr(raw, 'e'));
		const cJSON *src = cJSON_GetObjectItemCaseSensitive(o, "src");
		assert_string_equal(str(src, "shop"), "eu-1");
		cJSON_Delete(o);
	}
	assert_share(cat[0], N, 0.5, "cat a");
	assert_share(cat[1], N, 0.3, "cat b");
	assert_share(cat[2], N, 0.2, "cat c");
	/* a price's distribution follows its category */
	assert_normal(psum[0], psq[0], cat[0], 100, 20, "price | a");
	assert_normal(psum[1], psq[1], cat[1], 10, 2, "price | b");
	assert_normal(psum[2], psq[2], cat[2], 2, 2 / sqrt(12), "price | c"); /* uniform(1, 3) */
	assert_true(pmin >= 1 && pmin < 1.01 && pmax <= 3 && pmax > 2.99);
	assert_normal(tsum, tsq, N, 20, 5, "temp");
	/* clamped at one sd each side: P(x < -1) = P(x > 1) = Phi(-1) */
	double tail = 0.5 * erfc(1 / sqrt(2));
	assert_share(clamp_lo, N, tail, "clamped at min");
	assert_share(clamp_hi, N, tail, "clamped at max");
	for (int v = 1; v <= 6; v++)
		assert_share(qty[v], N, 1.0 / 6, "qty value");
	assert_true(fabs(qsum / N - 3.5) < 5 * sqrt(35.0 / 12 / N));
	assert_true(rmin < -2.49 && rmax > 7.49);
	assert_share(rank1, N, 1 / harmonic(100, 1.2), "rank 1");
	assert_share(user1, N, 1 / harmonic(1000, 1.05), "user-1");
	for (int v = 0; v < 5; v++)
		assert_share(page[v], N, 0.2, "page");
	assert_share(ref1, N, 1 / harmonic(4, 1.5), "ref r1");
	assert_share(flags, N, 0.3, "flag true");
	assert_share(nulls, N, 0.05, "maybe null");
	kt_event_gen_free(g);
	kt_schema_free(s);
}

/* Every kind of field may be null; a null field comes back next time. */
static void test_nulls_of_every_type(void **state)
{
	(void)state;
	kt_schema *s = schema_of(
		"{'fields': ["
		"{'name': 'e', 'type': 'enum', 'values': {'a': 0.5, 'b': 0.5}, 'null': 0.5},"
		"{'name': 'f', 'type': 'float', 'by': 'e', 'null': 0.5,"
		" 'cases': {'a': {'dist': 'uniform(1, 2)'}, 'b': {'dist': 'uniform(5, 6)'}}},"
		"{'name': 'd', 'type': 'float', 'dist': 'normal(3, 1)', 'decimals': 1, 'null': 0.5},"
		"{'name': 'i', 'type': 'int', 'dist': 'uniform(1, 2)', 'null': 0.5},"
		"{'name': 's', 'type': 'string', 'values': ['x', 'y'], 'null': 0.5},"
		"{'name': 'p', 'type': 'string', 'pattern': 'p{}', 'dist': 'uniform(1, 2)', 'null': 0.5},"
		"{'name': 'b', 'type': 'bool', 'null': 0.5},"
		"{'name': 'u', 'type': 'uuid', 'null': 0.5},"
		"{'name': 'q', 'type': 'seq', 'null': 0.5},"
		"{'name': 't', 'type': 'timestamp', 'null': 0.5},"
		"{'name': 'ti', 'type': 'timestamp', 'format': 'iso', 'null': 0.5},"
		"{'name': 'c', 'type': 'const', 'value': 'hello', 'null': 0.5},"
		"{'name': 'co', 'type': 'const', 'value': [1, {'a': null}], 'null': 0.5}"
		"]}");
	kt_event_gen *g = gen_of(s, 4);
	long nulls[16] = {0};
	enum { M = 20000 };
	for (uint64_t i = 0; i < M; i++) {
		cJSON *o = next_parsed(g, i, TS0, NULL);
		size_t k = 0;
		for (const cJSON *c = o->child->next->next->next->next; c; c = c->next, k++) {
			if (cJSON_IsNull(c)) {
				nulls[k]++;
				continue;
			}
			switch (s->fields[k].type) {
			case KT_FIELD_STRING:
			case KT_FIELD_ENUM:
			case KT_FIELD_UUID:
				assert_true(cJSON_IsString(c));
				break;
			case KT_FIELD_BOOL:
				assert_true(cJSON_IsBool(c));
				break;
			case KT_FIELD_TIMESTAMP:
				assert_true(s->fields[k].iso ? cJSON_IsString(c) : cJSON_IsNumber(c));
				break;
			case KT_FIELD_CONST:
				assert_true(k == 11 ? cJSON_IsString(c) : cJSON_IsArray(c));
				break;
			default:
				assert_true(cJSON_IsNumber(c));
			}
		}
		/* a dependent field still follows its (possibly null) enum's draw */
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, "f");
		assert_true(cJSON_IsNull(f) || (f->valuedouble >= 1 && f->valuedouble <= 6));
		assert_int_equal(k, s->nfields);
		cJSON_Delete(o);
	}
	for (size_t k = 0; k < s->nfields; k++)
		assert_share(nulls[k], M, 0.5, s->fields[k].name);
	kt_event_gen_free(g);
	kt_schema_free(s);
}

static void test_seeded_determinism(void **state)
{
	(void)state;
	kt_schema *s[4] = {builtin("orders"), builtin("sensors"), builtin("clicks"),
			   schema_of(all_types)};
	for (size_t t = 0; t < 4; t++) {
		kt_event_gen *a = gen_of(s[t], 42), *b = gen_of(s[t], 42), *c = gen_of(s[t], 43);
		assert_string_equal(kt_event_gen_run_id(a), kt_event_gen_run_id(b));
		assert_string_not_equal(kt_event_gen_run_id(a), kt_event_gen_run_id(c));
		int differ = 0;
		for (uint64_t i = 0; i < 2000; i++) {
			const char *ja, *jb, *jc;
			size_t la, lb, lc;
			assert_int_equal(kt_event_gen_next(a, i, TS0 + (int64_t)i, &ja, &la), 0);
			assert_int_equal(kt_event_gen_next(b, i, TS0 + (int64_t)i, &jb, &lb), 0);
			assert_int_equal(kt_event_gen_next(c, i, TS0 + (int64_t)i, &jc, &lc), 0);
			assert_int_equal(la, lb);
			assert_memory_equal(ja, jb, la);
			differ += la != lc || memcmp(ja, jc, la) != 0;
		}
		assert_int_equal(differ, 2000); /* the ids differ, at least */
		kt_event_gen_free(a);
		kt_event_gen_free(b);
		kt_event_gen_free(c);
	}
	/* Without a seed, two runs differ. */
	char err[512];
	kt_event_gen *a = kt_event_gen_new(s[0], false, 0, err, sizeof err);
	kt_event_gen *b = kt_event_gen_new(s[0], false, 0, err, sizeof err);
	assert_non_null(a);
	assert_non_null(b);
	assert_true(is_uuid_v4(kt_event_gen_run_id(a)));
	assert_string_not_equal(kt_event_gen_run_id(a), kt_event_gen_run_id(b));
	kt_event_gen_free(a);
	kt_event_gen_free(b);
	kt_event_gen_free(NULL);
	for (size_t t = 0; t < 4; t++)
		kt_schema_free(s[t]);
}

/* The exact text of one event of a schema whose draws are fixed. */
static void expect_fields(const char *fields, const char *want)
{
	char text[2048];
	snprintf(text, sizeof text, "{'fields': [%s]}", fields);
	kt_schema *s = schema_of(text);
	kt_event_gen *g = gen_of(s, 5);
	const char *json;
	size_t len;
	assert_int_equal(kt_event_gen_next(g, 3, TS0, &json, &len), 0);
	/* skip the header: {"id":...,"run":...,"seq":3,"ts":...,  */
	const char *p = strstr(json, "\"ts\":1767225600000,");
	assert_non_null(p);
	p += strlen("\"ts\":1767225600000,");
	char got[1024];
	snprintf(got, sizeof got, "{%s", p);
	char *w = strdup(want);
	for (char *q = w; *q; q++)
		if (*q == '\'')
			*q = '"';
	assert_string_equal(got, w);
	free(w);
	kt_event_gen_free(g);
	kt_schema_free(s);
}

static void test_number_text(void **state)
{
	(void)state;
	/* uniform(x, x) always draws x, so the printed text is known. */
	expect_fields("{'name': 'a', 'type': 'float', 'dist': 'uniform(35.1, 35.1)', 'decimals': 2}",
		      "{'a':35.1}");
	expect_fields("{'name': 'a', 'type': 'float', 'dist': 'uniform(12, 12)', 'decimals': 3}",
		      "{'a':12}");
	expect_fields("{'name': 'a', 'type': 'float', 'dist': 'uniform(2.5, 2.5)', 'decimals': 0}",
		      "{'a':3}");
	expect_fields("{'name': 'a', 'type': 'float', 'dist': 'uniform(-7.125, -7.125)', 'decimals': 2}",
		      "{'a':-7.13}");
	expect_fields("{'name': 'a', 'type': 'float', 'dist': 'uniform(-0.004, -0.004)', 'decimals': 2}",
		      "{'a':0}");
	expect_fields("{'name': 'a', 'type': 'float', 'dist': 'uniform(0.05, 0.05)', 'decimals': 9}",
		      "{'a':0.05}");
	expect_fields("{'name': 'a', 'type': 'float', 'dist': 'uniform(1.23456789012345, "
		      "1.23456789012345)', 'decimals': 12}",
		      "{'a':1.234567890123}");
	/* Decimals past what 15 significant digits hold (17 would print more
	 * than declared): rounded to the decimals, never beyond. */
	expect_fields("{'name': 'a', 'type': 'float', 'dist': 'uniform(5000.123456789012, "
		      "5000.123456789012)', 'decimals': 12}",
		      "{'a':5000.123456789012}");
	expect_fields("{'name': 'a', 'type': 'float', 'dist': 'uniform(2.718281828459045, "
		      "2.718281828459045)', 'decimals': 15}",
		      "{'a':2.718281828459045}");
	expect_fields("{'name': 'a', 'type': 'float', 'dist': 'uniform(-1e-13, -1e-13)', "
		      "'decimals': 12}",
		      "{'a':0}");
	expect_fields("{'name': 'a', 'type': 'float', 'dist': 'uniform(1e20, 1e20)', 'decimals': 2}",
		      "{'a':100000000000000000000}"); /* as ktrio/number.h lays it out */
	expect_fields("{'name': 'a', 'type': 'float', 'dist': 'uniform(0.1, 0.1)'}", "{'a':0.1}");
	/* Every digit that tells the double apart (cJSON's %1.15g wrote 0.3,
	 * another number). */
	expect_fields("{'name': 'a', 'type': 'float', 'dist': 'uniform(0.30000000000000004, "
		      "0.30000000000000004)'}",
		      "{'a':0.30000000000000004}");
	expect_fields("{'name': 'a', 'type': 'float', 'dist': 'normal(4.25, 0)'}", "{'a':4.25}");
	expect_fields("{'name': 'a', 'type': 'int', 'dist': 'uniform(-9000000000000000, "
		      "-9000000000000000)'}",
		      "{'a':-9000000000000000}");
	expect_fields("{'name': 'a', 'type': 'int', 'dist': 'normal(7.6, 0)'}", "{'a':8}");
	expect_fields("{'name': 'a', 'type': 'int', 'dist': 'zipf(1, 1)'}", "{'a':1}");
	expect_fields("{'name': 'a', 'type': 'string', 'pattern': 'x{}y', 'dist': 'uniform(-3, -3)'}",
		      "{'a':'x-3y'}");
	expect_fields("{'name': 'a', 'type': 'string', 'pattern': '{}', 'dist': 'zipf(1, 2)'}",
		      "{'a':'1'}");
	/* strings are escaped by cJSON: say "hi" */
	expect_fields("{'name': 'a', 'type': 'string', 'values': ['say \\'hi\\'']}",
		      "{'a':'say \\'hi\\''}");
	expect_fields("{'name': 'a', 'type': 'seq'}, {'name': 'b', 'type': 'timestamp'},"
		      "{'name': 'c', 'type': 'timestamp', 'format': 'iso'}",
		      "{'a':3,'b':1767225600000,'c':'2026-01-01T00:00:00.000Z'}");
	expect_fields("{'name': 'a', 'type': 'bool', 'p': 1}, {'name': 'b', 'type': 'bool', 'p': 0}",
		      "{'a':true,'b':false}");
	expect_fields("{'name': 'a', 'type': 'const', 'value': {'k': [1, 'two', null, true]}},"
		      "{'name': 'b', 'type': 'const', 'value': 2.5}",
		      "{'a':{'k':[1,'two',null,true]},'b':2.5}");
}

/* The key of each field is the value the event shows. */
static void test_keys(void **state)
{
	(void)state;
	kt_schema *s = schema_of(all_types);
	kt_event_gen *g = gen_of(s, 6);
	static const char *const extra[] = {"id", "run", "seq", "ts"};
	for (size_t i = 0; i < 4; i++)
		assert_true(kt_event_gen_has_field(g, extra[i]));
	for (size_t i = 0; i < s->nfields; i++)
		assert_true(kt_event_gen_has_field(g, s->fields[i].name));
	assert_false(kt_event_gen_has_field(g, "nope"));
	long null_keys = 0;
	for (uint64_t i = 0; i < 2000; i++) {
		cJSON *o = next_parsed(g, i, TS0 + (int64_t)i, NULL);
		for (const cJSON *c = o->child; c; c = c->next) {
			const char *key;
			size_t len;
			kt_event_gen_key(g, c->string, &key, &len);
			if (cJSON_IsNull(c)) {
				assert_null(key);
				assert_int_equal(len, 0);
				null_keys++;
				continue;
			}
			assert_non_null(key);
			assert_int_equal(strlen(key), len);
			if (cJSON_IsString(c)) {
				assert_string_equal(key, c->valuestring);
			} else if (cJSON_IsNumber(c)) {
				/* the event's own text: it reads back as the value */
				assert_true(strtod(key, NULL) == c->valuedouble);
			} else {
				char *want = cJSON_PrintUnformatted(c);
				assert_string_equal(key, want);
				cJSON_free(want);
			}
		}
		cJSON_Delete(o);
	}
	assert_true(null_keys > 2000); /* 'never' always, 'maybe' sometimes */
	const char *key = "x";
	size_t len = 9;
	kt_event_gen_key(g, "nope", &key, &len);
	assert_null(key);
	assert_int_equal(len, 0);
	/* a float with every digit: the key is the text the event carries */
	const char *json;
	assert_int_equal(kt_event_gen_next(g, 0, TS0, &json, &len), 0);
	char raw[64];
	raw_text(json, "temp", raw, sizeof raw);
	kt_event_gen_key(g, "temp", &key, &len);
	assert_string_equal(key, raw);
	kt_event_gen_free(g);
	kt_schema_free(s);
}

/* An event larger than the initial buffer grows it. */
static void test_large_event(void **state)
{
	(void)state;
	char *text = malloc(64 * 1024);
	assert_non_null(text);
	int n = snprintf(text, 64 * 1024, "{'fields': [{'name': 'big', 'type': 'const', 'value': [");
	for (int i = 0; i < 3000; i++)
		n += snprintf(text + n, (size_t)(64 * 1024 - n), "%s%d", i ? "," : "", 100000 + i);
	snprintf(text + n, (size_t)(64 * 1024 - n), "]}, {'name': 'u', 'type': 'uuid'}]}");
	kt_schema *s = schema_of(text);
	free(text);
	kt_event_gen *g = gen_of(s, 7);
	for (uint64_t i = 0; i < 3; i++) {
		const char *json;
		cJSON *o = next_parsed(g, i, TS0, &json);
		assert_true(strlen(json) > 3000 * 7);
		assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "big")), 3000);
		assert_true(is_uuid_v4(str(o, "u")));
		cJSON_Delete(o);
	}
	kt_event_gen_free(g);
	kt_schema_free(s);
}

/* The encoder writes what cJSON itself prints for the same event, byte
 * for byte: every built-in template, and a schema of every type with names
 * and values that need escaping (every control character, quotes,
 * backslashes, non-ASCII), nulls, and numbers cJSON prints its own way. */
static void test_encoder_matches_cjson(void **state)
{
	(void)state;
	char ctl[32 * 8 + 1] = "", *c = ctl;
	for (int b = 1; b < 32; b++)
		c += sprintf(c, "\\u%04x", b);
	char text[4096];
	snprintf(text, sizeof text,
		 "{'fields': ["
		 "{'name': 'e\\'s\\\\c\\n%s', 'type': 'enum',"
		 " 'values': {'a\\'b': 0.25, 'c\\\\d%s': 0.25, '\u00fcn\u00ef\\u007f/': 0.25, '': 0.25},"
		 " 'null': 0.1},"
		 "{'name': 'f', 'type': 'float', 'dist': 'normal(0, 1000)', 'null': 0.1},"
		 "{'name': 'fz', 'type': 'float', 'dist': 'normal(0, 1e-300)'},"
		 "{'name': 'fb', 'type': 'float', 'dist': 'uniform(1e15, 1e17)'},"
		 "{'name': 'i', 'type': 'int', 'dist': 'uniform(-9000000000000000, 9000000000000000)'},"
		 "{'name': 'p', 'type': 'string', 'pattern': 'p\\'{}\\\\%s', 'dist': 'zipf(9, 1.1)'},"
		 "{'name': 'b', 'type': 'bool', 'null': 0.2},"
		 "{'name': 'u', 'type': 'uuid', 'null': 0.2},"
		 "{'name': 'ti', 'type': 'timestamp', 'format': 'iso', 'null': 0.3},"
		 "{'name': 'c1', 'type': 'const', 'value': 'he\\'llo\\t'},"
		 "{'name': 'c2', 'type': 'const', 'value': -0.0},"
		 "{'name': 'c3', 'type': 'const', 'value': 3000000000},"
		 "{'name': 'c4', 'type': 'const', 'value': [1, {'a\\'': null}, 'x\\n'], 'null': 0.5},"
		 "{'name': 'c5', 'type': 'const', 'value': {}},"
		 "{'name': 'c6', 'type': 'const', 'value': null}"
		 "]}",
		 ctl, ctl, ctl);
	kt_schema *schemas[] = {builtin("orders"), builtin("clicks"), builtin("sensors"),
				schema_of(text)};
	for (size_t k = 0; k < sizeof schemas / sizeof *schemas; k++) {
		kt_event_gen *g = gen_of(schemas[k], 11 + k);
		for (uint64_t i = 0; i < 5000; i++) {
			const char *json;
			size_t len;
			assert_int_equal(kt_event_gen_next(g, i, TS0 + (int64_t)i, &json, &len), 0);
			char *oracle = kt_event_gen_cjson_text(g);
			assert_non_null(oracle);
			assert_int_equal(len, strlen(json));
			assert_string_equal(json, oracle);
			cJSON_free(oracle);
		}
		kt_event_gen_free(g);
		kt_schema_free(schemas[k]);
	}
}

/* The longest values a schema allows (255 bytes, each escaped to six),
 * a "by" string whose cases mix a pattern and values, every value of each
 * drawn: the encoder's buffer holds them (valgrind watches its bounds) and
 * writes what cJSON prints, which cJSON parses back to the same values. */
static void test_encoder_longest_values(void **state)
{
	(void)state;
	char ctl[255 * 6 + 1] = "", pre[116 * 6 + 1] = "", *c = ctl, *p = pre;
	for (int b = 0; b < 255; b++)
		c += sprintf(c, "\\u%04x", 1 + b % 31);
	for (int b = 0; b < 116; b++)
		p += sprintf(p, "\\u%04x", 1 + b % 31);
	static char text[16384];
	snprintf(text, sizeof text,
		 "{'fields': ["
		 "{'name': 'k', 'type': 'enum', 'values': {'%s': 0.5, 'b\\'': 0.5}},"
		 "{'name': 's', 'type': 'string', 'by': 'k', 'cases': {"
		 " '%s': {'pattern': '%s{}%s', 'dist': 'uniform(-9000000000000000, -1)'},"
		 " 'b\\'': {'values': ['%s', 'x']}}},"
		 "{'name': 't', 'type': 'timestamp', 'format': 'iso'},"
		 "{'name': 'f', 'type': 'float', 'decimals': 15, 'dist': 'uniform(-1e16, 1e16)'},"
		 "{'name': 'g', 'type': 'float', 'dist': 'uniform(-1e-300, 1e-300)'}"
		 "]}",
		 ctl, ctl, pre, pre, ctl);
	kt_schema *s = schema_of(text);
	kt_event_gen *g = gen_of(s, 3);
	size_t longest = 0;
	for (uint64_t i = 0; i < 2000; i++) {
		const char *json;
		size_t len;
		assert_int_equal(kt_event_gen_next(g, i, INT64_MAX - (int64_t)i, &json, &len), 0);
		char *oracle = kt_event_gen_cjson_text(g);
		assert_non_null(oracle);
		assert_int_equal(len, strlen(json));
		assert_string_equal(json, oracle);
		cJSON_free(oracle);
		cJSON *o = cJSON_ParseWithLength(json, len);
		assert_non_null(o);
		const char *k = str(o, "k"), *v = str(o, "s");
		assert_true(strlen(k) == 255 || strcmp(k, "b\"") == 0);
		if (strlen(k) == 255)
			assert_true(strlen(v) > 2 * 116 && strncmp(v + 116, "-", 1) == 0);
		else
			assert_true(strlen(v) == 255 || strcmp(v, "x") == 0);
		cJSON_Delete(o);
		longest = len > longest ? len : longest;
	}
	assert_true(longest > 2500); /* most escapes take 6 bytes, \n and the like 2 */
	kt_event_gen_free(g);
	kt_schema_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtins_shape),
		cmocka_unit_test(test_orders_values),
		cmocka_unit_test(test_all_types_statistics),
		cmocka_unit_test(test_nulls_of_every_type),
		cmocka_unit_test(test_seeded_determinism),
		cmocka_unit_test(test_number_text),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_large_event),
		cmocka_unit_test(test_encoder_matches_cjson),
		cmocka_unit_test(test_encoder_longest_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
