/* report: the consumer's per-window output as table, JSON or CSV. */
#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cell.h"
#include "ktrio/error.h"
#include "ktrio/number.h"
#include "ktrio/parse.h"
#include "ktrio/vec.h"
#include "term.h"

void kt_report_init(kt_report *r, enum kt_format format, size_t top,
		    bool top_explicit, const kt_fieldspec *spec)
{
	memset(r, 0, sizeof *r);
	r->format = format;
	r->top = top;
	r->top_explicit = top_explicit;
	r->spec = spec;
	kt_emit_init(&r->text);
	kt_emit_init(&r->cell);
	kt_emit_init(&r->pieces);
	kt_table_init(&r->table);
}

static void free_pending(kt_report *r)
{
	free(r->pending);
	r->pending = NULL;
	r->npending = r->pending_cap = 0;
}

void kt_report_release(kt_report *r)
{
	free_pending(r);
	kt_emit_release(&r->text);
	kt_emit_release(&r->cell);
	kt_emit_release(&r->pieces);
	free(r->quantile_texts);
	r->quantile_texts = NULL;
	kt_table_release(&r->table);
}

/* Records and bytes per second over the time the window was open. */
typedef struct rates {
	double records, bytes;
} rates;

static rates rates_of(const kt_window *w)
{
	double secs = kt_window_open_seconds(w, w->written_ms); /* > 0 */
	return (rates){(double)w->records / secs, (double)w->bytes / secs};
}

/* Groups whose text is buffered before it is written out: bounds the
 * buffer for windows of many groups (its capacity doubles past this, so
 * about twice it). Writes of 64 KiB already cost little each; at 1 MiB a
 * window of 100,000 groups held a 2 MiB buffer at the consumer's peak. */
#define FLUSH_BYTES (64 << 10)

/* The quantiles every stat shows, for kt_sketch_quantiles (ascending). */
static const double quantile_qs[3] = {0.50, 0.95, 0.99};

/* The minimum or maximum of a stat: exact when an integer of 2^53 or more. */
static void emit_extreme(kt_emit *e, double d, bool is_int, int64_t exact, const char *none)
{
	if (is_int)
		kt_emit_int(e, exact);
	else
		kt_emit_double(e, d, none);
}

/* ---- JSON ------------------------------------------------------------ */

/* `"name":` with name escaped as JSON wants. */
static void json_name(kt_emit *e, const char *name)
{
	kt_emit_json_string(e, name, strlen(name));
	kt_emit_char(e, ':');
}

static void json_uint(kt_emit *e, const char *field, uint64_t v)
{
	kt_emit_str(e, field);
	kt_emit_uint(e, v);
}

static void json_double(kt_emit *e, const char *field, double v)
{
	kt_emit_str(e, field);
	kt_emit_double(e, v, "null");
}

/* The `"name":` texts of the fields, escaped once for the window rather
 * than once per group (auto stats may have found new fields since the
 * last one). -1 when memory ran out. */
static int json_names(kt_report *r)
{
	const kt_fieldspec *s = r->spec;
	kt_emit *e = &r->pieces;
	size_t n = 0;
	e->len = 0;
	e->failed = false;
	for (size_t i = 0; i < s->ngroup; i++, n++) {
		json_name(e, s->group_by[i]);
		r->name_end[n] = e->len;
	}
	for (size_t i = 0; i < s->nstats; i++, n++) {
		json_name(e, s->stats[i]);
		r->name_end[n] = e->len;
	}
	if (s->distinct)
		json_name(e, s->distinct);
	r->name_end[n] = e->len;
	return e->failed ? -1 : 0;
}

/* Field i's `"name":` (see json_names). */
static void json_name_at(kt_emit *e, const kt_report *r, size_t i)
{
	size_t from = i ? r->name_end[i - 1] : 0;
	kt_emit_bytes(e, r->pieces.buf + from, r->name_end[i] - from);
}

/* One stat of a group; st NULL when none of its records had a value. */
static void stat_json(kt_emit *e, kt_numcache *qt, const kt_stat *st, uint64_t group_count)
{
	uint64_t n = st ? st->moments.count : 0;
	json_uint(e, "{\"count\":", n);
	json_uint(e, ",\"skipped\":", group_count - n);
	if (!st) {
		kt_emit_str(e, ",\"sum\":0,\"mean\":null,\"min\":null,\"max\":null,\"stddev\":null,"
			       "\"p50\":null,\"p95\":null,\"p99\":null}");
		return;
	}
	const kt_moments *m = &st->moments;
	double p[3];
	kt_sketch_quantiles(&st->quantiles, quantile_qs, 3, p);
	double sum, mean, sd;
	kt_moments_figures(m, &sum, &mean, &sd);
	json_double(e, ",\"sum\":", sum);
	json_double(e, ",\"mean\":", mean);
	kt_emit_str(e, ",\"min\":");
	emit_extreme(e, m->min, st->min_is_int, st->min_int, "null");
	kt_emit_str(e, ",\"max\":");
	emit_extreme(e, m->max, st->max_is_int, st->max_int, "null");
	json_double(e, ",\"stddev\":", sd);
	static const char *const names[3] = {",\"p50\":", ",\"p95\":", ",\"p99\":"};
	for (int i = 0; i < 3; i++) {
		kt_emit_str(e, names[i]);
		kt_emit_double_cached(e, qt, p[i], "null");
	}
	kt_emit_char(e, '}');
}

static void group_json(kt_emit *e, const kt_report *r, const kt_group *g)
{
	const kt_fieldspec *spec = r->spec;
	kt_emit_str(e, "{\"key\":{");
	for (size_t i = 0; i < spec->ngroup; i++) {
		kt_key_part part;
		if (i)
			kt_emit_char(e, ',');
		json_name_at(e, r, i);
		if (kt_key_part_at(g->key, g->keylen, i, &part) == 0)
			kt_emit_key_json(e, &part);
		else
			kt_emit_str(e, "null"); /* never: keys are made by fields.c */
	}
	json_uint(e, "},\"count\":", g->count);
	kt_emit_str(e, ",\"stats\":{");
	for (size_t i = 0; i < spec->nstats; i++) {
		if (i)
			kt_emit_char(e, ',');
		json_name_at(e, r, spec->ngroup + i);
		stat_json(e, r->quantile_texts, g->stats[i], g->count);
	}
	kt_emit_char(e, '}');
	if (spec->distinct) {
		kt_emit_str(e, ",\"distinct\":{");
		json_name_at(e, r, spec->ngroup + spec->nstats);
		kt_emit_uint(e, g->distinct ? kt_hll_estimate(g->distinct) : 0);
		kt_emit_char(e, '}');
	}
	kt_emit_char(e, '}');
}

static void head_json(kt_emit *e, const kt_window *w, const kt_health *h)
{
	char start[40], end[40];
	kt_format_iso8601_ms(w->start, start, sizeof start);
	kt_format_iso8601_ms(w->end, end, sizeof end);
	kt_emit_str(e, "{\"window_start\":");
	kt_emit_json_string(e, start, strlen(start));
	kt_emit_str(e, ",\"window_end\":");
	kt_emit_json_string(e, end, strlen(end));
	json_uint(e, ",\"records\":", w->records);
	json_uint(e, ",\"invalid\":", h->invalid_total);
	kt_emit_str(e, ",\"invalid_by_reason\":{");
	bool first = true;
	for (int i = 0; i < KT_INVALID_COUNT; i++) {
		if (!h->invalid[i])
			continue;
		if (!first)
			kt_emit_char(e, ',');
		first = false;
		json_name(e, kt_invalid_name(i));
		kt_emit_uint(e, h->invalid[i]);
	}
	json_uint(e, "},\"filtered\":", h->filtered);
	json_uint(e, ",\"late\":", h->late);
	kt_emit_str(e, w->partial ? ",\"partial\":true" : ",\"partial\":false");
}

static void tail_json(kt_emit *e, const kt_window *w, const kt_health *h,
		      uint64_t other_groups, uint64_t other_count)
{
	rates per_s = rates_of(w);
	json_uint(e, ",\"other\":{\"groups\":", other_groups);
	json_uint(e, ",\"count\":", other_count);
	json_uint(e, "},\"overflow\":", w->overflow);
	json_double(e, ",\"throughput\":{\"records_per_s\":", per_s.records);
	json_double(e, ",\"bytes_per_s\":", per_s.bytes);
	json_double(e, "},\"latency_ms\":{\"p50\":", kt_window_latency_ms(w, 0.50, w->written_ms));
	json_double(e, ",\"p99\":", kt_window_latency_ms(w, 0.99, w->written_ms));
	kt_emit_str(e, "},\"lag\":");
	if (h->lag < 0)
		kt_emit_str(e, "null");
	else
		kt_emit_int(e, h->lag);
	if (h->total > 0) {
		kt_emit_str(e, ",\"partitions_held\":\"");
		kt_emit_int(e, h->held);
		kt_emit_str(e, "/");
		kt_emit_int(e, h->total);
		kt_emit_str(e, "\"");
	}
	if (h->merged) {
		json_uint(e, ",\"partitions\":", h->partitions);
		kt_emit_str(e, h->complete ? ",\"complete\":true" : ",\"complete\":false");
		kt_emit_str(e, ",\"missing_partitions\":[");
		kt_emit_str(e, h->missing ? h->missing : "");
		json_uint(e, "],\"duplicates\":", h->duplicates);
		json_uint(e, ",\"conflicts\":", h->conflicts);
		json_uint(e, ",\"late_partials\":", h->late_partials);
		json_uint(e, ",\"windows_overflow\":", h->windows_overflow);
	}
	kt_emit_str(e, "}\n");
}

/* One line per window, built in e and, when out is given, written
 * FLUSH_BYTES or so at a time. */
static int json_into(kt_report *r, kt_emit *e, FILE *out, const kt_window *w,
		     const kt_health *h, kt_group **sorted)
{
	size_t shown = r->top_explicit && r->top < w->ngroups ? r->top : w->ngroups;
	if (json_names(r) < 0)
		return -1;
	uint64_t other = 0;
	for (size_t i = shown; i < w->ngroups; i++)
		other += sorted[i]->count;
	head_json(e, w, h);
	kt_emit_str(e, ",\"groups\":[");
	for (size_t i = 0; i < shown; i++) {
		if (i)
			kt_emit_char(e, ',');
		group_json(e, r, sorted[i]);
		if (out && e->len >= FLUSH_BYTES && kt_emit_flush(e, out) < 0)
			return -1;
	}
	kt_emit_char(e, ']');
	if (r->spec && r->spec->auto_skipped)
		json_uint(e, ",\"auto_skipped\":", r->spec->auto_skipped);
	tail_json(e, w, h, w->ngroups - shown, other);
	return e->failed ? -1 : 0;
}

static int write_json(kt_report *r, FILE *out, const kt_window *w,
		      const kt_health *h, kt_group **sorted)
{
	int rc = json_into(r, &r->text, out, w, h, sorted);
	/* Flushed in any case: that also clears a failure. */
	return kt_emit_flush(&r->text, out) < 0 || rc < 0 ? -1 : 0;
}

int kt_report_json(kt_report *r, const kt_window *w, const kt_health *h, kt_emit *e)
{
	/* As --format json: every group unless --top was given. */
	kt_group **sorted = kt_window_sorted(w, r->top_explicit ? r->top : SIZE_MAX);
	if (!sorted)
		return -1;
	int rc = json_into(r, e, NULL, w, h, sorted);
	free(sorted);
	if (rc == 0 && e->len && e->buf[e->len - 1] == '\n')
		e->len--; /* the object alone */
	return rc;
}

/* ---- CSV ------------------------------------------------------------- */

static void csv_num(kt_emit *e, double v)
{
	kt_emit_char(e, ',');
	kt_emit_double(e, v, "");
}

static void csv_uint(kt_emit *e, uint64_t v)
{
	kt_emit_char(e, ',');
	kt_emit_uint(e, v);
}

static const char *const stat_cols[] = {"count", "skipped", "sum", "mean", "min", "max",
					"stddev", "p50", "p95", "p99"};
#define STAT_COLS (sizeof stat_cols / sizeof *stat_cols)

/* Most empty windows held back while the CSV header waits for a window
 * with records; past this the header is written without stat columns. */
#define MAX_PENDING 4096

/* ",<field>_<what>", quoted as the field name needs. */
static void csv_column(kt_emit *e, const char *field, const char *what)
{
	char col[300];
	int n = snprintf(col, sizeof col, "%s_%s", field, what);
	kt_emit_char(e, ',');
	kt_emit_csv_field(e, col, n < (int)sizeof col ? (size_t)n : sizeof col - 1);
}

static void csv_header(kt_report *r)
{
	const kt_fieldspec *s = r->spec;
	kt_emit *e = &r->text;
	kt_emit_str(e, "window_start,window_end");
	for (size_t i = 0; i < s->ngroup; i++) {
		kt_emit_char(e, ',');
		kt_emit_csv_field(e, s->group_by[i], strlen(s->group_by[i]));
	}
	kt_emit_str(e, ",count");
	for (size_t i = 0; i < s->nstats; i++)
		for (size_t c = 0; c < STAT_COLS; c++)
			csv_column(e, s->stats[i], stat_cols[c]);
	if (s->distinct)
		csv_column(e, s->distinct, "distinct");
	kt_emit_str(e, ",window_records,invalid,filtered,late,overflow,other_groups,other_count,"
		       "records_per_s,bytes_per_s,latency_p50_ms,latency_p99_ms,lag,partial");
	for (int i = 0; i < KT_INVALID_COUNT; i++) {
		kt_emit_str(e, ",invalid_");
		kt_emit_str(e, kt_invalid_name(i));
	}
	kt_emit_char(e, '\n');
	r->csv_header_done = true;
	r->csv_stats = s->nstats;
}

/* The columns after the group's: the window's own figures. */
typedef struct csv_window {
	const char *start, *end;
	uint64_t records, overflow, other_groups, other_count;
	double records_per_s, bytes_per_s, latency_p50, latency_p99;
	bool partial;
	const kt_health *health;
} csv_window;

static void csv_window_columns(kt_emit *e, const csv_window *cw)
{
	const kt_health *h = cw->health;
	csv_uint(e, cw->records);
	csv_uint(e, h->invalid_total);
	csv_uint(e, h->filtered);
	csv_uint(e, h->late);
	csv_uint(e, cw->overflow);
	csv_uint(e, cw->other_groups);
	csv_uint(e, cw->other_count);
	csv_num(e, cw->records_per_s);
	csv_num(e, cw->bytes_per_s);
	csv_num(e, cw->latency_p50);
	csv_num(e, cw->latency_p99);
	kt_emit_char(e, ',');
	if (h->lag >= 0)
		kt_emit_int(e, h->lag);
	kt_emit_str(e, cw->partial ? ",true" : ",false");
	for (int i = 0; i < KT_INVALID_COUNT; i++)
		csv_uint(e, h->invalid[i]);
	kt_emit_char(e, '\n');
}

/* The stat columns of one group (g NULL: an empty window's row). */
static void csv_stat(kt_emit *e, kt_numcache *qt, const kt_group *g, size_t i)
{
	const kt_stat *st = g ? g->stats[i] : NULL;
	uint64_t n = st ? st->moments.count : 0;
	csv_uint(e, n);
	csv_uint(e, g ? g->count - n : 0);
	if (!st) {
		kt_emit_str(e, ",,,,,,,,");
		return;
	}
	const kt_moments *m = &st->moments;
	double sum, mean, sd;
	kt_moments_figures(m, &sum, &mean, &sd);
	csv_num(e, sum);
	csv_num(e, mean);
	kt_emit_char(e, ',');
	emit_extreme(e, m->min, st->min_is_int, st->min_int, "");
	kt_emit_char(e, ',');
	emit_extreme(e, m->max, st->max_is_int, st->max_int, "");
	csv_num(e, sd);
	double p[3];
	kt_sketch_quantiles(&st->quantiles, quantile_qs, 3, p);
	for (int k = 0; k < 3; k++) {
		kt_emit_char(e, ',');
		kt_emit_double_cached(e, qt, p[k], "");
	}
}

/* One row: a group of the window, or (g NULL) the window alone. */
static void csv_row(kt_report *r, const csv_window *cw, const kt_group *g)
{
	const kt_fieldspec *s = r->spec;
	kt_emit *e = &r->text;
	kt_emit_str(e, cw->start);
	kt_emit_char(e, ',');
	kt_emit_str(e, cw->end);
	for (size_t i = 0; i < s->ngroup; i++) {
		kt_key_part part;
		kt_emit_char(e, ',');
		if (g && kt_key_part_at(g->key, g->keylen, i, &part) == 0) {
			r->cell.len = 0;
			kt_emit_key_text(&r->cell, &part);
			kt_emit_csv_field(e, r->cell.buf, r->cell.len);
		}
	}
	csv_uint(e, g ? g->count : 0);
	for (size_t i = 0; i < r->csv_stats; i++)
		csv_stat(e, r->quantile_texts, g, i);
	if (s->distinct)
		csv_uint(e, g && g->distinct ? kt_hll_estimate(g->distinct) : 0);
	kt_emit_bytes(e, r->pieces.buf, r->pieces.len); /* csv_tail's */
}

/* The window's own columns, for csv_row to end each row with. */
static void csv_tail(kt_report *r, const csv_window *cw)
{
	r->pieces.len = 0;
	r->pieces.failed = false;
	csv_window_columns(&r->pieces, cw);
	if (r->pieces.failed)
		r->text.failed = true; /* the flush then fails */
}

/* The empty windows held back, now that the header is out. */
static void csv_flush_pending(kt_report *r)
{
	for (size_t i = 0; i < r->npending; i++) {
		const kt_report_pending *p = &r->pending[i];
		char start[40], end[40];
		kt_format_iso8601_ms(p->start, start, sizeof start);
		kt_format_iso8601_ms(p->end, end, sizeof end);
		csv_window cw = {.start = start, .end = end, .latency_p50 = NAN,
				 .latency_p99 = NAN, .partial = p->partial,
				 .health = &p->health};
		csv_tail(r, &cw);
		csv_row(r, &cw, NULL);
	}
	free_pending(r);
}

/* Without --stats the stat columns are the fields of the first window with
 * records; windows before it (all empty) wait, up to MAX_PENDING. Fields
 * first seen after the header are left out rather than shifting columns. */
static int hold_back(kt_report *r, const kt_window *w, const kt_health *h)
{
	if (r->csv_header_done || !r->spec->auto_stats || w->records ||
	    r->npending == MAX_PENDING)
		return 0;
	if (KT_VEC_RESERVE(r->pending, r->npending, r->pending_cap, 1) < 0)
		return -1;
	r->pending[r->npending++] = (kt_report_pending){w->start, w->end, w->partial, *h};
	return 1;
}

static int write_csv(kt_report *r, FILE *out, const kt_window *w,
		     const kt_health *h, kt_group **sorted)
{
	int held = hold_back(r, w, h);
	if (held)
		return held < 0 ? -1 : 0;
	if (!r->csv_header_done) {
		csv_header(r);
		csv_flush_pending(r);
	}
	char start[40], end[40];
	kt_format_iso8601_ms(w->start, start, sizeof start);
	kt_format_iso8601_ms(w->end, end, sizeof end);
	size_t shown = r->top_explicit && r->top < w->ngroups ? r->top : w->ngroups;
	rates per_s = rates_of(w);
	csv_window cw = {.start = start, .end = end, .records = w->records,
			 .overflow = w->overflow, .other_groups = w->ngroups - shown,
			 .records_per_s = per_s.records, .bytes_per_s = per_s.bytes,
			 .latency_p50 = kt_window_latency_ms(w, 0.50, w->written_ms),
			 .latency_p99 = kt_window_latency_ms(w, 0.99, w->written_ms),
			 .partial = w->partial, .health = h};
	for (size_t i = shown; i < w->ngroups; i++)
		cw.other_count += sorted[i]->count;
	csv_tail(r, &cw);
	if (w->ngroups == 0)
		csv_row(r, &cw, NULL);
	for (size_t i = 0; i < shown; i++) {
		csv_row(r, &cw, sorted[i]);
		if (r->text.len >= FLUSH_BYTES && kt_emit_flush(&r->text, out) < 0)
			return -1;
	}
	return kt_emit_flush(&r->text, out);
}

/* ---- table ----------------------------------------------------------- */

/* Numbers for people: integers exactly (the shortest text of their
 * double, as in JSON and CSV), others rounded to 2 decimals, very large or
 * small ones in %g form; "-" when undefined or infinite. */
static void fmt_num(char *buf, size_t len, double v)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (v == floor(v) && fabs(v) < 1e21 && len >= KT_NUMBER_MAX)
		kt_number_format(v, buf);
	else if (fabs(v) >= 1e9 || (fabs(v) < 0.01 && v != 0))
		snprintf(buf, len, "%.4g", v);
	else
		snprintf(buf, len, "%.2f", v);
}

/* ---- table ----------------------------------------------------------- */

/* A segment of the lines above the table, printf-formatted (our own text:
 * numbers and names of ours, nothing from the data). */
static void seg(kt_table *t, bool line, const char *sep, const char *paint,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void seg(kt_table *t, bool line, const char *sep, const char *paint,
		const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	kt_emit *e = kt_table_begin_seg(t, line, sep, paint);
	kt_emit_bytes(e, buf, n < 0 ? 0 : (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
	kt_table_end_seg(t);
}

#define RED "\033[31m"
#define YELLOW "\033[33m"
#define BOLD "\033[1m"

static void head_window(kt_table *t, const kt_window *w)
{
	char start[40], end[40];
	kt_format_iso8601_ms(w->start, start, sizeof start);
	kt_format_iso8601_ms(w->end, end, sizeof end);
	/* Segments, so a narrow screen wraps the line rather than cut it. */
	seg(t, true, "", BOLD, "window %s", start);
	seg(t, false, " ", BOLD, ".. %s", end + 11);
	if (w->partial)
		seg(t, false, " ", NULL, "(partial: written before its end)");
}

static void head_health(kt_table *t, const kt_window *w, const kt_health *h)
{
	char p50[32], p99[32];
	fmt_num(p50, sizeof p50, kt_window_latency_ms(w, 0.50, w->written_ms));
	fmt_num(p99, sizeof p99, kt_window_latency_ms(w, 0.99, w->written_ms));
	rates per_s = rates_of(w);
	seg(t, true, "", NULL, "records %" PRIu64, w->records);
	seg(t, false, " | ", h->invalid_total ? RED : NULL, "invalid %" PRIu64, h->invalid_total);
	seg(t, false, " | ", NULL, "filtered %" PRIu64, h->filtered);
	seg(t, false, " | ", NULL, "late %" PRIu64, h->late);
	seg(t, false, " | ", NULL, "overflow %" PRIu64, w->overflow);
	seg(t, false, " | ", NULL, "%.1f rec/s", per_s.records);
	seg(t, false, " | ", NULL, "%.1f KB/s", per_s.bytes / 1024);
	seg(t, false, " | ", NULL, "latency p50 %s ms p99 %s ms", p50, p99);
	if (h->lag < 0)
		seg(t, false, " | ", NULL, "lag -");
	else
		seg(t, false, " | ", NULL, "lag %" PRId64, h->lag);
	/* Said only when this consumer sees part of the topics. */
	if (h->total > 0 && h->held < h->total)
		seg(t, false, " | ", YELLOW, "partitions %d/%d", (int)h->held, (int)h->total);
}

static void head_merged(kt_table *t, const kt_health *h)
{
	seg(t, true, "", NULL, "merged %" PRIu32 " partitions", h->partitions);
	if (h->complete) {
		seg(t, false, " | ", NULL, "complete");
	} else {
		kt_emit *e = kt_table_begin_seg(t, false, " | ", NULL);
		kt_emit_str(e, "INCOMPLETE, missing ");
		if (h->missing)
			kt_cell_escape(e, h->missing, strlen(h->missing));
		kt_table_end_seg(t);
	}
	seg(t, false, " | ", NULL, "duplicates %" PRIu64, h->duplicates);
	seg(t, false, " | ", h->conflicts ? RED : NULL, "conflicts %" PRIu64, h->conflicts);
	if (h->late_partials)
		seg(t, false, " | ", RED, "late partials %" PRIu64, h->late_partials);
	if (h->windows_overflow)
		seg(t, false, " | ", RED, "windows overflow %" PRIu64, h->windows_overflow);
}

static void head_invalid(kt_table *t, const kt_health *h)
{
	seg(t, true, "", NULL, "invalid:");
	for (int i = 0; i < KT_INVALID_COUNT; i++)
		if (h->invalid[i])
			seg(t, false, " ", NULL, "%s %" PRIu64, kt_invalid_name(i), h->invalid[i]);
}

/* "skipped: price 3 qty 1": records of the window's groups without a value
 * for a stat field, when any. */
static void head_skipped(kt_report *r, const kt_window *w)
{
	bool any = false;
	for (size_t i = 0; i < r->spec->nstats; i++) {
		uint64_t n = 0;
		for (size_t j = 0; j < w->ngroups; j++) {
			const kt_group *g = &w->groups[j];
			n += g->count - (g->stats[i] ? g->stats[i]->moments.count : 0);
		}
		if (!n)
			continue;
		if (!any)
			seg(&r->table, true, "", NULL, "skipped:");
		any = true;
		kt_emit *e = kt_table_begin_seg(&r->table, false, " ", NULL);
		kt_cell_escape(e, r->spec->stats[i], strlen(r->spec->stats[i]));
		kt_emit_char(e, ' ');
		kt_emit_uint(e, n);
		kt_table_end_seg(&r->table);
	}
}

/* The table's stat figures, in the order shown, and the rank of each: the
 * order they are given room in when not all fit (mean, p50, p99 of every
 * field, then distinct, then the rest). */
enum { FIG_MEAN, FIG_MIN, FIG_MAX, FIG_STDDEV, FIG_P50, FIG_P95, FIG_P99, FIG_DISTINCT };
#define FIGURES FIG_DISTINCT /* those of a stat field */
const char *const kt_report_figures[] = {"mean", "min", "max", "stddev", "p50",
					 "p95", "p99", "distinct", NULL};
static const int figure_rank[FIGURES + 1] = {0, 4, 5, 6, 1, 7, 2, 3};

static int find_figure(const char *s, size_t n)
{
	for (int i = 0; kt_report_figures[i]; i++)
		if (strlen(kt_report_figures[i]) == n && !memcmp(kt_report_figures[i], s, n))
			return i;
	return -1;
}

static bool same_column(const kt_report_column *a, const kt_report_column *b)
{
	return a->figure == b->figure && a->field_len == b->field_len &&
	       (!a->field || !memcmp(a->field, b->field, a->field_len));
}

/* One item: FIGURE, or FIELD.FIGURE split at the last dot (field names
 * may hold dots). */
static int add_column(kt_report_columns *c, const char *item, size_t n, char *err,
		      size_t errlen)
{
	kt_report_column col = {NULL, 0, find_figure(item, n)};
	const char *dot = memrchr(item, '.', n);
	if (col.figure < 0 && dot && dot > item) {
		col.figure = find_figure(dot + 1, (size_t)(item + n - dot - 1));
		col.field = item;
		col.field_len = (size_t)(dot - item);
	}
	if (col.figure < 0)
		return kt_fail(err, errlen,
			       "invalid value '%.*s' for --columns: expected mean, min, max, stddev, "
			       "p50, p95, p99 or distinct, or FIELD.FIGURE (group and count are "
			       "always shown)", (int)n, item);
	if (col.figure == FIG_DISTINCT && col.field)
		return kt_fail(err, errlen, "invalid value '%.*s' for --columns: the distinct "
			       "count is 'distinct'", (int)n, item);
	for (size_t i = 0; i < c->n; i++)
		if (same_column(&c->col[i], &col))
			return kt_fail(err, errlen, "invalid value '%.*s' for --columns: named twice",
				       (int)n, item);
	if (c->n == KT_REPORT_MAX_COLUMNS)
		return kt_fail(err, errlen, "option '--columns' names more than %d columns",
			       KT_REPORT_MAX_COLUMNS);
	c->col[c->n++] = col;
	return 0;
}

int kt_report_add_columns(kt_report_columns *c, const char *list, char *err, size_t errlen)
{
	for (const char *s = list;;) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		if (!n)
			return kt_fail(err, errlen, "invalid value '%s' for --columns: empty item", list);
		if (add_column(c, s, n, err, errlen) < 0)
			return -1;
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

int kt_report_check_columns(const kt_report_columns *c, const kt_fieldspec *spec, char *err,
			    size_t errlen)
{
	for (size_t i = 0; i < c->n && !spec->auto_stats; i++) {
		const kt_report_column *col = &c->col[i];
		bool known = !col->field;
		for (size_t j = 0; j < spec->nstats && !known; j++)
			known = strlen(spec->stats[j]) == col->field_len &&
				!memcmp(spec->stats[j], col->field, col->field_len);
		if (!known)
			return kt_fail(err, errlen, "invalid value '%.*s.%s' for --columns: '%.*s' is "
				       "not a --stats field", (int)col->field_len, col->field,
				       kt_report_figures[col->figure], (int)col->field_len, col->field);
	}
	return 0;
}

static void plan_add(kt_report *r, int stat, int figure, int rank)
{
	kt_table *t = &r->table;
	if (r->nplan == KT_TABLE_MAX_COLS || t->ncols == KT_TABLE_MAX_COLS)
		return;
	for (size_t k = 0; k < r->nplan; k++) /* "mean,price.mean": once */
		if (r->plan[k].stat == stat && r->plan[k].figure == figure)
			return;
	r->plan[r->nplan++] = (kt_column_plan){stat, figure};
	const char *name = stat >= 0 ? r->spec->stats[stat] : "distinct";
	char suffix[16] = "";
	if (stat >= 0)
		snprintf(suffix, sizeof suffix, ".%s", kt_report_figures[figure]);
	kt_table_add_col(t, name, strlen(name), suffix, false, rank);
}

/* The stat columns chosen: each field's in the list's order, ranked by it. */
static void plan_chosen(kt_report *r, const kt_report_columns *c)
{
	const kt_fieldspec *s = r->spec;
	int n = (int)s->nstats;
	for (size_t i = 0; i < s->nstats; i++)
		for (size_t k = 0; k < c->n; k++) {
			const kt_report_column *col = &c->col[k];
			if (col->figure != FIG_DISTINCT &&
			    (!col->field || (strlen(s->stats[i]) == col->field_len &&
					     !memcmp(s->stats[i], col->field, col->field_len))))
				plan_add(r, (int)i, col->figure, (int)k * n + (int)i);
		}
	for (size_t k = 0; k < c->n && s->distinct; k++)
		if (c->col[k].figure == FIG_DISTINCT)
			plan_add(r, -1, FIG_DISTINCT, (int)k * n);
}

static void add_columns(kt_report *r)
{
	const kt_fieldspec *s = r->spec;
	kt_table *t = &r->table;
	for (size_t i = 0; i < s->ngroup; i++)
		kt_table_add_col(t, s->group_by[i], strlen(s->group_by[i]), "", true, -1);
	if (!s->ngroup)
		kt_table_add_col(t, "group", 5, "", true, -1);
	kt_table_add_col(t, "count", 5, "", false, -1);
	r->nplan = 0;
	if (r->columns) {
		plan_chosen(r, r->columns);
		return;
	}
	int n = (int)s->nstats;
	for (size_t i = 0; i < s->nstats; i++)
		for (int c = 0; c < FIGURES; c++)
			plan_add(r, (int)i, c, figure_rank[c] * n + (int)i);
	if (s->distinct)
		plan_add(r, -1, FIG_DISTINCT, figure_rank[FIG_DISTINCT] * n);
}

/* Append a number's text as a cell. */
static void num_cell(kt_table *t, const char *text)
{
	kt_emit_str(kt_table_begin_cell(t), text);
	kt_table_end_cell(t);
}

/* The key value i of g as a cell: its text for people, as a JSON string
 * when it holds anything a terminal would obey, escaped either way. */
static void key_cell(kt_report *r, const kt_group *g, size_t i)
{
	kt_key_part part;
	r->cell.len = 0;
	if (kt_key_part_at(g->key, g->keylen, i, &part) == 0) {
		if (part.type == 's' && kt_cell_has_control(part.bytes, part.len))
			kt_emit_key_json(&r->cell, &part);
		else
			kt_emit_key_text(&r->cell, &part);
	}
	kt_emit *e = kt_table_begin_cell(&r->table);
	if (!r->cell.failed)
		kt_cell_escape(e, r->cell.buf, r->cell.len);
	kt_table_end_cell(&r->table);
}

/* The text of figure of st (NULL: no value); min and max exact when
 * integers. */
static void figure_cell(kt_table *t, const kt_stat *st, int figure)
{
	char buf[64];
	double v = NAN;
	if (st && (figure == FIG_MIN ? st->min_is_int : figure == FIG_MAX && st->max_is_int)) {
		kt_number_format_int(figure == FIG_MIN ? st->min_int : st->max_int, buf);
		num_cell(t, buf);
		return;
	}
	if (st) {
		switch (figure) {
		case FIG_MEAN: v = kt_moments_mean(&st->moments); break;
		case FIG_MIN: v = st->moments.min; break;
		case FIG_MAX: v = st->moments.max; break;
		case FIG_STDDEV: v = kt_moments_stddev(&st->moments); break;
		case FIG_P50: v = kt_sketch_quantile(&st->quantiles, 0.50); break;
		case FIG_P95: v = kt_sketch_quantile(&st->quantiles, 0.95); break;
		default: v = kt_sketch_quantile(&st->quantiles, 0.99); break;
		}
	}
	fmt_num(buf, sizeof buf, v);
	num_cell(t, buf);
}

static void add_row(kt_report *r, const kt_group *g)
{
	const kt_fieldspec *s = r->spec;
	kt_table *t = &r->table;
	char num[KT_NUMBER_MAX];
	kt_table_add_row(t, g->count);
	for (size_t i = 0; i < s->ngroup; i++)
		key_cell(r, g, i);
	if (!s->ngroup)
		num_cell(t, "(all)");
	kt_number_format_uint(g->count, num);
	num_cell(t, num);
	for (size_t k = 0; k < r->nplan; k++) {
		const kt_column_plan *p = &r->plan[k];
		if (p->stat >= 0) {
			figure_cell(t, g->stats[p->stat], p->figure);
			continue;
		}
		kt_number_format_uint(g->distinct ? kt_hll_estimate(g->distinct) : 0, num);
		num_cell(t, num);
	}
}

static void build_table(kt_report *r, const kt_window *w, const kt_health *h,
			kt_group **sorted)
{
	kt_table *t = &r->table;
	kt_table_clear(t);
	head_window(t, w);
	head_health(t, w, h);
	if (h->merged)
		head_merged(t, h);
	if (h->invalid_total)
		head_invalid(t, h);
	head_skipped(r, w);
	if (!w->ngroups)
		return;
	size_t shown = r->top < w->ngroups ? r->top : w->ngroups;
	add_columns(r);
	for (size_t i = 0; i < shown; i++)
		add_row(r, sorted[i]);
	for (size_t i = shown; i < w->ngroups; i++)
		t->other_count += sorted[i]->count;
	t->other_groups = w->ngroups - shown;
}

static void push_history(kt_report *r, uint64_t records)
{
	size_t cap = sizeof r->history / sizeof *r->history;
	if (r->nhistory == cap) {
		memmove(r->history, r->history + 1, (cap - 1) * sizeof *r->history);
		r->nhistory--;
	}
	r->history[r->nhistory++] = records;
}

/* The table built last, laid out for the terminal's size now (on a
 * terminal) or the width chosen at the start. */
static int draw_table(kt_report *r, FILE *out)
{
	if (r->redraw) {
		int cols, rows;
		if (kt_term_size(fileno(out), &cols, &rows))
			r->width = cols, r->height = rows;
	}
	kt_table_view v = {.width = r->width, .height = r->redraw ? r->height : 0,
			   .color = r->color, .underline = r->color,
			   .history = r->redraw ? r->history : NULL, .nhistory = r->nhistory};
	kt_emit *e = &r->text;
	if (r->redraw)
		kt_emit_str(e, "\033[H\033[2J");
	kt_table_render(&r->table, e, &v);
	if (!r->redraw)
		kt_emit_char(e, '\n');
	return kt_emit_flush(e, out);
}

static int write_table(kt_report *r, FILE *out, const kt_window *w,
		       const kt_health *h, kt_group **sorted)
{
	build_table(r, w, h, sorted);
	if (!kt_table_ok(&r->table))
		return -1;
	if (r->redraw)
		push_history(r, w->records);
	r->drawn = true;
	return draw_table(r, out);
}

int kt_report_poll(kt_report *r, FILE *out)
{
	if (!r->redraw || !kt_term_resized() || !r->drawn)
		return 0;
	if (draw_table(r, out) < 0 || fflush(out) == EOF)
		return -1;
	return 0;
}

int kt_report_finish(kt_report *r, FILE *out)
{
	if (r->format != KT_FORMAT_CSV || r->csv_header_done || !r->npending)
		return 0;
	csv_header(r);
	csv_flush_pending(r);
	return kt_emit_flush(&r->text, out) < 0 || fflush(out) == EOF ? -1 : 0;
}

int kt_report_window(kt_report *r, FILE *out, const kt_window *w,
		     const kt_health *h)
{
	/* JSON and CSV write every group unless --top was given; the table
	 * the top ones. Only those need ordering. */
	bool all = r->format != KT_FORMAT_TABLE && !r->top_explicit;
	if (!r->quantile_texts && r->format != KT_FORMAT_TABLE)
		r->quantile_texts = calloc(1, sizeof *r->quantile_texts); /* NULL: uncached */
	kt_group **sorted = kt_window_sorted(w, all ? SIZE_MAX : r->top);
	if (!sorted)
		return -1;
	int rc;
	if (r->format == KT_FORMAT_JSON)
		rc = write_json(r, out, w, h, sorted);
	else if (r->format == KT_FORMAT_CSV)
		rc = write_csv(r, out, w, h, sorted);
	else
		rc = write_table(r, out, w, h, sorted);
	free(sorted);
	if (rc == 0 && fflush(out) == EOF)
		rc = -1;
	return rc;
}

const char *kt_report_failure_text(int errnum)
{
	if (errnum == EPIPE)
		return "its reader closed the output (broken pipe); stopping, and the "
		       "records of windows not written stay uncommitted";
	return errnum ? strerror(errnum) : "output failed";
}
