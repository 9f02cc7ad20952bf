/* delete-records: safe, verifiable deletion of records from a Kafka topic. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ktrio/clock.h"
#include "ktrio/config.h"
#include "ktrio/error.h"
#include "delete_plan.h"
#include "delete_report.h"
#include "deleter.h"
#include "ktrio/file.h"
#include "ktrio/kafka.h"
#include "ktrio/log.h"
#include "ktrio/parse.h"
#include "ktrio/signal.h"
#include "tombstone.h"

enum mode { MODE_NONE, MODE_OFFSET, MODE_TIME, MODE_JSON, MODE_KEY };

enum {
	OPT_BEFORE_OFFSET = KT_OPT_FIRST_PROGRAM_OPTION,
	OPT_BEFORE_TIME,
	OPT_OLDER_THAN,
	OPT_OFFSET_JSON,
	OPT_KEY,
	OPT_KEY_REGEX,
	OPT_TIMEOUT,
};

/* The one source of delete-records' flags: getopt's tables and --help. */
static const kt_cli_opt cli_opts[] = {
	{NULL, 0, NULL, "What to delete (exactly one):", 0},
	{"before-offset", OPT_BEFORE_OFFSET, "N|end",
	 "records with offset < N in each partition\n"
	 "(end: each partition's high watermark)", KT_CLI_NO_SHORT},
	{"before-time", OPT_BEFORE_TIME, "T",
	 "records before the first one at or after T\n"
	 "(ISO-8601 with zone, or epoch ms)", KT_CLI_NO_SHORT},
	{"older-than", OPT_OLDER_THAN, "D", "the same with T = now - D (e.g. 2h)",
	 KT_CLI_NO_SHORT},
	{"offset-json-file", OPT_OFFSET_JSON, "F", "the file format of kafka-delete-records.sh",
	 KT_CLI_NO_SHORT},
	{"key", OPT_KEY, "K",
	 "(repeatable) write a tombstone for key K on a\n"
	 "compacted topic", KT_CLI_NO_SHORT},
	{"key-regex", OPT_KEY_REGEX, "RE", "tombstones for every key matching RE (PCRE2)",
	 KT_CLI_NO_SHORT},
	{NULL, 0, NULL, "Options:", 0},
	KT_CONFIG_CLI_TOPIC("the topic"),
	{"partition", 'p', "N[,N...]", "only these partitions (e.g. 0,2,4-7; repeatable)", 0},
	{"partitions", 'p', "N[,N...]", "partition", KT_CLI_DEPRECATED},
	{"dry-run", 'n', NULL, "print the plan and stop", 0},
	{"yes", 'y', NULL, "do not ask for confirmation", 0},
	{"timeout", OPT_TIMEOUT, "D", "for each admin request (default 30s)", 0},
	KT_CONFIG_CLI_FORMAT("table|json", "the plan and report as a table or JSON"),
	KT_CONFIG_CLI_CONNECTION,
};

static const kt_cli cli = {
	.opts = cli_opts,
	.nopts = sizeof cli_opts / sizeof *cli_opts,
	.head = "usage: delete-records -t TOPIC (--before-offset N|end | --before-time T |\n"
		"                      --older-than D) [-p N[,N...]] [options]\n"
		"       delete-records --offset-json-file FILE [options]\n"
		"       delete-records -t TOPIC (--key K ... | --key-regex RE) [options]\n"
		"\n"
		"Deletes records from a topic (Kafka's DeleteRecords), showing the plan\n"
		"first and checking the result afterwards.\n"
		"\n",
	.tail = "Exit status: 0 every partition done, 1 a partition or request failed,\n"
		"2 usage or validation error (nothing deleted).\n",
	.column = 26,
};

typedef struct options {
	kt_config cfg;
	enum mode mode;
	const char *mode_flag; /* the flag that set mode, for conflicts */
	int64_t offset;        /* MODE_OFFSET: >= 0 or KT_OFFSET_END */
	int64_t time_ms;       /* MODE_TIME */
	const char *json_file;
	kt_delete_requests json_requests; /* MODE_JSON: the file, read first */
	kt_i32list partitions;
	kt_key_matcher *keys;
	bool dry_run, yes;
	int64_t timeout_ms;
} options;

static int set_mode(options *o, enum mode m, const char *flag, char *err,
		    size_t errlen)
{
	if (o->mode != MODE_NONE && !(o->mode == m && m == MODE_KEY))
		return kt_fail(err, errlen, "option '%s' conflicts with '%s'", flag,
				o->mode_flag);
	o->mode = m;
	o->mode_flag = flag;
	return 0;
}

static int program_option(void *ctx, int c, const char *arg, char *err,
			  size_t errlen)
{
	options *o = ctx;
	int64_t d;
	switch (c) {
	case 'p':
		return kt_parse_partitions("--partition", arg, &o->partitions, err,
					   errlen);
	case 'n':
		o->dry_run = true;
		return 0;
	case 'y':
		o->yes = true;
		return 0;
	case OPT_BEFORE_OFFSET:
		if (set_mode(o, MODE_OFFSET, "--before-offset", err, errlen) < 0)
			return -1;
		if (strcmp(arg, "end") == 0) {
			o->offset = KT_OFFSET_END;
			return 0;
		}
		return kt_parse_int("--before-offset", arg, 0, INT64_MAX / 2,
				    &o->offset, err, errlen);
	case OPT_BEFORE_TIME:
		if (set_mode(o, MODE_TIME, "--before-time", err, errlen) < 0)
			return -1;
		return kt_parse_timestamp_ms("--before-time", arg, &o->time_ms, err,
					     errlen);
	case OPT_OLDER_THAN:
		if (set_mode(o, MODE_TIME, "--older-than", err, errlen) < 0 ||
		    kt_parse_duration_ms("--older-than", arg, &d, err, errlen) < 0)
			return -1;
		o->time_ms = kt_clock_wall_ms() - d;
		return 0;
	case OPT_OFFSET_JSON:
		o->json_file = arg;
		return set_mode(o, MODE_JSON, "--offset-json-file", err, errlen);
	case OPT_KEY:
		if (set_mode(o, MODE_KEY, "--key", err, errlen) < 0)
			return -1;
		if (kt_key_matcher_add_key(o->keys, arg) < 0)
			return kt_fail(err, errlen, "out of memory");
		return 0;
	case OPT_KEY_REGEX:
		if (set_mode(o, MODE_KEY, "--key-regex", err, errlen) < 0)
			return -1;
		return kt_key_matcher_set_regex(o->keys, arg, err, errlen);
	case OPT_TIMEOUT:
		if (kt_parse_duration_ms("--timeout", arg, &o->timeout_ms, err,
					 errlen) < 0)
			return -1;
		if (o->timeout_ms < 100)
			return kt_fail(err, errlen,
					"invalid value '%s' for --timeout: must be at least 100ms", arg);
		return 0;
	default:
		return kt_fail(err, errlen, "unknown option");
	}
}

/* Flags that only make sense together are checked once all are read. */
static int check_combination(options *o, char *err, size_t errlen)
{
	if (o->cfg.want_help || o->cfg.want_version || o->cfg.want_list)
		return 0;
	if (o->mode == MODE_NONE)
		return kt_fail(err, errlen,
				"nothing to delete: give --before-offset, --before-time, "
				"--older-than, --offset-json-file, --key or --key-regex");
	if (o->mode == MODE_JSON && (o->cfg.ntopics || o->partitions.n))
		return kt_fail(err, errlen, "option '%s' conflicts with '--offset-json-file' "
				"(the file names topics and partitions)",
				o->cfg.ntopics ? "--topic" : "--partition");
	if (o->mode != MODE_JSON && o->cfg.ntopics > 1)
		return kt_fail(err, errlen, "option '--topic' given twice: one topic at a time");
	if (o->mode != MODE_JSON && o->cfg.ntopics == 0)
		return kt_fail(err, errlen, "option '--topic' is required with '%s'",
				o->mode_flag);
	if (o->mode == MODE_KEY && o->partitions.n)
		return kt_fail(err, errlen, "option '--partition' conflicts with '%s'",
				o->mode_flag);
	if (o->cfg.format == KT_FORMAT_CSV)
		return kt_fail(err, errlen, "invalid value 'csv' for --format: expected table or json");
	return 0;
}

static int parse_args(int argc, char **argv, options *o, char *err,
		      size_t errlen)
{
	if (kt_config_parse_args(&o->cfg, argc, argv, &cli, program_option, o,
				 err, errlen) < 0)
		return -1;
	return check_combination(o, err, errlen);
}

/* Ask on the terminal; anything but y/yes is a no. */
static bool confirm(const char *question)
{
	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	char line[32];
	if (!fgets(line, sizeof line, stdin))
		return false;
	return strcmp(line, "y\n") == 0 || strcmp(line, "yes\n") == 0 ||
	       strcmp(line, "Y\n") == 0;
}

/* 0 when the user (or --yes) agreed; 2 otherwise, after saying why, or
 * 128 + N after signal N (no request is sent after a stop signal). */
static int agreed(const options *o, const kt_log *log, const char *question)
{
	if (*kt_signal_flag())
		goto interrupted;
	if (o->yes)
		return 0;
	if (!isatty(STDIN_FILENO)) {
		kt_err(log, "refusing to delete without confirmation: stdin is not a "
			    "terminal (pass --yes)");
		return 2;
	}
	if (!confirm(question)) {
		if (*kt_signal_flag())
			goto interrupted;
		kt_err(log, "nothing deleted");
		return 2;
	}
	if (!*kt_signal_flag())
		return 0;
interrupted:
	kt_err(log, "interrupted: nothing deleted");
	return kt_signal_status(1);
}

static const char time_warning[] =
	"deletion by time cuts at the first record whose timestamp is at or "
	"after the time; records with out-of-order timestamps before that cut "
	"(newer than the time) are deleted with it";

/* The offset file, read and checked before any connection: a bad one is a
 * usage error. */
static int read_offset_file(options *o, char *err, size_t errlen)
{
	size_t len;
	char *text = kt_read_file(o->json_file, "", 64u << 20, &len, err, errlen);
	if (!text)
		return -1;
	char why[400];
	int rc = kt_delete_requests_parse_json(&o->json_requests, text, len, why, sizeof why);
	if (rc < 0)
		kt_fail(err, errlen, "invalid offset file '%s': %s", o->json_file, why);
	free(text);
	return rc;
}

static int build_requests(options *o, kt_deleter *d, kt_delete_requests *r,
			  char *err, size_t errlen)
{
	if (o->mode == MODE_JSON) {
		*r = o->json_requests; /* the caller releases them */
		kt_delete_requests_init(&o->json_requests);
		for (size_t i = 0; i < r->n; i++)
			if (kt_deleter_partition_count(d, r->v[i].topic) == 0)
				return kt_fail(err, errlen, "unknown topic '%s'", r->v[i].topic);
		return 0;
	}
	kt_i32list_sort_unique(&o->partitions);
	if (o->mode == MODE_TIME)
		return kt_deleter_request_time(d, o->cfg.topics[0], &o->partitions,
					       o->time_ms, r, err, errlen);
	return kt_deleter_request_offsets(d, o->cfg.topics[0], &o->partitions,
					  o->offset, r, err, errlen);
}

/* Plan, confirm, delete, verify. Returns the exit status. */
static int delete_by_offset(options *o, kt_deleter *d, const kt_log *log)
{
	char err[512];
	kt_delete_requests req;
	kt_delete_plan plan;
	kt_delete_requests_init(&req);
	kt_delete_plan_init(&plan);
	int status = 2;
	const char *warning = o->mode == MODE_TIME ? time_warning : NULL;
	bool json = o->cfg.format == KT_FORMAT_JSON;

	if (build_requests(o, d, &req, err, sizeof err) < 0 ||
	    kt_delete_plan_build(&plan, &req, kt_deleter_watermarks, d, err,
				 sizeof err) < 0) {
		kt_err(log, "%s", err);
		goto out;
	}
	if (!json)
		kt_delete_report_plan_table(stdout, &plan, warning);
	if (o->dry_run) {
		if (json)
			kt_delete_report_json(stdout, &plan, false, true, warning);
		status = 0;
		goto out;
	}
	fflush(stdout);
	char question[400];
	snprintf(question, sizeof question,
		 "delete %lld records from %zu partitions of %s?",
		 (long long)plan.total, plan.partitions,
		 o->mode == MODE_JSON ? "the topics above" : o->cfg.topics[0]);
	if ((status = agreed(o, log, question)) != 0)
		goto out;
	int failed = kt_deleter_execute(d, &plan, err, sizeof err);
	if (failed < 0) {
		kt_err(log, "%s", err);
		status = 1;
		goto out;
	}
	if (json)
		kt_delete_report_json(stdout, &plan, true, false, warning);
	else
		kt_delete_report_result_table(stdout, &plan);
	status = failed ? 1 : 0;
out:
	kt_delete_plan_release(&plan);
	kt_delete_requests_release(&req);
	return status;
}

/* Tombstones by key: only on a compacted topic, where they delete. */
static int delete_by_key(options *o, kt_deleter *d, rd_kafka_t *producer,
			 rd_kafka_t *consumer, const kt_log *log)
{
	char err[512], policy[256];
	const char *topic = o->cfg.topics[0];
	int nparts = kt_deleter_partition_count(d, topic);
	if (nparts == 0) {
		kt_err(log, "unknown topic '%s'", topic);
		return 2;
	}
	if (kt_kafka_topic_config(producer, topic, "cleanup.policy", policy,
				  sizeof policy, o->timeout_ms, err, sizeof err) < 0) {
		kt_err(log, "%s", err);
		return 1;
	}
	if (!strstr(policy, "compact")) {
		kt_err(log,
		       "refusing to delete by key in '%s': its cleanup.policy is '%s', "
		       "where a tombstone deletes nothing; delete by offset or time "
		       "(--before-offset, --before-time) instead",
		       topic, policy);
		return 2;
	}
	kt_tomb_keys keys;
	kt_tomb_keys_init(&keys);
	int status = 1;
	bool json = o->cfg.format == KT_FORMAT_JSON;
	if (kt_tomb_scan(consumer, topic, nparts, o->keys, o->timeout_ms, &keys, err,
			 sizeof err) < 0) {
		kt_err(log, "%s", err);
		goto out;
	}
	size_t live = 0;
	for (size_t i = 0; i < keys.n; i++)
		live += keys.v[i].live;
	if (!json)
		kt_delete_report_keys_table(stdout, topic, &keys);
	if (live == 0) {
		kt_err(log, "nothing to delete: no live key in '%s' matches", topic);
		status = 2;
		goto out;
	}
	if (o->dry_run) {
		status = json && kt_delete_report_keys_json(stdout, topic, &keys, false, true, 0) < 0;
		goto out;
	}
	fflush(stdout);
	char question[400];
	snprintf(question, sizeof question, "write %zu tombstones to %s?", live, topic);
	if ((status = agreed(o, log, question)) != 0)
		goto out;
	int failed = kt_tomb_write(producer, topic, &keys, o->timeout_ms, err,
				   sizeof err);
	if (failed < 0) {
		kt_err(log, "%s", err);
		status = 1;
	} else if (json) {
		status = kt_delete_report_keys_json(stdout, topic, &keys, true, false,
						    (size_t)failed) < 0 || failed;
	} else {
		kt_delete_report_keys_result(stdout, live - (size_t)failed, (size_t)failed);
		status = failed ? 1 : 0;
	}
out:
	kt_tomb_keys_release(&keys);
	return status;
}

static void producer_hook(rd_kafka_conf_t *conf, void *arg)
{
	(void)arg;
	kt_tomb_conf(conf);
}

static int run(options *o, const kt_log *log)
{
	/* Not idempotent: that needs the IdempotentWrite ACL, which a
	 * principal allowed only to delete records may well lack. */
	static const char *const producer_defaults[] = {"acks", "all", NULL};
	static const char *const consumer_defaults[] = {
		"enable.partition.eof", "true", "enable.auto.commit", "false",
		"group.id", "ktrio-delete-records", NULL};
	char err[512];
	kt_tomb_ctx pctx; /* the producer also writes tombstones */
	kt_kafka_ctx cctx;
	kt_tomb_ctx_init(&pctx, log);
	kt_kafka_ctx_init(&cctx, log);
	rd_kafka_t *producer = kt_kafka_connect(&o->cfg, RD_KAFKA_PRODUCER,
						producer_defaults, producer_hook, NULL,
						&pctx.kafka, err, sizeof err);
	if (!producer) {
		kt_err(log, "%s", err);
		return pctx.kafka.config_error ? 2 : kt_signal_status(1);
	}
	kt_deleter d;
	int status = 1;
	if (kt_deleter_init(&d, producer, o->timeout_ms, err, sizeof err) < 0) {
		kt_err(log, "%s", err);
		rd_kafka_destroy(producer);
		return 1;
	}
	if (o->mode == MODE_KEY) {
		rd_kafka_t *consumer =
			kt_kafka_connect(&o->cfg, RD_KAFKA_CONSUMER, consumer_defaults,
					 NULL, NULL, &cctx, err, sizeof err);
		if (consumer) {
			status = delete_by_key(o, &d, producer, consumer, log);
			rd_kafka_consumer_close(consumer);
			rd_kafka_destroy(consumer);
		} else {
			kt_err(log, "%s", err);
		}
	} else {
		status = delete_by_offset(o, &d, log);
	}
	kt_deleter_release(&d);
	rd_kafka_destroy(producer);
	return status;
}

int main(int argc, char **argv)
{
	kt_log log;
	kt_log_init(&log, "delete-records");
	options o = {.timeout_ms = 30000};
	kt_config_init(&o.cfg);
	kt_i32list_init(&o.partitions);
	kt_delete_requests_init(&o.json_requests);
	o.keys = kt_key_matcher_new();
	char err[512];
	int status = 2;
	if (!o.keys) {
		kt_err(&log, "out of memory");
		return 1;
	}
	if (parse_args(argc, argv, &o, err, sizeof err) < 0) {
		kt_err(&log, "%s", err);
		goto out;
	}
	if (kt_config_help_or_version(&o.cfg, stdout, "delete-records", &cli)) {
		status = 0;
		goto out;
	}
	if (kt_config_start(&o.cfg, &log, err, sizeof err) < 0 ||
	    (o.mode == MODE_JSON && read_offset_file(&o, err, sizeof err) < 0)) {
		kt_err(&log, "%s", err);
		goto out;
	}
	/* A stop signal before the request is sent deletes nothing; once it
	 * is sent, the report is still printed. */
	kt_signal_install("delete-records", "re-read the low watermarks to see what was deleted");
	status = run(&o, &log);
	/* The plan and the report are the output: one that could not be
	 * written (a full disk, a closed pipe) is a failure. */
	if (fclose(stdout) != 0 && status == 0) {
		kt_err(&log, "cannot write to stdout: %s", strerror(errno));
		status = 1;
	}
out:
	kt_delete_requests_release(&o.json_requests);
	kt_key_matcher_free(o.keys);
	kt_i32list_release(&o.partitions);
	kt_config_release(&o.cfg);
	return status;
}
