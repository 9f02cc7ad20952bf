/* schema: parsing and validating the generator's schema files. */
#include "schema.h"
#include "ktrio/error.h"

#include "ktrio/file.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parsing state: where messages go and which field is being read. */
typedef struct ctx {
	const char *origin;
	const char *field;
	char *err;
	size_t errlen;
} ctx;

static int fail(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(ctx *c, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->field)
		snprintf(c->err, c->errlen, "schema '%s': field '%s': %s", c->origin,
			 c->field, msg);
	else
		snprintf(c->err, c->errlen, "schema '%s': %s", c->origin, msg);
	return -1;
}

static const char *const type_names[] = {"int",  "float", "string", "bool", "enum",
					 "uuid", "seq",   "timestamp", "const"};

/* Keys each type accepts; "draw" keys may also appear inside cases. */
static const char *const common_keys[] = {"name", "type", "null", "by", "cases", NULL};
static const char *const numeric_keys[] = {"dist", "min", "max", "decimals", NULL};
static const char *const string_keys[] = {"values", "pattern", "dist", NULL};
static const char *const bool_keys[] = {"p", NULL};
static const char *const enum_keys[] = {"values", NULL};
static const char *const timestamp_keys[] = {"format", NULL};
static const char *const const_keys[] = {"value", NULL};
static const char *const no_keys[] = {NULL};
static const char *const numeric_case_keys[] = {"dist", "min", "max", NULL};
static const char *const by_top_keys[] = {"decimals", NULL};

static const char *const *type_keys(enum kt_field_type t)
{
	switch (t) {
	case KT_FIELD_INT:
	case KT_FIELD_FLOAT:
		return numeric_keys;
	case KT_FIELD_STRING:
		return string_keys;
	case KT_FIELD_BOOL:
		return bool_keys;
	case KT_FIELD_ENUM:
		return enum_keys;
	case KT_FIELD_TIMESTAMP:
		return timestamp_keys;
	case KT_FIELD_CONST:
		return const_keys;
	default:
		return no_keys;
	}
}

static bool in_list(const char *const *list, const char *key)
{
	for (; *list; list++)
		if (strcmp(*list, key) == 0)
			return true;
	return false;
}

static int check_keys(ctx *c, const cJSON *obj, const char *const *a,
		      const char *const *b, const char *where)
{
	for (const cJSON *k = obj->child; k; k = k->next)
		if (!(a && in_list(a, k->string)) && !(b && in_list(b, k->string)))
			return fail(c, "unknown key '%s'%s", k->string, where);
	return 0;
}

static void draw_release(kt_draw *d)
{
	kt_zipf_release(&d->zipf);
	for (size_t i = 0; i < d->nvalues; i++)
		free(d->values[i]);
	free(d->values);
	free(d->cumulative);
	free(d->prefix);
	free(d->suffix);
	memset(d, 0, sizeof *d);
}

/* "name(x, y)" or "name" into dist and its arguments. */
static int parse_dist(ctx *c, const char *text, enum kt_dist *dist, double *args,
		      int *nargs)
{
	size_t n = strcspn(text, "(");
	if (n == 7 && !strncmp(text, "uniform", n))
		*dist = KT_DIST_UNIFORM;
	else if (n == 6 && !strncmp(text, "normal", n))
		*dist = KT_DIST_NORMAL;
	else if (n == 4 && !strncmp(text, "zipf", n))
		*dist = KT_DIST_ZIPF;
	else
		return fail(c, "unknown distribution '%s' (uniform, normal or zipf)", text);
	*nargs = 0;
	if (text[n] == '\0')
		return 0;
	const char *p = text + n + 1;
	for (;;) {
		char *end;
		errno = 0;
		double v = strtod(p, &end);
		if (end == p || errno || !isfinite(v) || *nargs == 2)
			return fail(c, "bad distribution '%s': expected e.g. normal(10, 2)", text);
		args[(*nargs)++] = v;
		while (*end == ' ')
			end++;
		if (*end == ')' && end[1] == '\0')
			return 0;
		if (*end != ',')
			return fail(c, "bad distribution '%s': expected e.g. normal(10, 2)", text);
		p = end + 1;
	}
}

static int get_number(ctx *c, const cJSON *obj, const char *key, bool *has,
		      double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	*has = v != NULL;
	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
		return fail(c, "'%s' must be a number", key);
	*out = v->valuedouble;
	return 0;
}

/* The numeric distribution of an int or float (or a string pattern). */
static int parse_numeric(ctx *c, const cJSON *o, kt_draw *d, bool integer)
{
	const cJSON *dist = cJSON_GetObjectItemCaseSensitive(o, "dist");
	if (!cJSON_IsString(dist))
		return fail(c, "missing 'dist' (e.g. \"uniform(1, 10)\")");
	double args[2];
	int nargs;
	if (parse_dist(c, dist->valuestring, &d->dist, args, &nargs) < 0)
		return -1;
	if (nargs != 2)
		return fail(c, "'%s' needs two numbers", dist->valuestring);
	d->a = args[0], d->b = args[1];
	if (get_number(c, o, "min", &d->has_min, &d->min) < 0 ||
	    get_number(c, o, "max", &d->has_max, &d->max) < 0)
		return -1;
	/* Ints stay exact in a double; floats stay finite when drawn. */
	double limit = integer ? 9e15 : 1e300;
	if (fabs(d->a) > limit || fabs(d->b) > limit || (d->has_min && fabs(d->min) > limit) ||
	    (d->has_max && fabs(d->max) > limit))
		return fail(c, "a parameter is beyond %g", limit);
	switch (d->dist) {
	case KT_DIST_UNIFORM:
		if (d->a > d->b)
			return fail(c, "min %g > max %g", d->a, d->b);
		if (integer && (d->a != floor(d->a) || d->b != floor(d->b)))
			return fail(c, "uniform bounds of an int must be integers");
		if (d->has_min || d->has_max)
			return fail(c, "'min' and 'max' clamp a normal; uniform has its own bounds");
		break;
	case KT_DIST_NORMAL:
		if (d->b < 0)
			return fail(c, "negative stddev %g", d->b);
		if (d->has_min && d->has_max && d->min > d->max)
			return fail(c, "min %g > max %g", d->min, d->max);
		/* Rounding a clamped draw must not step past the clamp. */
		if (integer && ((d->has_min && d->min != floor(d->min)) ||
				(d->has_max && d->max != floor(d->max))))
			return fail(c, "'min' and 'max' of an int must be integers");
		break;
	case KT_DIST_ZIPF:
		if (d->a < 1 || d->a > 10000000 || d->a != floor(d->a))
			return fail(c, "zipf n must be an integer from 1 to 10000000");
		if (d->b <= 0)
			return fail(c, "zipf s must be positive");
		if (d->has_min || d->has_max)
			return fail(c, "'min' and 'max' clamp a normal only");
		if (kt_zipf_init(&d->zipf, (uint32_t)d->a, d->b) < 0)
			return fail(c, "out of memory");
		break;
	default:
		break;
	}
	return 0;
}

static int copy_string(ctx *c, const char *s, char **out)
{
	if (strlen(s) > KT_SCHEMA_MAX_STRING)
		return fail(c, "string longer than %d bytes", KT_SCHEMA_MAX_STRING);
	if (!(*out = strdup(s)))
		return fail(c, "out of memory");
	return 0;
}

static int parse_string(ctx *c, const cJSON *o, kt_draw *d)
{
	const cJSON *values = cJSON_GetObjectItemCaseSensitive(o, "values");
	const cJSON *pattern = cJSON_GetObjectItemCaseSensitive(o, "pattern");
	if (!values == !pattern)
		return fail(c, "a string needs either 'values' or 'pattern'");
	if (pattern) {
		const char *hole = cJSON_IsString(pattern) ? strstr(pattern->valuestring, "{}") : NULL;
		if (!hole)
			return fail(c, "'pattern' must be a string with {} where the number goes");
		if (strlen(pattern->valuestring) + 20 > KT_SCHEMA_MAX_STRING)
			return fail(c, "pattern too long");
		if (!(d->prefix = strndup(pattern->valuestring, (size_t)(hole - pattern->valuestring))) ||
		    !(d->suffix = strdup(hole + 2)))
			return fail(c, "out of memory");
		return parse_numeric(c, o, d, true);
	}
	int n = cJSON_GetArraySize(values);
	if (!cJSON_IsArray(values) || n == 0)
		return fail(c, "'values' must be a non-empty array of strings");
	if (!(d->values = calloc((size_t)n, sizeof *d->values)))
		return fail(c, "out of memory");
	const cJSON *v;
	cJSON_ArrayForEach(v, values)
	{
		if (!cJSON_IsString(v))
			return fail(c, "'values' must hold strings only");
		if (copy_string(c, v->valuestring, &d->values[d->nvalues]) < 0)
			return -1;
		d->nvalues++;
	}
	const cJSON *dist = cJSON_GetObjectItemCaseSensitive(o, "dist");
	d->dist = KT_DIST_UNIFORM;
	if (!dist)
		return 0;
	double args[2];
	int nargs;
	if (!cJSON_IsString(dist) || parse_dist(c, dist->valuestring, &d->dist, args, &nargs) < 0)
		return cJSON_IsString(dist) ? -1 : fail(c, "'dist' must be a string");
	if (d->dist == KT_DIST_NORMAL || (d->dist == KT_DIST_UNIFORM && nargs))
		return fail(c, "values are drawn by \"uniform\" or \"zipf(s)\"");
	if (d->dist == KT_DIST_ZIPF) {
		double s = nargs == 1 ? args[0] : nargs == 2 ? args[1] : -1;
		if (nargs == 2 && args[0] != (double)n)
			return fail(c, "zipf n %g differs from the %d values", args[0], n);
		if (s <= 0)
			return fail(c, "zipf over values needs a positive s, e.g. \"zipf(1.1)\"");
		if (kt_zipf_init(&d->zipf, (uint32_t)n, s) < 0)
			return fail(c, "out of memory");
	}
	return 0;
}

static int parse_enum(ctx *c, const cJSON *o, kt_draw *d)
{
	const cJSON *values = cJSON_GetObjectItemCaseSensitive(o, "values");
	int n = cJSON_GetArraySize(values);
	if (!cJSON_IsObject(values) || n == 0)
		return fail(c, "an enum needs 'values': {\"value\": weight, ...}");
	d->values = calloc((size_t)n, sizeof *d->values);
	d->cumulative = calloc((size_t)n, sizeof *d->cumulative);
	if (!d->values || !d->cumulative)
		return fail(c, "out of memory");
	double sum = 0;
	for (const cJSON *v = values->child; v; v = v->next) {
		if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || !isfinite(v->valuedouble))
			return fail(c, "weight of '%s' must be a number >= 0", v->string);
		for (size_t i = 0; i < d->nvalues; i++)
			if (!strcmp(d->values[i], v->string))
				return fail(c, "value '%s' given twice", v->string);
		if (copy_string(c, v->string, &d->values[d->nvalues]) < 0)
			return -1;
		d->cumulative[d->nvalues++] = (sum += v->valuedouble);
	}
	if (fabs(sum - 1.0) > 1e-6)
		return fail(c, "weights sum to %g, not 1", sum);
	d->cumulative[d->nvalues - 1] = 1.0; /* no gap above the last */
	d->dist = KT_DIST_UNIFORM;
	return 0;
}

static int parse_draw(ctx *c, const cJSON *o, kt_field *f, kt_draw *d)
{
	switch (f->type) {
	case KT_FIELD_INT:
		return parse_numeric(c, o, d, true);
	case KT_FIELD_FLOAT:
		return parse_numeric(c, o, d, false);
	case KT_FIELD_STRING:
		return parse_string(c, o, d);
	default:
		return 0;
	}
}

/* "by" and "cases": one draw per value of an earlier enum field. */
static int parse_cases(ctx *c, kt_schema *s, const cJSON *o, kt_field *f)
{
	const cJSON *by = cJSON_GetObjectItemCaseSensitive(o, "by");
	const cJSON *cases = cJSON_GetObjectItemCaseSensitive(o, "cases");
	if (!cJSON_IsString(by))
		return fail(c, "'by' must name an earlier enum field");
	if (f->type != KT_FIELD_INT && f->type != KT_FIELD_FLOAT && f->type != KT_FIELD_STRING)
		return fail(c, "'by' applies to int, float and string fields");
	int ref = kt_schema_field(s, by->valuestring);
	if (ref < 0 || s->fields[ref].type != KT_FIELD_ENUM)
		return fail(c, "'by' names '%s', which is not an earlier enum field", by->valuestring);
	if (!cJSON_IsObject(cases))
		return fail(c, "'by' needs 'cases': {value: {...}}");
	const kt_draw *values = &s->fields[ref].draw;
	if (!(f->cases = calloc(values->nvalues, sizeof *f->cases)))
		return fail(c, "out of memory");
	f->ncases = values->nvalues;
	f->by = ref;
	for (const cJSON *k = cases->child; k; k = k->next) {
		size_t i = 0;
		while (i < values->nvalues && strcmp(values->values[i], k->string))
			i++;
		if (i == values->nvalues)
			return fail(c, "case '%s' is not a value of '%s'", k->string, by->valuestring);
		if (!cJSON_IsObject(k))
			return fail(c, "case '%s' must be an object", k->string);
		if (f->cases[i].dist != KT_DIST_NONE)
			return fail(c, "case '%s' given twice", k->string);
		char where[300];
		snprintf(where, sizeof where, " in case '%s'", k->string);
		const char *const *keys = f->type == KT_FIELD_STRING ? string_keys : numeric_case_keys;
		if (check_keys(c, k, keys, NULL, where) < 0 ||
		    parse_draw(c, k, f, &f->cases[i]) < 0)
			return -1;
	}
	for (size_t i = 0; i < values->nvalues; i++)
		if (f->cases[i].dist == KT_DIST_NONE)
			return fail(c, "no case for '%s' of '%s'", values->values[i], by->valuestring);
	return 0;
}

static int parse_type(ctx *c, const cJSON *o, kt_field *f)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(o, "type");
	if (!cJSON_IsString(type))
		return fail(c, "missing 'type'");
	for (size_t i = 0; i < sizeof type_names / sizeof *type_names; i++)
		if (!strcmp(type->valuestring, type_names[i])) {
			f->type = (enum kt_field_type)i;
			return 0;
		}
	return fail(c, "unknown type '%s' (int, float, string, bool, enum, uuid, seq, "
		       "timestamp, const)", type->valuestring);
}

static int parse_extras(ctx *c, const cJSON *o, kt_field *f)
{
	bool has;
	double v;
	if (get_number(c, o, "null", &has, &v) < 0)
		return -1;
	if (has && !(v >= 0 && v <= 1))
		return fail(c, "'null' must be a probability from 0 to 1");
	f->null_p = has ? v : 0;
	if (get_number(c, o, "decimals", &has, &v) < 0)
		return -1;
	if (has && (f->type != KT_FIELD_FLOAT || v < 0 || v > 15 || v != floor(v)))
		return fail(c, "'decimals' is an integer from 0 to 15, for floats");
	f->decimals = has ? (int)v : -1;
	if (f->type == KT_FIELD_BOOL) {
		if (get_number(c, o, "p", &has, &v) < 0)
			return -1;
		if (has && !(v >= 0 && v <= 1))
			return fail(c, "'p' must be a probability from 0 to 1");
		f->p_true = has ? v : 0.5;
	}
	if (f->type == KT_FIELD_TIMESTAMP) {
		const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(o, "format");
		if (fmt && !(cJSON_IsString(fmt) && (!strcmp(fmt->valuestring, "iso") ||
						     !strcmp(fmt->valuestring, "epoch_ms"))))
			return fail(c, "'format' is \"epoch_ms\" or \"iso\"");
		f->iso = fmt && !strcmp(fmt->valuestring, "iso");
	}
	if (f->type == KT_FIELD_CONST) {
		const cJSON *value = cJSON_GetObjectItemCaseSensitive(o, "value");
		if (!value)
			return fail(c, "a const needs 'value'");
		if (!(f->value = cJSON_Duplicate(value, 1)))
			return fail(c, "out of memory");
	}
	return 0;
}

static int parse_field(ctx *c, kt_schema *s, const cJSON *o, kt_field *f)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
	c->field = NULL;
	if (!cJSON_IsObject(o))
		return fail(c, "fields[%zu] is not an object", s->nfields);
	if (!cJSON_IsString(name) || !*name->valuestring)
		return fail(c, "fields[%zu] has no 'name'", s->nfields);
	c->field = name->valuestring;
	static const char *const reserved[] = {"id", "run", "seq", "ts", NULL};
	if (in_list(reserved, name->valuestring))
		return fail(c, "the name is the event's own (id, run, seq and ts are)");
	if (kt_schema_field(s, name->valuestring) >= 0)
		return fail(c, "defined twice");
	if (!(f->name = strdup(name->valuestring)))
		return fail(c, "out of memory");
	f->by = -1;
	bool by = cJSON_GetObjectItemCaseSensitive(o, "by") != NULL;
	if (parse_type(c, o, f) < 0 ||
	    check_keys(c, o, common_keys, by ? by_top_keys : type_keys(f->type), "") < 0 ||
	    parse_extras(c, o, f) < 0)
		return -1;
	if (by)
		return parse_cases(c, s, o, f);
	if (cJSON_GetObjectItemCaseSensitive(o, "cases"))
		return fail(c, "'cases' needs 'by'");
	if (f->type == KT_FIELD_ENUM)
		return parse_enum(c, o, &f->draw);
	return parse_draw(c, o, f, &f->draw);
}

int kt_schema_field(const kt_schema *s, const char *name)
{
	for (size_t i = 0; i < s->nfields; i++)
		if (s->fields[i].name && !strcmp(s->fields[i].name, name))
			return (int)i;
	return -1;
}

void kt_schema_free(kt_schema *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nfields; i++) {
		kt_field *f = &s->fields[i];
		free(f->name);
		draw_release(&f->draw);
		for (size_t j = 0; j < f->ncases; j++)
			draw_release(&f->cases[j]);
		free(f->cases);
		cJSON_Delete(f->value);
	}
	free(s->fields);
	free(s->name);
	free(s);
}

/* Line of a position in text, for "not valid JSON" messages. */
static int line_of(const char *text, const char *at)
{
	int line = 1;
	for (const char *p = text; at && p < at; p++)
		line += *p == '\n';
	return line;
}

/* How deep arrays and objects nest in text (brackets outside strings),
 * and where they first nest deeper than limit (NULL: never): cJSON only
 * says that it failed. */
static int nesting(const char *s, size_t len, int limit, const char **over)
{
	int depth = 0, max = 0;
	bool in_string = false;
	*over = NULL;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (in_string) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_string = false;
		} else if (ch == '"') {
			in_string = true;
		} else if (ch == '[' || ch == '{') {
			max = ++depth > max ? depth : max;
			if (depth > limit && !*over)
				*over = s + i;
		} else if (ch == ']' || ch == '}') {
			depth--;
		}
	}
	return max;
}

/* Why cJSON refused the text, in one message. */
static void fail_parse(ctx *c, const char *json, size_t len)
{
	const char *over;
	int depth = nesting(json, len, CJSON_NESTING_LIMIT, &over);
	if (over)
		fail(c, "nested %d levels deep (line %d), more than the %d levels a schema "
		     "may have (a const value starts at level 4)",
		     depth, line_of(json, over), CJSON_NESTING_LIMIT);
	else
		fail(c, "not valid JSON (near line %d)", line_of(json, cJSON_GetErrorPtr()));
}

kt_schema *kt_schema_parse(const char *json, size_t len, const char *origin,
			   char *err, size_t errlen)
{
	ctx c = {origin, NULL, err, errlen};
	cJSON *doc = cJSON_ParseWithLength(json, len);
	if (!doc) {
		fail_parse(&c, json, len);
		return NULL;
	}
	kt_schema *s = calloc(1, sizeof *s);
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(doc, "fields");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(doc, "name");
	static const char *const top_keys[] = {"name", "description", "fields", NULL};
	int n = cJSON_GetArraySize(fields), rc = -1;
	if (!s)
		fail(&c, "out of memory");
	else if (!cJSON_IsObject(doc))
		fail(&c, "expected an object with \"fields\"");
	else if (check_keys(&c, doc, top_keys, NULL, "") < 0)
		;
	else if (!cJSON_IsArray(fields) || n == 0)
		fail(&c, "'fields' must be a non-empty array");
	else if (!(s->fields = calloc((size_t)n, sizeof *s->fields)) ||
		 !(s->name = strdup(cJSON_IsString(name) ? name->valuestring : origin)))
		fail(&c, "out of memory");
	else {
		rc = 0;
		const cJSON *f;
		cJSON_ArrayForEach(f, fields)
		{
			rc = parse_field(&c, s, f, &s->fields[s->nfields]);
			s->nfields++; /* counted even when half made: freed below */
			if (rc < 0)
				break;
		}
	}
	cJSON_Delete(doc);
	if (rc < 0) {
		kt_schema_free(s);
		return NULL;
	}
	return s;
}

kt_schema *kt_schema_load(const char *path, char *err, size_t errlen)
{
	size_t len;
	char *buf = kt_read_file(path, "schema", 16u << 20, &len, err, errlen);
	if (!buf)
		return NULL;
	kt_schema *s = kt_schema_parse(buf, len, path, err, errlen);
	free(buf);
	return s;
}

kt_schema *kt_schema_load_builtin(const char *name, const char *templates_dir,
				  char *err, size_t errlen)
{
	static const char *const builtins[] = {"orders", "sensors", "clicks", NULL};
	if (!in_list(builtins, name)) {
		kt_fail(err, errlen,
			 "invalid value '%s' for --template: expected orders, sensors or clicks "
			 "(or --schema FILE)", name);
		return NULL;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/%s.json", templates_dir, name);
	return kt_schema_load(path, err, errlen);
}
