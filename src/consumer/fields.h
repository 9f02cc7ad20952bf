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
#define KT_MAX_STATS 16      /* stat fields per record, explicit or found */
#define KT_MAX_KEY_BYTES 512 /* encoded group key */

typedef struct kt_fieldspec {
	char *group_by[KT_MAX_GROUP_FIELDS]; /* owned */
	size_t ngroup;
	char *stats[KT_MAX_STATS]; /* owned; found at run time when auto_stats */
	size_t nstats;
	bool auto_stats;      /* --stats not given: every numeric top-level
			       * field except seq, ts and the fields above */
	size_t auto_skipped;  /* numeric fields beyond KT_MAX_STATS, ignored */
	char *time_field;     /* event-time field, or NULL */
	char *distinct;       /* --distinct field, or NULL */
} kt_fieldspec;

void kt_fieldspec_init(kt_fieldspec *s);
void kt_fieldspec_release(kt_fieldspec *s);

/* Parse a comma-separated list ("category,user") into group_by or stats.
 * -1 with err for an empty name or too many fields. */
int kt_fieldspec_set_group_by(kt_fieldspec *s, const char *list, char *err,
			      size_t errlen);
int kt_fieldspec_set_stats(kt_fieldspec *s, const char *list, char *err,
			   size_t errlen);

/* What one record contributes. */
typedef struct kt_extracted {
	char key[KT_MAX_KEY_BYTES]; /* encoded group key (kt_key_* decode it) */
	size_t keylen;
	double stat[KT_MAX_STATS];
	uint32_t stat_present; /* bit i: stat[i] holds a value (null skipped) */
	int64_t time;          /* event time in ms when spec->time_field */
	const char *distinct;  /* borrowed from the record; NULL when absent */
	size_t distinct_len;
} kt_extracted;

/* Extract from a decoded record. Returns 0, or -1 with *reason
 * (missing_field, wrong_type, bad_number, bad_time, duplicate_key,
 * too_large). With auto_stats, new numeric fields are added to spec. */
int kt_fields_extract(kt_fieldspec *spec, const cJSON *root, kt_extracted *out,
		      enum kt_invalid *reason);

/* Decode the i-th value of an encoded group key into a new cJSON item
 * (string, number, bool or null); NULL on a malformed key or OOM. */
cJSON *kt_key_value(const char *key, size_t keylen, size_t i);

/* Print the i-th value of an encoded key as text (strings bare, numbers
 * as %.17g shortest form, true/false/null) into buf. */
void kt_key_text(const char *key, size_t keylen, size_t i, char *buf,
		 size_t buflen);

#endif
