/* fields: group key, stat values, event time and distinct field of a record. */
#include "fields.h"
#include "ktrio/error.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktrio/json.h"
#include "ktrio/number.h"
#include "ktrio/parse.h"

static void no_roles(kt_fieldspec *s)
{
	for (size_t i = 0; i < KT_RECORD_MAX_KEYS; i++)
		s->role[i] = (struct kt_field_role){.group = -1, .stat = -1};
}

void kt_fieldspec_init(kt_fieldspec *s)
{
	memset(s, 0, sizeof *s);
	s->auto_stats = true;
	no_roles(s);
}

bool kt_fields_add_keys(kt_fieldspec *spec, kt_record_keys *k)
{
	if (spec->auto_stats)
		return false;
	no_roles(spec);
	for (size_t i = 0; i < spec->ngroup; i++) {
		int t = kt_record_keys_add(k, spec->group_by[i]);
		if (t < 0)
			return false;
		spec->role[t].group = (int8_t)i;
	}
	for (size_t i = 0; i < spec->nstats; i++) {
		int t = kt_record_keys_add(k, spec->stats[i]);
		if (t < 0)
			return false;
		spec->role[t].stat = (int8_t)i;
	}
	if (spec->time_field) {
		int t = kt_record_keys_add(k, spec->time_field);
		if (t < 0)
			return false;
		spec->role[t].time = true;
	}
	if (spec->distinct) {
		int t = kt_record_keys_add(k, spec->distinct);
		if (t < 0)
			return false;
		spec->role[t].distinct = true;
	}
	return true;
}

void kt_fieldspec_release(kt_fieldspec *s)
{
	for (size_t i = 0; i < s->ngroup; i++)
		free(s->group_by[i]);
	for (size_t i = 0; i < s->nstats; i++)
		free(s->stats[i]);
	for (size_t i = 0; i < s->auto_skipped; i++)
		free(s->skipped[i]);
	free(s->time_field);
	free(s->distinct);
	free(s->scratch);
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
		/* Twice would give duplicate JSON keys and CSV columns. */
		for (size_t i = 0; i < *n; i++)
			if (!strncmp(out[i], p, len) && out[i][len] == '\0')
				return kt_fail(err, errlen,
					       "invalid value '%s' for %s: field '%.*s' named twice",
					       list, flag, (int)len, p);
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

/* The bytes of a string node: kt_json_parse keeps the length in
 * valueint (strings may hold NULs); cJSON_Parse leaves it 0 and has no
 * NULs inside strings. */
/* cJSON's type tests inline (cJSON_IsNumber and the others are calls into
 * the library, several per field of every record): the same test, on the
 * low byte of the type. */
static inline bool is_type(int type, const cJSON *v)
{
	return v && (v->type & 0xFF) == type;
}

static size_t string_len(const cJSON *v)
{
	return v->valueint > 0 ? (size_t)v->valueint : strlen(v->valuestring);
}

/* A number's text in the key: an integer the parser kept exactly (2^53
 * and up) as written, else the shortest text of its double, with -0 as 0
 * (equal numbers make one key). */
static size_t number_text(const cJSON *v, char *buf, const char **text)
{
	if (v->valuestring) {
		*text = v->valuestring;
		return strlen(v->valuestring);
	}
	*text = buf;
	return kt_number_format(v->valuedouble == 0 ? 0.0 : v->valuedouble, buf);
}

/* Room for need more bytes in spec's scratch after used; -1 when out of
 * memory. */
static int scratch_room(kt_fieldspec *s, size_t used, size_t need)
{
	if (s->scratch_cap - used >= need)
		return 0;
	size_t cap = s->scratch_cap ? s->scratch_cap : 256;
	while (cap - used < need)
		cap *= 2;
	char *p = realloc(s->scratch, cap);
	if (!p)
		return -1;
	s->scratch = p;
	s->scratch_cap = cap;
	return 0;
}

/* Key encoding: per value a type byte ('s', 'n', 't', 'f', 'z'), then for
 * strings and numbers a 4-byte big-endian length and the bytes. Appends v
 * at scratch + *used; -1 with *reason when v cannot be a key value, or
 * too_large when memory runs out. */
static int encode_value(kt_fieldspec *s, size_t *used, const cJSON *v,
			enum kt_invalid *reason)
{
	char num[KT_NUMBER_MAX];
	const char *bytes = NULL;
	size_t len = 0;
	char tag;
	if (is_type(cJSON_String, v)) {
		tag = 's', bytes = v->valuestring, len = string_len(v);
	} else if (is_type(cJSON_Number, v)) {
		if (!isfinite(v->valuedouble)) {
			*reason = KT_INVALID_BAD_NUMBER;
			return -1;
		}
		tag = 'n', len = number_text(v, num, &bytes);
	} else if (is_type(cJSON_True, v)) {
		tag = 't';
	} else if (is_type(cJSON_False, v)) {
		tag = 'f';
	} else if (is_type(cJSON_NULL, v)) {
		tag = 'z';
	} else {
		*reason = KT_INVALID_WRONG_TYPE;
		return -1;
	}
	size_t need = 1 + (bytes ? 4 + len : 0);
	if (len > UINT32_MAX || scratch_room(s, *used, need) < 0) {
		*reason = KT_INVALID_TOO_LARGE;
		return -1;
	}
	unsigned char *p = (unsigned char *)s->scratch + *used;
	*p++ = (unsigned char)tag;
	if (bytes) {
		for (int shift = 24; shift >= 0; shift -= 8)
			*p++ = (unsigned char)(len >> shift);
		memcpy(p, bytes, len);
	}
	*used += need;
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

/* A numeric field auto stats has no room for, counted once by name. */
static void note_skipped(kt_fieldspec *s, const char *name)
{
	for (size_t i = 0; i < s->auto_skipped; i++)
		if (same(s->skipped[i], name))
			return;
	if (s->auto_skipped < KT_MAX_AUTO_SKIPPED &&
	    (s->skipped[s->auto_skipped] = strdup(name)))
		s->auto_skipped++;
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
		note_skipped(s, name);
		return -1;
	}
	char *copy = strdup(name);
	if (!copy)
		return -1;
	s->stats[s->nstats] = copy;
	return (int)s->nstats++;
}

/* Bit i of the stat masks. */
#define BIT(i) (UINT32_C(1) << (i))

/* A stat field's value; anything but a finite number is no value (the
 * window counts the record as skipped for that stat), and so is a field
 * given twice (dup: its bit, set at the first copy). */
static void take_stat(kt_extracted *out, int i, const cJSON *v, uint32_t *seen)
{
	if (*seen & BIT(i)) {
		out->stat_present &= ~BIT(i);
		out->stat_exact &= ~BIT(i);
		return;
	}
	*seen |= BIT(i);
	if (!is_type(cJSON_Number, v) || !isfinite(v->valuedouble))
		return;
	/* -0 as 0, as in keys: min, max and the quantiles keep the first of
	 * equal values, and would print 0 or -0 as the records came. */
	out->stat[i] = v->valuedouble == 0 ? 0.0 : v->valuedouble;
	out->stat_present |= BIT(i);
	if (v->valuestring) { /* an integer of 2^53 or more, exact if it fits */
		errno = 0;
		char *end;
		long long n = strtoll(v->valuestring, &end, 10);
		if (errno == 0 && *end == '\0') {
			out->stat_int[i] = n;
			out->stat_exact |= BIT(i);
		}
	}
}

/* Whether a member before c in root has c's name: auto stats find a field
 * at its first number, and a copy before it that was no number (a string,
 * null) must still make it given twice. Only when a field is found: rare. */
static bool named_before(const cJSON *root, const cJSON *c, const char *name)
{
	for (const cJSON *m = root->child; m != c; m = m->next)
		if (same(m->string, name))
			return true;
	return false;
}

static int take_time(const cJSON *v, int64_t *t, enum kt_invalid *reason)
{
	if (is_type(cJSON_Number, v)) {
		double d = v->valuedouble;
		if (isfinite(d) && d >= -9e15 && d <= 9e15) {
			*t = (int64_t)d;
			return 0;
		}
	} else if (is_type(cJSON_String, v)) {
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

/* The distinct value, encoded as one key value after the group key in
 * scratch; none for objects and arrays. -1 when out of memory. */
static int take_distinct(kt_fieldspec *spec, size_t used, const cJSON *v,
			 kt_extracted *out)
{
	enum kt_invalid ignored;
	if (is_type(cJSON_Object, v) || is_type(cJSON_Array, v) ||
	    (is_type(cJSON_Number, v) && !isfinite(v->valuedouble)))
		return 0;
	size_t end = used;
	if (encode_value(spec, &end, v, &ignored) < 0)
		return -1;
	out->distinct = spec->scratch + used;
	out->distinct_len = end - used;
	return 0;
}

int kt_fields_extract(kt_fieldspec *spec, const cJSON *root, kt_extracted *out,
		      enum kt_invalid *reason)
{
	const cJSON *group[KT_MAX_GROUP_FIELDS] = {0};
	const cJSON *time = NULL, *distinct = NULL;
	bool distinct_twice = false, twice = false;
	uint32_t seen = 0;
	out->key = NULL;
	out->keylen = 0;
	out->stat_present = out->stat_exact = 0;
	out->distinct = NULL;
	out->distinct_len = 0;
	/* One pass over the record's fields; a group or time field seen twice
	 * is a duplicate key, whichever copy a JSON library would pick. */
	for (const cJSON *c = root->child; c; c = c->next) {
		int tag = kt_json_member_tag(c);
		if (tag >= 0) { /* what it is for, by its tag (kt_fields_add_keys) */
			const struct kt_field_role *r = &spec->role[tag];
			if (r->group >= 0) {
				if (group[r->group])
					goto duplicate;
				group[r->group] = c;
			}
			if (r->time) {
				if (time)
					goto duplicate;
				time = c;
			}
			if (r->distinct) {
				distinct_twice = distinct != NULL;
				distinct = c;
			}
			if (r->stat >= 0)
				take_stat(out, r->stat, c, &seen);
			continue;
		}
		/* By name, a group or time field twice does not end the pass:
		 * auto stats find every field of a record, in whatever order
		 * they come, as in a record refused for a missing field. */
		const char *name = c->string;
		for (size_t i = 0; i < spec->ngroup; i++)
			if (same(name, spec->group_by[i])) {
				twice |= group[i] != NULL;
				group[i] = group[i] ? group[i] : c;
			}
		if (spec->time_field && same(name, spec->time_field)) {
			twice |= time != NULL;
			time = time ? time : c;
		}
		if (spec->distinct && same(name, spec->distinct)) {
			distinct_twice = distinct != NULL;
			distinct = c;
		}
		size_t known = spec->nstats;
		int si = stat_index(spec, name, is_type(cJSON_Number, c));
		if (si >= 0) {
			if ((size_t)si == known && named_before(root, c, name))
				seen |= BIT(si); /* found now: a copy before makes it twice */
			take_stat(out, si, c, &seen);
		}
	}
	if (twice)
		goto duplicate;
	size_t used = 0;
	for (size_t i = 0; i < spec->ngroup; i++) {
		if (!group[i]) {
			*reason = KT_INVALID_MISSING_FIELD;
			return -1;
		}
		if (encode_value(spec, &used, group[i], reason) < 0)
			return -1;
	}
	if (spec->time_field) {
		if (!time) {
			*reason = KT_INVALID_MISSING_FIELD;
			return -1;
		}
		if (take_time(time, &out->time, reason) < 0)
			return -1;
	}
	if (distinct && !distinct_twice && take_distinct(spec, used, distinct, out) < 0) {
		*reason = KT_INVALID_TOO_LARGE;
		return -1;
	}
	out->key = spec->scratch; /* after take_distinct: it may move scratch */
	out->keylen = used;
	if (out->distinct)
		out->distinct = spec->scratch + used;
	return 0;
duplicate:
	*reason = KT_INVALID_DUPLICATE_KEY;
	return -1;
}

int kt_key_part_at(const char *key, size_t keylen, size_t i, kt_key_part *out)
{
	const unsigned char *p = (const unsigned char *)key, *end = p + keylen;
	for (;;) {
		if (p >= end)
			return -1;
		char type = (char)*p;
		size_t n = 0, head = 1;
		if (type == 's' || type == 'n') {
			if (end - p < 5)
				return -1;
			n = (size_t)p[1] << 24 | (size_t)p[2] << 16 | (size_t)p[3] << 8 | p[4];
			head = 5;
			if ((size_t)(end - p) - head < n)
				return -1;
		} else if (type != 't' && type != 'f' && type != 'z') {
			return -1;
		}
		if (i == 0) {
			*out = (kt_key_part){type, (const char *)p + head, n};
			return 0;
		}
		p += head + n;
		i--;
	}
}

/* A whole JSON number per RFC 8259. */
static bool json_number(const char *s, size_t len)
{
	size_t i = 0;
	if (i < len && s[i] == '-')
		i++;
	if (i == len || !isdigit((unsigned char)s[i]))
		return false;
	if (s[i] == '0')
		i++;
	else
		while (i < len && isdigit((unsigned char)s[i]))
			i++;
	if (i < len && s[i] == '.') {
		if (++i == len || !isdigit((unsigned char)s[i]))
			return false;
		while (i < len && isdigit((unsigned char)s[i]))
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		if (++i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i == len || !isdigit((unsigned char)s[i]))
			return false;
		while (i < len && isdigit((unsigned char)s[i]))
			i++;
	}
	return i == len;
}

static bool is_word(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(s, word, len) == 0;
}

bool kt_key_string_needs_quotes(const char *s, size_t len)
{
	if (len == 0 || s[0] == '"' || is_word(s, len, "true") || is_word(s, len, "false") ||
	    is_word(s, len, "null") || json_number(s, len))
		return true;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}
