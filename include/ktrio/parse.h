/* parse: checked parsers for command-line values (numbers, durations, rates,
 * timestamps, partition lists), each error naming the flag and the value. */
#ifndef KTRIO_PARSE_H
#define KTRIO_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* All parsers: `flag` names the option in error messages (e.g. "--rate").
 * Return 0 and store the result on success; on error return -1, leave *out
 * untouched and write a one-line message into err (errlen bytes). */

/* A whole decimal integer within [min, max] (no sign games, no trailing junk). */
int kt_parse_int(const char *flag, const char *s, int64_t min, int64_t max,
		 int64_t *out, char *err, size_t errlen);

/* A finite decimal number within [min, max]. */
int kt_parse_double(const char *flag, const char *s, double min, double max,
		    double *out, char *err, size_t errlen);

/* A duration: a number with a unit ms, s, m or h ("250ms", "5s", "1.5m",
 * "2h"); "0" alone is accepted. Result in milliseconds, at most 30 days. */
int kt_parse_duration_ms(const char *flag, const char *s, int64_t *out_ms,
			 char *err, size_t errlen);

/* A rate in events per second: a number >= 0 (0 meaning unthrottled),
 * at most 10,000,000. */
int kt_parse_rate(const char *flag, const char *s, double *out, char *err,
		  size_t errlen);

/* A point in time: ISO-8601 with a zone ("2026-11-24T10:00:00Z",
 * "2026-11-24T10:00:00.250+01:00") or epoch milliseconds ("1764000000000").
 * A timestamp without a zone is refused rather than guessed. */
int kt_parse_timestamp_ms(const char *flag, const char *s, int64_t *out_ms,
			  char *err, size_t errlen);

/* Format epoch milliseconds as ISO-8601 UTC with milliseconds
 * ("2026-11-24T10:00:00.250Z") into buf (at least 32 bytes). */
void kt_format_iso8601_ms(int64_t ms, char *buf, size_t buflen);

/* A growable list of partition ids, owned by the caller (kt_i32list_release). */
typedef struct kt_i32list {
	int32_t *v;
	size_t n, cap;
} kt_i32list;

void kt_i32list_init(kt_i32list *l);
void kt_i32list_release(kt_i32list *l);
/* Append one value; -1 on allocation failure. */
int kt_i32list_push(kt_i32list *l, int32_t x);
/* Sort ascending and drop duplicates. */
void kt_i32list_sort_unique(kt_i32list *l);

/* Append the partitions of a list such as "0,2,4-7" (ids 0..INT32_MAX,
 * ranges low-high with low <= high, at most 1,000,000 ids in all). */
int kt_parse_partitions(const char *flag, const char *s, kt_i32list *out,
			char *err, size_t errlen);

#endif
