/* summary: a window's state as one mergeable value. What the consumer
 * reports for a window (its groups' counts, moments, sketches and distinct
 * counters, the window's totals) merges with another window's of the same
 * interval, and encodes to bytes that decode back to an equal window: the
 * unit that members of a scaled-out group send to the merger.
 *
 * Encoding (version 2, little-endian, see wire.h): "KTS" 1, the window's
 * start and end, records, bytes, overflow, opened_ms, the latency sketch,
 * then a count of groups and each group: key, count, its stats (each by
 * name, so stat indexes need not agree between processes: the moments'
 * count, extremes and exact sums' limbs, the exact extremes by their bits,
 * the sketch), its distinct counter. Version 1 carried Welford's
 * order-dependent fields instead: refused.
 * Doubles travel as their bits: every one reads back bit-exact. */
#ifndef KTRIO_SUMMARY_H
#define KTRIO_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>

#include "fields.h"
#include "window.h"
#include "wire.h"

#define KT_SUMMARY_VERSION 2

/* Append groups [from, to) of w's group array to b, and when totals the
 * window's own counts and latency (zeros otherwise, so the pieces of one
 * window split across several encodings sum to it). Stat i is named
 * spec->stats[i]. Failure shows in b->failed. */
void kt_summary_encode(const kt_window *w, const kt_fieldspec *spec, size_t from,
		       size_t to, bool totals, kt_wire_buf *b);

/* Bytes that group g adds to an encoding (for splitting a window across
 * records of bounded size): an upper bound. */
size_t kt_summary_group_bytes(const kt_group *g, const kt_fieldspec *spec);

/* Decode data into w, which must be empty (new or reset); its start and
 * end become the encoded ones. Stat names map to spec's indexes; with
 * auto_stats new names are added to spec, else an unknown name is an
 * error. Returns 0, or -1 with err naming what is malformed (w is then
 * left for the caller to reset or free, holding part of the input). */
int kt_summary_decode(kt_window *w, kt_fieldspec *spec, const void *data, size_t len,
		      char *err, size_t errlen);

/* Fold src into dst (same interval and stat indexes): counts and sums
 * add, moments merge by Chan's formula, sketches add their buckets, HLLs
 * take the register maximum, extremes stay exact. A group new to a full
 * dst goes to dst's overflow. Associative and commutative up to rounding
 * of sums and moments (and exactly for every other figure). -1 on
 * allocation failure (dst then holds part of src). */
int kt_summary_merge(kt_window *dst, const kt_window *src);

#endif
