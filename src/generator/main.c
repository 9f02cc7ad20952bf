/* generator: simulated real-time JSON events into a Kafka topic at a steady
 * rate, with every delivery accounted for. */
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ktrio/config.h"
#include "ktrio/error.h"
#include "event.h"
#include "ktrio/kafka.h"
#include "ktrio/log.h"
#include "ktrio/parse.h"
#include "ktrio/signal.h"
#include "schema.h"
#include "stream.h"

enum {
	OPT_TEMPLATE = KT_OPT_FIRST_PROGRAM_OPTION,
	OPT_SEED,
	OPT_START_TIME,
	OPT_CREATE_TOPIC,
	OPT_PARTITIONS,
	OPT_REPLICATION,
	OPT_PROGRESS,
	OPT_FLUSH_TIMEOUT,
};

/* The one source of the generator's flags: getopt's tables and --help.
 * No --format: the generator writes events, not a report. */
static const kt_cli_opt cli_opts[] = {
	KT_CONFIG_CLI_TOPIC("topic to write to (default events)"),
	{"rate", 'r', "N",
	 "events per second (default 10; 0 = as fast as\n"
	 "the broker takes them)", 0},
	{"count", 'c', "N", "stop after N events", 0},
	{"duration", 'd', "D", "stop after D (e.g. 30s, 5m)", 0},
	{"template", OPT_TEMPLATE, "NAME",
	 "built-in template: orders (default), sensors,\n"
	 "clicks", 0},
	{"schema", 's', "FILE", "your own schema file (see README)", 0},
	{"seed", OPT_SEED, "N", "reproducible values and ids", 0},
	{"start-time", OPT_START_TIME, "T",
	 "ts of the first event (ISO-8601 or epoch ms);\n"
	 "later events follow at 1/rate intervals", 0},
	{"key-field", 'k', "FIELD", "use this field as the message key", 0},
	{"key", 'k', "FIELD", "key-field", KT_CLI_DEPRECATED},
	{"partition", 'p', "N", "write every event to partition N", 0},
	{"create-topic", OPT_CREATE_TOPIC, NULL, "create the topic if it is missing", 0},
	{"partitions", OPT_PARTITIONS, "N", "... with N partitions (default 3)", 0},
	{"replication-factor", OPT_REPLICATION, "R", "... and R replicas (default 1)", 0},
	{"dry-run", 'n', NULL, "write events to stdout as JSON lines; no Kafka", 0},
	{"progress", OPT_PROGRESS, NULL, "progress line every second (default on a TTY)", 0},
	{"flush-timeout", OPT_FLUSH_TIMEOUT, "D",
	 "how long to wait for in-flight messages at the\n"
	 "end (default 10s)", 0},
	KT_CONFIG_CLI_CONNECTION,
};

static const kt_cli cli = {
	.opts = cli_opts,
	.nopts = sizeof cli_opts / sizeof *cli_opts,
	.head = "usage: generator [-t TOPIC] [--rate N] [--count N] [--duration D]\n"
		"                 [--template NAME | --schema FILE] [options]\n"
		"\n"
		"Sends JSON events (id, run, seq, ts and the template's fields) to a\n"
		"topic at a steady rate until --count, --duration or Ctrl-C.\n"
		"\n",
	.tail = "Exit status: 0 every event delivered, 1 any event not delivered or a\n"
		"runtime failure, 2 usage or validation error.\n",
	.column = 27,
};

typedef struct options {
	kt_config cfg;
	kt_stream_opts stream;
	const char *schema;   /* path or built-in name */
	bool schema_is_file;
	uint64_t seed;
	bool seeded;
	bool dry_run, create_topic, progress_flag;
	int64_t partitions, replication;
} options;

static int program_option(void *ctx, int c, const char *arg, char *err,
			  size_t errlen)
{
	options *o = ctx;
	int64_t v;
	switch (c) {
	case 'r':
		return kt_parse_rate("--rate", arg, &o->stream.rate, err, errlen);
	case 'c':
		/* 0 would be "no count": run forever, not what it says. */
		if (kt_parse_int("--count", arg, 1, INT64_MAX, &v, err, errlen) < 0)
			return -1;
		o->stream.count = (uint64_t)v;
		return 0;
	case 'd':
		if (kt_parse_duration_ms("--duration", arg, &o->stream.duration_ms,
					 err, errlen) < 0)
			return -1;
		if (o->stream.duration_ms == 0)
			return kt_fail(err, errlen, "invalid value '%s' for --duration: must be positive", arg);
		return 0;
	case OPT_TEMPLATE:
	case 's':
		if (o->schema)
			return kt_fail(err, errlen, "option '%s' conflicts with an earlier "
					"--template or --schema", c == 's' ? "--schema" : "--template");
		o->schema = arg;
		o->schema_is_file = c == 's';
		return 0;
	case OPT_SEED:
		if (kt_parse_int("--seed", arg, 0, INT64_MAX, &v, err, errlen) < 0)
			return -1;
		o->seed = (uint64_t)v;
		o->seeded = true;
		return 0;
	case OPT_START_TIME:
		o->stream.has_start_time = true;
		if (kt_parse_timestamp_ms("--start-time", arg, &o->stream.start_time_ms, err,
					  errlen) < 0)
			return -1;
		/* librdkafka stamps a message whose timestamp is 0 with the
		 * wall clock, and Kafka has no times before the epoch. */
		if (o->stream.start_time_ms <= 0)
			return kt_fail(err, errlen, "invalid value '%s' for --start-time: must be "
					"after 1970-01-01T00:00:00Z (a Kafka timestamp of 0 means "
					"'now')", arg);
		return 0;
	case 'k':
		if (!*arg)
			return kt_fail(err, errlen, "invalid value '' for --key-field: empty field name");
		o->stream.key_field = arg;
		return 0;
	case 'p':
		if (kt_parse_int("--partition", arg, 0, INT32_MAX, &v, err, errlen) < 0)
			return -1;
		o->stream.partition = (int32_t)v;
		return 0;
	case OPT_CREATE_TOPIC:
		o->create_topic = true;
		return 0;
	case OPT_PARTITIONS:
		return kt_parse_int("--partitions", arg, 1, 100000, &o->partitions,
				    err, errlen);
	case OPT_REPLICATION:
		return kt_parse_int("--replication-factor", arg, 1, 32767,
				    &o->replication, err, errlen);
	case 'n':
		o->dry_run = true;
		return 0;
	case OPT_PROGRESS:
		o->progress_flag = true;
		return 0;
	case OPT_FLUSH_TIMEOUT:
		return kt_parse_duration_ms("--flush-timeout", arg,
					    &o->stream.flush_timeout_ms, err, errlen);
	default:
		return kt_fail(err, errlen, "unknown option");
	}
}

static int parse_args(int argc, char **argv, options *o, char *err,
		      size_t errlen)
{
	if (kt_config_parse_args(&o->cfg, argc, argv, &cli, program_option, o,
				 err, errlen) < 0)
		return -1;
	if (o->cfg.ntopics > 1)
		return kt_fail(err, errlen, "option '--topic' given twice: the generator writes one topic");
	if (o->dry_run && o->create_topic)
		return kt_fail(err, errlen, "option '--create-topic' conflicts with '--dry-run'");
	if (o->cfg.format_set && o->cfg.format != KT_FORMAT_JSON)
		return kt_fail(err, errlen, "invalid value '%s' for --format: the generator "
				"writes JSON only", o->cfg.format == KT_FORMAT_CSV ? "csv" : "table");
	return 0;
}

/* Built-in templates live beside an installed binary (bin/../share/ktrio/
 * templates, wherever the tree was installed or moved), in the source tree
 * when run from it (build/bin/../../templates, build/asan/bin/../../../
 * templates), else in the data folder chosen at build time;
 * KTRIO_TEMPLATES overrides all. */
static void templates_dir(char *buf, size_t len)
{
	const char *env = getenv("KTRIO_TEMPLATES");
	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return;
	}
	static const char *const up[] = {"/../share/ktrio/templates", "/../../templates",
					 "/../../../templates"};
	char exe[PATH_MAX], probe[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *slash = n > 0 ? (exe[n] = '\0', strrchr(exe, '/')) : NULL;
	if (slash) {
		*slash = '\0';
		for (size_t i = 0; i < sizeof up / sizeof *up; i++) {
			int w = snprintf(probe, sizeof probe, "%s%s/orders.json", exe, up[i]);
			if (w > 0 && (size_t)w < sizeof probe && access(probe, R_OK) == 0) {
				probe[w - (int)strlen("/orders.json")] = '\0';
				snprintf(buf, len, "%s", probe);
				return;
			}
		}
	}
	snprintf(buf, len, "%s/templates", KT_DATADIR);
}

static void summary(const kt_log *log, const kt_stream_stats *s, bool dry_run)
{
	(void)log;
	fprintf(stderr,
		"generator: %s %" PRIu64 ", delivered %" PRIu64 ", failed %" PRIu64
		", elapsed %.2f s, average %.1f events/s\n",
		dry_run ? "written" : "produced", s->produced, s->delivered, s->failed,
		s->elapsed_s, s->elapsed_s > 0 ? (double)s->produced / s->elapsed_s : 0.0);
}

static int ensure_topic(options *o, rd_kafka_t *rk, const kt_log *log)
{
	char err[512];
	const char *topic = o->cfg.topics[0];
	int64_t timeout = o->cfg.connect_timeout_ms;
	int n = kt_kafka_partition_count(rk, topic, timeout, err, sizeof err);
	if (n < 0) {
		kt_err(log, "%s", err);
		return 1;
	}
	if (n > 0) {
		if (o->create_topic && n != o->partitions)
			kt_warn(log, "topic '%s' already exists with %d partitions, not %" PRId64
				     "; left as it is", topic, n, o->partitions);
		return 0;
	}
	if (!o->create_topic) {
		kt_err(log, "topic '%s' does not exist (create it, or pass --create-topic)",
		       topic);
		return 1;
	}
	int rc = kt_kafka_create_topic(rk, topic, (int)o->partitions,
				       (int)o->replication, timeout, err, sizeof err);
	if (rc < 0) {
		kt_err(log, "%s", err);
		return 1;
	}
	kt_info(log, "created topic '%s' with %" PRId64 " partitions, replication factor %" PRId64,
		topic, o->partitions, o->replication);
	return 0;
}

static int run_kafka(options *o, kt_event_gen *gen, const kt_log *log)
{
	/* Unthrottled, batches fill faster with a longer linger (measured on
	 * 1M events: 1.49 s with 5 ms, 0.98 s with 50 ms); at a set rate a
	 * short linger keeps end-to-end latency low. -X overrides either. */
	const char *const defaults[] = {
		"enable.idempotence", "true", "acks", "all",
		"linger.ms", o->stream.rate > 0 ? "5" : "50",
		"batch.size", "1000000", "batch.num.messages", "10000",
		/* A bounded local queue (64 MB, kcat's 100,000 messages): a
		 * faster generator gains nothing by queueing more than the
		 * broker takes, and the fresh pages a deeper queue touches
		 * (about 100 MB for 1M bench events) cost system time on the
		 * cores the broker needs (measured: peak RSS 83-129 MB and
		 * 0.44-0.67 s of sys per million with 1M/256 MB, 45-49 MB and
		 * 0.27-0.40 s with these, same wall time or less). */
		"queue.buffering.max.messages", "100000",
		"queue.buffering.max.kbytes", "65536",
		/* The only way a refused, retried write (NOT_ENOUGH_REPLICAS)
		 * is told: kt_kafka_take_retried_error reads these lines. */
		"debug", "msg", NULL};
	kt_stream_stats stats = {0};
	kt_kafka_ctx ctx;
	kt_kafka_ctx_init(&ctx, log);
	char err[512];
	rd_kafka_t *rk = kt_kafka_connect(&o->cfg, RD_KAFKA_PRODUCER, defaults,
					  kt_stream_conf_hook, NULL, &ctx, err, sizeof err);
	if (!rk) {
		kt_err(log, "%s", err);
		return ctx.config_error ? 2 : kt_signal_status(1);
	}
	int status = ensure_topic(o, rk, log);
	if (status == 0) {
		o->stream.topic = o->cfg.topics[0];
		kt_info(log, "run %s: writing to '%s' at %s", kt_event_gen_run_id(gen),
			o->stream.topic, o->stream.rate > 0 ? "a steady rate" : "full speed");
		status = kt_stream_produce(rk, gen, &o->stream, &stats, kt_signal_flag(),
					   log) == 0 ? 0 : 1;
		if (log->level >= KT_LOG_INFO) /* -q: quiet (failures are said anyway) */
			summary(log, &stats, false);
	}
	rd_kafka_destroy(rk);
	return status;
}

static int run(options *o, const kt_log *log)
{
	char err[512], dir[PATH_MAX + 64];
	templates_dir(dir, sizeof dir);
	const char *name = o->schema ? o->schema : "orders";
	kt_schema *schema = o->schema_is_file ? kt_schema_load(name, err, sizeof err)
					      : kt_schema_load_builtin(name, dir, err, sizeof err);
	if (!schema) {
		kt_err(log, "%s", err);
		return 2;
	}
	kt_event_gen *gen = kt_event_gen_new(schema, o->seeded, o->seed, err, sizeof err);
	int status = 2;
	if (!gen) {
		kt_err(log, "%s", err);
	} else if (o->stream.key_field && !kt_event_gen_has_field(gen, o->stream.key_field)) {
		kt_err(log, "invalid value '%s' for --key-field: no such field in the schema",
		       o->stream.key_field);
	} else if (o->dry_run) {
		kt_stream_stats stats = {0};
		status = 0;
		if (kt_stream_write(stdout, gen, &o->stream, &stats, kt_signal_flag(), log) < 0)
			status = 1;
		if (log->level >= KT_LOG_INFO)
			summary(log, &stats, true);
	} else {
		status = run_kafka(o, gen, log);
	}
	kt_event_gen_free(gen);
	kt_schema_free(schema);
	return status;
}

int main(int argc, char **argv)
{
	kt_log log;
	kt_log_init(&log, "generator");
	options o = {.stream = {.rate = 10, .partition = RD_KAFKA_PARTITION_UA,
				.flush_timeout_ms = 10000},
		     .partitions = 3,
		     .replication = 1};
	kt_config_init(&o.cfg);
	char err[512];
	int status = 2;
	if (parse_args(argc, argv, &o, err, sizeof err) < 0) {
		kt_err(&log, "%s", err);
		goto out;
	}
	if (kt_config_help_or_version(&o.cfg, stdout, "generator", &cli)) {
		status = 0;
		goto out;
	}
	if (kt_config_start(&o.cfg, &log, err, sizeof err) < 0) {
		kt_err(&log, "%s", err);
		goto out;
	}
	o.stream.progress = o.progress_flag || (!o.dry_run && isatty(STDERR_FILENO));
	o.stream.progress_in_place = isatty(STDERR_FILENO);
	kt_signal_install("generator", "events still in flight may be lost (no summary)");
	status = run(&o, &log);
out:
	kt_config_release(&o.cfg);
	return status;
}
