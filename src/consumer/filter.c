/* filter: --filter expressions parsed once and tested on every record. */
#include "filter.h"
#include "ktrio/error.h"
#include "ktrio/number.h"
#include "ktrio/regex.h"
#include "ktrio/vec.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum op { OP_MATCH, OP_NOMATCH, OP_EQ, OP_NE, OP_GT, OP_LT, OP_GE, OP_LE };

/* Two-character tokens first: at one spot the longest token wins. */
static const struct {
	const char *tok;
	size_t len;
	enum op op;
} ops[] = {
	{"!~", 2, OP_NOMATCH}, {"!=", 2, OP_NE}, {">=", 2, OP_GE},
	{"<=", 2, OP_LE},      {"~", 1, OP_MATCH}, {"=", 1, OP_EQ},
	{">", 1, OP_GT},       {"<", 1, OP_LT},
};

struct expr {
	char *field;         /* owned: the expression copied, cut at the op */
	const char *operand; /* in field's allocation, after the operator */
	char **path;         /* owned, segments included: the dotted field
			      * split up, or NULL when it has no usable dots */
	size_t npath;
	enum op op;
	double num;    /* N, or VALUE when value_is_num */
	bool value_is_num;
	kt_regex re; /* for ~ and !~ */
};

struct kt_filter {
	struct expr *v;
	size_t n, cap;
	/* One match data for every pattern: only "did it match" is asked,
	 * so one pair of offsets is enough whatever the pattern's groups. */
	pcre2_match_data *md;
};

bool kt_filter_keys(const kt_filter *f, kt_record_keys *k)
{
	for (size_t i = 0; f && i < f->n; i++) {
		if (kt_record_keys_add(k, f->v[i].field) < 0)
			return false;
		if (f->v[i].path && kt_record_keys_add(k, f->v[i].path[0]) < 0)
			return false;
	}
	return true;
}

kt_filter *kt_filter_new(void)
{
	return calloc(1, sizeof(kt_filter));
}

static void expr_release(struct expr *e)
{
	free(e->field);
	free(e->path);
	kt_regex_release(&e->re);
}

void kt_filter_free(kt_filter *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		expr_release(&f->v[i]);
	free(f->v);
	pcre2_match_data_free(f->md);
	free(f);
}

/* The operator token starting at s, or -1. */
static int op_at(const char *s)
{
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (strncmp(s, ops[i].tok, ops[i].len) == 0)
			return (int)i;
	return -1;
}

/* A whole decimal number: no spaces, hex, inf or nan that strtod would
 * take. 0, or -1 empty, -2 not a number, -3 out of range. */
static int parse_number(const char *s, double *out)
{
	if (!*s)
		return -1;
	if (s[strspn(s, "0123456789+-.eE")] != '\0')
		return -2;
	errno = 0;
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end != '\0')
		return -2;
	if (errno == ERANGE || !isfinite(v))
		return -3;
	*out = v;
	return 0;
}

/* Split a dotted field into its segments, all non-empty; 0 with *path NULL
 * when there is nothing to split, -1 on OOM. */
static int split_path(const char *field, char ***path, size_t *npath)
{
	size_t len = strlen(field), nseg = 1;
	*path = NULL;
	*npath = 0;
	for (size_t i = 0; i < len; i++)
		if (field[i] == '.') {
			if (i == 0 || i + 1 == len || field[i + 1] == '.')
				return 0;
			nseg++;
		}
	if (nseg < 2)
		return 0;
	char **p = malloc(nseg * sizeof *p + len + 1);
	if (!p)
		return -1;
	char *seg = (char *)(p + nseg);
	memcpy(seg, field, len + 1);
	for (size_t i = 0; i < nseg; i++) {
		p[i] = seg;
		seg += strcspn(seg, ".");
		*seg++ = '\0';
	}
	*path = p;
	*npath = nseg;
	return 0;
}

int kt_filter_add(kt_filter *f, const char *expr, char *err, size_t errlen)
{
	if (!expr)
		expr = "";
	if (op_at(expr) >= 0)
		return kt_fail(err, errlen, "filter '%s': empty field name", expr);
	size_t at;
	int k = -1;
	for (at = 1; expr[0] && expr[at]; at++)
		if ((k = op_at(expr + at)) >= 0)
			break;
	if (k < 0)
		return kt_fail(err, errlen,
				"filter '%s': no operator (expected one of "
				"~ !~ = != > < >= <=)",
				expr);

	struct expr e = {.op = ops[k].op};
	const char *operand = expr + at + ops[k].len;
	switch (e.op) {
	case OP_GT:
	case OP_LT:
	case OP_GE:
	case OP_LE:
		switch (parse_number(operand, &e.num)) {
		case -1:
			return kt_fail(err, errlen, "filter '%s': missing number after '%s'",
					expr, ops[k].tok);
		case -2:
			return kt_fail(err, errlen,
					"filter '%s': not a number '%s' after '%s'", expr,
					operand, ops[k].tok);
		case -3:
			return kt_fail(err, errlen, "filter '%s': number out of range '%s'",
					expr, operand);
		}
		break;
	case OP_EQ:
	case OP_NE:
		e.value_is_num = parse_number(operand, &e.num) == 0;
		break;
	default:
		break;
	}

	if (KT_VEC_RESERVE(f->v, f->n, f->cap, 1) < 0)
		goto oom;
	if (!(e.field = strdup(expr)))
		goto oom;
	e.field[at] = '\0';
	e.operand = e.field + at + ops[k].len;
	if (split_path(e.field, &e.path, &e.npath) < 0)
		goto oom;
	if (e.op == OP_MATCH || e.op == OP_NOMATCH) {
		if (kt_regex_compile(&e.re, e.operand, err, errlen, "filter '%s'", expr) < 0) {
			expr_release(&e);
			return -1;
		}
		if (!f->md && !(f->md = pcre2_match_data_create(1, NULL)))
			goto oom;
	}
	f->v[f->n++] = e;
	return 0;
oom:
	expr_release(&e);
	return kt_fail(err, errlen, "filter '%s': out of memory", expr);
}

/* The text e was parsed from: field, operator, operand (the first operator
 * token after the field is this one, so it parses back to e). */
static char *expr_text(const struct expr *e)
{
	const char *tok = "";
	for (size_t k = 0; k < sizeof ops / sizeof *ops; k++)
		if (ops[k].op == e->op)
			tok = ops[k].tok;
	size_t nf = strlen(e->field), nt = strlen(tok), no = strlen(e->operand);
	char *text = malloc(nf + nt + no + 1);
	if (text) {
		memcpy(text, e->field, nf);
		memcpy(text + nf, tok, nt);
		memcpy(text + nf + nt, e->operand, no + 1);
	}
	return text;
}

kt_filter *kt_filter_copy(const kt_filter *f)
{
	kt_filter *c = kt_filter_new();
	for (size_t i = 0; c && f && i < f->n; i++) {
		char *text = expr_text(&f->v[i]);
		if (!text || kt_filter_add(c, text, NULL, 0) < 0) {
			kt_filter_free(c);
			c = NULL;
		}
		free(text);
	}
	return c;
}

/* The field's item: the top-level key first, then the dotted path. */
static const cJSON *lookup(const struct expr *e, const cJSON *rec)
{
	if (!cJSON_IsObject(rec))
		return NULL;
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(rec, e->field);
	if (it || !e->path)
		return it;
	for (size_t i = 0; i < e->npath; i++) {
		if (!cJSON_IsObject(rec))
			return NULL;
		if (!(rec = cJSON_GetObjectItemCaseSensitive(rec, e->path[i])))
			return NULL;
	}
	return rec;
}

/* A string item's bytes: kt_json_parse keeps the length in valueint
 * (strings may hold NULs); cJSON_Parse leaves it 0 and has none inside. */
static size_t string_len(const cJSON *it)
{
	return it->valueint > 0 ? (size_t)it->valueint : strlen(it->valuestring);
}

/* A number's text, the one the output prints for it as a group key: an
 * integer from 2^53 up as written (kt_json_parse keeps it), else the
 * shortest text of its double (-0 as 0); 0 (no text) for non-finite. */
static size_t number_text(const cJSON *it, char *buf, const char **text)
{
	if (it->valuestring) {
		*text = it->valuestring;
		return strlen(it->valuestring);
	}
	*text = buf;
	return kt_number_format(it->valuedouble == 0 ? 0.0 : it->valuedouble, buf);
}

/* An operand written as a JSON integer ("-12", "1234567890123456099"). */
static bool integer_text(const char *s)
{
	s += *s == '-';
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool equals(const struct expr *e, const cJSON *it)
{
	if (!it)
		return false;
	if (cJSON_IsString(it))
		return it->valuestring && string_len(it) == strlen(e->operand) &&
		       strcmp(it->valuestring, e->operand) == 0;
	/* An integer from 2^53 up equals only its own digits: its double
	 * stands for its neighbours too. */
	if (cJSON_IsNumber(it) && it->valuestring && integer_text(e->operand))
		return strcmp(it->valuestring, e->operand) == 0;
	if (cJSON_IsNumber(it))
		return e->value_is_num && it->valuedouble == e->num;
	if (cJSON_IsBool(it))
		return strcmp(e->operand, cJSON_IsTrue(it) ? "true" : "false") == 0;
	if (cJSON_IsNull(it))
		return strcmp(e->operand, "null") == 0;
	return false;
}

/* 1 when the pattern is found in the item's text, 0 when not (or the item
 * has no text), -1 when matching failed. */
static int search(const kt_filter *f, const struct expr *e, const cJSON *it)
{
	char buf[KT_NUMBER_MAX];
	const char *s;
	size_t len;
	if (!it)
		return 0;
	if (cJSON_IsString(it) && it->valuestring) {
		s = it->valuestring;
		len = string_len(it);
	} else if (cJSON_IsNumber(it)) {
		if (!(len = number_text(it, buf, &s)))
			return 0;
	} else if (cJSON_IsTrue(it)) {
		s = "true";
		len = 4;
	} else if (cJSON_IsFalse(it)) {
		s = "false";
		len = 5;
	} else {
		return 0;
	}
	return kt_regex_search(&e->re, s, len, f->md);
}

static bool holds(const kt_filter *f, const struct expr *e, const cJSON *rec)
{
	const cJSON *it = lookup(e, rec);
	switch (e->op) {
	case OP_MATCH:
		return search(f, e, it) == 1;
	case OP_NOMATCH:
		return search(f, e, it) == 0;
	case OP_EQ:
		return equals(e, it);
	case OP_NE:
		return !equals(e, it);
	default:
		break;
	}
	if (!cJSON_IsNumber(it))
		return false;
	double d = it->valuedouble;
	switch (e->op) {
	case OP_GT:
		return d > e->num;
	case OP_LT:
		return d < e->num;
	case OP_GE:
		return d >= e->num;
	case OP_LE:
		return d <= e->num;
	default:
		return false;
	}
}

bool kt_filter_match(const kt_filter *f, const cJSON *record)
{
	if (!f)
		return true;
	for (size_t i = 0; i < f->n; i++)
		if (!holds(f, &f->v[i], record))
			return false;
	return true;
}
