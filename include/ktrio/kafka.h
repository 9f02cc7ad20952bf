/* kafka: producer, consumer and admin handles set up from a kt_config, with
 * librdkafka's log and errors routed to our logger, plus small metadata,
 * topic and watermark helpers. */
#ifndef KTRIO_KAFKA_H
#define KTRIO_KAFKA_H

#include <librdkafka/rdkafka.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "ktrio/config.h"
#include "ktrio/log.h"

/* Per-handle context, owned by the caller and outliving the handle; it is
 * the handle's opaque, so callbacks reach the logger and the outage state.
 * librdkafka threads write the error fields. A program whose own callbacks
 * need state of their own embeds this as the first member of a context of
 * its own (kt_engine_ctx, kt_tomb_ctx) and passes that member: its
 * callbacks, which only it installs, get their type back from the opaque. */
typedef struct kt_kafka_ctx {
	const kt_log *log;
	volatile int fatal;        /* a fatal error was raised (idempotence) */
	volatile int auth_failed;  /* SASL/TLS authentication failed */
	volatile int brokers_down; /* all brokers down, until one is up again */
	int64_t broker_lost_ms;    /* last lost connection (monotonic ms), 0: none */
	int collecting;            /* record errors without printing them */
	/* The broker error (rd_kafka_resp_err_t) of the latest produce
	 * request that was refused and will be retried; 0 once taken. */
	_Atomic int retried_error;
	int config_error;          /* kt_kafka_connect: the client could not be
				    * made from the configuration (exit 2) */
	char last_error[512];
} kt_kafka_ctx;

void kt_kafka_ctx_init(kt_kafka_ctx *ctx, const kt_log *log);

/* The cluster answered (a message delivered or fetched): after an outage
 * ("all brokers down"), say once that it is reachable again, so the next
 * outage is reported too. Cheap enough to call per message. */
void kt_kafka_note_answer(kt_kafka_ctx *ctx);

/* A broker refusing a produce request with an error librdkafka retries on
 * its own (NOT_ENOUGH_REPLICAS when fewer in-sync replicas are left than
 * min.insync.replicas, NOT_LEADER_OR_FOLLOWER while a leader is elected)
 * reaches the application only through librdkafka's "msg" debug log; a
 * producer that sets debug=msg gets such errors noted in its ctx. Returns
 * the error noted since the last call (and forgets it), or 0. */
rd_kafka_resp_err_t kt_kafka_take_retried_error(kt_kafka_ctx *ctx);

/* A librdkafka configuration: `defaults` (key, value pairs, NULL-terminated,
 * may be NULL) first, then the user's resolved properties, so the user's
 * win. Callbacks for log and errors are set, opaque is ctx. Returns NULL
 * with librdkafka's message in err. The caller owns the conf until it is
 * passed to kt_kafka_new. */
rd_kafka_conf_t *kt_kafka_conf_new(const kt_config *cfg,
				   const char *const *defaults,
				   kt_kafka_ctx *ctx, char *err, size_t errlen);

/* Create a handle; takes ownership of conf (also on failure). NULL when
 * librdkafka refuses the configuration (a TLS file that cannot be read,
 * say): "invalid configuration: ..." in err, a usage error (exit 2). */
rd_kafka_t *kt_kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf,
			 char *err, size_t errlen);

/* rd_kafka_destroy_flags(rk, flags), waiting at most timeout_ms for it.
 * 0 when rk is destroyed. -1 when librdkafka is still at it (2.0 can wait
 * forever in a broker thread, e.g. after a consumer's topic was deleted):
 * the destroy goes on in a thread of its own, and the caller must end the
 * process soon (_exit) without touching rk or its kt_kafka_ctx again. */
int kt_kafka_destroy(rd_kafka_t *rk, int flags, int64_t timeout_ms);

/* Called on a conf before the handle is made, to add callbacks. */
typedef void (*kt_conf_hook)(rd_kafka_conf_t *conf, void *arg);

/* kt_kafka_conf_new, the hook (may be NULL), kt_kafka_new and
 * kt_kafka_wait_ready(cfg->connect_timeout_ms) in one: a handle that has
 * talked to the cluster, or NULL with the reason in err. */
rd_kafka_t *kt_kafka_connect(const kt_config *cfg, rd_kafka_type_t type,
			     const char *const *defaults, kt_conf_hook hook,
			     void *hook_arg, kt_kafka_ctx *ctx, char *err,
			     size_t errlen);

/* Wait until the cluster answers a metadata request, at most timeout_ms.
 * On failure: "cannot reach broker(s) HOST:PORT within N s" or the
 * authentication error, and -1. A stop signal (ktrio/signal.h) ends the
 * wait within 250 ms: "interrupted while connecting to HOST:PORT", -1. */
int kt_kafka_wait_ready(rd_kafka_t *rk, const char *brokers,
			int64_t timeout_ms, char *err, size_t errlen);

/* Number of partitions of topic: >0 on success, 0 when the topic does not
 * exist, -1 on error (message in err). */
int kt_kafka_partition_count(rd_kafka_t *rk, const char *topic,
			     int64_t timeout_ms, char *err, size_t errlen);

/* Create topic with the given partitions and replication factor.
 * Returns 1 when created (after each partition's leader answers, or
 * timeout_ms), 0 when it already existed, -1 on error. */
int kt_kafka_create_topic(rd_kafka_t *rk, const char *topic, int partitions,
			  int replication_factor, int64_t timeout_ms, char *err,
			  size_t errlen);

/* Low and high watermarks of one partition, asked of the leader. */
int kt_kafka_watermarks(rd_kafka_t *rk, const char *topic, int32_t partition,
			int64_t *low, int64_t *high, int64_t timeout_ms,
			char *err, size_t errlen);

/* Value of one topic configuration entry (DescribeConfigs) into value. */
int kt_kafka_topic_config(rd_kafka_t *rk, const char *topic, const char *name,
			  char *value, size_t valuelen, int64_t timeout_ms,
			  char *err, size_t errlen);

/* A one-line hint for a broker error a user can act on, or NULL. */
const char *kt_kafka_error_hint(rd_kafka_resp_err_t err);

#endif
