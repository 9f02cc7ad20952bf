/* stream: the generator's paced produce loop with delivery accounting. */
#include "stream.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "ktrio/clock.h"
#include "ktrio/kafka.h"
#include "pacer.h"

/* Log at most this many failed deliveries one by one; the rest are counted. */
#define MAX_FAILURES_SHOWN 5

/* A delivery report: counted in the stats its message was produced with
 * (the message's own opaque, see produce_one). */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg,
			void *opaque)
{
	kt_kafka_ctx *ctx = opaque;
	kt_stream_stats *stats = msg->_private;
	(void)rk;
	if (!msg->err) {
		stats->delivered++;
		kt_kafka_note_answer(ctx);
		return;
	}
	if (stats->failed++ < MAX_FAILURES_SHOWN)
		kt_err(ctx->log, "message to '%s' [%d] not delivered: %s",
		       rd_kafka_topic_name(msg->rkt), (int)msg->partition,
		       rd_kafka_err2str(msg->err));
}

void kt_stream_conf_hook(rd_kafka_conf_t *conf, void *arg)
{
	(void)arg;
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
}

/* An event's time: the wall clock as the caller read it (kt_clock_wall_ms), or a
 * schedule from --start-time. */
static int64_t event_time(const kt_stream_opts *o, uint64_t seq, int64_t wall)
{
	if (!o->has_start_time)
		return wall;
	/* A fixed start: events spaced as the rate says (1 ms apart when
	 * unthrottled), so a seeded run is reproducible to the byte. */
	if (o->rate > 0)
		return o->start_time_ms + (int64_t)((double)seq * 1000.0 / o->rate);
	return o->start_time_ms + (int64_t)seq;
}

static bool finished(const kt_stream_opts *o, const kt_stream_stats *s,
		     int64_t start_ns, int64_t now_ns, volatile sig_atomic_t *stop)
{
	if (*stop)
		return true;
	if (o->count && s->produced >= o->count)
		return true;
	return o->duration_ms && now_ns - start_ns >= o->duration_ms * 1000000;
}

/* Once a second: the progress line. */
typedef struct progress {
	int64_t last_ns;
	uint64_t last_produced;
} progress;

static void show_progress(const kt_stream_opts *o, const kt_stream_stats *s,
			  progress *p, int64_t now_ns, rd_kafka_t *rk)
{
	if (!o->progress || now_ns - p->last_ns < 1000000000)
		return;
	double rate = (double)(s->produced - p->last_produced) * 1e9 /
		      (double)(now_ns - p->last_ns);
	fprintf(stderr,
		"%sgenerator: produced %" PRIu64 ", delivered %" PRIu64
		", failed %" PRIu64 ", rate %.0f/s, in flight %d%s",
		o->progress_in_place ? "\r\033[K" : "", s->produced, s->delivered,
		s->failed, rate, rk ? rd_kafka_outq_len(rk) : 0,
		o->progress_in_place ? "" : "\n");
	p->last_ns = now_ns;
	p->last_produced = s->produced;
}

static void end_progress(const kt_stream_opts *o)
{
	if (o->progress && o->progress_in_place)
		fputs("\r\033[K", stderr);
}

/* Writes refused and retried (kt_kafka_take_retried_error): one warning
 * per error per episode, which ends after REFUSAL_QUIET_NS without a
 * refusal; the events stay queued meanwhile. */
#define REFUSAL_QUIET_NS 10000000000LL
#define REFUSALS_TOLD 8

typedef struct refusals {
	int64_t last_ns; /* latest refusal seen, 0 = none yet */
	rd_kafka_resp_err_t err; /* the latest */
	rd_kafka_resp_err_t told[REFUSALS_TOLD]; /* warned of in this episode */
	int ntold;
} refusals;

static void watch_refusals(rd_kafka_t *rk, refusals *r, const kt_stream_opts *o,
			   int64_t now_ns, const kt_log *log)
{
	rd_kafka_resp_err_t err = kt_kafka_take_retried_error(rd_kafka_opaque(rk));
	if (!err)
		return;
	if (r->last_ns && now_ns - r->last_ns > REFUSAL_QUIET_NS)
		r->ntold = 0;
	r->last_ns = now_ns;
	r->err = err;
	for (int i = 0; i < r->ntold; i++)
		if (r->told[i] == err)
			return;
	if (r->ntold < REFUSALS_TOLD)
		r->told[r->ntold++] = err;
	kt_warn(log, "the brokers refuse writes to '%s': %s (%s); %d events queued, retrying",
		o->topic, rd_kafka_err2name(err), rd_kafka_err2str(err), rd_kafka_outq_len(rk));
}

/* rd_kafka_flush in slices, so refusals are told while it waits. */
static void flush(rd_kafka_t *rk, const kt_stream_opts *o, refusals *r, const kt_log *log)
{
	int64_t deadline = kt_clock_mono_ns() + o->flush_timeout_ms * 1000000;
	for (;;) {
		int64_t now = kt_clock_mono_ns();
		watch_refusals(rk, r, o, now, log);
		if (rd_kafka_outq_len(rk) == 0 || now >= deadline)
			return;
		int64_t left_ms = (deadline - now + 999999) / 1000000;
		rd_kafka_flush(rk, (int)(left_ms < 100 ? left_ms : 100));
	}
}

/* A burst reads the wall clock once per this many events: a read per
 * event was 8 % of the generator's CPU, and a burst of them takes well
 * under a millisecond. */
#define CLOCK_EVERY 64

/* Where events go: a producer (rk, rkt), or JSON lines on out (dry run). */
typedef struct sink {
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	kt_kafka_ctx *ctx; /* rk's opaque */
	refusals *refused; /* what the brokers refused, for a producer */
	FILE *out;
} sink;

/* Produce one event (json, len bytes) stamped ts; waits (serving delivery
 * reports) while the local queue is full instead of dropping anything.
 * Each delivery report counts into s (the message's opaque). */
static int produce(const sink *k, const kt_stream_opts *o, kt_stream_stats *s,
		   const char *json, size_t len, const char *key, size_t keylen,
		   int64_t ts, volatile sig_atomic_t *stop, const kt_log *log)
{
	for (;;) {
		rd_kafka_resp_err_t err = rd_kafka_producev(
			k->rk, RD_KAFKA_V_RKT(k->rkt), RD_KAFKA_V_PARTITION(o->partition),
			RD_KAFKA_V_VALUE((void *)json, len), RD_KAFKA_V_KEY(key, keylen),
			RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			RD_KAFKA_V_OPAQUE(s), RD_KAFKA_V_END);
		if (!err)
			return 0;
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			kt_err(log, "cannot produce to '%s': %s", o->topic,
			       rd_kafka_err2str(err));
			return -1;
		}
		rd_kafka_poll(k->rk, 10);
		if (*stop)
			return 1; /* not produced: nothing to account for */
	}
}

/* Draw event number s->produced stamped ts and send it to the sink. 0 when
 * sent, 1 when stopped while waiting for queue space, -1 on failure
 * (logged). */
static int emit_one(const sink *k, kt_event_gen *gen, const kt_stream_opts *o,
		    kt_stream_stats *s, int64_t ts, volatile sig_atomic_t *stop,
		    const kt_log *log)
{
	const char *json, *key = NULL;
	size_t len, keylen = 0;
	if (kt_event_gen_next(gen, s->produced, ts, &json, &len) < 0) {
		kt_err(log, "cannot encode event %" PRIu64, s->produced);
		return -1;
	}
	if (!k->rk) {
		if (fwrite(json, 1, len, k->out) != len || putc('\n', k->out) == EOF) {
			kt_err(log, "cannot write to stdout");
			return -1;
		}
		s->delivered++; /* written is delivered, in a dry run */
	} else {
		if (o->key_field)
			kt_event_gen_key(gen, o->key_field, &key, &keylen);
		int rc = produce(k, o, s, json, len, key, keylen, ts, stop, log);
		if (rc)
			return rc;
	}
	s->produced++;
	s->bytes += len;
	return 0;
}

/* Sleep until the pacer's next event, serving delivery reports meanwhile,
 * in slices of at most 100 ms so a signal is seen promptly. */
static void wait_for_due(rd_kafka_t *rk, const kt_pacer *pacer, int64_t now_ns)
{
	int64_t wait = kt_pacer_wait_ns(pacer, now_ns);
	if (wait <= 0)
		return;
	if (wait > 100000000)
		wait = 100000000;
	if (rk && wait >= 1000000) {
		rd_kafka_poll(rk, (int)(wait / 1000000));
		return;
	}
	struct timespec ts = {0, (long)wait};
	nanosleep(&ts, NULL);
}

/* The one paced loop, for both sinks: bursts of due events until count,
 * duration, *stop, a fatal producer error or a failure. 0, 1 (stopped
 * while waiting for queue space) or -1. */
static int paced_loop(const sink *k, kt_event_gen *gen, const kt_stream_opts *o,
		      kt_stream_stats *stats, volatile sig_atomic_t *stop,
		      const kt_log *log, int64_t start)
{
	int64_t now = start;
	kt_pacer pacer;
	kt_pacer_init(&pacer, o->rate, start);
	progress prog = {start, 0};
	int rc = 0;
	while (rc == 0 && !finished(o, stats, start, now, stop) &&
	       !(k->ctx && k->ctx->fatal)) {
		uint64_t due = kt_pacer_due(&pacer, now);
		if (o->count && due > o->count - stats->produced)
			due = o->count - stats->produced;
		int64_t wall = 0;
		for (uint64_t i = 0; i < due && rc == 0; i++) {
			if (i % CLOCK_EVERY == 0)
				wall = kt_clock_wall_ms();
			rc = emit_one(k, gen, o, stats, event_time(o, stats->produced, wall),
				      stop, log);
		}
		kt_pacer_take(&pacer, due);
		if (k->rk)
			rd_kafka_poll(k->rk, 0);
		else if (rc == 0 && o->rate > 0 && fflush(k->out) == EOF) {
			kt_err(log, "cannot write to stdout");
			rc = -1;
		}
		now = kt_clock_mono_ns();
		if (k->rk) {
			show_progress(o, stats, &prog, now, k->rk);
			watch_refusals(k->rk, k->refused, o, now, log);
		}
		wait_for_due(k->rk, &pacer, now);
		now = kt_clock_mono_ns();
	}
	return rc;
}

int kt_stream_produce(rd_kafka_t *rk, kt_event_gen *gen,
		      const kt_stream_opts *o, kt_stream_stats *stats,
		      volatile sig_atomic_t *stop, const kt_log *log)
{
	refusals refused = {0};
	sink k = {.rk = rk, .rkt = rd_kafka_topic_new(rk, o->topic, NULL),
		  .ctx = rd_kafka_opaque(rk), .refused = &refused};
	int64_t start = kt_clock_mono_ns();
	int rc = paced_loop(&k, gen, o, stats, stop, log, start);
	if (rc > 0)
		rc = 0; /* stopped while waiting for queue space */
	/* Whatever stopped us, deliver what is in flight. */
	flush(rk, o, &refused, log);
	end_progress(o);
	stats->elapsed_s = (double)(kt_clock_mono_ns() - start) / 1e9;
	uint64_t lost = stats->produced - stats->delivered;
	if (k.ctx->fatal) {
		kt_err(log, "producer stopped by a fatal error: %s", k.ctx->last_error);
		rc = -1;
	}
	if (lost) {
		uint64_t pending = lost - stats->failed;
		char cause[128] = "";
		if (refused.err && pending)
			snprintf(cause, sizeof cause, "; the brokers last answered %s",
				 rd_kafka_err2name(refused.err));
		kt_err(log,
		       "%" PRIu64 " of %" PRIu64 " messages not delivered (%" PRIu64
		       " failed, %" PRIu64 " still in flight after --flush-timeout%s)",
		       lost, stats->produced, stats->failed, pending, cause);
		rc = -1;
	}
	rd_kafka_topic_destroy(k.rkt);
	return rc;
}

int kt_stream_write(FILE *out, kt_event_gen *gen, const kt_stream_opts *o,
		    kt_stream_stats *stats, volatile sig_atomic_t *stop,
		    const kt_log *log)
{
	sink k = {.out = out};
	int64_t start = kt_clock_mono_ns();
	int rc = paced_loop(&k, gen, o, stats, stop, log, start);
	stats->elapsed_s = (double)(kt_clock_mono_ns() - start) / 1e9;
	if (rc == 0 && fflush(out) == EOF) {
		kt_err(log, "cannot write to stdout");
		rc = -1;
	}
	return rc;
}
