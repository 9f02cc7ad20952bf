/* sink: windows produced to an output topic. */
#include "sink.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ktrio/error.h"
#include "ktrio/kafka.h"
#include "ktrio/parse.h"

struct kt_sink {
	kt_kafka_ctx ctx; /* first: the producer's opaque (see kafka.h) */
	rd_kafka_t *rk;
	char *topic;
	const kt_log *log;
	kt_emit json;
	uint64_t sent, delivered, done; /* done: delivery reports, failed or not */
	uint64_t told;                  /* failures already said */
	char failure[256];              /* the first failed delivery's error */
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	_Static_assert(offsetof(kt_sink, ctx) == 0, "ctx must come first");
	kt_sink *s = (kt_sink *)opaque;
	s->done++;
	if (!m->err)
		s->delivered++;
	else if (!s->failure[0])
		snprintf(s->failure, sizeof s->failure, "%s", rd_kafka_err2str(m->err));
}

static void set_dr(rd_kafka_conf_t *conf, void *arg)
{
	(void)arg;
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
}

static void sink_free(kt_sink *s)
{
	if (!s)
		return;
	if (s->rk)
		rd_kafka_destroy(s->rk);
	kt_emit_release(&s->json);
	free(s->topic);
	free(s);
}

kt_sink *kt_sink_new(const kt_config *cfg, const char *topic, const kt_log *log, char *err,
		     size_t errlen)
{
	kt_sink *s = calloc(1, sizeof *s);
	if (!s || !(s->topic = strdup(topic))) {
		free(s);
		kt_fail(err, errlen, "out of memory");
		return NULL;
	}
	s->log = log;
	kt_emit_init(&s->json);
	kt_kafka_ctx_init(&s->ctx, log);
	static const char *const defaults[] = {
		"enable.idempotence", "true", "acks", "all", "linger.ms", "0",
		"message.timeout.ms", "30000", NULL};
	s->rk = kt_kafka_connect(cfg, RD_KAFKA_PRODUCER, defaults, set_dr, NULL, &s->ctx, err,
				 errlen);
	int n = s->rk ? kt_kafka_partition_count(s->rk, topic, cfg->connect_timeout_ms, err, errlen)
		      : -1;
	if (n <= 0) {
		if (n == 0)
			kt_fail(err, errlen, "output topic '%s' does not exist (create it first)",
				topic);
		sink_free(s);
		return NULL;
	}
	return s;
}

int kt_sink_window(kt_sink *s, kt_report *r, const kt_window *w, const kt_health *h)
{
	char key[40];
	kt_format_iso8601_ms(w->start, key, sizeof key);
	s->json.len = 0;
	s->json.failed = false;
	if (kt_report_json(r, w, h, &s->json) < 0) {
		kt_err(s->log, "out of memory");
		return -1;
	}
	rd_kafka_resp_err_t err;
	while ((err = rd_kafka_producev(s->rk, RD_KAFKA_V_TOPIC(s->topic),
					RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
					RD_KAFKA_V_KEY(key, strlen(key)),
					RD_KAFKA_V_VALUE(s->json.buf, s->json.len),
					RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
		rd_kafka_poll(s->rk, 100);
	if (err) {
		kt_err(s->log, "cannot produce window %s to '%s': %s", key, s->topic,
		       rd_kafka_err2str(err));
		return -1;
	}
	s->sent++;
	uint64_t delivered = s->delivered;
	/* Every message gets its report within message.timeout.ms. */
	while (s->done < s->sent)
		rd_kafka_poll(s->rk, 100);
	if (s->delivered > delivered)
		return 0;
	kt_err(s->log, "cannot deliver window %s to '%s': %s", key, s->topic, s->failure);
	s->told++;
	return -1;
}

uint64_t kt_sink_delivered(const kt_sink *s)
{
	return s->delivered;
}

int kt_sink_close(kt_sink *s, int64_t timeout_ms)
{
	if (!s)
		return 0;
	rd_kafka_flush(s->rk, (int)timeout_ms);
	int queued = rd_kafka_outq_len(s->rk);
	int rc = 0;
	if (queued > 0 || s->done < s->sent || s->delivered + s->told < s->sent) {
		kt_err(s->log, "%" PRIu64 " of %" PRIu64 " window(s) not delivered to '%s'%s%s",
		       s->sent - s->delivered, s->sent, s->topic, s->failure[0] ? ": " : "",
		       s->failure);
		rc = -1;
	}
	sink_free(s);
	return rc;
}
