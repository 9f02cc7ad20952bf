/* parse: checked parsers for command-line values. */
#include "ktrio/parse.h"
#include "ktrio/error.h"
#include "ktrio/vec.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int fail(char *err, size_t errlen, const char *flag, const char *s,
		const char *why)
{
	return kt_fail(err, errlen, "invalid value '%s' for %s: %s", s, flag, why);
}

int kt_parse_int(const char *flag, const char *s, int64_t min, int64_t max,
		 int64_t *out, char *err, size_t errlen)
{
	if (!s || !*s || isspace((unsigned char)*s))
		return fail(err, errlen, flag, s ? s : "", "expected an integer");
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (*end != '\0')
		return fail(err, errlen, flag, s, "expected an integer");
	if (errno == ERANGE || v < min || v > max) {
		char why[96];
		snprintf(why, sizeof why, "must be between %lld and %lld",
			 (long long)min, (long long)max);
		return fail(err, errlen, flag, s, why);
	}
	*out = v;
	return 0;
}

int kt_parse_double(const char *flag, const char *s, double min, double max,
		    double *out, char *err, size_t errlen)
{
	if (!s || !*s || isspace((unsigned char)*s))
		return fail(err, errlen, flag, s ? s : "", "expected a number");
	/* strtod alone would also take hex ("0x10"), "nan" and "inf". */
	if (strspn(s, "0123456789.eE+-") != strlen(s))
		return fail(err, errlen, flag, s, "expected a number");
	errno = 0;
	char *end;
	double v = strtod(s, &end);
	if (*end != '\0' || !isfinite(v))
		return fail(err, errlen, flag, s, "expected a number");
	if (errno == ERANGE || v < min || v > max) {
		char why[96];
		snprintf(why, sizeof why, "must be between %g and %g", min, max);
		return fail(err, errlen, flag, s, why);
	}
	*out = v;
	return 0;
}

int kt_parse_duration_ms(const char *flag, const char *s, int64_t *out_ms,
			 char *err, size_t errlen)
{
	static const char *why = "expected a duration such as 250ms, 5s, 2m or 1h";
	if (!s || !*s || !(isdigit((unsigned char)*s) || *s == '.'))
		return fail(err, errlen, flag, s ? s : "", why);
	if (strcmp(s, "0") == 0) {
		*out_ms = 0;
		return 0;
	}
	errno = 0;
	char *unit;
	double v = strtod(s, &unit);
	double scale;
	/* The number must be decimal: strtod would also read "0x1s" as hex. */
	if (unit == s || errno == ERANGE ||
	    strspn(s, "0123456789.eE+-") < (size_t)(unit - s))
		return fail(err, errlen, flag, s, why);
	if (strcmp(unit, "ms") == 0)
		scale = 1;
	else if (strcmp(unit, "s") == 0)
		scale = 1000;
	else if (strcmp(unit, "m") == 0)
		scale = 60e3;
	else if (strcmp(unit, "h") == 0)
		scale = 3600e3;
	else if (*unit == '\0')
		return fail(err, errlen, flag, s, "missing unit (ms, s, m or h)");
	else
		return fail(err, errlen, flag, s, why);
	double ms = v * scale;
	if (!isfinite(ms) || ms > 30.0 * 86400e3)
		return fail(err, errlen, flag, s, "must be at most 30 days");
	*out_ms = (int64_t)llround(ms);
	return 0;
}

int kt_parse_rate(const char *flag, const char *s, double *out, char *err,
		  size_t errlen)
{
	return kt_parse_double(flag, s, 0, 1e7, out, err, errlen);
}

/* Read exactly n digits into *v; return the position after them or NULL. */
static const char *digits(const char *p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++, p++) {
		if (!isdigit((unsigned char)*p))
			return NULL;
		*v = *v * 10 + (*p - '0');
	}
	return p;
}

static int parse_iso8601(const char *s, int64_t *out_ms)
{
	int Y, M, D, h, m, sec = 0, ms = 0;
	const char *p = digits(s, 4, &Y);
	if (!p || *p++ != '-' || !(p = digits(p, 2, &M)) || *p++ != '-' ||
	    !(p = digits(p, 2, &D)) || (*p != 'T' && *p != ' '))
		return -1;
	p++;
	if (!(p = digits(p, 2, &h)) || *p++ != ':' || !(p = digits(p, 2, &m)))
		return -1;
	if (*p == ':') {
		if (!(p = digits(p + 1, 2, &sec)))
			return -1;
		if (*p == '.' || *p == ',') {
			int scale = 100;
			p++;
			if (!isdigit((unsigned char)*p))
				return -1;
			for (; isdigit((unsigned char)*p); p++, scale /= 10)
				ms += (*p - '0') * scale; /* digits past ms drop */
		}
	}
	int offset_min = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
		if (!(p = digits(p, 2, &oh)))
			return -1;
		if (*p == ':') { /* "+01:" without minutes is malformed */
			if (!(p = digits(p + 1, 2, &om)))
				return -1;
		} else if (*p && !(p = digits(p, 2, &om))) {
			return -1;
		}
		if (oh > 23 || om > 59)
			return -1;
		offset_min = sign * (oh * 60 + om);
	} else {
		return -2; /* no zone */
	}
	if (*p || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 ||
	    sec > 60)
		return -1;
	struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D,
			.tm_hour = h, .tm_min = m, .tm_sec = sec};
	time_t t = timegm(&tm);
	if (tm.tm_mday != D) /* timegm normalised e.g. Feb 30 */
		return -1;
	*out_ms = ((int64_t)t - (int64_t)offset_min * 60) * 1000 + ms;
	return 0;
}

int kt_parse_timestamp_ms(const char *flag, const char *s, int64_t *out_ms,
			  char *err, size_t errlen)
{
	if (!s || !*s)
		return fail(err, errlen, flag, "", "expected a time");
	size_t n = strspn(s, "0123456789");
	if (n == strlen(s))
		return kt_parse_int(flag, s, 0, INT64_MAX / 2, out_ms, err, errlen);
	int rc = parse_iso8601(s, out_ms);
	if (rc == -2)
		return fail(err, errlen, flag, s,
			    "time zone missing (add Z or an offset such as +01:00)");
	if (rc < 0)
		return fail(err, errlen, flag, s,
			    "expected ISO-8601 with zone (2026-01-31T12:00:00Z) "
			    "or epoch milliseconds");
	return 0;
}

void kt_format_iso8601_ms(int64_t ms, char *buf, size_t buflen)
{
	/* Floor division without negating ms (-INT64_MIN overflows). */
	int64_t secs = ms / 1000;
	int milli = (int)(ms % 1000);
	if (milli < 0) {
		milli += 1000;
		secs--;
	}
	time_t t = (time_t)secs;
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, buflen, "%lld", (long long)ms);
		return;
	}
	/* Fields by hand rather than strftime: %Y does not pad years below
	 * 1000 (which the parser then refuses) and a 9-digit year (the largest
	 * timestamps the parser accepts) overflowed a fixed buffer. */
	snprintf(buf, buflen, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 (long long)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, milli);
}

void kt_i32list_init(kt_i32list *l)
{
	l->v = NULL;
	l->n = l->cap = 0;
}

void kt_i32list_release(kt_i32list *l)
{
	free(l->v);
	kt_i32list_init(l);
}

int kt_i32list_push(kt_i32list *l, int32_t x)
{
	if (KT_VEC_RESERVE(l->v, l->n, l->cap, 1) < 0)
		return -1;
	l->v[l->n++] = x;
	return 0;
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

void kt_i32list_sort_unique(kt_i32list *l)
{
	if (l->n < 2)
		return;
	qsort(l->v, l->n, sizeof *l->v, cmp_i32);
	size_t w = 1;
	for (size_t r = 1; r < l->n; r++)
		if (l->v[r] != l->v[w - 1])
			l->v[w++] = l->v[r];
	l->n = w;
}

/* One id at *p: digits only, within int32. Advances *p. */
static int partition_id(const char **p, int64_t *v)
{
	const char *q = *p;
	if (!isdigit((unsigned char)*q))
		return -1;
	int64_t x = 0;
	for (; isdigit((unsigned char)*q); q++) {
		x = x * 10 + (*q - '0');
		if (x > INT32_MAX)
			return -1;
	}
	*p = q;
	*v = x;
	return 0;
}

int kt_parse_partitions(const char *flag, const char *s, kt_i32list *out,
			char *err, size_t errlen)
{
	static const char *why = "expected partitions such as 0,2,4-7";
	if (!s || !*s)
		return fail(err, errlen, flag, "", why);
	/* On error, drop what this call appended: *out stays as it was. */
	const size_t n0 = out->n;
	const char *p = s, *what = why;
	for (;;) {
		int64_t lo, hi;
		if (partition_id(&p, &lo) < 0)
			break;
		hi = lo;
		if (*p == '-') {
			p++;
			if (partition_id(&p, &hi) < 0)
				break;
			if (hi < lo) {
				what = "range end is below its start";
				break;
			}
		}
		if (out->n + (size_t)(hi - lo + 1) > 1000000) {
			what = "too many partitions";
			break;
		}
		int oom = 0;
		for (int64_t x = lo; x <= hi && !oom; x++)
			oom = kt_i32list_push(out, (int32_t)x) < 0;
		if (oom) {
			what = "out of memory";
			break;
		}
		if (*p == '\0')
			return 0;
		if (*p++ != ',')
			break;
	}
	out->n = n0;
	return fail(err, errlen, flag, s, what);
}
