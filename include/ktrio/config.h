/* config: one validated client configuration from flags, environment,
 * a properties file and -X properties, shared by the three programs. */
#ifndef KTRIO_CONFIG_H
#define KTRIO_CONFIG_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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
	KT_OPT_FIRST_PROGRAM_OPTION = 1100, /* programs number theirs from here */
};

/* The shared flags, for a program's getopt_long table; -t is repeatable. */
#define KT_CONFIG_SHORT_OPTIONS "b:t:X:F:vqh"
#define KT_CONFIG_LONG_OPTIONS                                              \
	{"brokers", required_argument, NULL, 'b'},                          \
		{"topic", required_argument, NULL, 't'},                    \
		{"property", required_argument, NULL, 'X'},                 \
		{"config", required_argument, NULL, 'F'},                   \
		{"verbose", no_argument, NULL, 'v'},                        \
		{"quiet", no_argument, NULL, 'q'},                          \
		{"format", required_argument, NULL, KT_OPT_FORMAT},         \
		{"connect-timeout", required_argument, NULL,                \
		 KT_OPT_CONNECT_TIMEOUT},                                   \
		{"help", no_argument, NULL, 'h'},                           \
		{"version", no_argument, NULL, KT_OPT_VERSION}

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
	bool want_help, want_version;

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
 * an optstring beginning with ':') as one line in err. */
void kt_config_getopt_error(int ret, int optopt, char *const argv[],
			    int optind, char *err, size_t errlen);

/* A program's own option: 0, or -1 with a message in err. */
typedef int (*kt_option_fn)(void *ctx, int opt, const char *arg, char *err,
			    size_t errlen);

/* Parse argv with getopt_long: the shared options go to cfg, the others
 * (program_shortopts, e.g. "g:ew:", and longopts, which must include
 * KT_CONFIG_LONG_OPTIONS) to fn. Unknown options, missing values and
 * leftover arguments are errors. -1 with one line in err. */
int kt_config_parse_args(kt_config *cfg, int argc, char **argv,
			 const char *program_shortopts,
			 const struct option *longopts, kt_option_fn fn,
			 void *ctx, char *err, size_t errlen);

/* When --help or --version was given, print the usage text or the
 * program's version to out and return true. */
bool kt_config_help_or_version(const kt_config *cfg, FILE *out,
			       const char *prog, const char *usage);

/* Apply -v/-q to log, resolve the configuration (kt_config_finalize with
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

/* Log every resolved property at KT_LOG_DEBUG, secrets masked. */
void kt_config_dump(const kt_config *cfg, const kt_log *log);

/* Check a topic name as Kafka does: 1..249 of [A-Za-z0-9._-], not "." or
 * "..". Returns -1 with a message naming the topic. */
int kt_config_check_topic(const char *topic, char *err, size_t errlen);

#endif
