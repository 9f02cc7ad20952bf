/* fields: group key, stat values, event time and distinct field of a record. */
#include "fields.h"
#include "ktrio/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktrio/parse.h"

void kt_fieldspec_init(kt_fieldspec *s)
{
	memset(s, 0, sizeof *s);
	s->auto_stats = true;
}

void kt_fieldspec_release(kt_fieldspec *s)
{
	for (size_t i = 0; i < s->ngroup; i++)
		free(s->group_by[i]);
	for (size_t i = 0; i < s->nstats; i++)
		free(s->stats[i]);
	free(s->time_field);
	free(s->distinct);
	kt_fieldspec_init(s);
}

static int split_list(const char *flag, const char *list, char **out,
		      size_t *n, size_t max, char *err, size_t errlen)
{
	const char *p = list;
	for (;;) {
		size_t len = strcspn(p, ",");
		if (len == 0)
			return kt_fail(err, errlen, "invalid value '%s' for %s: empty field name",
					list, flag);
		if (*n == max)
			return kt_fail(err, errlen, "invalid value '%s' for %s: at most %zu fields",
					list, flag, max);
		if (!(out[*n] = strndup(p, len)))
			return kt_fail(err, errlen, "out of memory");
		(*n)++;
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

int kt_fieldspec_set_group_by(kt_fieldspec *s, const char *list, char *err,
			      size_t errlen)
{
	return split_list("--group-by", list, s->group_by, &s->ngroup,
			  KT_MAX_GROUP_FIELDS, err, errlen);
}

int kt_fieldspec_set_stats(kt_fieldspec *s, const char *list, char *err,
			   size_t errlen)
{
	s->auto_stats = false;
	return split_list("--stats", list, s->stats, &s->nstats, KT_MAX_STATS, err,
			  errlen);
}

/* The shortest of %.15g and %.17g that reads back as the same double. */
static size_t shortest(char *buf, size_t len, double d)
{
	int n = snprintf(buf, len, "%.15g", d);
	if (strtod(buf, NULL) != d)
		n = snprintf(buf, len, "%.17g", d);
	return (size_t)n;
}

/* Key encoding: per value a type byte ('s', 'n', 't', 'f', 'z'), then for
 * strings and numbers a 2-byte length and the bytes. */
static int key_append(kt_extracted *out, const cJSON *v, enum kt_invalid *reason)
{
	char num[32];
	const char *bytes = NULL;
	size_t len = 0;
	char tag;
	if (cJSON_IsString(v)) {
		tag = 's', bytes = v->valuestring, len = strlen(bytes);
	} else if (cJSON_IsNumber(v)) {
		if (!isfinite(v->valuedouble)) {
			*reason = KT_INVALID_BAD_NUMBER;
			return -1;
		}
		tag = 'n', len = shortest(num, sizeof num, v->valuedouble);
		bytes = num;
	} else if (cJSON_IsTrue(v)) {
		tag = 't';
	} else if (cJSON_IsFalse(v)) {
		tag = 'f';
	} else if (cJSON_IsNull(v)) {
		tag = 'z';
	} else {
		*reason = KT_INVALID_WRONG_TYPE;
		return -1;
	}
	size_t need = 1 + (bytes ? 2 + len : 0);
	if (out->keylen + need > sizeof out->key) {
		*reason = KT_INVALID_TOO_LARGE;
		return -1;
	}
	char *p = out->key + out->keylen;
	*p++ = tag;
	if (bytes) {
		*p++ = (char)(len >> 8);
		*p++ = (char)(len & 0xff);
		memcpy(p, bytes, len);
	}
	out->keylen += need;
	return 0;
}

/* strcmp, with the first byte checked inline: most names differ there and
 * this runs for every field of every record. */
static inline bool same(const char *a, const char *b)
{
	return a[0] == b[0] && strcmp(a, b) == 0;
}

static bool skip_for_auto(const kt_fieldspec *s, const char *name)
{
	if (same(name, "seq") || same(name, "ts"))
		return true;
	if (s->time_field && same(name, s->time_field))
		return true;
	for (size_t i = 0; i < s->ngroup; i++)
		if (same(name, s->group_by[i]))
			return true;
	return false;
}

/* Index of a numeric field in the stats list, adding it when auto. */
static int stat_index(kt_fieldspec *s, const char *name, bool numeric)
{
	for (size_t i = 0; i < s->nstats; i++)
		if (same(s->stats[i], name))
			return (int)i;
	if (!s->auto_stats || !numeric || skip_for_auto(s, name))
		return -1;
	if (s->nstats == KT_MAX_STATS) {
		s->auto_skipped++;
		return -1;
	}
	char *copy = strdup(name);
	if (!copy)
		return -1;
	s->stats[s->nstats] = copy;
	return (int)s->nstats++;
}

static int take_stat(kt_extracted *out, int i, const cJSON *v,
		     enum kt_invalid *reason)
{
	if (cJSON_IsNull(v))
		return 0; /* a null is no value, not an error */
	if (!cJSON_IsNumber(v)) {
		*reason = KT_INVALID_WRONG_TYPE;
		return -1;
	}
	if (!isfinite(v->valuedouble)) {
		*reason = KT_INVALID_BAD_NUMBER;
		return -1;
	}
	if (out->stat_present & (1u << i)) {
		*reason = KT_INVALID_DUPLICATE_KEY;
		return -1;
	}
	out->stat[i] = v->valuedouble;
	out->stat_present |= 1u << i;
	return 0;
}

static int take_time(const cJSON *v, int64_t *t, enum kt_invalid *reason)
{
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (isfinite(d) && d >= -9e15 && d <= 9e15) {
			*t = (int64_t)d;
			return 0;
		}
	} else if (cJSON_IsString(v)) {
		/* The same bound as for numbers: later arithmetic and
		 * formatting rely on it. */
		char err[8];
		int64_t ms;
		if (kt_parse_timestamp_ms("time", v->valuestring, &ms, err, sizeof err) == 0 &&
		    ms >= -9000000000000000 && ms <= 9000000000000000) {
			*t = ms;
			return 0;
		}
	}
	*reason = KT_INVALID_BAD_TIME;
	return -1;
}

int kt_fields_extract(kt_fieldspec *spec, const cJSON *root, kt_extracted *out,
		      enum kt_invalid *reason)
{
	const cJSON *group[KT_MAX_GROUP_FIELDS] = {0};
	const cJSON *time = NULL, *distinct = NULL;
	out->keylen = 0;
	out->stat_present = 0;
	out->distinct = NULL;
	/* One pass over the record's fields; a used field seen twice is a
	 * duplicate key, whichever copy a JSON library would pick. */
	for (const cJSON *c = root->child; c; c = c->next) {
		const char *name = c->string;
		for (size_t i = 0; i < spec->ngroup; i++)
			if (same(name, spec->group_by[i])) {
				if (group[i])
					goto duplicate;
				group[i] = c;
			}
		if (spec->time_field && same(name, spec->time_field)) {
			if (time)
				goto duplicate;
			time = c;
		}
		if (spec->distinct && same(name, spec->distinct)) {
			if (distinct)
				goto duplicate;
			distinct = c;
		}
		int si = stat_index(spec, name, cJSON_IsNumber(c));
		if (si >= 0 && take_stat(out, si, c, reason) < 0)
			return -1;
	}
	for (size_t i = 0; i < spec->ngroup; i++) {
		if (!group[i]) {
			*reason = KT_INVALID_MISSING_FIELD;
			return -1;
		}
		if (key_append(out, group[i], reason) < 0)
			return -1;
	}
	if (!spec->auto_stats) {
		for (size_t i = 0; i < spec->nstats; i++)
			if (!(out->stat_present & (1u << i)) &&
			    !cJSON_GetObjectItemCaseSensitive(root, spec->stats[i])) {
				*reason = KT_INVALID_MISSING_FIELD;
				return -1;
			}
	}
	if (spec->time_field) {
		if (!time) {
			*reason = KT_INVALID_MISSING_FIELD;
			return -1;
		}
		if (take_time(time, &out->time, reason) < 0)
			return -1;
	}
	if (distinct) {
		if (cJSON_IsString(distinct)) {
			out->distinct = distinct->valuestring;
			out->distinct_len = strlen(distinct->valuestring);
		} else if (cJSON_IsNumber(distinct)) {
			/* Numbers count by their text; store it in the spare key
			 * space after the group key. */
			size_t room = sizeof out->key - out->keylen;
			char num[32];
			size_t n = shortest(num, sizeof num, distinct->valuedouble);
			if (n < room) {
				memcpy(out->key + out->keylen, num, n);
				out->distinct = out->key + out->keylen;
				out->distinct_len = n;
			}
		}
	}
	return 0;
duplicate:
	*reason = KT_INVALID_DUPLICATE_KEY;
	return -1;
}

/* Walk to the i-th encoded value; NULL when malformed (an unknown type
 * byte, or a value longer than any key holds: callers copy it into a
 * KT_MAX_KEY_BYTES buffer). */
static const char *key_seek(const char *key, size_t keylen, size_t i,
			    size_t *len)
{
	const char *p = key, *end = key + keylen;
	for (;;) {
		if (p >= end)
			return NULL;
		size_t n = 0;
		if (*p == 's' || *p == 'n') {
			if (end - p < 3)
				return NULL;
			n = ((size_t)(unsigned char)p[1] << 8) | (unsigned char)p[2];
			if ((size_t)(end - p) < 3 + n || n > KT_MAX_KEY_BYTES - 3)
				return NULL;
		} else if (*p != 't' && *p != 'f' && *p != 'z') {
			return NULL;
		}
		if (i == 0) {
			*len = n;
			return p;
		}
		p += (*p == 's' || *p == 'n') ? 3 + n : 1;
		i--;
	}
}

cJSON *kt_key_value(const char *key, size_t keylen, size_t i)
{
	size_t n;
	const char *p = key_seek(key, keylen, i, &n);
	if (!p)
		return NULL;
	char buf[KT_MAX_KEY_BYTES + 1];
	switch (*p) {
	case 's':
		memcpy(buf, p + 3, n);
		buf[n] = '\0';
		return cJSON_CreateString(buf);
	case 'n':
		memcpy(buf, p + 3, n);
		buf[n] = '\0';
		return cJSON_CreateNumber(strtod(buf, NULL));
	case 't':
		return cJSON_CreateTrue();
	case 'f':
		return cJSON_CreateFalse();
	default:
		return cJSON_CreateNull();
	}
}

void kt_key_text(const char *key, size_t keylen, size_t i, char *buf,
		 size_t buflen)
{
	size_t n;
	const char *p = key_seek(key, keylen, i, &n);
	if (!p)
		snprintf(buf, buflen, "?");
	else if (*p == 's' || *p == 'n')
		snprintf(buf, buflen, "%.*s", (int)n, p + 3);
	else
		snprintf(buf, buflen, "%s", *p == 't' ? "true" : *p == 'f' ? "false" : "null");
}
