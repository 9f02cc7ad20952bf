/* utf8: checking UTF-8, a sequence or a whole text at a time. */
#include "ktrio/utf8.h"

#include <stdint.h>
#include <string.h>

size_t kt_utf8_sequence(const char *str, size_t avail)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned c = s[0];
	if (c < 0x80)
		return 1;
	size_t n;
	unsigned min;
	uint32_t cp;
	if ((c & 0xE0) == 0xC0) {
		n = 2, min = 0x80, cp = c & 0x1F;
	} else if ((c & 0xF0) == 0xE0) {
		n = 3, min = 0x800, cp = c & 0x0F;
	} else if ((c & 0xF8) == 0xF0) {
		n = 4, min = 0x10000, cp = c & 0x07;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

bool kt_utf8_valid(const char *str, size_t len)
{
	const char *s = str, *end = s + len;
	while (s < end) {
		/* Skip ASCII eight bytes at a time: most JSON is ASCII. */
		if (end - s >= 8) {
			uint64_t w;
			memcpy(&w, s, 8);
			if (!(w & 0x8080808080808080ULL)) {
				s += 8;
				continue;
			}
		}
		size_t n = kt_utf8_sequence(s, (size_t)(end - s));
		if (!n)
			return false;
		s += n;
	}
	return true;
}
