/* mstate: what a merger (consumer --merge) keeps in the metadata of the
 * offsets it commits on the partials topic, so that a merger restarted
 * from them recognises the windows already written and the input
 * partitions' progress (see merger.h).
 *
 * Text (a few KB at most; the broker's offset.metadata.max.bytes is 4096
 * by default), tokens separated by one space:
 *   "ktrio-merger 1 w=W r=R [t=TOPIC:N ...] [s=TOPIC/P:S ...]"
 * W: the start of the last window written (epoch ms; "-": none). R: the
 * offset after the last partials record read from this partition when
 * committing (a replay below it is the merger's own, not a member's
 * repeat). t: an input topic and its partition count. s: an input
 * partition and the latest window start it sealed ("e": it ended).
 * Topic names hold none of ' ', ':', '/' (Kafka allows [a-zA-Z0-9._-]). */
#ifndef KTRIO_MSTATE_H
#define KTRIO_MSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most a metadata text may take here. */
#define KT_MSTATE_MAX 3072

typedef struct kt_mstate_buf {
	char data[KT_MSTATE_MAX];
	size_t len;
} kt_mstate_buf;

/* Begin the text: written (INT64_MIN: none) and read. */
void kt_mstate_begin(kt_mstate_buf *b, int64_t written, int64_t read);

/* Add an input topic's partition count, or an input partition's latest
 * sealed window start (INT64_MAX: ended). -1 when it does not fit: the
 * text is left as it was (still valid). */
int kt_mstate_add_topic(kt_mstate_buf *b, const char *topic, int32_t partitions);
int kt_mstate_add_source(kt_mstate_buf *b, const char *topic, int32_t partition,
			 int64_t sealed);

/* One topic (is_source false: n is the partition count) or input
 * partition (is_source true: n is the partition, sealed its latest
 * sealed start) read back; name borrows from the text. Returns -1 to stop
 * the parse (out of memory). */
typedef int (*kt_mstate_cb)(void *arg, bool is_source, const char *name, size_t name_len,
			    int32_t n, int64_t sealed);

/* Read a metadata text (not NUL-terminated, len bytes). 0 with *written
 * and *read set and cb called per entry; -1 when it is not such a text or
 * cb stopped (nothing is trusted then, though cb may have been called). */
int kt_mstate_parse(const char *s, size_t len, int64_t *written, int64_t *read,
		    kt_mstate_cb cb, void *arg);

#endif
