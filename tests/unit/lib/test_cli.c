/* test_cli: one table gives getopt_long's long options and short-option
 * string, the --help text and the flag list; the expected texts are written
 * by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktrio/cli.h"

enum { OPT_LONG_ONLY = 300, OPT_VERSION };

static const kt_cli_opt opts[] = {
	{NULL, 0, NULL, "Section:", 0},
	{"alpha", 'a', "N", "first line\nsecond line", 0},
	{"bravo", OPT_LONG_ONLY, NULL, "long only", 0},
	{"a-very-long-option-name", 'c', "VALUE", "after two spaces\nthen at the column", 0},
	{"flush", OPT_LONG_ONLY + 5, "X", "no short column", KT_CLI_NO_SHORT},
	{"alias", 'a', "N", "hidden alias of --alpha", KT_CLI_HIDDEN},
	{"old-alpha", 'a', "N", "alpha", KT_CLI_DEPRECATED},
	{"verbose", 'v', NULL, NULL, KT_CLI_JOIN},
	{"quiet", 'q', NULL, NULL, 0},
	{"help", 'h', NULL, NULL, KT_CLI_JOIN},
	{"version", OPT_VERSION, NULL, NULL, 0},
};
static const kt_cli cli = {opts, sizeof opts / sizeof *opts, "usage: prog\n\n", "Exit status: 0\n", 22};

/* What fn prints to a stream, as a string (the caller frees it). */
static char *printed(void (*fn)(const kt_cli *, FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	fn(&cli, f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_help(void **st)
{
	(void)st;
	char *got = printed(kt_cli_help);
	assert_string_equal(got,
			    "usage: prog\n"
			    "\n"
			    "Section:\n"
			    "  -a, --alpha N       first line\n"
			    "                      second line\n"
			    "      --bravo         long only\n"
			    "  -c, --a-very-long-option-name VALUE  after two spaces\n"
			    "                      then at the column\n"
			    "  --flush X           no short column\n"
			    "  -v, --verbose / -q, --quiet\n"
			    "  -h, --help / --version\n"
			    "Exit status: 0\n");
	free(got);
}

static void test_list(void **st)
{
	(void)st;
	char *got = printed(kt_cli_list);
	assert_string_equal(got,
			    "--alpha -a N shown\n"
			    "--bravo - - shown\n"
			    "--a-very-long-option-name -c VALUE shown\n"
			    "--flush - X shown\n"
			    "--alias -a N hidden\n"
			    "--old-alpha - N deprecated\n"
			    "--verbose -v - shown\n"
			    "--quiet -q - shown\n"
			    "--help -h - shown\n"
			    "--version - - shown\n");
	free(got);
}

static void test_getopt_tables(void **st)
{
	(void)st;
	kt_cli_getopt_tables t;
	assert_int_equal(kt_cli_getopt(&cli, &t), 0);
	/* Each letter once, ':' after those taking a value; the leading ':'
	 * makes getopt report a missing value as ':'. */
	assert_string_equal(t.shortopts, ":a:c:vqh");
	const char *names[] = {"alpha", "bravo", "a-very-long-option-name", "flush",
			       "alias", "old-alpha", "verbose", "quiet", "help", "version"};
	const int codes[] = {'a', OPT_LONG_ONLY, 'c', OPT_LONG_ONLY + 5, 'a', 'a', 'v', 'q',
			     'h', OPT_VERSION};
	const int args[] = {required_argument, no_argument, required_argument,
			    required_argument, required_argument, required_argument,
			    no_argument, no_argument, no_argument, no_argument};
	for (size_t i = 0; i < 10; i++) {
		assert_string_equal(t.longopts[i].name, names[i]);
		assert_string_equal(t.rows[i]->name, names[i]); /* its row, for warnings */
		assert_int_equal(t.longopts[i].val, codes[i]);
		assert_int_equal(t.longopts[i].has_arg, args[i]);
		assert_null(t.longopts[i].flag);
	}
	assert_null(t.longopts[10].name); /* the terminator */
}

static void test_getopt_parses_with_the_tables(void **st)
{
	(void)st;
	kt_cli_getopt_tables t;
	assert_int_equal(kt_cli_getopt(&cli, &t), 0);
	char *argv[] = {(char *)"prog", (char *)"--alias", (char *)"5", (char *)"-vq",
			(char *)"--bravo", (char *)"-c", (char *)"x", (char *)"--alpha", NULL};
	int argc = 8;
	const int want[] = {'a', 'v', 'q', OPT_LONG_ONLY, 'c', ':'};
	opterr = 0;
	optind = 0;
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(getopt_long(argc, argv, t.shortopts, t.longopts, NULL), want[i]);
	assert_int_equal(getopt_long(argc, argv, t.shortopts, t.longopts, NULL), -1);
}

static void test_too_many_rows(void **st)
{
	(void)st;
	static kt_cli_opt many[KT_CLI_MAX_OPTS + 1];
	for (size_t i = 0; i < KT_CLI_MAX_OPTS + 1; i++)
		many[i] = (kt_cli_opt){"x", 300, NULL, "x", 0};
	kt_cli big = {many, KT_CLI_MAX_OPTS, NULL, NULL, 10};
	kt_cli_getopt_tables t;
	assert_int_equal(kt_cli_getopt(&big, &t), 0);
	big.nopts++;
	assert_int_equal(kt_cli_getopt(&big, &t), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_getopt_tables),
		cmocka_unit_test(test_getopt_parses_with_the_tables),
		cmocka_unit_test(test_too_many_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
