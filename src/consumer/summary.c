/* summary: merge, encode and decode a window's state. */
#include "summary.h"

#include <stdint.h>
#include <string.h>

#include "ktrio/error.h"

static const uint8_t MAGIC[4] = {'K', 'T', 'S', KT_SUMMARY_VERSION};

static void group_encode(const kt_group *g, const kt_fieldspec *spec, kt_wire_buf *b)
{
	kt_wire_put_str(b, g->key, g->keylen);
	kt_wire_put_u64(b, g->count);
	uint32_t n = 0;
	for (size_t i = 0; i < KT_MAX_STATS; i++)
		n += g->stats[i] != NULL;
	kt_wire_put_u32(b, n);
	for (size_t i = 0; i < KT_MAX_STATS; i++) {
		const kt_stat *st = g->stats[i];
		if (!st)
			continue;
		const char *name = i < spec->nstats ? spec->stats[i] : "";
		kt_wire_put_str(b, name, strlen(name));
		kt_moments_encode(&st->moments, b);
		kt_wire_put_u8(b, (uint8_t)(st->min_is_int | st->max_is_int << 1));
		kt_wire_put_u64(b, (uint64_t)st->min_int);
		kt_wire_put_u64(b, (uint64_t)st->max_int);
		kt_sketch_encode(&st->quantiles, b);
	}
	kt_wire_put_u8(b, g->distinct != NULL);
	if (g->distinct)
		kt_hll_encode(g->distinct, b);
}

void kt_summary_encode(const kt_window *w, const kt_fieldspec *spec, size_t from,
		       size_t to, bool totals, kt_wire_buf *b)
{
	kt_wire_put_bytes(b, MAGIC, sizeof MAGIC);
	kt_wire_put_u64(b, (uint64_t)w->start);
	kt_wire_put_u64(b, (uint64_t)w->end);
	kt_wire_put_u64(b, totals ? w->records : 0);
	kt_wire_put_u64(b, totals ? w->bytes : 0);
	kt_wire_put_u64(b, totals ? w->overflow : 0);
	kt_wire_put_u64(b, (uint64_t)w->opened_ms);
	kt_sketch empty;
	kt_sketch_init(&empty);
	kt_sketch_encode(totals ? &w->latency : &empty, b);
	if (to > w->ngroups)
		to = w->ngroups;
	kt_wire_put_u32(b, (uint32_t)(from < to ? to - from : 0));
	for (size_t i = from; i < to; i++)
		group_encode(&w->groups[i], spec, b);
}

size_t kt_summary_group_bytes(const kt_group *g, const kt_fieldspec *spec)
{
	kt_wire_buf b;
	kt_wire_buf_init(&b);
	group_encode(g, spec, &b);
	size_t n = b.failed ? SIZE_MAX : b.len;
	kt_wire_buf_release(&b);
	return n;
}

/* The index of stat `name` in spec, added when auto_stats; -1 if none. */
static int stat_index(kt_fieldspec *spec, const uint8_t *name, size_t len)
{
	for (size_t i = 0; i < spec->nstats; i++)
		if (strlen(spec->stats[i]) == len && !memcmp(spec->stats[i], name, len))
			return (int)i;
	if (!spec->auto_stats || spec->nstats == KT_MAX_STATS || !len ||
	    memchr(name, '\0', len))
		return -1;
	char *copy = strndup((const char *)name, len);
	if (!copy)
		return -1;
	spec->stats[spec->nstats] = copy;
	return (int)spec->nstats++;
}

static int stat_decode(kt_stat *st, kt_wire_reader *r)
{
	if (kt_moments_decode(&st->moments, r) < 0)
		return -1;
	uint8_t flags = kt_wire_get_u8(r);
	st->min_int = (int64_t)kt_wire_get_u64(r);
	st->max_int = (int64_t)kt_wire_get_u64(r);
	st->min_is_int = flags & 1;
	st->max_is_int = (flags >> 1) & 1;
	if (r->bad || flags > 3 || kt_sketch_decode(&st->quantiles, r) < 0)
		return -1;
	const kt_moments *m = &st->moments;
	/* What adding values makes: as many in the sketch as in the moments,
	 * one or more, with ordered extremes. */
	return m->count && m->count == st->quantiles.count && m->min <= m->max ? 0 : -1;
}

/* One group into w (a group of that key must not be there yet). */
static int group_decode(kt_window *w, kt_fieldspec *spec, kt_wire_reader *r, char *err,
			size_t errlen)
{
	size_t keylen;
	const uint8_t *key = kt_wire_get_str(r, &keylen);
	uint64_t count = kt_wire_get_u64(r);
	uint32_t nstats = kt_wire_get_u32(r);
	if (r->bad || !count || nstats > KT_MAX_STATS)
		return kt_fail(err, errlen, "malformed group");
	bool oom = false;
	size_t before = w->ngroups;
	kt_group *g = kt_window_group(w, (const char *)key, keylen, &oom);
	if (!g)
		return kt_fail(err, errlen, oom ? "out of memory" : "more groups than --max-groups");
	if (w->ngroups == before)
		return kt_fail(err, errlen, "malformed summary: a group given twice");
	g->count = count;
	for (uint32_t k = 0; k < nstats; k++) {
		size_t len;
		const uint8_t *name = kt_wire_get_str(r, &len);
		int i = r->bad ? -1 : stat_index(spec, name, len);
		if (i < 0)
			return kt_fail(err, errlen, "malformed summary: stat '%.*s' unknown",
				       (int)(len > 64 ? 64 : len), name ? (const char *)name : "");
		if (g->stats[i])
			return kt_fail(err, errlen, "malformed summary: a stat given twice");
		if (!(g->stats[i] = kt_stat_new()))
			return kt_fail(err, errlen, "out of memory");
		if (stat_decode(g->stats[i], r) < 0 || g->stats[i]->moments.count > count)
			return kt_fail(err, errlen, "malformed stat");
	}
	uint8_t has_distinct = kt_wire_get_u8(r);
	if (has_distinct > 1 || (has_distinct && !(g->distinct = kt_hll_decode(r))))
		return kt_fail(err, errlen, "malformed distinct counter");
	return 0;
}

int kt_summary_decode(kt_window *w, kt_fieldspec *spec, const void *data, size_t len,
		      char *err, size_t errlen)
{
	kt_wire_reader r;
	kt_wire_reader_init(&r, data, len);
	const uint8_t *magic = kt_wire_get_bytes(&r, sizeof MAGIC);
	if (!magic || memcmp(magic, MAGIC, sizeof MAGIC - 1))
		return kt_fail(err, errlen, "not a summary");
	if (magic[3] != KT_SUMMARY_VERSION)
		return kt_fail(err, errlen, "summary version %u, not %u", magic[3],
			       KT_SUMMARY_VERSION);
	w->start = (int64_t)kt_wire_get_u64(&r);
	w->end = (int64_t)kt_wire_get_u64(&r);
	w->records = kt_wire_get_u64(&r);
	w->bytes = kt_wire_get_u64(&r);
	w->overflow = kt_wire_get_u64(&r);
	w->opened_ms = (int64_t)kt_wire_get_u64(&r);
	kt_sketch_release(&w->latency);
	if (kt_sketch_decode(&w->latency, &r) < 0)
		return kt_fail(err, errlen, "malformed latency sketch");
	uint32_t ngroups = kt_wire_get_u32(&r);
	uint64_t counted = 0;
	for (uint32_t i = 0; i < ngroups; i++) {
		if (r.bad || group_decode(w, spec, &r, err, errlen) < 0)
			return r.bad ? kt_fail(err, errlen, "truncated summary") : -1;
		counted += w->groups[w->ngroups - 1].count;
	}
	if (r.bad)
		return kt_fail(err, errlen, "truncated summary");
	if (r.left)
		return kt_fail(err, errlen, "%zu bytes after the summary", r.left);
	/* A piece carries its window's totals or none of them. */
	if (w->records && counted > w->records)
		return kt_fail(err, errlen, "malformed summary: groups count more than the records");
	return 0;
}

static int group_merge(kt_group *dst, const kt_group *src)
{
	for (size_t i = 0; i < KT_MAX_STATS; i++) {
		if (!src->stats[i])
			continue;
		if (!dst->stats[i] && !(dst->stats[i] = kt_stat_new()))
			return -1;
		if (kt_stat_merge(dst->stats[i], src->stats[i]) < 0)
			return -1;
	}
	if (src->distinct) {
		if (!dst->distinct && !(dst->distinct = kt_hll_new()))
			return -1;
		if (kt_hll_merge(dst->distinct, src->distinct) < 0)
			return -1;
	}
	dst->count += src->count;
	return 0;
}

int kt_summary_merge(kt_window *dst, const kt_window *src)
{
	dst->records += src->records;
	dst->bytes += src->bytes;
	dst->overflow += src->overflow;
	if (kt_sketch_merge(&dst->latency, &src->latency) < 0)
		return -1;
	for (size_t i = 0; i < src->ngroups; i++) {
		const kt_group *s = &src->groups[i];
		bool oom = false;
		kt_group *g = kt_window_group(dst, s->key, s->keylen, &oom);
		if (oom)
			return -1;
		if (!g) { /* full: counted as overflow, as adding would */
			dst->overflow += s->count;
			dst->records -= s->count <= dst->records ? s->count : dst->records;
			continue;
		}
		if (group_merge(g, s) < 0)
			return -1;
	}
	return 0;
}
