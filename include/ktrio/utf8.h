/* utf8: checking UTF-8 (well-formed: no overlongs, no surrogates, nothing
 * above U+10FFFF), a sequence or a whole text at a time. */
#ifndef KTRIO_UTF8_H
#define KTRIO_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* The length (1 to 4) of the well-formed character at s, of which avail
 * (at least 1) bytes may be read; 0 when it is not one. */
size_t kt_utf8_sequence(const char *s, size_t avail);

/* True when s[0..len) is well-formed UTF-8. */
bool kt_utf8_valid(const char *s, size_t len);

#endif
