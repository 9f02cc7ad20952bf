/* filter: the consumer's --filter expressions (FIELD~REGEX, FIELD=VALUE,
 * FIELD>N, ...), parsed and compiled once, then tested on every record. */
#ifndef KTRIO_FILTER_H
#define KTRIO_FILTER_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "ktrio/record.h"

/* A conjunction of expressions: a record passes when every one holds.
 *
 * Expression syntax: FIELD OP OPERAND, OP one of
 *   ~  !~        PCRE2 regex (UTF, invalid UTF-8 in records tolerated)
 *   =  !=        exact value
 *   >  <  >= <=  number
 * The operator is the first operator token after a non-empty field name,
 * the longest token winning at that spot ("a!=1" is "a" != "1", "a=b=c" is
 * "a" = "b=c"). Nothing is trimmed: spaces belong to the field or operand.
 * FIELD is a top-level key; when no such key exists and FIELD has dots,
 * it is read as a path into nested objects ("user.id").
 *
 * On a record:
 *   =  a string equals VALUE exactly (all its bytes: "a\u0000b" is not
 *      "a"); a number equals VALUE numerically when VALUE is a number ("3"
 *      matches 3 and 3.0), except that an integer from 2^53 up written as
 *      such equals only its own digits; true/false equal VALUE
 *      "true"/"false"; null equals VALUE "null"; arrays and objects equal
 *      nothing. != is the exact negation, so a missing field makes = false
 *      and != true.
 *   ~  the regex is searched (unanchored) in a string, or in the text of a
 *      number (the text the output prints for it, kt_number_format's or a
 *      big integer's own digits: 3.0 is "3", 1e21 "1e+21") or of a bool;
 *      null, arrays,
 *      objects and missing fields do not match. !~ is the negation, except
 *      that a matching error (e.g. a resource limit) makes both false.
 *   > < >= <=  hold only for a number value, compared as doubles; a
 *      missing field or any other type makes them false. */
typedef struct kt_filter kt_filter;

/* An empty filter (matches every record). NULL on OOM. */
kt_filter *kt_filter_new(void);

/* Free the filter and its compiled patterns. NULL is a no-op. */
void kt_filter_free(kt_filter *f);

/* A filter with the same expressions as f (NULL: an empty one), compiled
 * anew, with match data of its own: what each thread matching records in
 * parallel needs. NULL on OOM. */
kt_filter *kt_filter_copy(const kt_filter *f);

/* Add the top-level fields f's expressions read to k (a dotted field:
 * itself and its first segment). false when k is full. */
bool kt_filter_keys(const kt_filter *f, kt_record_keys *k);

/* Parse and add one expression (copied) to f (not NULL). Returns 0, or -1 with a message
 * naming the expression in err (errlen bytes; err may be NULL), e.g.
 * "filter 'name~(ab': missing closing parenthesis at offset 3"; on error
 * the filter is unchanged. Errors: no operator, empty field name, missing
 * or non-numeric N after > < >= <=, a regex PCRE2 refuses (its message and
 * the offset in the pattern), OOM. */
int kt_filter_add(kt_filter *f, const char *expr, char *err, size_t errlen);

/* True when record satisfies every expression; a NULL or empty filter
 * matches everything, a NULL or non-object record has no fields. Never
 * allocates. Not reentrant on one filter: the regex match data is shared,
 * so threads need a filter each. */
bool kt_filter_match(const kt_filter *f, const cJSON *record);

#endif
