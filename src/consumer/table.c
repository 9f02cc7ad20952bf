/* table: a window's table as cells, laid out for a terminal (see table.h). */
#include "table.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell.h"
#include "ktrio/hash.h"
#include "ktrio/vec.h"

/* Columns between two columns. */
#define GAP 2
/* Continuation lines of a wrapped line above the table are indented. */
#define INDENT 2

void kt_table_init(kt_table *t)
{
	memset(t, 0, sizeof *t);
	kt_emit_init(&t->text);
}

void kt_table_release(kt_table *t)
{
	kt_emit_release(&t->text);
	free(t->segs);
	free(t->cells);
	free(t->counts);
	kt_table_init(t);
}

void kt_table_clear(kt_table *t)
{
	t->text.len = 0;
	t->text.failed = false;
	t->nsegs = t->ncols = t->nkeys = t->ncells = t->nrows = 0;
	t->has_table = false;
	t->other_count = 0;
	t->other_groups = 0;
	t->oom = false;
}

bool kt_table_ok(const kt_table *t)
{
	return !t->oom && !t->text.failed;
}

/* The text from t->open to the end of the buffer. */
static kt_table_text close_text(kt_table *t)
{
	kt_table_text x = {t->open, t->text.len - t->open, 0};
	x.width = kt_cell_width(t->text.buf + x.off, x.len);
	return x;
}

kt_emit *kt_table_begin_seg(kt_table *t, bool line, const char *sep, const char *paint)
{
	if (KT_VEC_RESERVE(t->segs, t->nsegs, t->segs_cap, 1) < 0)
		t->oom = true;
	else
		t->segs[t->nsegs++] = (kt_table_seg){{0, 0, 0}, sep, paint, line || !t->nsegs};
	t->open = t->text.len;
	return &t->text;
}

void kt_table_end_seg(kt_table *t)
{
	if (!t->oom && t->nsegs)
		t->segs[t->nsegs - 1].text = close_text(t);
}

void kt_table_add_col(kt_table *t, const char *name, size_t n, const char *suffix,
		      bool key, int rank)
{
	if (t->ncols == KT_TABLE_MAX_COLS)
		return;
	t->open = t->text.len;
	kt_cell_escape(&t->text, name, n);
	kt_emit_str(&t->text, suffix);
	kt_table_col *c = &t->cols[t->ncols++];
	*c = (kt_table_col){close_text(t), rank, key, 0};
	c->natural = c->head.width;
	t->nkeys += key;
	t->has_table = true;
}

void kt_table_add_row(kt_table *t, uint64_t count)
{
	if (KT_VEC_RESERVE(t->counts, t->nrows, t->counts_cap, 1) < 0 ||
	    KT_VEC_RESERVE(t->cells, t->ncells, t->cells_cap, t->ncols) < 0) {
		t->oom = true;
		return;
	}
	t->counts[t->nrows++] = count;
	t->has_table = true;
}

kt_emit *kt_table_begin_cell(kt_table *t)
{
	t->open = t->text.len;
	return &t->text;
}

void kt_table_end_cell(kt_table *t)
{
	if (t->oom || t->ncells >= t->nrows * t->ncols)
		return;
	kt_table_text x = close_text(t);
	kt_table_col *c = &t->cols[t->ncells % t->ncols];
	if (x.width > c->natural)
		c->natural = x.width;
	t->cells[t->ncells++] = x;
}

/* ---- layout ------------------------------------------------------------ */

typedef struct layout {
	int width[KT_TABLE_MAX_COLS];
	bool shown[KT_TABLE_MAX_COLS];
	size_t nhidden;
	int used; /* columns the table's lines take */
} layout;

/* The columns given room in rank order, those always shown first. */
static void by_rank(const kt_table *t, size_t *order)
{
	size_t n = 0;
	for (size_t i = 0; i < t->ncols; i++)
		if (t->cols[i].rank < 0)
			order[n++] = i;
	for (size_t i = 0; i < t->ncols; i++) { /* insertion by rank, stable */
		if (t->cols[i].rank < 0)
			continue;
		size_t j = n++;
		while (j > 0 && t->cols[order[j - 1]].rank > t->cols[i].rank &&
		       t->cols[order[j - 1]].rank >= 0)
			order[j] = order[j - 1], j--;
		order[j] = i;
	}
}

/* Show columns in rank order while they fit in limit (0: no limit), with
 * the key columns key_width wide at most; stops at the first that does
 * not fit, so what is hidden is always the lowest ranked. */
static void pick(const kt_table *t, int limit, int key_width, layout *l)
{
	size_t order[KT_TABLE_MAX_COLS];
	by_rank(t, order);
	l->used = 0;
	l->nhidden = 0;
	bool full = false;
	for (size_t k = 0; k < t->ncols; k++) {
		size_t i = order[k];
		const kt_table_col *c = &t->cols[i];
		int w = c->natural;
		if (c->key && w > key_width)
			w = key_width > c->head.width ? key_width : c->head.width;
		int add = w + (l->used ? GAP : 0);
		l->width[i] = w;
		if (c->rank < 0 || (!full && (!limit || l->used + add <= limit))) {
			l->shown[i] = true;
			l->used += add;
		} else {
			full = true;
			l->shown[i] = false;
			l->nhidden++;
		}
	}
}

/* Key columns narrower, widest first, until the table fits or they are 2
 * columns wide ("x…"). */
static void shrink_keys(const kt_table *t, int limit, layout *l)
{
	while (l->used > limit) {
		size_t widest = 0;
		for (size_t i = 1; i < t->nkeys; i++)
			if (l->width[i] > l->width[widest])
				widest = i;
		if (!t->nkeys || l->width[widest] <= 2)
			return;
		l->width[widest]--;
		l->used--;
	}
}

/* Room left over goes back to key columns narrower than their values. */
static void grow_keys(const kt_table *t, int limit, layout *l)
{
	for (size_t i = 0; i < t->nkeys && l->used < limit; i++) {
		int want = t->cols[i].natural < KT_TABLE_KEY_MAX ? t->cols[i].natural
								 : KT_TABLE_KEY_MAX;
		int more = want - l->width[i];
		if (more > limit - l->used)
			more = limit - l->used;
		if (more > 0)
			l->width[i] += more, l->used += more;
	}
}

static void lay_out(const kt_table *t, int limit, layout *l)
{
	pick(t, limit, KT_TABLE_KEY_MAX, l);
	if (!limit)
		return;
	if (l->nhidden) {
		layout narrow;
		pick(t, limit, KT_TABLE_KEY_MIN, &narrow);
		if (narrow.nhidden < l->nhidden) {
			*l = narrow;
			grow_keys(t, limit, l);
		}
	}
	shrink_keys(t, limit, l);
}

/* ---- output -------------------------------------------------------------- */

/* Lines being written: no more than max (0: no limit). */
typedef struct screen {
	kt_emit *out;
	int limit;    /* width; 0: none */
	size_t lines, max;
	bool color;
} screen;

static bool room(const screen *s)
{
	return !s->max || s->lines < s->max;
}

static void paint(screen *s, const char *code)
{
	if (s->color && code)
		kt_emit_str(s->out, code);
}

static void end_line(screen *s)
{
	kt_emit_char(s->out, '\n');
	s->lines++;
}

static void spaces(kt_emit *e, int n)
{
	for (int i = 0; i < n; i++)
		kt_emit_char(e, ' ');
}

/* s[0..n) as a whole line, cut to the width. */
static void plain_line(screen *s, const char *text, size_t n)
{
	if (!room(s))
		return;
	if (s->limit)
		kt_cell_cut(s->out, text, n, s->limit);
	else
		kt_emit_bytes(s->out, text, n);
	end_line(s);
}

/* The lines above the table: segments side by side, a segment that does
 * not fit beginning an indented line of its own, one wider than a line
 * cut. */
static void head_lines(const kt_table *t, screen *s)
{
	int col = 0;
	for (size_t i = 0; i < t->nsegs && room(s); i++) {
		const kt_table_seg *g = &t->segs[i];
		const char *text = t->text.buf + g->text.off;
		int sep = g->line ? 0 : kt_cell_width(g->sep, strlen(g->sep));
		if (g->line && i) {
			end_line(s);
			if (!room(s))
				return;
			col = 0;
		} else if (!g->line && s->limit && col + sep + g->text.width > s->limit) {
			end_line(s);
			if (!room(s))
				return;
			col = s->limit > 2 * INDENT ? INDENT : 0;
			spaces(s->out, col);
			sep = 0;
		} else if (!g->line) {
			kt_emit_str(s->out, g->sep);
		}
		col += sep;
		paint(s, g->paint);
		if (s->limit && col + g->text.width > s->limit)
			col += kt_cell_cut(s->out, text, g->text.len, s->limit - col);
		else
			kt_emit_bytes(s->out, text, g->text.len), col += g->text.width;
		paint(s, g->paint ? "\033[0m" : NULL);
	}
	if (t->nsegs && room(s))
		end_line(s);
}

static void sparkline(const kt_table_view *v, screen *s, kt_emit *scratch)
{
	static const char *const bars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
	uint64_t max = 1;
	for (size_t i = 0; i < v->nhistory; i++)
		if (v->history[i] > max)
			max = v->history[i];
	char tail[40];
	int tail_len = snprintf(tail, sizeof tail, "  (max %" PRIu64 ")", max);
	const char *head = "records/window ";
	int room_bars = s->limit ? s->limit - (int)strlen(head) - tail_len : (int)v->nhistory;
	size_t nbars = room_bars < 1 ? 1 : (size_t)room_bars;
	size_t first = v->nhistory > nbars ? v->nhistory - nbars : 0;
	scratch->len = 0;
	kt_emit_str(scratch, head);
	for (size_t i = first; i < v->nhistory; i++)
		kt_emit_str(scratch, bars[v->history[i] * 7 / max]);
	kt_emit_str(scratch, tail);
	plain_line(s, scratch->buf, scratch->len);
}

/* A cell of width columns: keys left-aligned, the rest right-aligned. */
static void put_cell(kt_emit *e, const char *text, size_t n, int cw, int width, bool left,
		     bool last)
{
	if (!left)
		spaces(e, width - cw);
	kt_emit_bytes(e, text, n);
	if (left && !last)
		spaces(e, width - cw);
}

/* A key column's cells as shown: their text, one per row shown. */
typedef struct fitted {
	kt_emit text;
	kt_table_text *cell; /* per row */
} fitted;

static int cmp_text(const void *a, const void *b, void *ctx)
{
	const kt_emit *e = ctx;
	const kt_table_text *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(e->buf + x->off, e->buf + y->off, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Key column c's cells in f, width columns wide: each cut keeping its
 * start and end; two different values that would still print alike show a
 * hash of their value (24 bits) instead of their end. */
static void fit_keys(const kt_table *t, size_t c, size_t rows, int width, fitted *f)
{
	f->text.len = 0;
	for (size_t r = 0; r < rows; r++) {
		const kt_table_text *x = &t->cells[r * t->ncols + c];
		size_t off = f->text.len;
		kt_cell_cut_middle(&f->text, t->text.buf + x->off, x->len, width);
		/* The row in width's place until sorted: set below. */
		f->cell[r] = (kt_table_text){off, f->text.len - off, (int)r};
	}
	if (rows < 2 || width < 10)
		goto widths;
	kt_table_text *sorted = malloc(rows * sizeof *sorted);
	if (!sorted)
		goto widths;
	memcpy(sorted, f->cell, rows * sizeof *sorted);
	qsort_r(sorted, rows, sizeof *sorted, cmp_text, &f->text);
	for (size_t i = 1; i < rows; i++) {
		if (cmp_text(&sorted[i - 1], &sorted[i], &f->text) != 0)
			continue;
		for (size_t k = i - 1; k <= i; k++) {
			size_t r = (size_t)sorted[k].width;
			const kt_table_text *x = &t->cells[r * t->ncols + c];
			const char *s = t->text.buf + x->off;
			if (kt_cell_width(s, x->len) <= width)
				continue; /* shown whole: the other one is cut */
			char hash[16];
			snprintf(hash, sizeof hash, "#%06" PRIx64,
				 kt_hash64(s, x->len, 0) & 0xFFFFFF);
			size_t off = f->text.len;
			kt_emit_bytes(&f->text, s, kt_cell_head(s, x->len, width - 8));
			kt_emit_bytes(&f->text, KT_CELL_CUT, KT_CELL_CUT_LEN);
			kt_emit_str(&f->text, hash);
			f->cell[r] = (kt_table_text){off, f->text.len - off, (int)r};
		}
	}
	free(sorted);
widths:
	for (size_t r = 0; r < rows; r++)
		f->cell[r].width = kt_cell_width(f->text.buf + f->cell[r].off, f->cell[r].len);
}

static size_t last_shown(const kt_table *t, const layout *l)
{
	size_t last = 0;
	for (size_t i = 0; i < t->ncols; i++)
		if (l->shown[i])
			last = i;
	return last;
}

static void header_line(const kt_table *t, const layout *l, screen *s, bool underline,
			kt_emit *line)
{
	if (!room(s))
		return;
	line->len = 0;
	size_t last = last_shown(t, l);
	for (size_t i = 0; i <= last; i++) {
		if (!l->shown[i])
			continue;
		if (i)
			spaces(line, GAP);
		const kt_table_col *c = &t->cols[i];
		const char *h = t->text.buf + c->head.off;
		if (c->head.width > l->width[i]) { /* a key column cut narrow */
			kt_cell_cut(line, h, c->head.len, l->width[i]);
			continue;
		}
		put_cell(line, h, c->head.len, c->head.width, l->width[i], c->key, i == last);
	}
	paint(s, underline ? "\033[4m" : NULL);
	plain_line(s, line->buf, line->len);
	if (underline && s->color) { /* the reset goes before the newline */
		s->out->len--;
		kt_emit_str(s->out, "\033[0m\n");
	}
}

static void row_line(const kt_table *t, const layout *l, const fitted *keys, size_t r,
		     screen *s, kt_emit *line)
{
	line->len = 0;
	size_t last = last_shown(t, l);
	for (size_t i = 0; i <= last; i++) {
		if (!l->shown[i])
			continue;
		if (i)
			spaces(line, GAP);
		const kt_table_col *c = &t->cols[i];
		if (c->key) {
			const kt_table_text *x = &keys[i].cell[r];
			put_cell(line, keys[i].text.buf + x->off, x->len, x->width, l->width[i], true,
				 i == last);
		} else {
			const kt_table_text *x = &t->cells[r * t->ncols + i];
			put_cell(line, t->text.buf + x->off, x->len, x->width, l->width[i], false,
				 i == last);
		}
	}
	plain_line(s, line->buf, line->len);
}

/* "other  N  (M more groups)": the first key column says other, the count
 * sits in its column. */
static void other_line(const kt_table *t, const layout *l, uint64_t count, size_t groups,
		       screen *s, kt_emit *line)
{
	line->len = 0;
	int col = 0;
	for (size_t i = 0; i < t->nkeys; i++)
		col += l->width[i] + GAP;
	kt_emit_str(line, "other");
	char num[32];
	int n = snprintf(num, sizeof num, "%" PRIu64, count);
	size_t count_col = t->nkeys; /* the count column follows the keys */
	int count_width = count_col < t->ncols ? l->width[count_col] : n;
	int pad = col + count_width - n - 5;
	spaces(line, pad < 1 ? 1 : pad);
	kt_emit_str(line, num);
	char more[48];
	snprintf(more, sizeof more, "  (%zu more group%s)", groups, groups == 1 ? "" : "s");
	kt_emit_str(line, more);
	plain_line(s, line->buf, line->len);
}

/* "hidden (N): a b c": the columns without room. */
static void hidden_line(const kt_table *t, const layout *l, screen *s, kt_emit *line)
{
	line->len = 0;
	char head[48];
	snprintf(head, sizeof head, "hidden (%zu):", l->nhidden);
	kt_emit_str(line, head);
	size_t order[KT_TABLE_MAX_COLS];
	by_rank(t, order);
	for (size_t k = 0; k < t->ncols; k++)
		if (!l->shown[order[k]]) {
			const kt_table_text *h = &t->cols[order[k]].head;
			kt_emit_char(line, ' ');
			kt_emit_bytes(line, t->text.buf + h->off, h->len);
		}
	plain_line(s, line->buf, line->len);
}

/* Lines the table takes below the head for rows shown of its rows. */
static size_t table_lines(const kt_table *t, const layout *l, size_t shown)
{
	bool other = shown < t->nrows || t->other_groups;
	return 1 + shown + other + (l->nhidden > 0);
}

void kt_table_render(const kt_table *t, kt_emit *out, const kt_table_view *v)
{
	screen s = {.out = out, .limit = v->width > 0 ? v->width : 0, .color = v->color,
		    .max = v->height > 1 ? (size_t)v->height - 1 : v->height == 1};
	/* The head is written first, then counted: rows make room for it. */
	head_lines(t, &s);
	kt_emit line;
	kt_emit_init(&line);
	if (v->history)
		sparkline(v, &s, &line);
	if (!t->has_table || !room(&s)) {
		kt_emit_release(&line);
		return;
	}
	layout l;
	lay_out(t, s.limit, &l);
	size_t rows = t->nrows;
	if (s.max) {
		size_t left = s.max - s.lines;
		while (rows && table_lines(t, &l, rows) > left)
			rows--;
	}
	fitted keys[KT_TABLE_MAX_COLS];
	kt_table_text *cells = calloc(t->nkeys * (rows ? rows : 1), sizeof *cells);
	for (size_t i = 0; i < t->nkeys; i++) {
		kt_emit_init(&keys[i].text);
		keys[i].cell = cells ? cells + i * rows : NULL;
		if (cells)
			fit_keys(t, i, rows, l.width[i], &keys[i]);
	}
	if (!cells)
		rows = 0;
	header_line(t, &l, &s, v->underline, &line);
	for (size_t r = 0; r < rows && room(&s); r++)
		row_line(t, &l, keys, r, &s, &line);
	uint64_t other = t->other_count;
	for (size_t r = rows; r < t->nrows; r++)
		other += t->counts[r];
	size_t groups = t->other_groups + (t->nrows - rows);
	if (groups && room(&s))
		other_line(t, &l, other, groups, &s, &line);
	if (l.nhidden && room(&s))
		hidden_line(t, &l, &s, &line);
	for (size_t i = 0; i < t->nkeys; i++)
		kt_emit_release(&keys[i].text);
	free(cells);
	kt_emit_release(&line);
}
