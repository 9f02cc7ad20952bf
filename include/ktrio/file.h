/* file: reading a whole (small) file into memory, for schema and offset
 * files. */
#ifndef KTRIO_FILE_H
#define KTRIO_FILE_H

#include <stddef.h>

/* Read all of path (at most max_bytes) into a new buffer, NUL-terminated,
 * its length (without the NUL) in *len; the caller frees it. On error
 * returns NULL with "cannot open <what> 'path': reason", "<what> 'path' is
 * larger than N bytes" or "cannot read <what> 'path': reason" in err
 * (what may be "" for none). */
char *kt_read_file(const char *path, const char *what, size_t max_bytes,
		   size_t *len, char *err, size_t errlen);

#endif
