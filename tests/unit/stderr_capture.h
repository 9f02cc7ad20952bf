/* stderr_capture: redirect fd 2 into a temporary file and read back what was
 * written, for tests of code that reports on stderr. */
#ifndef KTRIO_TEST_STDERR_CAPTURE_H
#define KTRIO_TEST_STDERR_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct stderr_capture {
	FILE *file; /* where fd 2 points while capturing */
	int saved;  /* the original fd 2 */
} stderr_capture;

/* Start capturing; 0, or -1 when the redirection could not be set up. */
static inline int stderr_capture_begin(stderr_capture *c)
{
	fflush(stderr);
	c->saved = -1;
	c->file = tmpfile();
	if (!c->file)
		return -1;
	c->saved = dup(2);
	if (c->saved < 0 || dup2(fileno(c->file), 2) < 0) {
		if (c->saved >= 0)
			close(c->saved);
		fclose(c->file);
		c->file = NULL;
		return -1;
	}
	return 0;
}

/* Stop capturing and return everything written meanwhile (malloc'd,
 * NUL-terminated, caller frees), or NULL on failure. */
static inline char *stderr_capture_end(stderr_capture *c)
{
	if (!c->file)
		return NULL;
	fflush(stderr);
	dup2(c->saved, 2);
	close(c->saved);
	char *text = NULL;
	/* The writes went through fd 2, not this FILE: ask the shared fd. */
	off_t n = lseek(fileno(c->file), 0, SEEK_END);
	if (n >= 0 && fseek(c->file, 0, SEEK_SET) == 0 &&
	    (text = malloc((size_t)n + 1)) != NULL) {
		size_t got = fread(text, 1, (size_t)n, c->file);
		text[got] = '\0';
	}
	fclose(c->file);
	return text;
}

#endif
