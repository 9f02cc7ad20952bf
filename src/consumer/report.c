/* report: the consumer's per-window output as table, JSON or CSV. */
#include "report.h"

#include <cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
}

void kt_report_release(kt_report *r)
{
	free(r->pending);
	r->pending = NULL;
	r->npending = r->pending_cap = 0;
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

/* ---- JSON ------------------------------------------------------------ */

static bool add_num_or_null(cJSON *o, const char *name, double v)
{
	if (isnan(v))
		return cJSON_AddNullToObject(o, name) != NULL;
	return cJSON_AddNumberToObject(o, name, v) != NULL;
}

static cJSON *stat_json(const kt_stat *st)
{
	cJSON *o = cJSON_CreateObject();
	const kt_welford *m = &st->moments;
	if (o && cJSON_AddNumberToObject(o, "count", (double)m->count) &&
	    cJSON_AddNumberToObject(o, "sum", m->sum) &&
	    cJSON_AddNumberToObject(o, "mean", m->mean) &&
	    cJSON_AddNumberToObject(o, "min", m->min) &&
	    cJSON_AddNumberToObject(o, "max", m->max) &&
	    add_num_or_null(o, "stddev", kt_welford_stddev(m)) &&
	    add_num_or_null(o, "p50", kt_sketch_quantile(&st->quantiles, 0.50)) &&
	    add_num_or_null(o, "p95", kt_sketch_quantile(&st->quantiles, 0.95)) &&
	    add_num_or_null(o, "p99", kt_sketch_quantile(&st->quantiles, 0.99)))
		return o;
	cJSON_Delete(o);
	return NULL;
}

static cJSON *group_json(const kt_fieldspec *spec, const kt_group *g)
{
	cJSON *o = cJSON_CreateObject(), *key, *stats, *distinct;
	if (!o || !(key = cJSON_AddObjectToObject(o, "key")) ||
	    !cJSON_AddNumberToObject(o, "count", (double)g->count) ||
	    !(stats = cJSON_AddObjectToObject(o, "stats")))
		goto fail;
	for (size_t i = 0; i < spec->ngroup; i++) {
		cJSON *v = kt_key_value(g->key, g->keylen, i);
		if (!v || !cJSON_AddItemToObject(key, spec->group_by[i], v)) {
			cJSON_Delete(v);
			goto fail;
		}
	}
	for (size_t i = 0; i < spec->nstats; i++) {
		if (!g->stats[i])
			continue;
		cJSON *s = stat_json(g->stats[i]);
		if (!s || !cJSON_AddItemToObject(stats, spec->stats[i], s)) {
			cJSON_Delete(s);
			goto fail;
		}
	}
	if (spec->distinct) {
		if (!(distinct = cJSON_AddObjectToObject(o, "distinct")) ||
		    !cJSON_AddNumberToObject(distinct, spec->distinct,
					     g->distinct ? (double)kt_hll_estimate(g->distinct) : 0))
			goto fail;
	}
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

static bool health_json(cJSON *o, const kt_window *w, const kt_health *h)
{
	char start[40], end[40];
	kt_format_iso8601_ms(w->start, start, sizeof start);
	kt_format_iso8601_ms(w->end, end, sizeof end);
	cJSON *reasons;
	if (!cJSON_AddStringToObject(o, "window_start", start) ||
	    !cJSON_AddStringToObject(o, "window_end", end) ||
	    !cJSON_AddNumberToObject(o, "records", (double)w->records) ||
	    !cJSON_AddNumberToObject(o, "invalid", (double)h->invalid_total) ||
	    !(reasons = cJSON_AddObjectToObject(o, "invalid_by_reason")))
		return false;
	for (int i = 0; i < KT_INVALID_COUNT; i++)
		if (h->invalid[i] &&
		    !cJSON_AddNumberToObject(reasons, kt_invalid_name(i), (double)h->invalid[i]))
			return false;
	return cJSON_AddNumberToObject(o, "filtered", (double)h->filtered) &&
	       cJSON_AddNumberToObject(o, "late", (double)h->late) &&
	       cJSON_AddBoolToObject(o, "partial", w->partial);
}

static bool tail_json(cJSON *o, const kt_window *w, const kt_health *h,
		      uint64_t other_groups, uint64_t other_count)
{
	cJSON *other, *tp, *lat;
	rates per_s = rates_of(w);
	return (other = cJSON_AddObjectToObject(o, "other")) &&
	       cJSON_AddNumberToObject(other, "groups", (double)other_groups) &&
	       cJSON_AddNumberToObject(other, "count", (double)other_count) &&
	       cJSON_AddNumberToObject(o, "overflow", (double)w->overflow) &&
	       (tp = cJSON_AddObjectToObject(o, "throughput")) &&
	       cJSON_AddNumberToObject(tp, "records_per_s", per_s.records) &&
	       cJSON_AddNumberToObject(tp, "bytes_per_s", per_s.bytes) &&
	       (lat = cJSON_AddObjectToObject(o, "latency_ms")) &&
	       add_num_or_null(lat, "p50", kt_window_latency_ms(w, 0.50, w->written_ms)) &&
	       add_num_or_null(lat, "p99", kt_window_latency_ms(w, 0.99, w->written_ms)) &&
	       (h->lag < 0 ? cJSON_AddNullToObject(o, "lag") != NULL
			   : cJSON_AddNumberToObject(o, "lag", (double)h->lag) != NULL);
}

/* Print o without its closing brace (open) or without its opening one. */
static int put_object(FILE *out, const cJSON *o, bool open)
{
	char *text = cJSON_PrintUnformatted(o);
	if (!text)
		return -1;
	size_t len = strlen(text);
	int rc = open ? (fwrite(text, 1, len - 1, out) == len - 1 ? 0 : -1)
		      : (fwrite(text + 1, 1, len - 1, out) == len - 1 ? 0 : -1);
	cJSON_free(text);
	return rc;
}

/* One line per window. Every value is encoded by cJSON; the groups are
 * encoded one at a time and spliced between the head and tail objects,
 * because one tree for a window of 100,000 groups took 330 MB. */
static int write_json(kt_report *r, FILE *out, const kt_window *w,
		      const kt_health *h, kt_group **sorted)
{
	size_t shown = r->top_explicit && r->top < w->ngroups ? r->top : w->ngroups;
	uint64_t other = 0;
	for (size_t i = shown; i < w->ngroups; i++)
		other += sorted[i]->count;
	cJSON *head = cJSON_CreateObject(), *tail = cJSON_CreateObject();
	int rc = -1;
	if (!head || !tail || !health_json(head, w, h) ||
	    !tail_json(tail, w, h, w->ngroups - shown, other) || put_object(out, head, true) < 0 ||
	    fputs(",\"groups\":[", out) == EOF)
		goto out;
	for (size_t i = 0; i < shown; i++) {
		cJSON *g = group_json(r->spec, sorted[i]);
		char *text = g ? cJSON_PrintUnformatted(g) : NULL;
		cJSON_Delete(g);
		if (!text)
			goto out;
		int bad = (i && putc(',', out) == EOF) || fputs(text, out) == EOF;
		cJSON_free(text);
		if (bad)
			goto out;
	}
	if (fputs("],", out) == EOF || put_object(out, tail, false) < 0 || putc('\n', out) == EOF)
		goto out;
	rc = 0;
out:
	cJSON_Delete(head);
	cJSON_Delete(tail);
	return rc;
}

/* ---- CSV ------------------------------------------------------------- */

/* RFC 4180: quote a field holding a comma, quote or line break. */
static void csv_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	putc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			putc('"', out);
		putc(*s, out);
	}
	putc('"', out);
}

static void csv_num(FILE *out, double v)
{
	if (isnan(v))
		fputs(",", out);
	else
		fprintf(out, ",%.15g", v);
}

static const char *const stat_cols[] = {"count", "sum", "mean", "min", "max",
					"stddev", "p50", "p95", "p99"};

/* Most empty windows held back while the CSV header waits for a window
 * with records; past this the header is written without stat columns. */
#define MAX_PENDING 4096

/* ",<field>_<what>", quoted as the field name needs. */
static void csv_column(FILE *out, const char *field, const char *what)
{
	char col[300];
	snprintf(col, sizeof col, "%s_%s", field, what);
	putc(',', out);
	csv_field(out, col);
}

static void csv_header(kt_report *r, FILE *out)
{
	const kt_fieldspec *s = r->spec;
	fputs("window_start,window_end", out);
	for (size_t i = 0; i < s->ngroup; i++) {
		putc(',', out);
		csv_field(out, s->group_by[i]);
	}
	fputs(",count", out);
	for (size_t i = 0; i < s->nstats; i++)
		for (size_t c = 0; c < sizeof stat_cols / sizeof *stat_cols; c++)
			csv_column(out, s->stats[i], stat_cols[c]);
	if (s->distinct)
		csv_column(out, s->distinct, "distinct");
	fputs(",window_records,invalid,filtered,late,overflow,other_groups,other_count,"
	      "records_per_s,bytes_per_s,latency_p50_ms,latency_p99_ms,lag,partial",
	      out);
	for (int i = 0; i < KT_INVALID_COUNT; i++)
		fprintf(out, ",invalid_%s", kt_invalid_name(i));
	putc('\n', out);
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

static void csv_window_columns(FILE *out, const csv_window *cw)
{
	const kt_health *h = cw->health;
	fprintf(out, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
		     ",%" PRIu64 ",%" PRIu64,
		cw->records, h->invalid_total, h->filtered, h->late, cw->overflow,
		cw->other_groups, cw->other_count);
	csv_num(out, cw->records_per_s);
	csv_num(out, cw->bytes_per_s);
	csv_num(out, cw->latency_p50);
	csv_num(out, cw->latency_p99);
	if (h->lag < 0)
		putc(',', out);
	else
		fprintf(out, ",%" PRId64, h->lag);
	fputs(cw->partial ? ",true" : ",false", out);
	for (int i = 0; i < KT_INVALID_COUNT; i++)
		fprintf(out, ",%" PRIu64, h->invalid[i]);
	putc('\n', out);
}

/* One row: a group of the window, or (g NULL) the window alone. */
static void csv_row(const kt_report *r, FILE *out, const csv_window *cw,
		    const kt_group *g)
{
	const kt_fieldspec *s = r->spec;
	char buf[KT_MAX_KEY_BYTES + 1];
	fprintf(out, "%s,%s", cw->start, cw->end);
	for (size_t i = 0; i < s->ngroup; i++) {
		putc(',', out);
		if (g) {
			kt_key_text(g->key, g->keylen, i, buf, sizeof buf);
			csv_field(out, buf);
		}
	}
	fprintf(out, ",%" PRIu64, g ? g->count : 0);
	for (size_t i = 0; i < r->csv_stats; i++) {
		const kt_stat *st = g ? g->stats[i] : NULL;
		if (!st) {
			fputs(",0,,,,,,,,", out);
			continue;
		}
		const kt_welford *m = &st->moments;
		fprintf(out, ",%" PRIu64, m->count);
		csv_num(out, m->sum);
		csv_num(out, m->mean);
		csv_num(out, m->min);
		csv_num(out, m->max);
		csv_num(out, kt_welford_stddev(m));
		csv_num(out, kt_sketch_quantile(&st->quantiles, 0.50));
		csv_num(out, kt_sketch_quantile(&st->quantiles, 0.95));
		csv_num(out, kt_sketch_quantile(&st->quantiles, 0.99));
	}
	if (s->distinct)
		fprintf(out, ",%" PRIu64, g && g->distinct ? kt_hll_estimate(g->distinct) : 0);
	csv_window_columns(out, cw);
}

/* The empty windows held back, now that the header is out. */
static void csv_flush_pending(kt_report *r, FILE *out)
{
	for (size_t i = 0; i < r->npending; i++) {
		const kt_report_pending *p = &r->pending[i];
		char start[40], end[40];
		kt_format_iso8601_ms(p->start, start, sizeof start);
		kt_format_iso8601_ms(p->end, end, sizeof end);
		csv_window cw = {.start = start, .end = end, .latency_p50 = NAN,
				 .latency_p99 = NAN, .partial = p->partial,
				 .health = &p->health};
		csv_row(r, out, &cw, NULL);
	}
	kt_report_release(r);
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
		csv_header(r, out);
		csv_flush_pending(r, out);
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
		csv_row(r, out, &cw, NULL);
	for (size_t i = 0; i < shown; i++)
		csv_row(r, out, &cw, sorted[i]);
	return ferror(out) ? -1 : 0;
}

/* ---- table ----------------------------------------------------------- */

/* Numbers for people: integers as integers, others with 2 decimals, very
 * large or small ones in %g form. */
static void fmt_num(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, len, "%.0f", v);
	else if (fabs(v) >= 1e9 || (fabs(v) < 0.01 && v != 0))
		snprintf(buf, len, "%.4g", v);
	else
		snprintf(buf, len, "%.2f", v);
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
		fputs("-\n", out);
	else
		fprintf(out, "%" PRId64 "\n", h->lag);
	if (!h->invalid_total)
		return;
	fputs("invalid:", out);
	for (int i = 0; i < KT_INVALID_COUNT; i++)
		if (h->invalid[i])
			fprintf(out, " %s %" PRIu64, kt_invalid_name(i), h->invalid[i]);
	putc('\n', out);
}

static void table_header(const kt_report *r, FILE *out)
{
	const kt_fieldspec *s = r->spec;
	fputs(paint(r, "\033[4m"), out);
	for (size_t i = 0; i < s->ngroup; i++)
		fprintf(out, "%-16.16s ", s->group_by[i]);
	if (!s->ngroup)
		fprintf(out, "%-16s ", "group");
	fprintf(out, "%10s", "count");
	for (size_t i = 0; i < s->nstats; i++)
		for (int c = 2; c < 9; c++) {
			char col[64];
			snprintf(col, sizeof col, "%s.%s", s->stats[i], stat_cols[c]);
			fprintf(out, " %*s", c == 2 ? 14 : 10, col);
		}
	if (s->distinct)
		fprintf(out, " %12s", "distinct");
	fprintf(out, "%s\n", paint(r, "\033[0m"));
}

static void table_row(const kt_report *r, FILE *out, const kt_group *g)
{
	const kt_fieldspec *s = r->spec;
	char buf[64];
	for (size_t i = 0; i < s->ngroup; i++) {
		kt_key_text(g->key, g->keylen, i, buf, sizeof buf);
		fprintf(out, "%-16.16s ", buf);
	}
	if (!s->ngroup)
		fprintf(out, "%-16s ", "(all)");
	fprintf(out, "%10" PRIu64, g->count);
	for (size_t i = 0; i < s->nstats; i++) {
		const kt_stat *st = g->stats[i];
		double v[7] = {NAN, NAN, NAN, NAN, NAN, NAN, NAN};
		if (st) {
			v[0] = st->moments.mean, v[1] = st->moments.min, v[2] = st->moments.max;
			v[3] = kt_welford_stddev(&st->moments);
			v[4] = kt_sketch_quantile(&st->quantiles, 0.50);
			v[5] = kt_sketch_quantile(&st->quantiles, 0.95);
			v[6] = kt_sketch_quantile(&st->quantiles, 0.99);
		}
		for (int c = 0; c < 7; c++) {
			fmt_num(buf, sizeof buf, v[c]);
			fprintf(out, " %*s", c == 0 ? 14 : 10, buf);
		}
	}
	if (s->distinct)
		fprintf(out, " %12" PRIu64, g->distinct ? kt_hll_estimate(g->distinct) : 0);
	putc('\n', out);
}

static int write_table(kt_report *r, FILE *out, const kt_window *w,
		       const kt_health *h, kt_group **sorted)
{
	if (r->redraw)
		fputs("\033[H\033[2J", out);
	table_health(r, out, w, h);
	if (r->redraw)
		sparkline(r, out, w->records);
	if (w->ngroups) {
		table_header(r, out);
		size_t shown = r->top < w->ngroups ? r->top : w->ngroups;
		uint64_t other = 0;
		for (size_t i = 0; i < w->ngroups; i++) {
			if (i < shown)
				table_row(r, out, sorted[i]);
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
	csv_header(r, out);
	csv_flush_pending(r, out);
	return ferror(out) || fflush(out) == EOF ? -1 : 0;
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
