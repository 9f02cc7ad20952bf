/* fields: what the consumer takes out of each record: the group key, the
 * numeric stat fields, the event time and the distinct-count field, with
 * the reason when a record does not have them. */
#ifndef KTRIO_FIELDS_H
#define KTRIO_FIELDS_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktrio/record.h"

#define KT_MAX_GROUP_FIELDS 8
#define KT_MAX_STATS 16 /* stat fields per record, explicit or found */
#define KT_MAX_AUTO_SKIPPED 64 /* numeric fields left out, named and counted */

typedef struct kt_fieldspec {
	char *group_by[KT_MAX_GROUP_FIELDS]; /* owned */
	size_t ngroup;
	char *stats[KT_MAX_STATS]; /* owned; found at run time when auto_stats */
	size_t nstats;
	bool auto_stats;      /* --stats not given: every numeric top-level
			       * field except seq, ts and the fields above */
	/* auto_stats: the numeric fields found once stats was full, each
	 * once (the first KT_MAX_AUTO_SKIPPED of them; owned): not
	 * summarised. auto_skipped is how many. */
	char *skipped[KT_MAX_AUTO_SKIPPED];
	size_t auto_skipped;
	char *time_field;     /* event-time field, or NULL */
	char *distinct;       /* --distinct field, or NULL */
	/* What a member tagged i in a kt_record_decode_some tree is for
	 * (kt_fields_add_keys): group-by field group (or -1), stat field
	 * stat (or -1), the time and distinct fields. */
	struct kt_field_role {
		int8_t group, stat;
		bool time, distinct;
	} role[KT_RECORD_MAX_KEYS];
	/* Working memory of kt_fields_extract (owned, reused): the encoded
	 * group key and distinct value of the last record. */
	char *scratch;
	size_t scratch_cap;
} kt_fieldspec;

void kt_fieldspec_init(kt_fieldspec *s);
void kt_fieldspec_release(kt_fieldspec *s);

/* Parse a comma-separated list ("category,user") into group_by or stats.
 * -1 with err for an empty name or too many fields. */
int kt_fieldspec_set_group_by(kt_fieldspec *s, const char *list, char *err,
			      size_t errlen);
int kt_fieldspec_set_stats(kt_fieldspec *s, const char *list, char *err,
			   size_t errlen);

/* Add the fields spec reads to k, and note in spec what each key is for,
 * so that kt_fields_extract finds a tagged member's use by its tag instead
 * of its name. false when they cannot all be named (auto stats read every
 * numeric field) or k is full. */
bool kt_fields_add_keys(kt_fieldspec *spec, kt_record_keys *k);

/* What one record contributes. */
typedef struct kt_extracted {
	/* The encoded group key (kt_key_part reads it), in spec->scratch:
	 * valid until the next kt_fields_extract with that spec. Any length:
	 * a key is as long as its values (hashed for lookup, never cut). */
	const char *key;
	size_t keylen;
	double stat[KT_MAX_STATS]; /* -0 as 0 */
	/* An integer stat value of 2^53 or more (whose double may be off)
	 * exactly, when bit i of stat_exact is set: min and max keep it. */
	int64_t stat_int[KT_MAX_STATS];
	uint32_t stat_present; /* bit i: stat[i] holds a value */
	uint32_t stat_exact;
	int64_t time;          /* event time in ms when spec->time_field */
	/* The distinct-count field's value, encoded as one key value (so
	 * "42" and 42 are two values), in spec->scratch; NULL when absent,
	 * an object, an array, or given twice. */
	const char *distinct;
	size_t distinct_len;
} kt_extracted;

/* Extract from a decoded record (a kt_json_parse tree: string lengths in
 * valueint, big integers' text kept; cJSON_Parse trees work too, without
 * NULs in strings; a kt_record_decode_some tree with keys from
 * kt_fields_add_keys is read by its members' tags, with the same result
 * as by their names). Returns 0, or -1 with *reason when the record cannot
 * be grouped: a group-by field missing, twice, or an object or array
 * (wrong_type) or a number beyond double range (bad_number); the event-time
 * field missing, twice or not a time (missing_field, duplicate_key,
 * bad_time). A stat field that is missing, null, not a number, beyond
 * double range or given twice only leaves that stat without a value (its
 * bit clear in stat_present): the window counts it as skipped. With
 * auto_stats, new numeric fields are added to spec. */
int kt_fields_extract(kt_fieldspec *spec, const cJSON *root, kt_extracted *out,
		      enum kt_invalid *reason);

/* One value of an encoded key. */
typedef struct kt_key_part {
	char type;         /* 's' string, 'n' number, 't' true, 'f' false, 'z' null */
	const char *bytes; /* string bytes (may hold NULs) or number text */
	size_t len;
} kt_key_part;

/* The i-th value of an encoded key (borrowed from it). Numbers are their
 * JSON text: an integer from 2^53 up as written, any other number as
 * kt_number_format writes its double (-0 as 0). -1 when the key is
 * malformed or has no i-th value. */
int kt_key_part_at(const char *key, size_t keylen, size_t i, kt_key_part *out);

/* True when a string value would print like another kind of value or not
 * at all: empty, a JSON number, true, false or null, starting with '"', or
 * holding a control byte or DEL. The table and CSV then show it as a JSON
 * string, quoted and escaped, so "42" and 42, "null" and null differ. */
bool kt_key_string_needs_quotes(const char *s, size_t len);

#endif
