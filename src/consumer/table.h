/* table: one window's table for people, kept as text cells so it can be
 * laid out again for another terminal size (a redraw on SIGWINCH): lines
 * above it (window, health) that wrap between their segments, then key
 * columns, count and stat columns, of which as many as fit the width are
 * shown, in their rank's order, with a note naming the hidden ones. */
#ifndef KTRIO_TABLE_H
#define KTRIO_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emit.h"

/* Key columns are as wide as their widest value, at most this many
 * columns; narrower when stat columns would not fit otherwise, never
 * below KT_TABLE_KEY_MIN unless the group and count alone do not fit. */
#define KT_TABLE_KEY_MAX 40
#define KT_TABLE_KEY_MIN 16

/* Columns a table can have: keys, count, 7 figures per stat field, distinct
 * (more are not added). */
#define KT_TABLE_MAX_COLS 128

/* A piece of text: where it is in the table's text, its display width. */
typedef struct kt_table_text {
	size_t off, len;
	int width;
} kt_table_text;

/* A segment of a line above the table. */
typedef struct kt_table_seg {
	kt_table_text text;
	const char *sep;   /* before it on the same line (static): " | " */
	const char *paint; /* ANSI colour (static), NULL: none */
	bool line;         /* begins a new line */
} kt_table_seg;

typedef struct kt_table_col {
	kt_table_text head;
	int rank;     /* the order columns are given room in: 0 first;
		       * below 0: always shown (keys, count) */
	bool key;     /* a group key: left-aligned, cut to its width */
	int natural;  /* the widest of its header and cells */
} kt_table_col;

typedef struct kt_table {
	kt_emit text; /* every segment's, header's and cell's text */
	kt_table_seg *segs;
	size_t nsegs, segs_cap;
	kt_table_col cols[KT_TABLE_MAX_COLS];
	size_t ncols, nkeys; /* key columns come first */
	kt_table_text *cells; /* row-major, ncols a row */
	size_t ncells, cells_cap;
	uint64_t *counts; /* each row's count, for the "other" line */
	size_t nrows, counts_cap;
	bool has_table;   /* a header and rows, "other" below them */
	uint64_t other_count;
	size_t other_groups;
	size_t open;      /* where the segment or cell being built starts */
	bool oom;         /* memory ran out while it was built */
} kt_table;

/* How to lay a table out. */
typedef struct kt_table_view {
	int width;        /* columns of the screen; 0: no limit */
	int height;       /* lines of the screen; 0: no limit */
	bool color;
	bool underline;   /* the header underlined (with color) */
	const uint64_t *history; /* records per window for a sparkline; NULL: none */
	size_t nhistory;
} kt_table_view;

void kt_table_init(kt_table *t);
void kt_table_release(kt_table *t);

/* Empty t for the next window (its memory kept). */
void kt_table_clear(kt_table *t);

/* Start a segment of the lines above the table, on a new line when line,
 * else after sep; its text is appended to the buffer returned (escape what
 * comes from data: kt_cell_escape) and ends at kt_table_end_seg. */
kt_emit *kt_table_begin_seg(kt_table *t, bool line, const char *sep, const char *paint);
void kt_table_end_seg(kt_table *t);

/* Add a column whose header is name[0..n) (escaped here) followed by
 * suffix; key columns before the others. */
void kt_table_add_col(kt_table *t, const char *name, size_t n, const char *suffix,
		      bool key, int rank);

/* Start a row of count records; its cells follow in column order, each
 * appended to the buffer kt_table_begin_cell returns (safe text: escaped)
 * and ended by kt_table_end_cell. */
void kt_table_add_row(kt_table *t, uint64_t count);
kt_emit *kt_table_begin_cell(kt_table *t);
void kt_table_end_cell(kt_table *t);

/* False when memory ran out while t was built (it is then incomplete). */
bool kt_table_ok(const kt_table *t);

/* Append t laid out for v to out. No line is wider than v->width; with a
 * height, at most v->height - 1 lines (the cursor's line stays free so
 * nothing scrolls): rows are given up for the lines above the table, its
 * header and the sparkline, the rows not shown counted in "other". */
void kt_table_render(const kt_table *t, kt_emit *out, const kt_table_view *v);

#endif
