/* cell: text for a terminal: its display width in columns (UTF-8, wide
 * East Asian characters count 2, combining marks 0), escaping what a
 * terminal would obey instead of print, and cutting to a width without
 * splitting a character. */
#ifndef KTRIO_CELL_H
#define KTRIO_CELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emit.h"

/* The marker of a cut: "…" (U+2026), one column wide, 3 bytes. */
#define KT_CELL_CUT "\xE2\x80\xA6"
#define KT_CELL_CUT_LEN 3

/* Columns the code point cp takes on a terminal: 0 for combining marks and
 * zero-width characters, 2 for wide and fullwidth East Asian characters and
 * emoji presented as pictures, 1 for the rest. A few dozen ranges, no
 * Unicode table and no locale: it agrees with glibc's wcwidth in a UTF-8
 * locale on the scripts met in practice (the unit test says which); a
 * character it misjudges shifts the rest of that line by a column. Not
 * wcwidth itself: it needs setlocale (process-wide) and a UTF-8 locale,
 * and under LANG=C, as in many containers and cron jobs, it calls every
 * non-ASCII character unprintable (-1). */
int kt_cell_char_width(uint32_t cp);

/* The character at s (avail >= 1 bytes readable): its length and, in *cp,
 * its code point. A byte that does not start well-formed UTF-8 is a
 * character of length 1 whose *cp is UINT32_MAX. */
size_t kt_cell_next(const char *s, size_t avail, uint32_t *cp);

/* True when cp is a control character a terminal may obey rather than print
 * (C0, DEL, C1) or one that reorders or breaks a line (bidirectional
 * controls, U+2028, U+2029): kt_cell_escape escapes these. */
bool kt_cell_is_control(uint32_t cp);

/* True when s[0..n) holds a control character (kt_cell_is_control) or a
 * byte that is not well-formed UTF-8. */
bool kt_cell_has_control(const char *s, size_t n);

/* Append s[0..n) to e so that a terminal prints it as text: controls as
 * \n, \r, \t or \uXXXX (\u001b for ESC), bytes that are not UTF-8 as \xNN,
 * everything else as it is. */
void kt_cell_escape(kt_emit *e, const char *s, size_t n);

/* Display columns of s[0..n), UTF-8 as kt_cell_next reads it (a byte that
 * is not UTF-8 counts 1). Text from kt_cell_escape has no controls. */
int kt_cell_width(const char *s, size_t n);

/* The bytes of the longest start of s[0..n) at most width columns wide;
 * never ends inside a character, and combining marks stay with the
 * character before them. */
size_t kt_cell_head(const char *s, size_t n, int width);

/* Where the longest end of s[0..n) at most width columns wide begins (n
 * when width is 0); never inside a character, never on a combining mark. */
size_t kt_cell_tail(const char *s, size_t n, int width);

/* Append s[0..n) cut to width (>= 1) columns to e: as it is when it fits,
 * else as much of its start as fits before "…". Returns the columns
 * appended. */
int kt_cell_cut(kt_emit *e, const char *s, size_t n, int width);

/* Append s[0..n) cut to width (>= 1) columns to e, keeping its start and its
 * end: "start…end" (the end a third of the width, at most 12 columns), so
 * values that share a long start still differ. Returns the columns
 * appended. */
int kt_cell_cut_middle(kt_emit *e, const char *s, size_t n, int width);

#endif
