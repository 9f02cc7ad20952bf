/* file: reading a whole small file into memory. */
#include "ktrio/file.h"
#include "ktrio/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *kt_read_file(const char *path, const char *what, size_t max_bytes,
		   size_t *len, char *err, size_t errlen)
{
	const char *sep = *what ? " " : "";
	FILE *f = fopen(path, "rb");
	if (!f) {
		kt_fail(err, errlen, "cannot open %s%s'%s': %s", what, sep, path,
			 strerror(errno));
		return NULL;
	}
	char *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (cap - n < 2) {
			char *bigger = cap <= max_bytes ? realloc(buf, cap = cap ? cap * 2 : 8192) : NULL;
			if (!bigger) {
				kt_fail(err, errlen, "%s%s'%s' is larger than %zu bytes", what, sep,
					 path, max_bytes);
				goto fail;
			}
			buf = bigger;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		kt_fail(err, errlen, "cannot read %s%s'%s': %s", what, sep, path, strerror(errno));
		goto fail;
	}
	if (n > max_bytes) {
		kt_fail(err, errlen, "%s%s'%s' is larger than %zu bytes", what, sep, path, max_bytes);
		goto fail;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}
