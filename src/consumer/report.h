/* report: the consumer's output for one window: an aligned table for
 * people, one JSON object per line (the machine-readable contract), or CSV
 * rows. */
#ifndef KTRIO_REPORT_H
#define KTRIO_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ktrio/config.h"
#include "emit.h"
#include "fields.h"
#include "ktrio/record.h"
#include "table.h"
#include "window.h"

/* What happened to records beside the counted ones, since the previous
 * emitted window. */
typedef struct kt_health {
	uint64_t invalid[KT_INVALID_COUNT];
	uint64_t invalid_total;
	uint64_t filtered;
	uint64_t late;
	int64_t lag; /* records behind the high watermarks; -1 unknown */
	int32_t held, total; /* partitions held of the topics' total; total
			      * 0: unknown (not reported) */
	/* A merged window (consumer --merge): how many input partitions it
	 * holds, whether all had sealed it, those missing (a JSON array's
	 * items, borrowed; "" when none), partial sets dropped as repeats of
	 * a sealed one, and those that differed from it (a bug signal). */
	bool merged;
	bool complete;
	uint32_t partitions;
	const char *missing;
	uint64_t duplicates, conflicts;
	uint64_t late_partials; /* sealed sets of windows already written
				 * without them (early, at --merge-timeout or
				 * --max-windows): records those windows lack */
	uint64_t windows_overflow; /* windows written early so far: more
				    * were open than --max-windows */
} kt_health;

/* A window written before the CSV header: without --stats, the columns
 * wait for the first window with records to name its fields. */
typedef struct kt_report_pending {
	int64_t start, end;
	bool partial;
	kt_health health;
} kt_report_pending;

/* --columns: the table's stat columns, chosen; each a figure of one stat
 * field or (field NULL) of every one, or the distinct count. Their order
 * is the order they are given room in, and each field's order on screen. */
#define KT_REPORT_MAX_COLUMNS 64
typedef struct kt_report_column {
	const char *field; /* borrowed (the flag's value), field_len bytes */
	size_t field_len;
	int figure; /* index in kt_report_figures */
} kt_report_column;

typedef struct kt_report_columns {
	kt_report_column col[KT_REPORT_MAX_COLUMNS];
	size_t n;
} kt_report_columns;

/* The figures a column can show: "mean", "min", "max", "stddev", "p50",
 * "p95", "p99", "distinct", NULL-terminated. */
extern const char *const kt_report_figures[];

/* Add the columns of list (FIGURE or FIELD.FIGURE, comma-separated) to c;
 * list is borrowed and must outlive c. -1 (err filled) for an unknown
 * figure, an empty item, one named twice or too many. */
int kt_report_add_columns(kt_report_columns *c, const char *list, char *err, size_t errlen);

/* Check c against the stat fields given (--stats; any field when they are
 * found in the records): -1 (err filled) naming a field that is not one. */
int kt_report_check_columns(const kt_report_columns *c, const kt_fieldspec *spec, char *err,
			    size_t errlen);

typedef struct kt_column_plan {
	int stat;   /* index in spec->stats; -1: the distinct count */
	int figure; /* index in kt_report_figures */
} kt_column_plan;

typedef struct kt_report {
	enum kt_format format;
	size_t top;         /* table: groups shown before "other" */
	bool top_explicit;  /* --top given: JSON and CSV also cut at top */
	const kt_fieldspec *spec;
	bool color;         /* ANSI colour (TTY and no NO_COLOR) */
	bool redraw;        /* TTY: clear the screen before each table, fit
			     * it to the terminal's size, redraw it when that
			     * changes (kt_report_poll) */
	int width, height;  /* table: the screen's columns and lines (0: no
			     * limit); on a terminal, asked before each draw */
	bool drawn;         /* a table was drawn: kt_report_poll can redraw */
	const kt_report_columns *columns; /* --columns; NULL: every figure */
	kt_column_plan plan[KT_TABLE_MAX_COLS]; /* the stat columns, in order */
	size_t nplan;
	kt_table table;     /* the last window's table */
	bool csv_header_done;
	size_t csv_stats;   /* stat fields in the CSV header */
	kt_report_pending *pending; /* empty windows before the header */
	size_t npending, pending_cap;
	uint64_t history[32]; /* records per window, for the sparkline */
	size_t nhistory;
	kt_emit text;  /* the output being built, written per window */
	kt_emit cell;  /* one value's text, before CSV quoting or cutting */
	/* Text the same for every group of a window, made once for it: JSON,
	 * every field's `"name":` escaped (group-by fields, stats, distinct;
	 * field i's ends at name_end[i]); CSV, the window's own columns that
	 * end each of its rows. */
	kt_emit pieces;
	kt_numcache *quantile_texts; /* owned; NULL until needed or when out
				      * of memory (then numbers are made anew) */
	size_t name_end[KT_MAX_GROUP_FIELDS + KT_MAX_STATS + 1];
} kt_report;

void kt_report_init(kt_report *r, enum kt_format format, size_t top,
		    bool top_explicit, const kt_fieldspec *spec);

/* At the end of output: windows still held back (CSV, see
 * kt_report_pending) are written, after a header. -1 when out fails. */
int kt_report_finish(kt_report *r, FILE *out);

/* Free what r holds (the report itself is the caller's). */
void kt_report_release(kt_report *r);

/* What to tell when writing failed with errnum (errno just after the
 * failure): a reader that closed the pipe (| head) is named as such, with
 * what follows for the offsets; otherwise strerror's text. */
const char *kt_report_failure_text(int errnum);

/* Write one window, its written_ms and partial set (see kt_window), with
 * what happened beside it since the previous one (h). Returns -1 when out
 * fails or memory runs out. */
int kt_report_window(kt_report *r, FILE *out, const kt_window *w,
		     const kt_health *h);

/* Window w with h as the JSON object --format json writes for it (with
 * r's --top), without the newline, appended to e. -1 when memory runs
 * out. */
int kt_report_json(kt_report *r, const kt_window *w, const kt_health *h, kt_emit *e);

/* On a terminal (redraw), when its size changed (kt_term_resized), draw
 * the last table again laid out for the new size; call it at least every
 * 100 ms. 0 when nothing was to be done; -1 when out fails. */
int kt_report_poll(kt_report *r, FILE *out);

#endif
