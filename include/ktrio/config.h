/* config: one validated client configuration from flags, environment,
 * a properties file and -X properties, shared by the three programs. */
#ifndef KTRIO_CONFIG_H
#define KTRIO_CONFIG_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ktrio/cli.h"
#include "ktrio/log.h"

#define KT_DEFAULT_BROKERS "localhost:9092"
#define KT_DEFAULT_TOPIC "events"
#define KT_DEFAULT_CONNECT_TIMEOUT_MS 10000

/* One librdkafka property; both strings are owned by the list. */
typedef struct kt_prop {
	char *key;
	char *value;
} kt_prop;

/* Ordered list of properties; when a key repeats, the later one wins. */
typedef struct kt_props {
	kt_prop *v;
	size_t n, cap;
} kt_props;

enum kt_format { KT_FORMAT_TABLE = 0, KT_FORMAT_JSON, KT_FORMAT_CSV };

/* Long-option codes of the flags every program shares (beyond ASCII so they
 * never clash with a short option). */
enum {
	KT_OPT_FORMAT = 1000,
	KT_OPT_CONNECT_TIMEOUT,
	KT_OPT_HELP,
	KT_OPT_VERSION,
	KT_OPT_LIST_OPTIONS,
	KT_OPT_FIRST_PROGRAM_OPTION = 1100, /* programs number theirs from here */
};

/* The shared flags' rows for a program's kt_cli table (ktrio/cli.h). -t and
 * --format are the program's to describe; the rest read the same in all. */
#define KT_CONFIG_CLI_TOPIC(help) {"topic", 't', "TOPIC", help, 0}
#define KT_CONFIG_CLI_FORMAT(arg, help) {"format", KT_OPT_FORMAT, arg, help, 0}
#define KT_CONFIG_CLI_CONNECTION                                                  \
	{"brokers", 'b', "LIST",                                                  \
	 "bootstrap servers (default $KAFKA_BOOTSTRAP_SERVERS,\n"                 \
	 "then localhost:9092)", 0},                                              \
		{"property", 'X', "K=V", "librdkafka property (repeatable)", 0},  \
		{"config", 'F', "FILE",                                           \
		 "librdkafka properties file (key=value lines)", 0},              \
		{"connect-timeout", KT_OPT_CONNECT_TIMEOUT, "D",                  \
		 "give up on an unreachable cluster (default 10s)", 0},           \
		{"verbose", 'v', NULL, NULL, KT_CLI_JOIN},                        \
		{"quiet", 'q', NULL, NULL, 0},                                    \
		{"help", 'h', NULL, NULL, KT_CLI_JOIN},                           \
		{"version", KT_OPT_VERSION, NULL, NULL, 0},                       \
		{"list-options", KT_OPT_LIST_OPTIONS, NULL,                       \
		 "the flags of this table, for tests", KT_CLI_HIDDEN}

#define KT_CONFIG_MAX_DEPRECATED 8

typedef struct kt_config {
	/* As given on the command line (owned). */
	char *brokers_flag;  /* -b, or NULL */
	char *config_file;   /* -F, or NULL */
	kt_props flag_props; /* -X, in order */
	char **topics;       /* -t, in order; KT_DEFAULT_TOPIC if none */
	size_t ntopics, topics_cap;
	int verbosity; /* +1 per -v, -1 per -q */
	enum kt_format format;
	bool format_set;
	int64_t connect_timeout_ms;
	bool want_help, want_version, want_list;
	/* Old spellings given (KT_CLI_DEPRECATED rows, borrowed from the
	 * program's table, each once): kt_config_start warns about them. */
	const kt_cli_opt *deprecated[KT_CONFIG_MAX_DEPRECATED];
	size_t ndeprecated;

	/* Filled by kt_config_finalize: the librdkafka properties to apply,
	 * lowest precedence first (file, environment, -X, -b). */
	kt_props props;
	const char *brokers; /* points into props */
} kt_config;

void kt_config_init(kt_config *cfg);
void kt_config_release(kt_config *cfg);

/* Handle one option returned by getopt_long if it is a shared one.
 * Returns 1 when handled, 0 when `opt` is not a shared option (the program
 * handles it), -1 on a bad value (message in err). */
int kt_config_option(kt_config *cfg, int opt, const char *arg, char *err,
		     size_t errlen);

/* Describe what getopt_long rejected (ret is '?' or ':', optopt and the
 * argument at argv[optind - 1] as getopt left them, with opterr = 0 and
 * the optstring shortopts, which begins with ':') as one line in err. */
void kt_config_getopt_error(int ret, int optopt, char *const argv[],
			    int optind, const char *shortopts, char *err,
			    size_t errlen);

/* A program's own option: 0, or -1 with a message in err. */
typedef int (*kt_option_fn)(void *ctx, int opt, const char *arg, char *err,
			    size_t errlen);

/* Parse argv with getopt_long as the program's table cli says: the shared
 * options go to cfg, the others to fn. Unknown options, missing values and
 * leftover arguments are errors. -1 with one line in err. */
int kt_config_parse_args(kt_config *cfg, int argc, char **argv,
			 const kt_cli *cli, kt_option_fn fn, void *ctx,
			 char *err, size_t errlen);

/* When --help, --version or --list-options was given, print the help text
 * made from cli, the program's version or its flags to out and return true. */
bool kt_config_help_or_version(const kt_config *cfg, FILE *out,
			       const char *prog, const kt_cli *cli);

/* Apply -v/-q to log, warn once per old spelling given (the flag and its
 * new spelling, on one line), resolve the configuration (kt_config_finalize with
 * KAFKA_BOOTSTRAP_SERVERS) and dump it at debug level. -1 with err. */
int kt_config_start(kt_config *cfg, kt_log *log, char *err, size_t errlen);

/* Load the -F file, apply KAFKA_BOOTSTRAP_SERVERS from env_brokers (may be
 * NULL) and resolve precedence flag > environment > file > default, then
 * check every property with librdkafka and every topic name. On error
 * returns -1 with librdkafka's or our own message in err. */
int kt_config_finalize(kt_config *cfg, const char *env_brokers, char *err,
		       size_t errlen);

/* Resolved value of a librdkafka property, or NULL when unset. */
const char *kt_config_get(const kt_config *cfg, const char *key);

/* Append key=value to a property list (copies both). -1 on OOM. */
int kt_props_set(kt_props *props, const char *key, const char *value);
/* Parse "key=value" and append it. -1 (message in err) when malformed. */
int kt_props_parse(kt_props *props, const char *kv, char *err, size_t errlen);
/* Read a properties file: key=value lines, '#' comments, blank lines.
 * Errors are "path:line: message". */
int kt_props_load_file(kt_props *props, const char *path, char *err,
		       size_t errlen);
void kt_props_release(kt_props *props);

/* True for keys whose values must never be shown: anything containing
 * "password" or "secret", and sasl.jaas.config / private keys. */
bool kt_config_is_secret(const char *key);

/* Log every resolved property at KT_LOG_DEBUG, once each with the value
 * that wins over the other layers, secrets masked. */
void kt_config_dump(const kt_config *cfg, const kt_log *log);

/* Check a topic name as Kafka does: 1..249 of [A-Za-z0-9._-], not "." or
 * "..". Returns -1 with a message naming the topic. */
int kt_config_check_topic(const char *topic, char *err, size_t errlen);

#endif
