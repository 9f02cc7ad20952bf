/* regex: PCRE2 compile and search with the programs' options. */
#include "ktrio/regex.h"

#include <stdarg.h>
#include <stdio.h>

#include "ktrio/error.h"

int kt_regex_compile(kt_regex *re, const char *pattern, char *err,
		     size_t errlen, const char *fmt, ...)
{
	int code;
	PCRE2_SIZE offset;
	re->jit = false;
	re->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
				 PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &offset, NULL);
	if (!re->code) {
		char what[512];
		PCRE2_UCHAR msg[256];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(what, sizeof what, fmt, ap);
		va_end(ap);
		if (pcre2_get_error_message(code, msg, sizeof msg) < 0)
			snprintf((char *)msg, sizeof msg, "error %d", code);
		return kt_fail(err, errlen, "%s: %s at offset %zu", what, (char *)msg,
			       (size_t)offset);
	}
	/* Without JIT (not built in, or no executable memory) the
	 * interpreter gives the same answers, only slower. */
	re->jit = pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0;
	return 0;
}

int kt_regex_search(const kt_regex *re, const void *subject, size_t len,
		    pcre2_match_data *md)
{
	PCRE2_SPTR s = subject;
	int rc = re->jit ? pcre2_jit_match(re->code, s, len, 0, 0, md, NULL)
			 : pcre2_match(re->code, s, len, 0, 0, md, NULL);
	if (rc >= 0) /* 0: matched, the offsets did not fit (groups) */
		return 1;
	return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

void kt_regex_release(kt_regex *re)
{
	pcre2_code_free(re->code);
	re->code = NULL;
	re->jit = false;
}
