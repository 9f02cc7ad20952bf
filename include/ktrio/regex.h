/* regex: PCRE2 patterns compiled and searched the one way the programs use
 * them (the consumer's --filter, delete-records' --key-regex): UTF, with
 * invalid UTF-8 in a subject searched rather than refused, JIT-compiled
 * when the machine allows it. */
#ifndef KTRIO_REGEX_H
#define KTRIO_REGEX_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct kt_regex {
	pcre2_code *code; /* owned; NULL before a successful compile */
	bool jit;         /* JIT-compiled (else the interpreter: same answers) */
} kt_regex;

/* Compile pattern (NUL-terminated) into re. Returns 0, or -1 with "WHAT:
 * PCRE2's message at offset N" in err (errlen bytes; err may be NULL),
 * WHAT formatted from fmt, e.g. "filter 'name~(ab': missing closing
 * parenthesis at offset 3"; re is then left empty. */
int kt_regex_compile(kt_regex *re, const char *pattern, char *err,
		     size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Search subject (len bytes, unanchored) with match data md (any size:
 * only whether it matched is asked). 1 matched, 0 not, -1 on a matching
 * error (e.g. a resource limit). */
int kt_regex_search(const kt_regex *re, const void *subject, size_t len,
		    pcre2_match_data *md);

/* Free what re holds; re is empty again. */
void kt_regex_release(kt_regex *re);

#endif
