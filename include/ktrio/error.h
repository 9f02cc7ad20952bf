/* error: the one way a function reports why it failed: a message written
 * into the caller's buffer, and -1 returned, so a failing path is one line
 * (`return kt_fail(err, errlen, "cannot open '%s': %s", path, why);`). */
#ifndef KTRIO_ERROR_H
#define KTRIO_ERROR_H

#include <stddef.h>

/* Format the message into err (errlen bytes, always terminated; err may be
 * NULL or errlen 0, then nothing is written) and return -1. */
int kt_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
