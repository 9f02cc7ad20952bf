/* partials: the records members send to the merger, and their producer. */
#include "partials.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktrio/error.h"
#include "hll.h"
#include "sketch.h"

static const uint8_t MAGIC[4] = {'K', 'T', 'P', KT_PARTIALS_VERSION};

struct kt_partials {
	kt_kafka_ctx ctx; /* first: the producer's opaque (see kafka.h) */
	rd_kafka_t *rk;
	char *topic;
	char *settings;
	const kt_log *log;
	kt_wire_buf buf;
	volatile int failed; /* a delivery failed (written by librdkafka's thread) */
	char failure[256];
};

static void put_header(kt_wire_buf *b, uint8_t kind, const char *settings, const char *topic,
		       int32_t partition, int32_t nparts, int64_t start, int64_t end)
{
	kt_wire_put_bytes(b, MAGIC, sizeof MAGIC);
	kt_wire_put_u8(b, kind);
	kt_wire_put_str(b, settings, strlen(settings));
	kt_wire_put_str(b, topic, strlen(topic));
	kt_wire_put_u32(b, (uint32_t)partition);
	kt_wire_put_u32(b, (uint32_t)nparts);
	kt_wire_put_u64(b, (uint64_t)start);
	kt_wire_put_u64(b, (uint64_t)end);
}

int kt_partial_decode(const void *data, size_t len, kt_partial *out, char *err, size_t errlen)
{
	kt_wire_reader r;
	kt_wire_reader_init(&r, data, len);
	memset(out, 0, sizeof *out);
	const uint8_t *magic = kt_wire_get_bytes(&r, sizeof MAGIC);
	if (!magic || memcmp(magic, MAGIC, sizeof MAGIC - 1))
		return kt_fail(err, errlen, "not a ktrio partial");
	if (magic[3] != KT_PARTIALS_VERSION)
		return kt_fail(err, errlen, "partials version %u, not %u", magic[3],
			       KT_PARTIALS_VERSION);
	out->kind = kt_wire_get_u8(&r);
	out->settings = (const char *)kt_wire_get_str(&r, &out->settings_len);
	out->topic = (const char *)kt_wire_get_str(&r, &out->topic_len);
	out->partition = (int32_t)kt_wire_get_u32(&r);
	out->topic_partitions = (int32_t)kt_wire_get_u32(&r);
	out->start = (int64_t)kt_wire_get_u64(&r);
	out->end = (int64_t)kt_wire_get_u64(&r);
	if (r.bad)
		return kt_fail(err, errlen, "truncated partial");
	bool end = out->kind == KT_PARTIAL_END, through = out->kind == KT_PARTIAL_THROUGH;
	bool bad_times = end       ? out->start || out->end
			 : through ? out->start != out->end
				   : out->start >= out->end;
	if (out->partition < 0 || out->topic_partitions <= out->partition || bad_times ||
	    !out->topic_len || memchr(out->topic, '\0', out->topic_len))
		return kt_fail(err, errlen, "malformed partial header");
	if (end || through)
		return r.left ? kt_fail(err, errlen, "%zu bytes after the %s marker", r.left,
					end ? "end" : "through")
			      : 0;
	if (out->kind == KT_PARTIAL_PIECE) {
		out->index = kt_wire_get_u32(&r);
		out->body = r.p;
		out->body_len = r.left;
		return r.bad ? kt_fail(err, errlen, "truncated partial") : 0;
	}
	if (out->kind != KT_PARTIAL_SEAL)
		return kt_fail(err, errlen, "unknown partial kind %u", out->kind);
	out->pieces = kt_wire_get_u32(&r);
	kt_health *h = &out->health;
	for (size_t i = 0; i < KT_INVALID_COUNT; i++) {
		h->invalid[i] = kt_wire_get_u64(&r);
		h->invalid_total += h->invalid[i];
	}
	h->filtered = kt_wire_get_u64(&r);
	h->late = kt_wire_get_u64(&r);
	h->lag = -1;
	out->first_offset = (int64_t)kt_wire_get_u64(&r);
	out->next_offset = (int64_t)kt_wire_get_u64(&r);
	if (r.bad)
		return kt_fail(err, errlen, "truncated seal");
	if (r.left)
		return kt_fail(err, errlen, "%zu bytes after the seal", r.left);
	return 0;
}

/* Append "name=value;" to buf at *at; -1 when it does not fit. */
static int setting(char *buf, size_t buflen, size_t *at, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int setting(char *buf, size_t buflen, size_t *at, const char *name, const char *fmt, ...)
{
	int n = snprintf(buf + *at, buflen - *at, "%s=", name);
	if (n < 0 || (size_t)n >= buflen - *at)
		return -1;
	*at += (size_t)n;
	va_list ap;
	va_start(ap, fmt);
	n = vsnprintf(buf + *at, buflen - *at, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n + 1 >= buflen - *at)
		return -1;
	*at += (size_t)n;
	buf[(*at)++] = ';';
	buf[*at] = '\0';
	return 0;
}

/* The names in list joined by ','. */
static void join(char *out, size_t outlen, char *const *list, size_t n)
{
	size_t at = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int k = snprintf(out + at, outlen - at, "%s%s", i ? "," : "", list[i]);
		if (k < 0 || (size_t)k >= outlen - at)
			return;
		at += (size_t)k;
	}
}

int kt_partial_settings(char *buf, size_t buflen, const kt_fieldspec *spec,
			int64_t window_ms, int64_t lateness_ms, int64_t max_future_ms,
			bool kafka_time, const char *const *filters, size_t nfilters,
			size_t max_groups)
{
	char list[2048];
	size_t at = 0;
	buf[0] = '\0';
	if (setting(buf, buflen, &at, "window", "%" PRId64, window_ms) < 0 ||
	    setting(buf, buflen, &at, "allowed-lateness", "%" PRId64, lateness_ms) < 0 ||
	    setting(buf, buflen, &at, "max-future", "%" PRId64, max_future_ms) < 0 ||
	    setting(buf, buflen, &at, "event-time", "%s",
		    kafka_time ? "kafka" : spec->time_field ? spec->time_field : "") < 0)
		return -1;
	join(list, sizeof list, spec->group_by, spec->ngroup);
	if (setting(buf, buflen, &at, "group-by", "%s", list) < 0)
		return -1;
	join(list, sizeof list, spec->stats, spec->auto_stats ? 0 : spec->nstats);
	if (setting(buf, buflen, &at, "stats", "%s", spec->auto_stats ? "(auto)" : list) < 0 ||
	    setting(buf, buflen, &at, "distinct", "%s", spec->distinct ? spec->distinct : "") < 0)
		return -1;
	join(list, sizeof list, (char *const *)filters, nfilters);
	if (setting(buf, buflen, &at, "filter", "%s", list) < 0 ||
	    setting(buf, buflen, &at, "max-groups", "%zu", max_groups) < 0 ||
	    setting(buf, buflen, &at, "sketch-accuracy", "%g", KT_SKETCH_ALPHA) < 0 ||
	    setting(buf, buflen, &at, "hll-precision", "%d", KT_HLL_PRECISION) < 0)
		return -1;
	return 0;
}

/* The next "name=value;" item of s (length n) from *at. */
static bool next_item(const char *s, size_t n, size_t *at, const char **item, size_t *len)
{
	if (*at >= n)
		return false;
	*item = s + *at;
	const char *semi = memchr(*item, ';', n - *at);
	*len = semi ? (size_t)(semi - *item) : n - *at;
	*at += *len + 1;
	return true;
}

int kt_partial_settings_differ(const char *a, size_t alen, const char *b, size_t blen,
			       char *name, size_t namelen)
{
	size_t ia = 0, ib = 0;
	for (;;) {
		const char *x = NULL, *y = NULL;
		size_t xl = 0, yl = 0;
		bool hx = next_item(a, alen, &ia, &x, &xl), hy = next_item(b, blen, &ib, &y, &yl);
		if (!hx && !hy)
			return 0;
		if (hx && hy && xl == yl && !memcmp(x, y, xl))
			continue;
		const char *which = hx ? x : y;
		size_t wl = hx ? xl : yl;
		const char *eq = memchr(which, '=', wl);
		size_t nl = eq ? (size_t)(eq - which) : wl;
		snprintf(name, namelen, "%.*s", (int)nl, which);
		return 1;
	}
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	_Static_assert(offsetof(kt_partials, ctx) == 0, "ctx must come first");
	kt_partials *p = (kt_partials *)opaque;
	if (m->err && !p->failed) {
		snprintf(p->failure, sizeof p->failure, "%s", rd_kafka_err2str(m->err));
		p->failed = 1;
	}
}

static void set_dr(rd_kafka_conf_t *conf, void *arg)
{
	(void)arg;
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
}

kt_partials *kt_partials_new(const kt_config *cfg, const char *topic, const char *settings,
			     const kt_log *log, char *err, size_t errlen)
{
	kt_partials *p = calloc(1, sizeof *p);
	if (!p || !(p->topic = strdup(topic)) || !(p->settings = strdup(settings))) {
		kt_partials_free(p);
		kt_fail(err, errlen, "out of memory");
		return NULL;
	}
	p->log = log;
	kt_wire_buf_init(&p->buf);
	kt_kafka_ctx_init(&p->ctx, log);
	static const char *const defaults[] = {
		"enable.idempotence", "true", "acks", "all", "linger.ms", "5",
		"message.max.bytes", "1000000", NULL};
	p->rk = kt_kafka_connect(cfg, RD_KAFKA_PRODUCER, defaults, set_dr, NULL, &p->ctx, err,
				 errlen);
	if (!p->rk) {
		kt_partials_free(p);
		return NULL;
	}
	int n = kt_kafka_partition_count(p->rk, topic, cfg->connect_timeout_ms, err, errlen);
	if (n <= 0) {
		if (n == 0)
			kt_fail(err, errlen, "partials topic '%s' does not exist", topic);
		kt_partials_free(p);
		return NULL;
	}
	return p;
}

void kt_partials_free(kt_partials *p)
{
	if (!p)
		return;
	if (p->rk)
		rd_kafka_destroy(p->rk);
	kt_wire_buf_release(&p->buf);
	free(p->topic);
	free(p->settings);
	free(p);
}

/* Produce what buf holds, keyed by key; waits on a full queue. */
static int produce(kt_partials *p, const char *key)
{
	if (p->buf.failed) {
		kt_err(p->log, "out of memory");
		return -1;
	}
	for (;;) {
		rd_kafka_resp_err_t err = rd_kafka_producev(
			p->rk, RD_KAFKA_V_TOPIC(p->topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			RD_KAFKA_V_KEY(key, strlen(key)), RD_KAFKA_V_VALUE(p->buf.data, p->buf.len),
			RD_KAFKA_V_END);
		if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			rd_kafka_poll(p->rk, 100);
			continue;
		}
		if (err) {
			kt_err(p->log, "cannot produce to '%s': %s", p->topic, rd_kafka_err2str(err));
			return -1;
		}
		rd_kafka_poll(p->rk, 0);
		return 0;
	}
}

int kt_partials_send(kt_partials *p, const kt_window *w, int64_t start, int64_t end,
		     const kt_fieldspec *spec, const char *topic, int32_t partition,
		     int32_t topic_partitions, const kt_health *h, int64_t first,
		     int64_t next)
{
	char key[512];
	snprintf(key, sizeof key, "%s/%" PRId32, topic, partition);
	uint32_t pieces = 0;
	/* Groups go into pieces of bounded size: the first carries the
	 * window's totals. */
	for (size_t from = 0; w && (from < w->ngroups || pieces == 0);) {
		size_t to = from, bytes = 0;
		while (to < w->ngroups) {
			size_t g = kt_summary_group_bytes(&w->groups[to], spec);
			if (to > from && bytes + g > KT_PARTIALS_MAX_PIECE)
				break;
			bytes += g;
			to++;
		}
		p->buf.len = 0;
		put_header(&p->buf, KT_PARTIAL_PIECE, p->settings, topic, partition,
			   topic_partitions, start, end);
		kt_wire_put_u32(&p->buf, pieces);
		kt_summary_encode(w, spec, from, to, pieces == 0, &p->buf);
		if (produce(p, key) < 0)
			return -1;
		pieces++;
		from = to;
	}
	p->buf.len = 0;
	put_header(&p->buf, KT_PARTIAL_SEAL, p->settings, topic, partition, topic_partitions,
		   start, end);
	kt_wire_put_u32(&p->buf, pieces);
	for (size_t i = 0; i < KT_INVALID_COUNT; i++)
		kt_wire_put_u64(&p->buf, h ? h->invalid[i] : 0);
	kt_wire_put_u64(&p->buf, h ? h->filtered : 0);
	kt_wire_put_u64(&p->buf, h ? h->late : 0);
	kt_wire_put_u64(&p->buf, (uint64_t)first);
	kt_wire_put_u64(&p->buf, (uint64_t)next);
	return produce(p, key);
}

int kt_partials_send_end(kt_partials *p, const char *topic, int32_t partition,
			 int32_t topic_partitions)
{
	char key[512];
	snprintf(key, sizeof key, "%s/%" PRId32, topic, partition);
	p->buf.len = 0;
	put_header(&p->buf, KT_PARTIAL_END, p->settings, topic, partition, topic_partitions, 0, 0);
	return produce(p, key);
}

int kt_partials_send_through(kt_partials *p, const char *topic, int32_t partition,
			     int32_t topic_partitions, int64_t t)
{
	char key[512];
	snprintf(key, sizeof key, "%s/%" PRId32, topic, partition);
	p->buf.len = 0;
	put_header(&p->buf, KT_PARTIAL_THROUGH, p->settings, topic, partition, topic_partitions,
		   t, t);
	return produce(p, key);
}

int kt_partials_flush(kt_partials *p, int64_t timeout_ms)
{
	rd_kafka_resp_err_t err = rd_kafka_flush(p->rk, (int)timeout_ms);
	if (p->failed) {
		kt_err(p->log, "cannot deliver partials to '%s': %s", p->topic, p->failure);
		return -1;
	}
	if (err) {
		kt_err(p->log, "cannot deliver partials to '%s': %d still queued after %" PRId64 " ms",
		       p->topic, rd_kafka_outq_len(p->rk), timeout_ms);
		return -1;
	}
	return 0;
}
