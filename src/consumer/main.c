/* consumer: reads topics in micro-batch windows and prints counts and
 * statistics per window and group. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ktrio/clock.h"
#include "ktrio/config.h"
#include "ktrio/error.h"
#include "engine.h"
#include "fields.h"
#include "filter.h"
#include "ktrio/kafka.h"
#include "ktrio/log.h"
#include "ktrio/parse.h"
#include "ktrio/signal.h"
#include "merger.h"
#include "partials.h"
#include "report.h"
#include "term.h"

enum {
	OPT_FROM_BEGINNING = KT_OPT_FIRST_PROGRAM_OPTION,
	OPT_INSTANCE_ID,
	OPT_FROM_TIME,
	OPT_UNTIL_TIME,
	OPT_EVENT_TIME,
	OPT_LATENESS,
	OPT_IDLE,
	OPT_MAX_FUTURE,
	OPT_GROUP_BY,
	OPT_STATS,
	OPT_DISTINCT,
	OPT_TOP,
	OPT_COLUMNS,
	OPT_MAX_GROUPS,
	OPT_FILTER,
	OPT_MAX_RECORD_BYTES,
	OPT_THREADS,
	OPT_PARTIALS_TO,
	OPT_MERGE,
	OPT_MERGE_TIMEOUT,
	OPT_OUTPUT_TOPIC,
	OPT_MAX_WINDOWS,
};

/* The one source of the consumer's flags: getopt's tables and --help. */
static const kt_cli_opt cli_opts[] = {
	KT_CONFIG_CLI_TOPIC("topic to read (repeatable; default events)"),
	{"group", 'g', "GROUP", "consumer group (default ktrio-consumer)", 0},
	{"instance-id", OPT_INSTANCE_ID, "ID",
	 "static group member ID: restarted with the same\n"
	 "ID, it takes its partitions back at once", 0},
	{"from-beginning", OPT_FROM_BEGINNING, NULL,
	 "a new group starts at the earliest offset", 0},
	{"from-time", OPT_FROM_TIME, "T",
	 "start each partition at its first record at or\n"
	 "after T (ISO-8601, epoch ms, or a duration\n"
	 "back from now: 1h) instead of the committed offset", 0},
	{"until-time", OPT_UNTIL_TIME, "T",
	 "stop each partition at its first record at or\n"
	 "after T (uncounted); with -e: a past interval", 0},
	{"exit-at-end", 'e', NULL, "stop once every partition is read to its end", 0},
	{"window", 'w', "D", "window length (default 5s)", 0},
	{"event-time", OPT_EVENT_TIME, "FIELD",
	 "windows by the record's time field (epoch ms\n"
	 "or ISO-8601), or 'kafka' for the message\n"
	 "timestamp; default: processing time", 0},
	{"allowed-lateness", OPT_LATENESS, "D", "event time: watermark lag (default 2s)", 0},
	{"idle-timeout", OPT_IDLE, "D",
	 "event time: a partition read to its end for D\n"
	 "holds no window back (default: the window)", 0},
	{"max-future", OPT_MAX_FUTURE, "D",
	 "event time: times more than D ahead of the\n"
	 "clock are bad_time (default 1h)", 0},
	{"group-by", OPT_GROUP_BY, "F[,F...]", "group records by these fields", 0},
	{"stats", OPT_STATS, "F[,F...]",
	 "numeric fields to summarise (default: every\n"
	 "numeric top-level field but seq and ts)", 0},
	{"distinct", OPT_DISTINCT, "F", "approximate distinct count of F per group", 0},
	{"top", OPT_TOP, "N", "groups shown in the table (default 10)", 0},
	{"columns", OPT_COLUMNS, "LIST",
	 "the table's stat columns, in the order they get\n"
	 "room: mean,min,max,stddev,p50,p95,p99,distinct\n"
	 "or FIELD.FIGURE (default: all; mean,p50,p99 first)", 0},
	{"max-groups", OPT_MAX_GROUPS, "N", "groups kept per window (default 100000)", 0},
	{"filter", OPT_FILTER, "EXPR",
	 "keep records where EXPR holds (repeatable):\n"
	 "F~RE F!~RE F=V F!=V F>N F<N F>=N F<=N", 0},
	{"max-record-bytes", OPT_MAX_RECORD_BYTES, "N",
	 "larger records are counted as too_large\n"
	 "(default 1048576)", 0},
	{"threads", OPT_THREADS, "N",
	 "N-1 threads decode records, one counts them\n"
	 "(default: cores - 1, at least 1, at most 8)", 0},
	{"partials-to", OPT_PARTIALS_TO, "TOPIC",
	 "scale-out member: send each window of each\n"
	 "partition to TOPIC for a merger (event time)", 0},
	{"merge", OPT_MERGE, "TOPIC",
	 "scale-out merger: read the members' partials\n"
	 "from TOPIC, write each window once every\n"
	 "input partition has sealed it", 0},
	{"merge-timeout", OPT_MERGE_TIMEOUT, "D",
	 "merger: write a window still unsealed D after\n"
	 "its first partial, incomplete (default 3 windows)", 0},
	{"max-windows", OPT_MAX_WINDOWS, "N",
	 "merger: windows open at once; beyond, the\n"
	 "oldest is written incomplete, counted (default 1000)", 0},
	{"output-topic", OPT_OUTPUT_TOPIC, "TOPIC",
	 "also produce each window written to TOPIC as\n"
	 "its JSON object (key: the window's start)", 0},
	KT_CONFIG_CLI_FORMAT("table|json|csv", "output format (default table)"),
	KT_CONFIG_CLI_CONNECTION,
};

static const kt_cli cli = {
	.opts = cli_opts,
	.nopts = sizeof cli_opts / sizeof *cli_opts,
	.head = "usage: consumer [-t TOPIC ...] [-g GROUP] [--window D] [--group-by F,...]\n"
		"                [--stats F,...] [options]\n"
		"\n"
		"Reads topics in a consumer group and prints, per tumbling window,\n"
		"counts and statistics per group of records.\n"
		"\n",
	.tail = "Exit status: 0 success, 1 runtime failure, 2 usage or validation error.\n",
	.column = 29,
};

typedef struct options {
	kt_config cfg;
	kt_engine_opts engine;
	kt_fieldspec spec;
	kt_filter *filter; /* the engine copies it for each decoding thread */
	const char *group;
	const char *instance_id; /* group.instance.id, NULL: a dynamic member */
	bool group_set;          /* -g given */
	bool from_beginning, idle_set, lateness_set, future_set;
	int64_t top;
	bool top_set;
	kt_report_columns columns; /* --columns */
	const char *filter_exprs[64]; /* as given, for the partials' settings */
	size_t nfilter_exprs;
	const char *partials_to, *merge, *output_topic;
	int64_t merge_timeout_ms;
	int64_t max_windows; /* 0: not given */
	bool fields_set; /* --group-by, --stats or --distinct given */
} options;

static int set_string(char **slot, const char *flag, const char *arg, char *err,
		      size_t errlen)
{
	if (!*arg)
		return kt_fail(err, errlen, "invalid value '' for %s: empty field name", flag);
	free(*slot);
	if (!(*slot = strdup(arg)))
		return kt_fail(err, errlen, "out of memory");
	return 0;
}

static int positive_duration(const char *flag, const char *arg, int64_t *out,
			     char *err, size_t errlen)
{
	if (kt_parse_duration_ms(flag, arg, out, err, errlen) < 0)
		return -1;
	if (*out <= 0)
		return kt_fail(err, errlen, "invalid value '%s' for %s: must be positive", arg, flag);
	return 0;
}

/* A point in time: ISO-8601 or epoch ms, or a duration back from now. */
static int time_point(const char *flag, const char *arg, int64_t *out, char *err,
		      size_t errlen)
{
	int64_t ago;
	if (kt_parse_timestamp_ms(flag, arg, out, NULL, 0) == 0)
		return 0;
	if (kt_parse_duration_ms(flag, arg, &ago, NULL, 0) == 0) {
		*out = kt_clock_wall_ms() - ago;
		return 0;
	}
	return kt_fail(err, errlen, "invalid value '%s' for %s: expected ISO-8601 with a "
			"zone, epoch ms, or a duration back from now such as 1h", arg, flag);
}

static int program_option(void *ctx, int c, const char *arg, char *err,
			  size_t errlen)
{
	options *o = ctx;
	int64_t v;
	switch (c) {
	case 'g':
		if (!*arg)
			return kt_fail(err, errlen, "invalid value '' for --group: empty group name");
		o->group = arg;
		o->group_set = true;
		return 0;
	case OPT_INSTANCE_ID:
		if (!*arg)
			return kt_fail(err, errlen, "invalid value '' for --instance-id: empty ID");
		o->instance_id = arg;
		return 0;
	case OPT_FROM_TIME:
		o->engine.from_set = true;
		return time_point("--from-time", arg, &o->engine.from_ms, err, errlen);
	case OPT_UNTIL_TIME:
		o->engine.until_set = true;
		return time_point("--until-time", arg, &o->engine.until_ms, err, errlen);
	case OPT_FROM_BEGINNING:
		o->from_beginning = true;
		return 0;
	case 'e':
		o->engine.exit_at_end = true;
		return 0;
	case 'w':
		return positive_duration("--window", arg, &o->engine.window_ms, err, errlen);
	case OPT_EVENT_TIME:
		o->engine.event_time = true;
		o->engine.kafka_time = strcmp(arg, "kafka") == 0;
		return o->engine.kafka_time ? 0
					    : set_string(&o->spec.time_field, "--event-time",
							 arg, err, errlen);
	case OPT_LATENESS:
		o->lateness_set = true;
		return kt_parse_duration_ms("--allowed-lateness", arg,
					    &o->engine.lateness_ms, err, errlen);
	case OPT_IDLE:
		o->idle_set = true;
		return positive_duration("--idle-timeout", arg, &o->engine.idle_ms, err, errlen);
	case OPT_MAX_FUTURE:
		o->future_set = true;
		return kt_parse_duration_ms("--max-future", arg, &o->engine.max_future_ms, err,
					    errlen);
	case OPT_GROUP_BY:
		o->fields_set = true;
		return kt_fieldspec_set_group_by(&o->spec, arg, err, errlen);
	case OPT_STATS:
		o->fields_set = true;
		return kt_fieldspec_set_stats(&o->spec, arg, err, errlen);
	case OPT_DISTINCT:
		o->fields_set = true;
		return set_string(&o->spec.distinct, "--distinct", arg, err, errlen);
	case OPT_TOP:
		o->top_set = true;
		return kt_parse_int("--top", arg, 1, 1000000, &o->top, err, errlen);
	case OPT_COLUMNS:
		return kt_report_add_columns(&o->columns, arg, err, errlen);
	case OPT_MAX_GROUPS:
		if (kt_parse_int("--max-groups", arg, 1, 10000000, &v, err, errlen) < 0)
			return -1;
		o->engine.max_groups = (size_t)v;
		return 0;
	case OPT_FILTER:
		if (o->nfilter_exprs == sizeof o->filter_exprs / sizeof *o->filter_exprs)
			return kt_fail(err, errlen, "option '--filter' given more than 64 times");
		o->filter_exprs[o->nfilter_exprs++] = arg;
		return kt_filter_add(o->filter, arg, err, errlen);
	case OPT_PARTIALS_TO:
	case OPT_MERGE:
		if (!*arg)
			return kt_fail(err, errlen, "invalid value '' for --%s: empty topic name",
				       c == OPT_MERGE ? "merge" : "partials-to");
		*(c == OPT_MERGE ? &o->merge : &o->partials_to) = arg;
		return 0;
	case OPT_MAX_WINDOWS:
		return kt_parse_int("--max-windows", arg, 1, 1000000, &o->max_windows, err, errlen);
	case OPT_OUTPUT_TOPIC:
		if (!*arg)
			return kt_fail(err, errlen, "invalid value '' for --output-topic: empty topic name");
		o->output_topic = arg;
		return 0;
	case OPT_MERGE_TIMEOUT:
		return positive_duration("--merge-timeout", arg, &o->merge_timeout_ms, err, errlen);
	case OPT_THREADS:
		if (kt_parse_int("--threads", arg, 1, KT_ENGINE_MAX_THREADS, &v, err, errlen) < 0)
			return -1;
		o->engine.threads = (size_t)v;
		return 0;
	case OPT_MAX_RECORD_BYTES:
		if (kt_parse_int("--max-record-bytes", arg, 1, 1 << 30, &v, err, errlen) < 0)
			return -1;
		o->engine.max_record_bytes = (size_t)v;
		return 0;
	default:
		return kt_fail(err, errlen, "unknown option");
	}
}

/* A member with a cooperative assignor: a revoke keeps some partitions,
 * whose open windows a member gives up with the rest but goes on reading
 * past; and librdkafka 2.0.2 refused the commits around such rebalances.
 * (After the configuration is resolved: -X and -F.) */
static int check_member_assignor(const options *o, char *err, size_t errlen)
{
	const char *strategy = kt_config_get(&o->cfg, "partition.assignment.strategy");
	if (o->partials_to && strategy && strstr(strategy, "cooperative"))
		return kt_fail(err, errlen,
			       "option '--partials-to' needs an eager assignor: "
			       "partition.assignment.strategy '%s' is cooperative",
			       strategy);
	return 0;
}

/* --partials-to and --merge: what each side takes. */
static int check_scale_out(const options *o, char *err, size_t errlen)
{
	if (o->partials_to && o->merge)
		return kt_fail(err, errlen, "options '--partials-to' and '--merge' exclude each other");
	if (o->partials_to && !o->engine.event_time)
		return kt_fail(err, errlen,
			       "option '--partials-to' needs '--event-time': processing-time "
			       "windows depend on when each member reads, so they cannot merge");
	if (o->merge && (o->engine.event_time || o->fields_set || o->nfilter_exprs))
		return kt_fail(err, errlen,
			       "option '--merge' takes its settings from the partials: drop '%s'",
			       o->engine.event_time ? "--event-time"
			       : o->nfilter_exprs   ? "--filter"
						    : "--group-by/--stats/--distinct");
	if (o->partials_to && o->output_topic)
		return kt_fail(err, errlen, "option '--output-topic' is for a plain consumer or a "
			       "merger: a member ('--partials-to') writes no window");
	if (o->max_windows && !o->merge)
		return kt_fail(err, errlen, "option '--max-windows' needs '--merge'");
	if (o->merge_timeout_ms && !o->merge)
		return kt_fail(err, errlen, "option '--merge-timeout' needs '--merge'");
	return 0;
}

static int parse_args(int argc, char **argv, options *o, char *err,
		      size_t errlen)
{
	if (kt_config_parse_args(&o->cfg, argc, argv, &cli, program_option, o,
				 err, errlen) < 0)
		return -1;
	if (o->columns.n && o->cfg.format != KT_FORMAT_TABLE)
		return kt_fail(err, errlen, "option '--columns' is for the table: --format json "
			       "and csv have every figure");
	if (kt_report_check_columns(&o->columns, &o->spec, err, errlen) < 0)
		return -1;
	if (!o->engine.event_time && (o->idle_set || o->lateness_set || o->future_set))
		return kt_fail(err, errlen, "option '%s' needs '--event-time'",
			       o->idle_set       ? "--idle-timeout"
			       : o->lateness_set ? "--allowed-lateness"
						 : "--max-future");
	if (o->engine.from_set && o->engine.until_set &&
	    o->engine.until_ms <= o->engine.from_ms)
		return kt_fail(err, errlen, "option '--until-time' must be later than '--from-time'");
	if (!o->idle_set)
		o->engine.idle_ms = o->engine.window_ms;
	return check_scale_out(o, err, errlen);
}

/* A member's producer of partials, its settings the ones a merge needs
 * to agree on. NULL when it cannot be made (logged). */
static kt_partials *member_partials(const options *o, const kt_log *log)
{
	char settings[8192], err[512];
	if (kt_partial_settings(settings, sizeof settings, &o->spec, o->engine.window_ms,
				o->engine.lateness_ms, o->engine.max_future_ms,
				o->engine.kafka_time, o->filter_exprs, o->nfilter_exprs,
				o->engine.max_groups) < 0) {
		kt_err(log, "settings too long for partials");
		return NULL;
	}
	kt_partials *p = kt_partials_new(&o->cfg, o->partials_to, settings, log, err, sizeof err);
	if (!p)
		kt_err(log, "%s", err);
	return p;
}

/* The table fits the terminal (redrawn when it is resized) or COLUMNS;
 * colour only on a terminal, never with NO_COLOR. */
static void screen_setup(kt_report *report, enum kt_format format)
{
	bool tty = isatty(STDOUT_FILENO);
	report->redraw = tty && format == KT_FORMAT_TABLE;
	report->color = tty && !getenv("NO_COLOR");
	report->width = kt_term_width(STDOUT_FILENO);
	if (report->redraw) {
		int cols;
		if (!kt_term_size(STDOUT_FILENO, &cols, &report->height))
			report->height = 0;
		kt_term_watch_resize();
	}
}

/* Whether topic (NULL: none asked) is missing on the cluster rk talks to
 * (said: "<what> topic 'x' does not exist"). An error asking is not
 * "missing": what uses the topic tells it then. */
static bool missing_topic(rd_kafka_t *rk, const char *topic, const char *what,
			  const options *o, const kt_log *log)
{
	char err[512];
	if (!topic ||
	    kt_kafka_partition_count(rk, topic, o->cfg.connect_timeout_ms, err, sizeof err) != 0)
		return false;
	kt_err(log, "%s topic '%s' does not exist%s", what, topic,
	       strcmp(what, "output") ? "" : " (create it first)");
	return true;
}

/* consumer --merge: the merger's own consumer of the partials topic. */
static int run_merge(options *o, const kt_log *log)
{
	char group_prop[300], err[512];
	/* Not the members' group: the merger reads another topic. */
	snprintf(group_prop, sizeof group_prop, "%s", o->group_set ? o->group : "ktrio-merger");
	const char *defaults[] = {
		"group.id", group_prop,
		"enable.auto.commit", "false",
		/* Partials are state: a new merger reads them all. */
		"auto.offset.reset", "earliest",
		/* Its memory is its open windows (--max-windows), not a
		 * prefetch of the backlog (librdkafka's default: 64 MB). */
		"queued.max.messages.kbytes", "1024",
		"enable.partition.eof", "true",
		"fetch.wait.max.ms", o->engine.exit_at_end ? "10" : "100",
		NULL};
	kt_kafka_ctx ctx;
	kt_kafka_ctx_init(&ctx, log);
	rd_kafka_t *rk = kt_kafka_connect(&o->cfg, RD_KAFKA_CONSUMER, defaults, NULL, NULL, &ctx,
					  err, sizeof err);
	if (!rk) {
		kt_err(log, "%s", err);
		return 1;
	}
	int n = kt_kafka_partition_count(rk, o->merge, o->cfg.connect_timeout_ms, err, sizeof err);
	if (n <= 0) {
		kt_err(log, n < 0 ? "%s" : "partials topic '%s' does not exist", n < 0 ? err : o->merge);
		rd_kafka_destroy(rk);
		return n < 0 ? 1 : 2;
	}
	if (missing_topic(rk, o->output_topic, "output", o, log)) {
		rd_kafka_destroy(rk);
		return 2;
	}
	kt_sink *sink = o->output_topic ? kt_sink_new(&o->cfg, o->output_topic, log, err,
						      sizeof err)
				       : NULL;
	if (o->output_topic && !sink) {
		kt_err(log, "%s", err);
		rd_kafka_destroy(rk);
		return 1;
	}
	kt_report report;
	kt_report_init(&report, o->cfg.format, (size_t)o->top, o->top_set, &o->spec);
	screen_setup(&report, o->cfg.format);
	report.columns = o->columns.n ? &o->columns : NULL;
	/* Stats named by the partials' settings, or found in them. */
	o->spec.auto_stats = true;
	rd_kafka_poll_set_consumer(rk);
	rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(topics, o->merge, RD_KAFKA_PARTITION_UA);
	rd_kafka_resp_err_t rc = rd_kafka_subscribe(rk, topics);
	rd_kafka_topic_partition_list_destroy(topics);
	int status = 1;
	if (rc) {
		kt_err(log, "cannot subscribe: %s", rd_kafka_err2str(rc));
	} else {
		kt_merger_opts mo = {.topic = o->merge,
				     .exit_at_end = o->engine.exit_at_end,
				     .timeout_ms = o->merge_timeout_ms,
				     .max_groups = o->engine.max_groups,
				     .max_windows = o->max_windows ? (size_t)o->max_windows : 1000,
				     .sink = sink};
		status = kt_merger_run(rk, &mo, &o->spec, &report, stdout, log, kt_signal_flag());
	}
	if (kt_sink_close(sink, 10000) < 0 && status == 0)
		status = 1;
	rd_kafka_consumer_close(rk);
	kt_report_release(&report);
	rd_kafka_destroy(rk);
	return status;
}

/* The most the consumer waits for librdkafka's destroy. */
#define DESTROY_TIMEOUT_MS 2000

static int run(options *o, const kt_log *log)
{
	if (o->merge)
		return run_merge(o, log);
	char group_prop[300], err[512];
	snprintf(group_prop, sizeof group_prop, "%s", o->group);
	const char *defaults[] = {
		"group.id", group_prop,
		"enable.auto.commit", "false",
		"enable.auto.offset.store", "false",
		"auto.offset.reset", o->from_beginning ? "earliest" : "latest",
		/* End-of-partition events also tell the event-time
		 * watermark which partitions have nothing pending. */
		"enable.partition.eof", "true",
		/* A small prefetch queue keeps memory flat whatever the
		 * backlog: the engine wakes librdkafka 2.0's fetcher, which
		 * otherwise idles up to a second each time the queue fills
		 * (engine.c, wake_fetchers). The per-partition message count
		 * must not be what stops the fetch, hence the large
		 * queued.min.messages. */
		"queued.min.messages", "1000000",
		"queued.max.messages.kbytes", "16384",
		/* How long the broker holds a fetch with nothing new. Live,
		 * it costs no latency (data ends the wait); at the end of a
		 * backlog it is how long --exit-at-end waits to hear that
		 * each partition is done. */
		"fetch.wait.max.ms", o->engine.exit_at_end ? "10" : "100",
		/* Static membership: a member that leaves and comes back
		 * under the same ID within session.timeout.ms gets its
		 * partitions back without a rebalance. Last, so that without
		 * an ID its NULL key ends the list. */
		o->instance_id ? "group.instance.id" : NULL, o->instance_id,
		NULL};
	kt_engine_ctx ctx = {0};
	kt_kafka_ctx_init(&ctx.kafka, log);
	rd_kafka_conf_t *conf = kt_kafka_conf_new(&o->cfg, defaults, &ctx.kafka, err, sizeof err);
	if (!conf) {
		kt_err(log, "%s", err);
		return 2;
	}
	rd_kafka_conf_set_rebalance_cb(conf, kt_engine_rebalance_cb);
	rd_kafka_t *rk = kt_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
	if (!rk || kt_kafka_wait_ready(rk, o->cfg.brokers, o->cfg.connect_timeout_ms,
				       err, sizeof err) < 0) {
		kt_err(log, "%s", err);
		if (!rk)
			return 2; /* librdkafka refused the configuration */
		rd_kafka_destroy(rk);
		return kt_signal_status(1);
	}
	int status = 1;
	int32_t *counts = calloc(o->cfg.ntopics ? o->cfg.ntopics : 1, sizeof *counts);
	for (size_t i = 0; counts && i < o->cfg.ntopics; i++) {
		int n = kt_kafka_partition_count(rk, o->cfg.topics[i], o->cfg.connect_timeout_ms,
						 err, sizeof err);
		if (n <= 0) {
			kt_err(log, n < 0 ? "%s" : "topic '%s' does not exist",
			       n < 0 ? err : o->cfg.topics[i]);
			free(counts);
			rd_kafka_destroy(rk);
			return 1;
		}
		counts[i] = n;
		bool again = false; /* a topic named twice counts once */
		for (size_t j = 0; j < i; j++)
			again |= !strcmp(o->cfg.topics[j], o->cfg.topics[i]);
		if (!again)
			o->engine.total_partitions += n;
	}
	const char *group_id = kt_config_get(&o->cfg, "group.id"); /* -X wins */
	o->engine.group = group_id ? group_id : o->group;
	/* Without -g every consumer joins the same default group, so a
	 * second one silently halves the first one's figures: say so. */
	o->engine.warn_partial = !o->group_set;
	o->engine.query_timeout_ms = o->cfg.connect_timeout_ms;
	const char *reset = kt_config_get(&o->cfg, "auto.offset.reset"); /* -X wins */
	o->engine.reset_policy = reset ? reset : o->from_beginning ? "earliest" : "latest";
	kt_partials *partials = NULL;
	/* A partials topic missing is a mistake in the command, not an
	 * outage; so is a missing output topic. */
	if (counts && (missing_topic(rk, o->partials_to, "partials", o, log) ||
		       missing_topic(rk, o->output_topic, "output", o, log))) {
		free(counts);
		rd_kafka_destroy(rk);
		return 2;
	}
	kt_sink *sink = NULL;
	if (!counts || (o->partials_to && !(partials = member_partials(o, log))) ||
	    (o->output_topic &&
	     !(sink = kt_sink_new(&o->cfg, o->output_topic, log, err, sizeof err)))) {
		if (!counts)
			kt_err(log, "out of memory");
		else if (o->output_topic && !sink)
			kt_err(log, "%s", err);
		kt_partials_free(partials);
		free(counts);
		rd_kafka_destroy(rk);
		return 1;
	}
	o->engine.partials = partials;
	o->engine.sink = sink;
	o->engine.topics = (const char *const *)o->cfg.topics;
	o->engine.topic_partitions = counts;
	o->engine.ntopics = o->cfg.ntopics;
	kt_report report;
	kt_report_init(&report, o->cfg.format, (size_t)o->top, o->top_set, &o->spec);
	screen_setup(&report, o->cfg.format);
	report.columns = o->columns.n ? &o->columns : NULL;
	kt_engine *e = kt_engine_new(rk, &o->engine, &o->spec, o->filter, &report,
				     stdout, log);
	rd_kafka_poll_set_consumer(rk);
	rd_kafka_topic_partition_list_t *topics =
		rd_kafka_topic_partition_list_new((int)o->cfg.ntopics);
	for (size_t i = 0; i < o->cfg.ntopics; i++)
		rd_kafka_topic_partition_list_add(topics, o->cfg.topics[i], RD_KAFKA_PARTITION_UA);
	rd_kafka_resp_err_t rc = rd_kafka_subscribe(rk, topics);
	rd_kafka_topic_partition_list_destroy(topics);
	if (!e) {
		kt_err(log, "out of memory");
	} else if (rc) {
		kt_err(log, "cannot subscribe: %s", rd_kafka_err2str(rc));
	} else {
		status = kt_engine_run(e, kt_signal_flag()) == 0 ? 0 : 1;
		kt_info(log, "%" PRIu64 " records read", kt_engine_records_seen(e));
		/* kcat -C -e starts at the beginning; a new group here starts
		 * at the end, and "0 records read" alone does not say why. */
		if (o->engine.exit_at_end && kt_engine_records_seen(e) == 0 &&
		    !o->from_beginning && !o->engine.from_set && !kt_engine_commit_lost(e))
			kt_warn(log, "nothing read: a group without committed offsets starts at "
				"the end of each partition (add --from-beginning to read what "
				"the topics hold)");
	}
	/* Leave the group within the shutdown's bound (the revocation writes
	 * and commits); failing that, destroy without the consumer close,
	 * and never wait on librdkafka for more than DESTROY_TIMEOUT_MS. */
	int flags = e && kt_engine_close(e) == 0 ? 0 : RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE;
	if (e && kt_engine_uncommitted(e) && status == 0)
		status = 1;
	if (fflush(stdout) == EOF && status == 0) {
		kt_err(log, "cannot write a window: %s", kt_report_failure_text(errno));
		status = 1;
	}
	if (kt_sink_close(sink, 10000) < 0 && status == 0)
		status = 1;
	if (kt_kafka_destroy(rk, flags, DESTROY_TIMEOUT_MS) < 0) {
		/* Seen after a topic was deleted, and with the brokers gone. */
		kt_warn(log, "librdkafka did not finish within %.1f s: exiting without waiting "
			     "for it", DESTROY_TIMEOUT_MS / 1000.0);
		fflush(stderr);
		_exit(status);
	}
	kt_engine_free(e);
	kt_report_release(&report);
	kt_partials_free(partials);
	free(counts);
	return status;
}

/* One thread per core but one: librdkafka's fetcher keeps a core busy
 * through a backlog, and a decoder more than the cores left only takes
 * turns with it (on 2 cores, cores + 1 threads read as fast as one and
 * spent 5-10 % more CPU in hand-overs: README, Performance). */
static size_t default_threads(void)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (cores < 2)
		return 1;
	return cores - 1 > KT_ENGINE_MAX_THREADS ? KT_ENGINE_MAX_THREADS : (size_t)cores - 1;
}

int main(int argc, char **argv)
{
	kt_log log;
	kt_log_init(&log, "consumer");
	options o = {.engine = {.window_ms = 5000, .lateness_ms = 2000,
				.max_future_ms = 3600 * 1000,
				.max_groups = 100000, .max_record_bytes = 1 << 20,
				.threads = default_threads()},
		     .group = "ktrio-consumer",
		     .top = 10};
	kt_config_init(&o.cfg);
	kt_fieldspec_init(&o.spec);
	o.filter = kt_filter_new();
	char err[512];
	int status = 2;
	if (!o.filter) {
		kt_err(&log, "out of memory");
		return 1;
	}
	if (parse_args(argc, argv, &o, err, sizeof err) < 0) {
		kt_err(&log, "%s", err);
		goto out;
	}
	if (kt_config_help_or_version(&o.cfg, stdout, "consumer", &cli)) {
		status = 0;
		goto out;
	}
	if (kt_config_start(&o.cfg, &log, err, sizeof err) < 0 ||
	    check_member_assignor(&o, err, sizeof err) < 0) {
		kt_err(&log, "%s", err);
		goto out;
	}
	kt_signal_install("consumer", "offsets not committed yet stay so (the group reads "
				      "those records again)");
	signal(SIGPIPE, SIG_IGN);
	status = run(&o, &log);
out:
	kt_filter_free(o.filter);
	kt_fieldspec_release(&o.spec);
	kt_config_release(&o.cfg);
	return status;
}
