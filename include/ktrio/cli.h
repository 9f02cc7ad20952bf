/* cli: one table per program is the one source of its command-line flags:
 * getopt_long's long options and short-option string, the --help text and
 * the list of flags that tests check the man page and completion against. */
#ifndef KTRIO_CLI_H
#define KTRIO_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

/* Row flags. */
enum {
	KT_CLI_HIDDEN = 1, /* accepted, not shown in --help (an alias) */
	KT_CLI_JOIN = 2,   /* shown on one --help line with the next row:
			      "-v, --verbose / -q, --quiet" */
	KT_CLI_NO_SHORT = 4, /* --help leaves no room for a short option */
	KT_CLI_DEPRECATED = 8, /* an old spelling kept for one release: not in
				  --help, accepted with a warning; code is the
				  new spelling's, help its long name */
};

/* One flag, or (name NULL) one line of text in --help. */
typedef struct kt_cli_opt {
	const char *name; /* long name without "--"; NULL: a line of text */
	int code;         /* what getopt_long returns: the short option's letter
			     (then -X is accepted too) or a code above 255 */
	const char *arg;  /* the value's name in --help; NULL: takes none */
	const char *help; /* lines separated by '\n'; for a text line, the text */
	int flags;
} kt_cli_opt;

/* A program's command line: its rows, and the text around them in --help. */
typedef struct kt_cli {
	const kt_cli_opt *opts;
	size_t nopts;
	const char *head;   /* usage and description, before the rows */
	const char *tail;   /* after them (exit status) */
	int column;         /* where help text starts on a row's line */
} kt_cli;

#define KT_CLI_MAX_OPTS 64

/* getopt_long's view of a table, built by kt_cli_getopt. */
typedef struct kt_cli_getopt_tables {
	struct option longopts[KT_CLI_MAX_OPTS + 1];
	char shortopts[3 * KT_CLI_MAX_OPTS + 2]; /* begins with ':' */
	const kt_cli_opt *rows[KT_CLI_MAX_OPTS]; /* longopts[i]'s row */
} kt_cli_getopt_tables;

/* Fill t from cli: a long option per named row, a short one per row whose
 * code is a letter. -1 when the table has more than KT_CLI_MAX_OPTS rows. */
int kt_cli_getopt(const kt_cli *cli, kt_cli_getopt_tables *t);

/* Print the --help text: head, one line (or more) per row not hidden, tail. */
void kt_cli_help(const kt_cli *cli, FILE *out);

/* Print every flag, one a line, for tests:
 * "--LONG -S ARG shown|hidden|deprecated", with "-" for a missing short
 * option or argument. */
void kt_cli_list(const kt_cli *cli, FILE *out);

#endif
