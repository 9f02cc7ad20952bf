/* term: the terminal the consumer's table is drawn on: its size, and
 * whether it changed (SIGWINCH). */
#ifndef KTRIO_TERM_H
#define KTRIO_TERM_H

#include <stdbool.h>

/* Without a terminal and without COLUMNS: no limit. */
#define KT_TERM_NO_LIMIT 0

/* The size of the terminal on fd in *cols and *rows; false when fd is not
 * a terminal or does not say (both then unchanged). */
bool kt_term_size(int fd, int *cols, int *rows);

/* The width output to fd is laid out for: the terminal's (kt_term_size),
 * else COLUMNS when it is a number from 1 to 100000 (so piped output can be
 * made to fit), else KT_TERM_NO_LIMIT. */
int kt_term_width(int fd);

/* Install the SIGWINCH handler (it only sets a flag; SA_RESTART, so no
 * write is interrupted by a resize). */
void kt_term_watch_resize(void);

/* True once after each SIGWINCH since the last call. */
bool kt_term_resized(void);

#endif
