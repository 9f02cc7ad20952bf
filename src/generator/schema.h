/* schema: the generator's event templates: a JSON file listing fields, each
 * with a type and a distribution, parsed and validated once.
 *
 * File format (see templates/ for complete examples):
 *   {"name": "orders",
 *    "fields": [
 *      {"name": "category", "type": "enum",
 *       "values": {"electronics": 0.5, "books": 0.3, "toys": 0.2}},
 *      {"name": "price", "type": "float", "decimals": 2, "by": "category",
 *       "cases": {"electronics": {"dist": "normal(300, 80)", "min": 5},
 *                 "books": {"dist": "normal(20, 6)", "min": 2},
 *                 "toys": {"dist": "uniform(5, 60)"}}},
 *      {"name": "quantity", "type": "int", "dist": "uniform(1, 5)"},
 *      {"name": "user", "type": "string", "pattern": "user-{}",
 *       "dist": "zipf(1000, 1.1)", "null": 0.01}]}
 *
 * Types: int, float (dist: "uniform(min,max)", "normal(mean,stddev)" with
 * optional "min"/"max" clamps, "zipf(n,s)" giving 1..n; float "decimals"),
 * string ("values": [...] drawn by "uniform" or "zipf(s)" rank, or
 * "pattern": "text{}text" with {} replaced by an int drawn from "dist"),
 * bool ("p": probability of true), enum ("values": {value: weight}, the
 * weights summing to 1), uuid, seq (the event's seq), timestamp (the
 * event's time; "format": "epoch_ms" or "iso"), const ("value": any JSON).
 * Every field may have "null": the probability of a JSON null. int, float
 * and string fields may depend on an earlier enum field: "by": FIELD and
 * "cases": {value: {the dist keys}} with one case per value.
 * The names id, run, seq and ts are the event's own and cannot be used.
 * Limits: zipf n from 1 to 10000000 (a table of 8n bytes), "decimals" 0 to
 * 15, strings at most KT_SCHEMA_MAX_STRING bytes; an int's bounds and
 * clamps are integers. Unknown keys are errors, so typos are caught. */
#ifndef KTRIO_SCHEMA_H
#define KTRIO_SCHEMA_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "rng.h"

enum kt_field_type {
	KT_FIELD_INT,
	KT_FIELD_FLOAT,
	KT_FIELD_STRING,
	KT_FIELD_BOOL,
	KT_FIELD_ENUM,
	KT_FIELD_UUID,
	KT_FIELD_SEQ,
	KT_FIELD_TIMESTAMP,
	KT_FIELD_CONST,
};

enum kt_dist { KT_DIST_NONE, KT_DIST_UNIFORM, KT_DIST_NORMAL, KT_DIST_ZIPF };

#define KT_SCHEMA_MAX_STRING 255 /* longest string value or pattern result */

/* How one value is drawn (a field's, or one case of a "by" field). */
typedef struct kt_draw {
	enum kt_dist dist;
	double a, b;            /* uniform min,max; normal mean,stddev; zipf n,s */
	bool has_min, has_max;  /* clamps of a normal */
	double min, max;
	kt_zipf zipf;           /* table when dist is zipf */
	char **values;          /* string list or enum values (owned) */
	size_t nvalues;
	double *cumulative;     /* enum: cumulative weights (owned) */
	char *prefix, *suffix;  /* pattern around {} (owned) */
} kt_draw;

typedef struct kt_field {
	char *name;
	enum kt_field_type type;
	double null_p;   /* probability of null */
	int decimals;    /* float: digits kept, -1 for all */
	double p_true;   /* bool */
	bool iso;        /* timestamp as ISO-8601 text */
	int by;          /* index of the enum field cases depend on, or -1 */
	kt_draw draw;    /* without "by" */
	kt_draw *cases;  /* with "by": one per value of that field (owned) */
	size_t ncases;
	cJSON *value;    /* const (owned) */
} kt_field;

typedef struct kt_schema {
	char *name;
	kt_field *fields;
	size_t nfields;
} kt_schema;

/* Load and validate a schema file. On error returns NULL with a message
 * naming the file and the field in err, e.g.
 * "schema 'x.json': field 'price': min 10 > max 5". */
kt_schema *kt_schema_load(const char *path, char *err, size_t errlen);

/* Load a built-in template by name from templates_dir ("orders" reads
 * templates_dir/orders.json); an unknown name lists the choices. */
kt_schema *kt_schema_load_builtin(const char *name, const char *templates_dir,
				  char *err, size_t errlen);

/* Parse a schema from JSON text; origin names it in messages. */
kt_schema *kt_schema_parse(const char *json, size_t len, const char *origin,
			   char *err, size_t errlen);

/* Free s and everything it owns; NULL is a no-op. */
void kt_schema_free(kt_schema *s);

/* Index in s->fields of the field called name (the schema's own fields,
 * not id, run, seq, ts), or -1. */
int kt_schema_field(const kt_schema *s, const char *name);

#endif
