/* kafka: client handles from a kt_config, with diagnostics routed to our
 * logger, and small metadata, topic and watermark helpers. */
#include "ktrio/kafka.h"
#include "ktrio/error.h"

#include "ktrio/clock.h"
#include "ktrio/signal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void kt_kafka_ctx_init(kt_kafka_ctx *ctx, const kt_log *log)
{
	memset(ctx, 0, sizeof *ctx);
	atomic_init(&ctx->retried_error, 0);
	ctx->log = log;
}

/* librdkafka's debug line for a refused produce request reads "... tst [0]:
 * MessageSet with 6 message(s) (MsgId 1, BaseSeq 0) encountered error:
 * Broker: Not enough in-sync replicas (actions Retry,MsgNotPersisted)":
 * the error is found again by its description. Local errors (a dropped
 * connection) are left to the error callback. */
static void note_retried_error(kt_kafka_ctx *ctx, const char *fac, const char *buf)
{
	static const char mark[] = "encountered error: ";
	const char *p = strcmp(fac, "MSGSET") == 0 ? strstr(buf, mark) : NULL;
	if (!p)
		return;
	p += sizeof mark - 1;
	const char *end = strstr(p, " (actions");
	size_t n = end ? (size_t)(end - p) : strlen(p);
	const struct rd_kafka_err_desc *descs;
	size_t cnt;
	rd_kafka_get_err_descs(&descs, &cnt);
	for (size_t i = 0; i < cnt; i++) {
		if (descs[i].code > 0 && descs[i].desc && strlen(descs[i].desc) == n &&
		    strncmp(descs[i].desc, p, n) == 0) {
			atomic_store(&ctx->retried_error, descs[i].code);
			return;
		}
	}
}

rd_kafka_resp_err_t kt_kafka_take_retried_error(kt_kafka_ctx *ctx)
{
	return (rd_kafka_resp_err_t)atomic_exchange(&ctx->retried_error, 0);
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac,
		   const char *buf)
{
	kt_kafka_ctx *ctx = rd_kafka_opaque(rk);
	if (ctx)
		note_retried_error(ctx, fac, buf);
	/* librdkafka 2.0 reports a refused login only in its log: note it so
	 * the connection check can name the real cause. */
	const char *auth = strstr(buf, "SASL authentication error");
	if (!auth)
		auth = strstr(buf, "SSL handshake failed");
	if (ctx && auth) {
		ctx->auth_failed = 1;
		snprintf(ctx->last_error, sizeof ctx->last_error, "%s", auth);
	}
	/* librdkafka retries on its own; its chatter is for -v only. The
	 * error callback below carries what a user must see. */
	kt_log_msg(ctx ? ctx->log : NULL, level <= 4 ? KT_LOG_DEBUG : KT_LOG_TRACE,
		   "rdkafka %s: %s", fac, buf);
}

/* A broker's connection failed. On a cluster that is a leader or the
 * group coordinator going away while the client moves to the others, so
 * say it once per failover: librdkafka retries a dead broker every few
 * seconds, and only a connection failure after LOST_QUIET_MS without one
 * starts a new warning. The retries themselves are for -v. */
#define LOST_QUIET_MS 30000

static void note_lost_broker(kt_kafka_ctx *ctx, const char *reason)
{
	int64_t now = kt_clock_mono_ms();
	if (!ctx->brokers_down &&
	    (ctx->broker_lost_ms == 0 || now - ctx->broker_lost_ms > LOST_QUIET_MS))
		kt_warn(ctx->log, "lost a broker connection, retrying (leaders and the "
			"coordinator move to the brokers still up): %s", reason);
	else
		kt_debug(ctx->log, "%s", reason);
	ctx->broker_lost_ms = now;
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	kt_kafka_ctx *ctx = opaque;
	(void)rk;
	/* "1/1 brokers are down" says less than the error that caused it. */
	if (err != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || !*ctx->last_error)
		snprintf(ctx->last_error, sizeof ctx->last_error, "%s", reason);
	if (ctx->collecting) {
		ctx->auth_failed |= err == RD_KAFKA_RESP_ERR__AUTHENTICATION;
		return;
	}
	switch (err) {
	case RD_KAFKA_RESP_ERR__FATAL:
		ctx->fatal = 1;
		kt_err(ctx->log, "fatal: %s", reason);
		return;
	case RD_KAFKA_RESP_ERR__AUTHENTICATION:
		ctx->auth_failed = 1;
		kt_err(ctx->log, "authentication failed: %s", reason);
		return;
	case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
		if (!ctx->brokers_down)
			kt_warn(ctx->log, "all brokers down, retrying: %s", reason);
		ctx->brokers_down = 1;
		return;
	case RD_KAFKA_RESP_ERR__TRANSPORT:
		note_lost_broker(ctx, reason);
		return;
	case RD_KAFKA_RESP_ERR__RESOLVE:
		/* Per-connection noise while a broker restarts: -v shows it. */
		kt_debug(ctx->log, "%s", reason);
		return;
	default:
		kt_warn(ctx->log, "%s", reason);
	}
}

void kt_kafka_note_answer(kt_kafka_ctx *ctx)
{
	if (ctx->brokers_down) {
		ctx->brokers_down = 0;
		kt_warn(ctx->log, "brokers reachable again");
	}
}

static int conf_set(rd_kafka_conf_t *conf, const char *key, const char *value,
		    char *err, size_t errlen)
{
	char why[512];
	if (rd_kafka_conf_set(conf, key, value, why, sizeof why) == RD_KAFKA_CONF_OK)
		return 0;
	return kt_fail(err, errlen, "invalid property '%s': %s", key, why);
}

rd_kafka_conf_t *kt_kafka_conf_new(const kt_config *cfg,
				   const char *const *defaults,
				   kt_kafka_ctx *ctx, char *err, size_t errlen)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	/* log.connection.close stays on: its error events carry the only
	 * hint that a plaintext client met a TLS listener. They are printed
	 * with -v only (on_error). */
	int rc = 0;
	for (size_t i = 0; rc == 0 && defaults && defaults[i]; i += 2)
		rc = conf_set(conf, defaults[i], defaults[i + 1], err, errlen);
	for (size_t i = 0; rc == 0 && i < cfg->props.n; i++)
		rc = conf_set(conf, cfg->props.v[i].key, cfg->props.v[i].value, err,
			      errlen);
	if (rc == 0 && ctx->log && ctx->log->level >= KT_LOG_TRACE &&
	    !kt_config_get(cfg, "debug"))
		rc = conf_set(conf, "debug", "broker,topic,msg,cgrp", err, errlen);
	if (rc < 0) {
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	rd_kafka_conf_set_log_cb(conf, on_log);
	rd_kafka_conf_set_error_cb(conf, on_error);
	rd_kafka_conf_set_opaque(conf, ctx);
	return conf;
}

rd_kafka_t *kt_kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf,
			 char *err, size_t errlen)
{
	char why[512];
	rd_kafka_t *rk = rd_kafka_new(type, conf, why, sizeof why);
	if (rk)
		return rk;
	rd_kafka_conf_destroy(conf); /* rd_kafka_new keeps it only on success */
	/* OpenSSL's codes say little: name what to check. */
	kt_fail(err, errlen, "invalid configuration: %s%s", why,
		strstr(why, ".location") ? " (check the file that property names: it must "
					   "exist and be readable, in PEM)"
					 : "");
	return NULL;
}

/* A destroy running in a thread of its own, shared by it and the caller:
 * the last of the two to let go frees it. */
typedef struct destroyer {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	rd_kafka_t *rk;
	int flags;
	int refs;
	bool done;
} destroyer;

static void destroyer_unref(destroyer *d)
{
	pthread_mutex_lock(&d->mu);
	bool last = --d->refs == 0;
	pthread_mutex_unlock(&d->mu);
	if (last) {
		pthread_cond_destroy(&d->cond);
		pthread_mutex_destroy(&d->mu);
		free(d);
	}
}

static void *destroy_main(void *arg)
{
	destroyer *d = arg;
	rd_kafka_destroy_flags(d->rk, d->flags);
	pthread_mutex_lock(&d->mu);
	d->done = true;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->mu);
	destroyer_unref(d);
	return NULL;
}

int kt_kafka_destroy(rd_kafka_t *rk, int flags, int64_t timeout_ms)
{
	destroyer *d = calloc(1, sizeof *d);
	pthread_t tid;
	pthread_condattr_t ca;
	if (!d || pthread_condattr_init(&ca)) {
		free(d);
		rd_kafka_destroy_flags(rk, flags);
		return 0;
	}
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cond, &ca);
	pthread_condattr_destroy(&ca);
	d->rk = rk;
	d->flags = flags;
	d->refs = 2;
	if (pthread_create(&tid, NULL, destroy_main, d)) {
		d->refs = 1;
		destroyer_unref(d);
		rd_kafka_destroy_flags(rk, flags);
		return 0;
	}
	pthread_detach(tid);
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&d->mu);
	while (!d->done && pthread_cond_timedwait(&d->cond, &d->mu, &until) == 0)
		;
	bool done = d->done;
	pthread_mutex_unlock(&d->mu);
	destroyer_unref(d);
	return done ? 0 : -1;
}

/* The errors that explain a failed request wait in the main queue, which
 * nobody polls before the connection is up: take their text, print nothing. */
static void collect_errors(rd_kafka_t *rk, kt_kafka_ctx *ctx)
{
	if (!ctx)
		return;
	ctx->collecting = 1;
	rd_kafka_poll(rk, 0);
	ctx->collecting = 0;
}

int kt_kafka_wait_ready(rd_kafka_t *rk, const char *brokers,
			int64_t timeout_ms, char *err, size_t errlen)
{
	kt_kafka_ctx *ctx = rd_kafka_opaque(rk);
	int64_t deadline_ns = kt_clock_mono_ns() + timeout_ms * 1000000;
	/* Asked in short slices, so a refused login or certificate ends the
	 * wait at once (librdkafka would retry it until the timeout), and so
	 * does Ctrl-C. */
	for (;;) {
		int64_t left_ms = (deadline_ns - kt_clock_mono_ns()) / 1000000;
		if (*kt_signal_flag())
			return kt_fail(err, errlen, "interrupted while connecting to %s", brokers);
		if (left_ms <= 0)
			break;
		const struct rd_kafka_metadata *md = NULL;
		if (rd_kafka_metadata(rk, 0, NULL, &md,
				      (int)(left_ms < 250 ? left_ms : 250)) ==
		    RD_KAFKA_RESP_ERR_NO_ERROR) {
			rd_kafka_metadata_destroy(md);
			return 0;
		}
		collect_errors(rk, ctx);
		if (ctx && ctx->auth_failed)
			break;
	}
	if (ctx && ctx->auth_failed)
		return kt_fail(err, errlen, "authentication failed at %s: %s", brokers,
			       ctx->last_error);
	return kt_fail(err, errlen, "cannot reach broker(s) %s within %.1f s%s%s",
		       brokers, (double)timeout_ms / 1000.0,
		       ctx && *ctx->last_error ? ": " : "",
		       ctx ? ctx->last_error : "");
}

rd_kafka_t *kt_kafka_connect(const kt_config *cfg, rd_kafka_type_t type,
			     const char *const *defaults, kt_conf_hook hook,
			     void *hook_arg, kt_kafka_ctx *ctx, char *err,
			     size_t errlen)
{
	rd_kafka_conf_t *conf = kt_kafka_conf_new(cfg, defaults, ctx, err, errlen);
	if (!conf)
		return NULL;
	if (hook)
		hook(conf, hook_arg);
	rd_kafka_t *rk = kt_kafka_new(type, conf, err, errlen);
	ctx->config_error = !rk;
	if (rk && kt_kafka_wait_ready(rk, cfg->brokers, cfg->connect_timeout_ms, err,
				      errlen) < 0) {
		rd_kafka_destroy(rk);
		rk = NULL;
	}
	return rk;
}

int kt_kafka_partition_count(rd_kafka_t *rk, const char *topic,
			     int64_t timeout_ms, char *err, size_t errlen)
{
	/* Asking with all_topics=1 avoids the metadata request for a single
	 * topic, which some brokers answer by creating it. */
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t rc = rd_kafka_metadata(rk, 1, NULL, &md, (int)timeout_ms);
	if (rc)
		return kt_fail(err, errlen, "cannot read metadata for topic '%s': %s", topic,
				rd_kafka_err2str(rc));
	int count = 0;
	for (int i = 0; i < md->topic_cnt; i++) {
		const struct rd_kafka_metadata_topic *t = &md->topics[i];
		if (strcmp(t->topic, topic) != 0)
			continue;
		if (t->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED) {
			kt_fail(err, errlen, "topic '%s': %s", topic,
				 rd_kafka_err2str(t->err));
			count = -1;
		} else if (t->err == RD_KAFKA_RESP_ERR_NO_ERROR ||
			   t->err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE) {
			count = t->partition_cnt;
		}
		break;
	}
	rd_kafka_metadata_destroy(md);
	return count;
}

/* Run one admin request whose result arrives on a temporary queue. */
static rd_kafka_event_t *admin_wait(rd_kafka_queue_t *q, int64_t timeout_ms,
				    const char *what, char *err, size_t errlen)
{
	rd_kafka_event_t *ev = rd_kafka_queue_poll(q, (int)timeout_ms + 1000);
	if (!ev) {
		kt_fail(err, errlen, "%s: no answer within %.1f s", what,
			 (double)timeout_ms / 1000.0);
		return NULL;
	}
	if (rd_kafka_event_error(ev)) {
		kt_fail(err, errlen, "%s: %s", what, rd_kafka_event_error_string(ev));
		rd_kafka_event_destroy(ev);
		return NULL;
	}
	return ev;
}

static rd_kafka_AdminOptions_t *admin_options(rd_kafka_t *rk,
					      rd_kafka_admin_op_t op,
					      int64_t timeout_ms)
{
	rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, op);
	rd_kafka_AdminOptions_set_request_timeout(opts, (int)timeout_ms, NULL, 0);
	return opts;
}

/* A topic just created is written to only once every partition's leader
 * answers for it: until then the first writes are refused with
 * NOT_LEADER_FOR_PARTITION and retried, which the generator would report as
 * a warning. Asking each leader for its offsets is that check. */
static int wait_leaders(rd_kafka_t *rk, const char *topic, int partitions,
			int64_t timeout_ms)
{
	int64_t deadline = kt_clock_mono_ms() + timeout_ms;
	for (int p = 0; p < partitions; p++) {
		int64_t low, high;
		while (rd_kafka_query_watermark_offsets(rk, topic, p, &low, &high,
							1000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
			if (*kt_signal_flag() || kt_clock_mono_ms() >= deadline)
				return -1;
			rd_kafka_poll(rk, 50); /* serves callbacks while it waits */
		}
	}
	return 0;
}

int kt_kafka_create_topic(rd_kafka_t *rk, const char *topic, int partitions,
			  int replication_factor, int64_t timeout_ms, char *err,
			  size_t errlen)
{
	char why[512];
	rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, partitions,
							replication_factor, why,
							sizeof why);
	if (!nt)
		return kt_fail(err, errlen, "cannot create topic '%s': %s", topic, why);
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_AdminOptions_t *opts =
		admin_options(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout_ms);
	rd_kafka_AdminOptions_set_operation_timeout(opts, (int)timeout_ms, NULL, 0);
	rd_kafka_CreateTopics(rk, &nt, 1, opts, q);
	int rc = -1;
	char what[300];
	snprintf(what, sizeof what, "cannot create topic '%s'", topic);
	rd_kafka_event_t *ev = admin_wait(q, timeout_ms, what, err, errlen);
	if (ev) {
		size_t n;
		const rd_kafka_topic_result_t **res = rd_kafka_CreateTopics_result_topics(
			rd_kafka_event_CreateTopics_result(ev), &n);
		rd_kafka_resp_err_t e = n ? rd_kafka_topic_result_error(res[0])
					  : RD_KAFKA_RESP_ERR__FAIL;
		if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
			rc = 1;
			/* Not ready in time is no error: writes are retried. */
			(void)wait_leaders(rk, topic, partitions, timeout_ms);
		}
		else if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
			rc = 0;
		else
			kt_fail(err, errlen, "%s: %s", what,
				 n ? rd_kafka_topic_result_error_string(res[0])
				   : "empty answer");
		rd_kafka_event_destroy(ev);
	}
	rd_kafka_AdminOptions_destroy(opts);
	rd_kafka_queue_destroy(q);
	rd_kafka_NewTopic_destroy(nt);
	return rc;
}

int kt_kafka_watermarks(rd_kafka_t *rk, const char *topic, int32_t partition,
			int64_t *low, int64_t *high, int64_t timeout_ms,
			char *err, size_t errlen)
{
	rd_kafka_resp_err_t rc = rd_kafka_query_watermark_offsets(
		rk, topic, partition, low, high, (int)timeout_ms);
	if (rc)
		return kt_fail(err, errlen, "cannot read offsets of '%s' [%d]: %s", topic,
				(int)partition, rd_kafka_err2str(rc));
	return 0;
}

int kt_kafka_topic_config(rd_kafka_t *rk, const char *topic, const char *name,
			  char *value, size_t valuelen, int64_t timeout_ms,
			  char *err, size_t errlen)
{
	rd_kafka_ConfigResource_t *res =
		rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic);
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_AdminOptions_t *opts =
		admin_options(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout_ms);
	rd_kafka_DescribeConfigs(rk, &res, 1, opts, q);
	char what[300];
	snprintf(what, sizeof what, "cannot describe topic '%s'", topic);
	int rc = -1;
	rd_kafka_event_t *ev = admin_wait(q, timeout_ms, what, err, errlen);
	if (ev) {
		size_t n, nc;
		const rd_kafka_ConfigResource_t **rs = rd_kafka_DescribeConfigs_result_resources(
			rd_kafka_event_DescribeConfigs_result(ev), &n);
		if (n && rd_kafka_ConfigResource_error(rs[0])) {
			kt_fail(err, errlen, "%s: %s", what,
				 rd_kafka_ConfigResource_error_string(rs[0]));
		} else if (n) {
			const rd_kafka_ConfigEntry_t **ce =
				rd_kafka_ConfigResource_configs(rs[0], &nc);
			for (size_t i = 0; i < nc; i++) {
				if (strcmp(rd_kafka_ConfigEntry_name(ce[i]), name) != 0)
					continue;
				const char *v = rd_kafka_ConfigEntry_value(ce[i]);
				snprintf(value, valuelen, "%s", v ? v : "");
				rc = 0;
			}
			if (rc < 0)
				kt_fail(err, errlen, "%s: no entry '%s'", what, name);
		}
		rd_kafka_event_destroy(ev);
	}
	rd_kafka_AdminOptions_destroy(opts);
	rd_kafka_queue_destroy(q);
	rd_kafka_ConfigResource_destroy(res);
	return rc;
}

const char *kt_kafka_error_hint(rd_kafka_resp_err_t err)
{
	switch (err) {
	case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
		return "the principal lacks the ACL for this operation on the topic "
		       "(DeleteRecords needs DELETE)";
	case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
		return "the principal may not use this consumer group (READ on the group)";
	case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
		return "the principal lacks a cluster-level ACL (e.g. IDEMPOTENT_WRITE)";
	case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
		return "the topic or partition does not exist";
	case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
		return "the target offset is beyond the partition's high watermark";
	case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
		return "leadership moved; run again";
	case RD_KAFKA_RESP_ERR__TIMED_OUT:
	case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
		return "the broker did not answer in time; raise --timeout or check the cluster";
	case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
		return "a broker policy refused the request";
	default:
		return NULL;
	}
}
