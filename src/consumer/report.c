/* report: the consumer's per-window output as table, JSON or CSV. */
#include "report.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ktrio/number.h"
#include "ktrio/parse.h"
#include "ktrio/vec.h"

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
 * buffer for windows of many groups. */
#define FLUSH_BYTES (1 << 20)

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

/* One stat of a group; st NULL when none of its records had a value. */
static void stat_json(kt_emit *e, const kt_stat *st, uint64_t group_count)
{
	uint64_t n = st ? st->moments.count : 0;
	json_uint(e, "{\"count\":", n);
	json_uint(e, ",\"skipped\":", group_count - n);
	if (!st) {
		kt_emit_str(e, ",\"sum\":0,\"mean\":null,\"min\":null,\"max\":null,\"stddev\":null,"
			       "\"p50\":null,\"p95\":null,\"p99\":null}");
		return;
	}
	const kt_welford *m = &st->moments;
	json_double(e, ",\"sum\":", m->sum);
	json_double(e, ",\"mean\":", m->mean);
	kt_emit_str(e, ",\"min\":");
	emit_extreme(e, m->min, st->min_is_int, st->min_int, "null");
	kt_emit_str(e, ",\"max\":");
	emit_extreme(e, m->max, st->max_is_int, st->max_int, "null");
	json_double(e, ",\"stddev\":", kt_welford_stddev(m));
	json_double(e, ",\"p50\":", kt_sketch_quantile(&st->quantiles, 0.50));
	json_double(e, ",\"p95\":", kt_sketch_quantile(&st->quantiles, 0.95));
	json_double(e, ",\"p99\":", kt_sketch_quantile(&st->quantiles, 0.99));
	kt_emit_char(e, '}');
}

static void group_json(kt_emit *e, const kt_fieldspec *spec, const kt_group *g)
{
	kt_emit_str(e, "{\"key\":{");
	for (size_t i = 0; i < spec->ngroup; i++) {
		kt_key_part part;
		if (i)
			kt_emit_char(e, ',');
		json_name(e, spec->group_by[i]);
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
		json_name(e, spec->stats[i]);
		stat_json(e, g->stats[i], g->count);
	}
	kt_emit_char(e, '}');
	if (spec->distinct) {
		kt_emit_str(e, ",\"distinct\":{");
		json_name(e, spec->distinct);
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
	}
	kt_emit_str(e, "}\n");
}

/* One line per window, built in r->text and written a megabyte at a time. */
static int write_json(kt_report *r, FILE *out, const kt_window *w,
		      const kt_health *h, kt_group **sorted)
{
	kt_emit *e = &r->text;
	size_t shown = r->top_explicit && r->top < w->ngroups ? r->top : w->ngroups;
	uint64_t other = 0;
	for (size_t i = shown; i < w->ngroups; i++)
		other += sorted[i]->count;
	head_json(e, w, h);
	kt_emit_str(e, ",\"groups\":[");
	for (size_t i = 0; i < shown; i++) {
		if (i)
			kt_emit_char(e, ',');
		group_json(e, r->spec, sorted[i]);
		if (e->len >= FLUSH_BYTES && kt_emit_flush(e, out) < 0)
			return -1;
	}
	kt_emit_char(e, ']');
	if (r->spec && r->spec->auto_skipped)
		json_uint(e, ",\"auto_skipped\":", r->spec->auto_skipped);
	tail_json(e, w, h, w->ngroups - shown, other);
	return kt_emit_flush(e, out);
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
#define FIRST_SHOWN_COL 3 /* the table shows mean .. p99 */

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
static void csv_stat(kt_emit *e, const kt_group *g, size_t i)
{
	const kt_stat *st = g ? g->stats[i] : NULL;
	uint64_t n = st ? st->moments.count : 0;
	csv_uint(e, n);
	csv_uint(e, g ? g->count - n : 0);
	if (!st) {
		kt_emit_str(e, ",,,,,,,,");
		return;
	}
	const kt_welford *m = &st->moments;
	csv_num(e, m->sum);
	csv_num(e, m->mean);
	kt_emit_char(e, ',');
	emit_extreme(e, m->min, st->min_is_int, st->min_int, "");
	kt_emit_char(e, ',');
	emit_extreme(e, m->max, st->max_is_int, st->max_int, "");
	csv_num(e, kt_welford_stddev(m));
	csv_num(e, kt_sketch_quantile(&st->quantiles, 0.50));
	csv_num(e, kt_sketch_quantile(&st->quantiles, 0.95));
	csv_num(e, kt_sketch_quantile(&st->quantiles, 0.99));
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
		csv_stat(e, g, i);
	if (s->distinct)
		csv_uint(e, g && g->distinct ? kt_hll_estimate(g->distinct) : 0);
	csv_window_columns(e, cw);
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

/* Print s[0..n) (UTF-8) in a column `width` characters wide, left-aligned:
 * longer text is cut to width - 1 characters and "…" marks the cut. */
static void table_cell(FILE *out, const char *s, size_t n, int width)
{
	int chars = 0;
	size_t cut = n;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80 && ++chars == width)
			cut = i; /* where the width-th character starts */
	if (chars > width) {
		fwrite(s, 1, cut, out);
		fputs("\u2026 ", out);
		return;
	}
	fwrite(s, 1, n, out);
	fprintf(out, "%*s", width - chars + 1, "");
}

static const char *paint(const kt_report *r, const char *code)
{
	return r->color ? code : "";
}

static void sparkline(kt_report *r, FILE *out, uint64_t records)
{
	static const char *const bars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
	size_t cap = sizeof r->history / sizeof *r->history;
	if (r->nhistory == cap) {
		memmove(r->history, r->history + 1, (cap - 1) * sizeof *r->history);
		r->nhistory--;
	}
	r->history[r->nhistory++] = records;
	uint64_t max = 1;
	for (size_t i = 0; i < r->nhistory; i++)
		if (r->history[i] > max)
			max = r->history[i];
	fputs("records/window ", out);
	for (size_t i = 0; i < r->nhistory; i++)
		fputs(bars[r->history[i] * 7 / max], out);
	fprintf(out, "  (max %" PRIu64 ")\n", max);
}

static void table_health(const kt_report *r, FILE *out, const kt_window *w,
			 const kt_health *h)
{
	char start[40], end[40], p50[32], p99[32];
	kt_format_iso8601_ms(w->start, start, sizeof start);
	kt_format_iso8601_ms(w->end, end, sizeof end);
	fmt_num(p50, sizeof p50, kt_window_latency_ms(w, 0.50, w->written_ms));
	fmt_num(p99, sizeof p99, kt_window_latency_ms(w, 0.99, w->written_ms));
	rates per_s = rates_of(w);
	fprintf(out, "%swindow %s .. %s%s%s\n", paint(r, "\033[1m"), start, end + 11,
		paint(r, "\033[0m"), w->partial ? " (partial: written before its end)" : "");
	fprintf(out, "records %" PRIu64 " | invalid %s%" PRIu64 "%s | filtered %" PRIu64
		     " | late %" PRIu64 " | overflow %" PRIu64 " | %.1f rec/s | %.1f KB/s"
		     " | latency p50 %s ms p99 %s ms | lag ",
		w->records, h->invalid_total ? paint(r, "\033[31m") : "", h->invalid_total,
		h->invalid_total ? paint(r, "\033[0m") : "", h->filtered, h->late,
		w->overflow, per_s.records, per_s.bytes / 1024, p50, p99);
	if (h->lag < 0)
		fputs("-", out);
	else
		fprintf(out, "%" PRId64, h->lag);
	/* Said only when this consumer sees part of the topics. */
	if (h->total > 0 && h->held < h->total)
		fprintf(out, " | %spartitions %d/%d%s", paint(r, "\033[33m"), (int)h->held,
			(int)h->total, paint(r, "\033[0m"));
	fputc('\n', out);
	if (h->merged)
		fprintf(out, "merged %" PRIu32 " partitions | %s%s%s | duplicates %" PRIu64
			     " | conflicts %s%" PRIu64 "%s\n",
			h->partitions, h->complete ? "complete" : "INCOMPLETE, missing ",
			h->complete ? "" : h->missing, "", h->duplicates,
			h->conflicts ? paint(r, "\033[31m") : "", h->conflicts,
			h->conflicts ? paint(r, "\033[0m") : "");
	if (!h->invalid_total)
		return;
	fputs("invalid:", out);
	for (int i = 0; i < KT_INVALID_COUNT; i++)
		if (h->invalid[i])
			fprintf(out, " %s %" PRIu64, kt_invalid_name(i), h->invalid[i]);
	putc('\n', out);
}

/* Key columns are as wide as their widest shown value, from 16 to 40
 * characters (so ids of 19 digits print whole; longer values are cut). */
#define KEY_COL_MIN 16
#define KEY_COL_MAX 40

/* Characters (UTF-8 code points) in s[0..n). */
static int chars_of(const char *s, size_t n)
{
	int c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

/* The text of key value i of g in r->cell; its length, 0 if none. */
static size_t key_cell(kt_report *r, const kt_group *g, size_t i)
{
	kt_key_part part;
	r->cell.len = 0;
	if (kt_key_part_at(g->key, g->keylen, i, &part) == 0)
		kt_emit_key_text(&r->cell, &part);
	return r->cell.failed ? 0 : r->cell.len;
}

static void key_widths(kt_report *r, kt_group **sorted, size_t shown, int *width)
{
	for (size_t i = 0; i < r->spec->ngroup; i++) {
		width[i] = KEY_COL_MIN;
		for (size_t j = 0; j < shown && width[i] < KEY_COL_MAX; j++) {
			size_t n = key_cell(r, sorted[j], i);
			int c = chars_of(r->cell.buf, n);
			if (c > width[i])
				width[i] = c < KEY_COL_MAX ? c : KEY_COL_MAX;
		}
	}
}

static void table_header(const kt_report *r, FILE *out, const int *width)
{
	const kt_fieldspec *s = r->spec;
	fputs(paint(r, "\033[4m"), out);
	for (size_t i = 0; i < s->ngroup; i++)
		table_cell(out, s->group_by[i], strlen(s->group_by[i]), width[i]);
	if (!s->ngroup)
		fprintf(out, "%-16s ", "group");
	fprintf(out, "%10s", "count");
	for (size_t i = 0; i < s->nstats; i++)
		for (size_t c = FIRST_SHOWN_COL; c < STAT_COLS; c++) {
			char col[64];
			snprintf(col, sizeof col, "%s.%s", s->stats[i], stat_cols[c]);
			fprintf(out, " %*s", c == FIRST_SHOWN_COL ? 14 : 10, col);
		}
	if (s->distinct)
		fprintf(out, " %12s", "distinct");
	fprintf(out, "%s\n", paint(r, "\033[0m"));
}

static void table_row(kt_report *r, FILE *out, const kt_group *g, const int *width)
{
	const kt_fieldspec *s = r->spec;
	char buf[64];
	for (size_t i = 0; i < s->ngroup; i++) {
		size_t n = key_cell(r, g, i);
		table_cell(out, r->cell.buf, n, width[i]);
	}
	if (!s->ngroup)
		fprintf(out, "%-16s ", "(all)");
	fprintf(out, "%10" PRIu64, g->count);
	for (size_t i = 0; i < s->nstats; i++) {
		const kt_stat *st = g->stats[i];
		double v[7] = {NAN, NAN, NAN, NAN, NAN, NAN, NAN};
		char exact[2][KT_NUMBER_MAX] = {"", ""};
		if (st && st->min_is_int)
			kt_number_format_int(st->min_int, exact[0]);
		if (st && st->max_is_int)
			kt_number_format_int(st->max_int, exact[1]);
		if (st) {
			v[0] = st->moments.mean, v[1] = st->moments.min, v[2] = st->moments.max;
			v[3] = kt_welford_stddev(&st->moments);
			v[4] = kt_sketch_quantile(&st->quantiles, 0.50);
			v[5] = kt_sketch_quantile(&st->quantiles, 0.95);
			v[6] = kt_sketch_quantile(&st->quantiles, 0.99);
		}
		for (int c = 0; c < 7; c++) {
			fmt_num(buf, sizeof buf, v[c]);
			bool is_exact = (c == 1 || c == 2) && exact[c - 1][0];
			fprintf(out, " %*s", c == 0 ? 14 : 10, is_exact ? exact[c - 1] : buf);
		}
	}
	if (s->distinct)
		fprintf(out, " %12" PRIu64, g->distinct ? kt_hll_estimate(g->distinct) : 0);
	putc('\n', out);
}

/* "skipped: price 3 qty 1": records of the window's groups without a value
 * for a stat field, when any. */
static void table_skipped(const kt_report *r, FILE *out, const kt_window *w)
{
	bool any = false;
	for (size_t i = 0; i < r->spec->nstats; i++) {
		uint64_t n = 0;
		for (size_t j = 0; j < w->ngroups; j++) {
			const kt_group *g = &w->groups[j];
			n += g->count - (g->stats[i] ? g->stats[i]->moments.count : 0);
		}
		if (n)
			fprintf(out, "%s %s %" PRIu64, any ? "" : "skipped:", r->spec->stats[i], n);
		any |= n != 0;
	}
	if (any)
		putc('\n', out);
}

static int write_table(kt_report *r, FILE *out, const kt_window *w,
		       const kt_health *h, kt_group **sorted)
{
	if (r->redraw)
		fputs("\033[H\033[2J", out);
	table_health(r, out, w, h);
	table_skipped(r, out, w);
	if (r->redraw)
		sparkline(r, out, w->records);
	if (w->ngroups) {
		size_t shown = r->top < w->ngroups ? r->top : w->ngroups;
		int width[KT_MAX_GROUP_FIELDS];
		key_widths(r, sorted, shown, width);
		table_header(r, out, width);
		uint64_t other = 0;
		for (size_t i = 0; i < w->ngroups; i++) {
			if (i < shown)
				table_row(r, out, sorted[i], width);
			else
				other += sorted[i]->count;
		}
		if (shown < w->ngroups)
			fprintf(out, "%-16s %10" PRIu64 "  (%zu more groups)\n", "other", other,
				w->ngroups - shown);
	}
	putc('\n', out);
	return ferror(out) ? -1 : 0;
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
	kt_group **sorted = kt_window_sorted(w);
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
