/* event: the generator's events: one JSON object per event with id, run,
 * seq, ts and the schema's fields, drawn from a seeded generator into one
 * reused cJSON object and written out by this module into a reused buffer
 * (names and the schema's string values escaped once, at start; numbers
 * formatted here as the consumer writes them,
 * ktrio/number.h: a float without "decimals" in the shortest text that
 * reads back as the drawn double; a const printed by cJSON once): byte for
 * byte what cJSON_PrintUnformatted makes of the object (whose numbers are
 * raw text), with no allocation per event. */
#ifndef KTRIO_EVENT_H
#define KTRIO_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schema.h"

typedef struct kt_event_gen kt_event_gen;

/* A generator of events for schema (borrowed; must outlive it). With
 * seeded, the stream is a function of seed alone (run id and event ids
 * included: the same seed and the same (seq, ts) calls give byte-identical
 * events); otherwise seeded from the system. NULL on OOM (err). */
kt_event_gen *kt_event_gen_new(const kt_schema *schema, bool seeded,
			       uint64_t seed, char *err, size_t errlen);
/* Free g and its buffers (not the schema); NULL is a no-op. */
void kt_event_gen_free(kt_event_gen *g);

/* Draw event number seq with event time ts_ms: one JSON object, without
 * newline, {"id", "run", "seq", "ts", then the schema's fields in order}.
 * *json (NUL-terminated, *len bytes) points into a buffer owned by g,
 * valid until the next call or kt_event_gen_free. Allocates nothing:
 * the buffer, sized by kt_event_gen_new for the largest event the schema
 * can make, always holds it. Returns 0 (the int is kept for callers that
 * check). */
int kt_event_gen_next(kt_event_gen *g, uint64_t seq, int64_t ts_ms,
		      const char **json, size_t *len);

/* The last drawn event as cJSON_PrintUnformatted writes it (the caller
 * frees it with cJSON_free); NULL on OOM. kt_event_gen_next writes the
 * same bytes faster: this is what tests hold it to. */
char *kt_event_gen_cjson_text(const kt_event_gen *g);

/* The run id (UUID v4 text) shared by every event of this generator;
 * owned by g. */
const char *kt_event_gen_run_id(const kt_event_gen *g);

/* True when the events have a field called name (the schema's or id,
 * run, seq, ts). */
bool kt_event_gen_has_field(const kt_event_gen *g, const char *name);

/* The last drawn event's value of field name as message-key text, owned
 * by g and valid until the next call: strings as they are (no quotes),
 * numbers and bools as the event's JSON shows them, a const object or
 * array as its JSON text. A null value, or no such field, gives no key:
 * *key NULL, *len 0. */
void kt_event_gen_key(kt_event_gen *g, const char *name, const char **key,
		      size_t *len);

#endif
