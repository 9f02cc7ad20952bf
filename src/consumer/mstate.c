/* mstate: the merger's commit metadata, written and read. */
#include "mstate.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSTATE_HEAD "ktrio-merger 1"

void kt_mstate_begin(kt_mstate_buf *b, int64_t written, int64_t read)
{
	int n = written == INT64_MIN
			? snprintf(b->data, sizeof b->data, MSTATE_HEAD " w=- r=%" PRId64, read)
			: snprintf(b->data, sizeof b->data, MSTATE_HEAD " w=%" PRId64 " r=%" PRId64,
				   written, read);
	b->len = n > 0 ? (size_t)n : 0;
}

/* Append token tok (naming topic), or leave b as it was. */
static int add(kt_mstate_buf *b, const char *topic, const char *tok, int n)
{
	if (n < 0 || (size_t)n >= sizeof b->data - b->len || !*topic || strpbrk(topic, " :/"))
		return -1;
	memcpy(b->data + b->len, tok, (size_t)n + 1);
	b->len += (size_t)n;
	return 0;
}

int kt_mstate_add_topic(kt_mstate_buf *b, const char *topic, int32_t partitions)
{
	char tok[KT_MSTATE_MAX];
	return add(b, topic, tok, snprintf(tok, sizeof tok, " t=%s:%" PRId32, topic, partitions));
}

int kt_mstate_add_source(kt_mstate_buf *b, const char *topic, int32_t partition,
			 int64_t sealed)
{
	char tok[KT_MSTATE_MAX];
	int n = sealed == INT64_MAX
			? snprintf(tok, sizeof tok, " s=%s/%" PRId32 ":e", topic, partition)
			: snprintf(tok, sizeof tok, " s=%s/%" PRId32 ":%" PRId64, topic, partition,
				   sealed);
	return add(b, topic, tok, n);
}

/* A whole decimal integer s[0..n) within [min, max]. */
static int number(const char *s, size_t n, int64_t min, int64_t max, int64_t *out)
{
	char buf[24];
	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *end;
	errno = 0;
	long long v = strtoll(buf, &end, 10);
	if (errno || *end || v < min || v > max || buf[0] == ' ' || buf[0] == '+')
		return -1;
	*out = v;
	return 0;
}

/* One "t=" or "s=" token's value: NAME SEP A ':' B. */
static int entry(const char *v, size_t n, bool is_source, kt_mstate_cb cb, void *arg)
{
	const char *colon = memrchr(v, ':', n);
	const char *slash = is_source ? memchr(v, '/', n) : NULL;
	const char *name_end = is_source ? slash : colon;
	if (!colon || !name_end || name_end == v || (is_source && slash > colon))
		return -1;
	int64_t a, sealed = 0;
	if (!is_source)
		return number(colon + 1, (size_t)(v + n - colon - 1), 1, INT32_MAX, &a) < 0
			       ? -1
			       : cb(arg, false, v, (size_t)(colon - v), (int32_t)a, 0);
	if (number(slash + 1, (size_t)(colon - slash - 1), 0, INT32_MAX, &a) < 0)
		return -1;
	size_t sl = (size_t)(v + n - colon - 1);
	if (sl == 1 && colon[1] == 'e')
		sealed = INT64_MAX;
	else if (number(colon + 1, sl, INT64_MIN + 1, INT64_MAX - 1, &sealed) < 0)
		return -1;
	return cb(arg, true, v, (size_t)(slash - v), (int32_t)a, sealed);
}

int kt_mstate_parse(const char *s, size_t len, int64_t *written, int64_t *read,
		    kt_mstate_cb cb, void *arg)
{
	size_t hl = strlen(MSTATE_HEAD);
	if (len < hl || memcmp(s, MSTATE_HEAD, hl) || (len > hl && s[hl] != ' '))
		return -1;
	bool have_w = false, have_r = false;
	for (size_t at = hl; at < len;) {
		at++; /* the space */
		const char *tok = s + at, *sp = memchr(tok, ' ', len - at);
		size_t n = sp ? (size_t)(sp - tok) : len - at;
		at += n;
		if (n < 3 || tok[1] != '=')
			return -1;
		const char *v = tok + 2;
		size_t vn = n - 2;
		int rc;
		if (tok[0] == 'w') {
			have_w = true;
			*written = INT64_MIN;
			rc = vn == 1 && v[0] == '-' ? 0 : number(v, vn, INT64_MIN + 1, INT64_MAX, written);
		} else if (tok[0] == 'r') {
			have_r = true;
			rc = number(v, vn, 0, INT64_MAX, read);
		} else if (tok[0] == 't' || tok[0] == 's') {
			rc = entry(v, vn, tok[0] == 's', cb, arg);
		} else {
			rc = -1;
		}
		if (rc < 0)
			return -1;
	}
	return have_w && have_r ? 0 : -1;
}
