/* test_config: shared flags through real getopt_long, getopt error lines,
 * properties files, precedence of -b, KAFKA_BOOTSTRAP_SERVERS, -F and -X,
 * librdkafka's own verdict on properties, topic names and secret masking. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ktrio/config.h"
#include "stderr_capture.h"

static char err[1024];

/* Temporary files still to remove: a failed assertion jumps past a test's
 * own clean-up, so the per-test teardown removes whatever is left. */
static char *temps[8];

/* Write text to a fresh temporary file; returns its path (remove_temp). */
static char *temp_file(const char *text)
{
	size_t slot = 0;
	while (slot < 8 && temps[slot])
		slot++;
	assert_true(slot < 8);
	char *path = strdup("/tmp/ktrio-test-config-XXXXXX");
	assert_non_null(path);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	temps[slot] = path;
	size_t n = strlen(text);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	assert_int_equal(close(fd), 0);
	return path;
}

static void remove_temp(char *path)
{
	for (size_t i = 0; i < 8; i++)
		if (temps[i] == path)
			temps[i] = NULL;
	unlink(path);
	free(path);
}

static int remove_temps(void **st)
{
	(void)st;
	for (size_t i = 0; i < 8; i++)
		if (temps[i])
			remove_temp(temps[i]);
	return 0;
}

/* The shared flags, as each program's table has them. */
static const kt_cli_opt shared_opts[] = {
	KT_CONFIG_CLI_TOPIC("the topic"),
	KT_CONFIG_CLI_FORMAT("table|json|csv", "output format"),
	KT_CONFIG_CLI_CONNECTION,
};
static const kt_cli shared_cli = {shared_opts, sizeof shared_opts / sizeof *shared_opts,
				  NULL, NULL, 20};

/* Run argv (NULL-terminated, argv[0] the program) through getopt_long as the
 * programs do: shared options to kt_config_option, getopt's complaints to
 * kt_config_getopt_error. 0, or -1 with the message in err. */
static int run_args(kt_config *cfg, const char *const *args)
{
	char *argv[32];
	int argc = 0;
	for (; args[argc]; argc++) {
		assert_true(argc < 31);
		argv[argc] = (char *)args[argc];
	}
	argv[argc] = NULL;
	opterr = 0;
	optind = 0; /* glibc: 0 re-initialises getopt completely */
	err[0] = '\0';
	kt_cli_getopt_tables t;
	assert_int_equal(kt_cli_getopt(&shared_cli, &t), 0);
	int c;
	while ((c = getopt_long(argc, argv, t.shortopts, t.longopts, NULL)) != -1) {
		if (c == '?' || c == ':') {
			kt_config_getopt_error(c, optopt, argv, optind, t.shortopts, err,
					       sizeof err);
			return -1;
		}
		int rc = kt_config_option(cfg, c, optarg, err, sizeof err);
		assert_int_not_equal(rc, 0); /* every option here is a shared one */
		if (rc < 0)
			return -1;
	}
	return 0;
}

static void test_init_defaults(void **st)
{
	(void)st;
	kt_config cfg;
	memset(&cfg, 0x5a, sizeof cfg);
	kt_config_init(&cfg);
	assert_null(cfg.brokers_flag);
	assert_null(cfg.config_file);
	assert_int_equal(cfg.flag_props.n, 0);
	assert_null(cfg.topics);
	assert_int_equal(cfg.ntopics, 0);
	assert_int_equal(cfg.verbosity, 0);
	assert_int_equal(cfg.format, KT_FORMAT_TABLE);
	assert_false(cfg.format_set);
	assert_int_equal(cfg.connect_timeout_ms, 10000);
	assert_false(cfg.want_help);
	assert_false(cfg.want_version);
	assert_int_equal(cfg.props.n, 0);
	assert_null(cfg.brokers);
	kt_config_release(&cfg);
	kt_config_release(&cfg); /* twice is harmless */
}

static void test_all_shared_flags(void **st)
{
	(void)st;
	kt_config cfg;
	kt_config_init(&cfg);
	const char *args[] = {"prog",  "-b",          "h1:9092",
			      "-t",    "alpha",       "--topic=beta",
			      "-X",    "client.id=c1", "--property", "acks = all",
			      "-F",    "/no/such/file", "-vv",
			      "-q",    "--verbose",   "--format=json",
			      "--connect-timeout", "2.5s", "-h",
			      "--version", NULL};
	assert_int_equal(run_args(&cfg, args), 0);
	assert_string_equal(cfg.brokers_flag, "h1:9092");
	assert_int_equal(cfg.ntopics, 2);
	assert_string_equal(cfg.topics[0], "alpha");
	assert_string_equal(cfg.topics[1], "beta");
	assert_int_equal(cfg.flag_props.n, 2);
	assert_string_equal(cfg.flag_props.v[0].key, "client.id");
	assert_string_equal(cfg.flag_props.v[0].value, "c1");
	assert_string_equal(cfg.flag_props.v[1].key, "acks");
	assert_string_equal(cfg.flag_props.v[1].value, "all");
	assert_string_equal(cfg.config_file, "/no/such/file");
	assert_int_equal(cfg.verbosity, 2); /* +2 -1 +1 */
	assert_int_equal(cfg.format, KT_FORMAT_JSON);
	assert_true(cfg.format_set);
	assert_int_equal(cfg.connect_timeout_ms, 2500);
	assert_true(cfg.want_help);
	assert_true(cfg.want_version);
	kt_config_release(&cfg);
	assert_null(cfg.brokers_flag);
	assert_int_equal(cfg.ntopics, 0);
	assert_int_equal(cfg.connect_timeout_ms, 10000);
}

static void test_long_forms_and_repeats(void **st)
{
	(void)st;
	kt_config cfg;
	kt_config_init(&cfg);
	/* Long names, a unique abbreviation, and repeats: the last -b and -F
	 * win, -q below zero is allowed. */
	const char *args[] = {"prog",       "--brokers", "a:1",     "--brok=b:2",
			      "--config=x", "--config",  "y",       "--quiet",
			      "-qq",        "--format",  "csv",     "--help",
			      NULL};
	assert_int_equal(run_args(&cfg, args), 0);
	assert_string_equal(cfg.brokers_flag, "b:2");
	assert_string_equal(cfg.config_file, "y");
	assert_int_equal(cfg.verbosity, -3);
	assert_int_equal(cfg.format, KT_FORMAT_CSV);
	assert_true(cfg.want_help);
	assert_false(cfg.want_version);
	assert_int_equal(cfg.ntopics, 0);
	kt_config_release(&cfg);
}

static void test_option_not_shared(void **st)
{
	(void)st;
	kt_config cfg;
	kt_config_init(&cfg);
	err[0] = '\0';
	assert_int_equal(kt_config_option(&cfg, 'z', "x", err, sizeof err), 0);
	assert_int_equal(kt_config_option(&cfg, 'p', "1", err, sizeof err), 0);
	assert_int_equal(kt_config_option(&cfg, KT_OPT_FIRST_PROGRAM_OPTION, "1",
					  err, sizeof err), 0);
	assert_string_equal(err, "");
	assert_null(cfg.brokers_flag);
	assert_int_equal(cfg.verbosity, 0);
	kt_config_release(&cfg);
}

static void test_option_format(void **st)
{
	(void)st;
	kt_config cfg;
	kt_config_init(&cfg);
	assert_int_equal(kt_config_option(&cfg, KT_OPT_FORMAT, "csv", err, sizeof err), 1);
	assert_int_equal(cfg.format, KT_FORMAT_CSV);
	assert_int_equal(kt_config_option(&cfg, KT_OPT_FORMAT, "table", err, sizeof err), 1);
	assert_int_equal(cfg.format, KT_FORMAT_TABLE);
	assert_true(cfg.format_set);
	static const char *bad[] = {"xml", "JSON", "", " json", "json "};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char want[128];
		snprintf(want, sizeof want,
			 "invalid value '%s' for --format: expected table, json or csv",
			 bad[i]);
		assert_int_equal(kt_config_option(&cfg, KT_OPT_FORMAT, bad[i], err,
						  sizeof err), -1);
		assert_string_equal(err, want);
		assert_int_equal(cfg.format, KT_FORMAT_TABLE); /* unchanged */
	}
	kt_config_release(&cfg);

	kt_config_init(&cfg);
	assert_int_equal(kt_config_option(&cfg, KT_OPT_FORMAT, "yaml", err, sizeof err), -1);
	assert_false(cfg.format_set);
	kt_config_release(&cfg);
}

static void test_option_connect_timeout(void **st)
{
	(void)st;
	kt_config cfg;
	kt_config_init(&cfg);
	assert_int_equal(kt_config_option(&cfg, KT_OPT_CONNECT_TIMEOUT, "5s", err,
					  sizeof err), 1);
	assert_int_equal(cfg.connect_timeout_ms, 5000);
	assert_int_equal(kt_config_option(&cfg, KT_OPT_CONNECT_TIMEOUT, "100ms", err,
					  sizeof err), 1);
	assert_int_equal(cfg.connect_timeout_ms, 100); /* the floor itself */
	assert_int_equal(kt_config_option(&cfg, KT_OPT_CONNECT_TIMEOUT, "1m", err,
					  sizeof err), 1);
	assert_int_equal(cfg.connect_timeout_ms, 60000);

	static const struct {
		const char *arg, *msg;
	} bad[] = {
		{"99ms", "invalid value '99ms' for --connect-timeout: must be at least 100ms"},
		{"0", "invalid value '0' for --connect-timeout: must be at least 100ms"},
		{"0.05s", "invalid value '0.05s' for --connect-timeout: must be at least 100ms"},
		{"5", "invalid value '5' for --connect-timeout: missing unit (ms, s, m or h)"},
		{"abc", "invalid value 'abc' for --connect-timeout: expected a duration "
			"such as 250ms, 5s, 2m or 1h"},
		{"-5s", "invalid value '-5s' for --connect-timeout: expected a duration "
			"such as 250ms, 5s, 2m or 1h"},
		{"", "invalid value '' for --connect-timeout: expected a duration "
		     "such as 250ms, 5s, 2m or 1h"},
		{"721h", "invalid value '721h' for --connect-timeout: must be at most 30 days"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(kt_config_option(&cfg, KT_OPT_CONNECT_TIMEOUT, bad[i].arg,
						  err, sizeof err), -1);
		assert_string_equal(err, bad[i].msg);
		/* A refused value leaves the previous one in place. */
		assert_int_equal(cfg.connect_timeout_ms, 60000);
	}
	kt_config_release(&cfg);
}

static void test_option_brokers_and_props(void **st)
{
	(void)st;
	kt_config cfg;
	kt_config_init(&cfg);
	assert_int_equal(kt_config_option(&cfg, 'b', "a:1", err, sizeof err), 1);
	assert_int_equal(kt_config_option(&cfg, 'b', "", err, sizeof err), -1);
	assert_string_equal(err, "invalid value '' for --brokers: empty");
	assert_string_equal(cfg.brokers_flag, "a:1"); /* unchanged */

	assert_int_equal(kt_config_option(&cfg, 'X', "k=v=w", err, sizeof err), 1);
	assert_int_equal(kt_config_option(&cfg, 'X', "novalue", err, sizeof err), -1);
	assert_string_equal(err, "invalid property 'novalue' for -X: expected key=value");
	assert_int_equal(kt_config_option(&cfg, 'X', "=v", err, sizeof err), -1);
	assert_string_equal(err, "invalid property '=v' for -X: expected key=value");
	assert_int_equal(cfg.flag_props.n, 1);
	assert_string_equal(cfg.flag_props.v[0].key, "k");
	assert_string_equal(cfg.flag_props.v[0].value, "v=w");
	kt_config_release(&cfg);
}

static void test_props_parse(void **st)
{
	(void)st;
	kt_props p = {0};
	assert_int_equal(kt_props_parse(&p, "a=1", err, sizeof err), 0);
	assert_int_equal(kt_props_parse(&p, "  b . c  =  two words  ", err, sizeof err), 0);
	assert_int_equal(kt_props_parse(&p, "sasl.jaas.config=x=y;z=w", err, sizeof err), 0);
	assert_int_equal(kt_props_parse(&p, "empty=", err, sizeof err), 0);
	assert_int_equal(kt_props_parse(&p, "a=again", err, sizeof err), 0);
	static const char *want[][2] = {{"a", "1"},
					{"b . c", "two words"},
					{"sasl.jaas.config", "x=y;z=w"},
					{"empty", ""},
					{"a", "again"}};
	assert_int_equal(p.n, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(p.v[i].key, want[i][0]);
		assert_string_equal(p.v[i].value, want[i][1]);
	}
	static const char *bad[] = {"", "novalue", "=v", "  = v", " \t=x"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char msg[128];
		snprintf(msg, sizeof msg,
			 "invalid property '%s' for -X: expected key=value", bad[i]);
		assert_int_equal(kt_props_parse(&p, bad[i], err, sizeof err), -1);
		assert_string_equal(err, msg);
	}
	assert_int_equal(p.n, 5);
	/* kt_props_set copies: the caller's strings can go away. */
	char key[] = "copied.key", value[] = "copied-value";
	assert_int_equal(kt_props_set(&p, key, value), 0);
	key[0] = value[0] = 'X';
	assert_string_equal(p.v[5].key, "copied.key");
	assert_string_equal(p.v[5].value, "copied-value");
	/* Growth past the first allocation. */
	for (int i = 0; i < 100; i++) {
		char k[16];
		snprintf(k, sizeof k, "k%d", i);
		assert_int_equal(kt_props_set(&p, k, k), 0);
	}
	assert_int_equal(p.n, 106);
	assert_string_equal(p.v[105].key, "k99");
	kt_props_release(&p);
	assert_null(p.v);
	assert_int_equal(p.n, 0);
	kt_props_release(&p);
}

static void test_topics(void **st)
{
	(void)st;
	char name249[250], name250[251];
	memset(name249, 'a', 249);
	name249[249] = '\0';
	memset(name250, 'b', 250);
	name250[250] = '\0';
	static const char *good[] = {"a", "events", "a.b_c-D9", "...", "-", "_x",
				     "Topic.With-All_Kinds.0123456789"};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		assert_int_equal(kt_config_check_topic(good[i], err, sizeof err), 0);
	assert_int_equal(kt_config_check_topic(name249, err, sizeof err), 0);

	assert_int_equal(kt_config_check_topic("", err, sizeof err), -1);
	assert_string_equal(err, "invalid value '' for --topic: empty topic name");
	const char *bad[] = {".",   "..",  "a b",  "a/b",  "a:b",   "a*", "a\n",
			     "caf\xc3\xa9", "a,b", " a",  "a\\b", name250};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char want[400];
		snprintf(want, sizeof want,
			 "invalid value '%s' for --topic: a topic name is 1-249 of "
			 "letters, digits, '.', '_' and '-'",
			 bad[i]);
		err[0] = '\0';
		assert_int_equal(kt_config_check_topic(bad[i], err, sizeof err), -1);
		assert_string_equal(err, want);
	}

	/* Through -t: a refused name is not added. */
	kt_config cfg;
	kt_config_init(&cfg);
	assert_int_equal(kt_config_option(&cfg, 't', "good", err, sizeof err), 1);
	assert_int_equal(kt_config_option(&cfg, 't', "", err, sizeof err), -1);
	assert_string_equal(err, "invalid value '' for --topic: empty topic name");
	assert_int_equal(kt_config_option(&cfg, 't', "..", err, sizeof err), -1);
	assert_int_equal(kt_config_option(&cfg, 't', "a/b", err, sizeof err), -1);
	assert_int_equal(kt_config_option(&cfg, 't', name250, err, sizeof err), -1);
	assert_non_null(strstr(err, "a topic name is 1-249"));
	assert_int_equal(cfg.ntopics, 1);
	assert_string_equal(cfg.topics[0], "good");
	kt_config_release(&cfg);
}

/* The first error getopt reports for args, through kt_config_getopt_error. */
static void expect_getopt_error(const char *const *args, const char *want)
{
	kt_config cfg;
	kt_config_init(&cfg);
	assert_int_equal(run_args(&cfg, args), -1);
	if (strcmp(err, want) != 0)
		print_error("args starting '%s': got \"%s\"\n", args[1], err);
	assert_string_equal(err, want);
	kt_config_release(&cfg);
}

static void test_getopt_errors(void **st)
{
	(void)st;
	static const struct {
		const char *args[5];
		const char *want;
	} cases[] = {
		{{"prog", "-z"}, "unknown option '-z'"},
		{{"prog", "-vz"}, "unknown option '-z'"},
		{{"prog", "-zv"}, "unknown option '-z'"},
		{{"prog", "-t", "a", "-z"}, "unknown option '-z'"},
		/* The unknown letter starts a group after a long option: getopt
		 * leaves optind on the group, so argv[optind - 1] is the long
		 * option, which is not the one at fault. */
		{{"prog", "--verbose", "-zv"}, "unknown option '-z'"},
		{{"prog", "--brokers=h:1", "-zv"}, "unknown option '-z'"},
		{{"prog", "-t", "--x", "-zq"}, "unknown option '-z'"},
		{{"prog", "--nope"}, "unknown option '--nope'"},
		{{"prog", "--nope=3"}, "unknown option '--nope'"},
		{{"prog", "-v", "--brokerz", "x"}, "unknown option '--brokerz'"},
		{{"prog", "--ver"}, "unknown option '--ver'"}, /* verbose or version? */
		{{"prog", "--verbose=1"}, "option '--verbose' does not take a value"},
		{{"prog", "--verbose=1", "-vz"}, "option '--verbose' does not take a value"},
		{{"prog", "--version=2"}, "option '--version' does not take a value"},
		{{"prog", "--help=yes"}, "option '--help' does not take a value"},
		{{"prog", "-b"}, "option '-b' requires a value"},
		{{"prog", "-vb"}, "option '-b' requires a value"},
		{{"prog", "-t"}, "option '-t' requires a value"},
		{{"prog", "-X"}, "option '-X' requires a value"},
		{{"prog", "-F"}, "option '-F' requires a value"},
		{{"prog", "--brokers"}, "option '--brokers' requires a value"},
		{{"prog", "-t", "a", "--topic"}, "option '--topic' requires a value"},
		{{"prog", "--property"}, "option '--property' requires a value"},
		{{"prog", "--config"}, "option '--config' requires a value"},
		{{"prog", "--format"}, "option '--format' requires a value"},
		{{"prog", "--connect-timeout"},
		 "option '--connect-timeout' requires a value"},
		/* A value that getopt accepts but the option refuses. */
		{{"prog", "--format", "xml"},
		 "invalid value 'xml' for --format: expected table, json or csv"},
		{{"prog", "-b", ""}, "invalid value '' for --brokers: empty"},
		{{"prog", "-t", "a b"},
		 "invalid value 'a b' for --topic: a topic name is 1-249 of letters, "
		 "digits, '.', '_' and '-'"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		expect_getopt_error(cases[i].args, cases[i].want);

	/* Called directly, with nothing before optind. */
	char *argv[] = {(char *)"prog", NULL};
	kt_config_getopt_error('?', 'x', argv, 0, ":", err, sizeof err);
	assert_string_equal(err, "unknown option '-x'");
	kt_config_getopt_error(':', 'b', argv, 0, ":", err, sizeof err);
	assert_string_equal(err, "option '-b' requires a value");
}

static void test_props_file(void **st)
{
	(void)st;
	char *path = temp_file("# a comment\n"
			       "   # an indented comment\n"
			       "\n"
			       "   \t \n"
			       "client.id = my-client  \n"
			       "  socket.timeout.ms=1234\n"
			       "sasl.jaas.config=a=b c=d\n"
			       "\tmessage.max.bytes\t=\t2000000\t\n"
			       "empty.value=\n"
			       "crlf.key=crlf value\r\n"
			       "hash.inside=a#b\n"
			       "client.id=second\n"
			       "last.line=no newline");
	kt_props p = {0};
	assert_int_equal(kt_props_load_file(&p, path, err, sizeof err), 0);
	static const char *want[][2] = {
		{"client.id", "my-client"},        {"socket.timeout.ms", "1234"},
		{"sasl.jaas.config", "a=b c=d"},   {"message.max.bytes", "2000000"},
		{"empty.value", ""},               {"crlf.key", "crlf value"},
		{"hash.inside", "a#b"},            {"client.id", "second"},
		{"last.line", "no newline"},
	};
	assert_int_equal(p.n, sizeof want / sizeof *want);
	for (size_t i = 0; i < p.n; i++) {
		assert_string_equal(p.v[i].key, want[i][0]);
		assert_string_equal(p.v[i].value, want[i][1]);
	}
	kt_props_release(&p);
	remove_temp(path);

	path = temp_file("");
	assert_int_equal(kt_props_load_file(&p, path, err, sizeof err), 0);
	assert_int_equal(p.n, 0);
	remove_temp(path);
}

static void test_props_file_errors(void **st)
{
	(void)st;
	/* Comments and blank lines count: the bad line is line 5. */
	static const char *malformed[] = {"just words", "=value", "  =  ", "key"};
	for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++) {
		char text[128];
		snprintf(text, sizeof text, "# header\n\na=1\n  # note\n%s\nb=2\n",
			 malformed[i]);
		char *path = temp_file(text);
		kt_props p = {0};
		char want[256];
		snprintf(want, sizeof want, "%s:5: expected key=value", path);
		assert_int_equal(kt_props_load_file(&p, path, err, sizeof err), -1);
		assert_string_equal(err, want);
		kt_props_release(&p);
		remove_temp(path);
	}

	kt_props p = {0};
	const char *missing = "/nonexistent-ktrio-dir/client.properties";
	assert_int_equal(kt_props_load_file(&p, missing, err, sizeof err), -1);
	assert_string_equal(err, "cannot open '/nonexistent-ktrio-dir/client.properties': "
				 "No such file or directory");
	assert_int_equal(p.n, 0);

	/* A directory opens but cannot be read. */
	char dir[] = "/tmp/ktrio-test-dir-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char want[128];
	snprintf(want, sizeof want, "cannot read '%s': Is a directory", dir);
	int rc = kt_props_load_file(&p, dir, err, sizeof err);
	rmdir(dir);
	assert_int_equal(rc, -1);
	assert_string_equal(err, want);
	kt_props_release(&p);
}

/* Finalize a configuration built from -b (or NULL), the environment value
 * and -F (or NULL); return the resolved brokers in a static buffer. */
static const char *resolve_brokers(const char *flag, const char *env,
				   const char *file)
{
	static char got[256];
	kt_config cfg;
	kt_config_init(&cfg);
	if (flag)
		assert_int_equal(kt_config_option(&cfg, 'b', flag, err, sizeof err), 1);
	if (file)
		assert_int_equal(kt_config_option(&cfg, 'F', file, err, sizeof err), 1);
	int rc = kt_config_finalize(&cfg, env, err, sizeof err);
	if (rc != 0)
		print_error("finalize: %s\n", err);
	assert_int_equal(rc, 0);
	assert_non_null(cfg.brokers);
	snprintf(got, sizeof got, "%s", cfg.brokers);
	/* What librdkafka will be given agrees with cfg.brokers. */
	const char *bs = kt_config_get(&cfg, "bootstrap.servers");
	const char *mbl = kt_config_get(&cfg, "metadata.broker.list");
	assert_true((bs && strcmp(bs, got) == 0) || (mbl && strcmp(mbl, got) == 0));
	kt_config_release(&cfg);
	return got;
}

static void test_brokers_precedence(void **st)
{
	(void)st;
	char *with = temp_file("bootstrap.servers=file:3\nclient.id=x\n");
	char *without = temp_file("client.id=x\n");
	const char *flags[] = {NULL, "flag:1"};
	const char *envs[] = {NULL, "", "env:2"};
	const char *files[] = {NULL, without, with};
	int combos = 0;
	for (size_t f = 0; f < 2; f++)
		for (size_t e = 0; e < 3; e++)
			for (size_t i = 0; i < 3; i++) {
				/* flag > environment (if not empty) > file > default */
				const char *want = flags[f]                    ? "flag:1"
						   : envs[e] && *envs[e]       ? "env:2"
						   : files[i] == with          ? "file:3"
									       : "localhost:9092";
				const char *got = resolve_brokers(flags[f], envs[e], files[i]);
				if (strcmp(got, want) != 0)
					print_error("flag=%s env=%s file=%zu\n",
						    flags[f] ? flags[f] : "-",
						    envs[e] ? envs[e] : "-", i);
				assert_string_equal(got, want);
				combos++;
			}
	assert_int_equal(combos, 18);
	remove_temp(with);
	remove_temp(without);

	/* The file may use librdkafka's older name for the same property. */
	char *mbl = temp_file("metadata.broker.list=old:4\n");
	assert_string_equal(resolve_brokers(NULL, NULL, mbl), "old:4");
	assert_string_equal(resolve_brokers(NULL, "env:2", mbl), "env:2");
	assert_string_equal(resolve_brokers("flag:1", "env:2", mbl), "flag:1");
	remove_temp(mbl);
}

static void test_x_precedence(void **st)
{
	(void)st;
	char *path = temp_file("bootstrap.servers=file:3\n"
			       "client.id=from-file\n"
			       "socket.timeout.ms=1234\n");
	/* -X bootstrap.servers sits above the environment and the file,
	 * below -b. */
	kt_config cfg;
	kt_config_init(&cfg);
	const char *args[] = {"prog",
			      "-F",
			      path,
			      "-X",
			      "bootstrap.servers=x:5",
			      "-X",
			      "client.id=from-flag",
			      "-X",
			      "linger.ms=7",
			      "-X",
			      "linger.ms=8",
			      NULL};
	assert_int_equal(run_args(&cfg, args), 0);
	assert_int_equal(kt_config_finalize(&cfg, "env:2", err, sizeof err), 0);
	assert_string_equal(cfg.brokers, "x:5");
	assert_string_equal(kt_config_get(&cfg, "bootstrap.servers"), "x:5");
	assert_string_equal(kt_config_get(&cfg, "client.id"), "from-flag");
	assert_string_equal(kt_config_get(&cfg, "socket.timeout.ms"), "1234");
	assert_string_equal(kt_config_get(&cfg, "linger.ms"), "8"); /* last -X */
	assert_null(kt_config_get(&cfg, "no.such.key"));
	assert_null(kt_config_get(&cfg, "client"));
	/* Lowest precedence first: file, environment, -X. */
	assert_string_equal(cfg.props.v[0].key, "bootstrap.servers");
	assert_string_equal(cfg.props.v[0].value, "file:3");
	assert_string_equal(cfg.props.v[3].key, "bootstrap.servers");
	assert_string_equal(cfg.props.v[3].value, "env:2");

	/* Finalizing again rebuilds rather than appends. */
	size_t n = cfg.props.n;
	assert_int_equal(kt_config_finalize(&cfg, "env:2", err, sizeof err), 0);
	assert_int_equal(cfg.props.n, n);
	assert_string_equal(cfg.brokers, "x:5");
	assert_int_equal(cfg.ntopics, 1);

	assert_int_equal(kt_config_option(&cfg, 'b', "flag:1", err, sizeof err), 1);
	assert_int_equal(kt_config_finalize(&cfg, "env:2", err, sizeof err), 0);
	assert_string_equal(cfg.brokers, "flag:1");
	assert_string_equal(kt_config_get(&cfg, "bootstrap.servers"), "flag:1");
	kt_config_release(&cfg);
	remove_temp(path);
}

/* librdkafka's own complaint about key=value, as a fresh conf states it. */
static void rdkafka_says(const char *key, const char *value, char *why,
			 size_t len)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	why[0] = '\0';
	assert_int_not_equal(rd_kafka_conf_set(conf, key, value, why, len),
			     RD_KAFKA_CONF_OK);
	rd_kafka_conf_destroy(conf);
	assert_true(strlen(why) > 0);
}

static void expect_invalid_property(const char *x, const char *file_text,
				    const char *key, const char *value)
{
	char why[512];
	rdkafka_says(key, value, why, sizeof why);
	char *path = file_text ? temp_file(file_text) : NULL;
	kt_config cfg;
	kt_config_init(&cfg);
	if (x)
		assert_int_equal(kt_config_option(&cfg, 'X', x, err, sizeof err), 1);
	if (path)
		assert_int_equal(kt_config_option(&cfg, 'F', path, err, sizeof err), 1);
	err[0] = '\0';
	assert_int_equal(kt_config_finalize(&cfg, NULL, err, sizeof err), -1);
	if (!strstr(err, why) || !strstr(err, key))
		print_error("err \"%s\" lacks \"%s\" or '%s'\n", err, why, key);
	assert_non_null(strstr(err, why));
	char quoted[128];
	snprintf(quoted, sizeof quoted, "'%s'", key);
	assert_non_null(strstr(err, quoted));
	kt_config_release(&cfg);
	if (path)
		remove_temp(path);
}

static void test_invalid_properties(void **st)
{
	(void)st;
	expect_invalid_property("no.such.prop=1", NULL, "no.such.prop", "1");
	expect_invalid_property("acks=banana", NULL, "acks", "banana");
	expect_invalid_property("socket.timeout.ms=5", NULL, "socket.timeout.ms", "5");
	/* From the file, too. */
	expect_invalid_property(NULL, "client.id=ok\nbogus.key=2\n", "bogus.key", "2");
	/* -b goes through the same check as everything else (an empty -b is
	 * refused earlier, by kt_config_option). */
	kt_config cfg;
	kt_config_init(&cfg);
	assert_int_equal(kt_config_option(&cfg, 'F', "/nonexistent-ktrio-dir/x.properties",
					  err, sizeof err), 1);
	assert_int_equal(kt_config_finalize(&cfg, NULL, err, sizeof err), -1);
	assert_string_equal(err, "cannot open '/nonexistent-ktrio-dir/x.properties': "
				 "No such file or directory");
	kt_config_release(&cfg);
}

static void test_default_topic(void **st)
{
	(void)st;
	kt_config cfg;
	kt_config_init(&cfg);
	assert_int_equal(kt_config_finalize(&cfg, NULL, err, sizeof err), 0);
	assert_int_equal(cfg.ntopics, 1);
	assert_string_equal(cfg.topics[0], "events");
	assert_string_equal(cfg.brokers, "localhost:9092");
	kt_config_release(&cfg);

	kt_config_init(&cfg);
	assert_int_equal(kt_config_option(&cfg, 't', "mine", err, sizeof err), 1);
	assert_int_equal(kt_config_option(&cfg, 't', "yours", err, sizeof err), 1);
	assert_int_equal(kt_config_finalize(&cfg, NULL, err, sizeof err), 0);
	assert_int_equal(cfg.ntopics, 2);
	assert_string_equal(cfg.topics[0], "mine");
	assert_string_equal(cfg.topics[1], "yours");
	kt_config_release(&cfg);
}

static void test_is_secret(void **st)
{
	(void)st;
	static const char *secret[] = {
		"sasl.password",  "ssl.key.password", "ssl.keystore.password",
		"foo.secret",     "client.secret.id", "sasl.jaas.config",
		"SASL.PASSWORD",  "ssl.key.pem",      "Some.Secret.Thing",
		"sasl.oauthbearer.config", "sasl.oauthbearer.client.secret",
	};
	for (size_t i = 0; i < sizeof secret / sizeof *secret; i++) {
		if (!kt_config_is_secret(secret[i]))
			print_error("'%s' not taken as secret\n", secret[i]);
		assert_true(kt_config_is_secret(secret[i]));
	}
	static const char *plain[] = {"bootstrap.servers", "client.id", "acks",
				     "sasl.username",     "sasl.mechanisms",
				     "security.protocol", "ssl.ca.location", ""};
	for (size_t i = 0; i < sizeof plain / sizeof *plain; i++) {
		if (kt_config_is_secret(plain[i]))
			print_error("'%s' taken as secret\n", plain[i]);
		assert_false(kt_config_is_secret(plain[i]));
	}
	/* A very long key is still judged (and not overflowed). */
	char longkey[600];
	memset(longkey, 'a', sizeof longkey - 1);
	longkey[sizeof longkey - 1] = '\0';
	assert_false(kt_config_is_secret(longkey));
	memcpy(longkey, "password", 8);
	assert_true(kt_config_is_secret(longkey));
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static void test_dump_masks_secrets(void **st)
{
	(void)st;
	kt_config cfg;
	kt_config_init(&cfg);
	const char *args[] = {"prog",
			      "-X",
			      "sasl.username=alice",
			      "-X",
			      "sasl.password=hunter2",
			      "-X",
			      "ssl.key.password=kp-s3cret",
			      "-X",
			      "client.id=visible-id",
			      NULL};
	assert_int_equal(run_args(&cfg, args), 0);
	assert_int_equal(kt_config_finalize(&cfg, NULL, err, sizeof err), 0);
	/* Keys librdkafka would refuse, added after the check. */
	assert_int_equal(kt_props_set(&cfg.props, "ssl.keystore.password", "KS_VALUE"), 0);
	assert_int_equal(kt_props_set(&cfg.props, "foo.secret", "FOO_VALUE"), 0);
	assert_int_equal(kt_props_set(&cfg.props, "client.secret.id", "CSI_VALUE"), 0);

	kt_log log;
	kt_log_init(&log, "consumer");

	/* At the default level the dump (debug) shows nothing. */
	stderr_capture cap;
	assert_int_equal(stderr_capture_begin(&cap), 0);
	kt_config_dump(&cfg, &log);
	char *out = stderr_capture_end(&cap);
	assert_non_null(out);
	assert_string_equal(out, "");
	free(out);

	kt_log_adjust(&log, 1); /* -v */
	assert_int_equal(stderr_capture_begin(&cap), 0);
	kt_config_dump(&cfg, &log);
	out = stderr_capture_end(&cap);
	assert_non_null(out);
	static const char *hidden[] = {"hunter2", "kp-s3cret", "KS_VALUE", "FOO_VALUE",
				       "CSI_VALUE"};
	for (size_t i = 0; i < sizeof hidden / sizeof *hidden; i++) {
		if (strstr(out, hidden[i]))
			print_error("secret '%s' shown:\n%s", hidden[i], out);
		assert_null(strstr(out, hidden[i]));
	}
	assert_non_null(strstr(out, "consumer: config: sasl.password=********\n"));
	assert_non_null(strstr(out, "consumer: config: ssl.key.password=********\n"));
	assert_non_null(strstr(out, "consumer: config: ssl.keystore.password=********\n"));
	assert_non_null(strstr(out, "consumer: config: foo.secret=********\n"));
	assert_non_null(strstr(out, "consumer: config: client.secret.id=********\n"));
	assert_int_equal(count(out, "********"), 5);
	assert_non_null(strstr(out, "consumer: config: sasl.username=alice\n"));
	assert_non_null(strstr(out, "consumer: config: client.id=visible-id\n"));
	assert_non_null(strstr(out, "consumer: config: bootstrap.servers=localhost:9092\n"));
	assert_int_equal(count(out, "\n"), cfg.props.n); /* one line each */
	free(out);

	/* A key set by several layers is shown once, with the winning value. */
	assert_int_equal(kt_props_set(&cfg.props, "client.id", "later-id"), 0);
	assert_int_equal(kt_props_set(&cfg.props, "bootstrap.servers", "b:1"), 0);
	assert_int_equal(stderr_capture_begin(&cap), 0);
	kt_config_dump(&cfg, &log);
	out = stderr_capture_end(&cap);
	assert_non_null(out);
	assert_int_equal(count(out, "client.id="), 1);
	assert_int_equal(count(out, "bootstrap.servers="), 1);
	assert_non_null(strstr(out, "consumer: config: client.id=later-id\n"));
	assert_non_null(strstr(out, "consumer: config: bootstrap.servers=b:1\n"));
	assert_int_equal(count(out, "\n"), cfg.props.n - 2);
	free(out);
	kt_config_release(&cfg);
}

static void test_config_precedence(void **st)
{
	(void)st;
	char *file = temp_file("# comment\n\n bootstrap.servers = file:1 \nclient.id=from-file\n"
			       "sasl.password=s3cret\n");
	kt_config c;
	/* file only */
	kt_config_init(&c);
	assert_int_equal(kt_config_option(&c, 'F', file, err, sizeof err), 1);
	assert_int_equal(kt_config_finalize(&c, NULL, err, sizeof err), 0);
	assert_string_equal(c.brokers, "file:1");
	assert_string_equal(kt_config_get(&c, "client.id"), "from-file");
	assert_string_equal(c.topics[0], "events");
	kt_config_release(&c);
	/* environment beats the file */
	kt_config_init(&c);
	kt_config_option(&c, 'F', file, err, sizeof err);
	assert_int_equal(kt_config_finalize(&c, "env:2", err, sizeof err), 0);
	assert_string_equal(c.brokers, "env:2");
	kt_config_release(&c);
	/* a flag beats both, -X beats the file */
	kt_config_init(&c);
	kt_config_option(&c, 'F', file, err, sizeof err);
	kt_config_option(&c, 'X', "client.id=from-flag", err, sizeof err);
	kt_config_option(&c, 'b', "flag:3", err, sizeof err);
	assert_int_equal(kt_config_finalize(&c, "env:2", err, sizeof err), 0);
	assert_string_equal(c.brokers, "flag:3");
	assert_string_equal(kt_config_get(&c, "client.id"), "from-flag");
	kt_config_release(&c);
	/* nothing: the default */
	kt_config_init(&c);
	assert_int_equal(kt_config_finalize(&c, NULL, err, sizeof err), 0);
	assert_string_equal(c.brokers, "localhost:9092");
	kt_config_release(&c);
	remove_temp(file);
}

static void test_config_errors(void **st)
{
	(void)st;
	kt_config c;
	kt_config_init(&c);
	assert_int_equal(kt_config_option(&c, 'X', "no.such.thing=1", err, sizeof err), 1);
	assert_int_equal(kt_config_finalize(&c, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "invalid property 'no.such.thing'"));
	assert_non_null(strstr(err, "No such configuration property")); /* librdkafka's words */
	kt_config_release(&c);
	kt_config_init(&c);
	assert_int_equal(kt_config_option(&c, 'X', "novalue", err, sizeof err), -1);
	assert_int_equal(kt_config_option(&c, 't', "", err, sizeof err), -1);
	assert_int_equal(kt_config_option(&c, 't', "a/b", err, sizeof err), -1);
	assert_int_equal(kt_config_option(&c, 't', "..", err, sizeof err), -1);
	assert_int_equal(kt_config_option(&c, 't', "ok.topic_1-x", err, sizeof err), 1);
	assert_int_equal(kt_config_option(&c, KT_OPT_FORMAT, "xml", err, sizeof err), -1);
	assert_int_equal(kt_config_option(&c, KT_OPT_CONNECT_TIMEOUT, "10ms", err, sizeof err), -1);
	assert_int_equal(kt_config_option('z' == 0 ? &c : &c, 'z', "x", err, sizeof err), 0);
	char *bad = temp_file("good=1\nthis line is bad\n");
	assert_int_equal(kt_config_option(&c, 'F', bad, err, sizeof err), 1);
	assert_int_equal(kt_config_finalize(&c, NULL, err, sizeof err), -1);
	char want[128];
	snprintf(want, sizeof want, "%s:2: expected key=value", bad);
	assert_string_equal(err, want);
	remove_temp(bad);
	kt_config_release(&c);
}

static void test_config_secrets(void **st)
{
	(void)st;
	assert_true(kt_config_is_secret("sasl.password"));
	assert_true(kt_config_is_secret("ssl.key.password"));
	assert_true(kt_config_is_secret("ssl.keystore.password"));
	assert_true(kt_config_is_secret("my.client.secret"));
	assert_true(kt_config_is_secret("sasl.jaas.config"));
	assert_false(kt_config_is_secret("bootstrap.servers"));
	assert_false(kt_config_is_secret("sasl.username"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_init_defaults, remove_temps),
		cmocka_unit_test_teardown(test_all_shared_flags, remove_temps),
		cmocka_unit_test_teardown(test_long_forms_and_repeats, remove_temps),
		cmocka_unit_test_teardown(test_option_not_shared, remove_temps),
		cmocka_unit_test_teardown(test_option_format, remove_temps),
		cmocka_unit_test_teardown(test_option_connect_timeout, remove_temps),
		cmocka_unit_test_teardown(test_option_brokers_and_props, remove_temps),
		cmocka_unit_test_teardown(test_props_parse, remove_temps),
		cmocka_unit_test_teardown(test_topics, remove_temps),
		cmocka_unit_test_teardown(test_getopt_errors, remove_temps),
		cmocka_unit_test_teardown(test_props_file, remove_temps),
		cmocka_unit_test_teardown(test_props_file_errors, remove_temps),
		cmocka_unit_test_teardown(test_brokers_precedence, remove_temps),
		cmocka_unit_test_teardown(test_x_precedence, remove_temps),
		cmocka_unit_test_teardown(test_invalid_properties, remove_temps),
		cmocka_unit_test_teardown(test_default_topic, remove_temps),
		cmocka_unit_test_teardown(test_is_secret, remove_temps),
		cmocka_unit_test_teardown(test_dump_masks_secrets, remove_temps),
		cmocka_unit_test(test_config_precedence),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_config_secrets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
