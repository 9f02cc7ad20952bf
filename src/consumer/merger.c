/* merger: the global view of a scaled-out consumer group. */
#include "merger.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ktrio/clock.h"
#include "ktrio/error.h"
#include "ktrio/hash.h"
#include "ktrio/parse.h"
#include "ktrio/vec.h"
#include "partials.h"
#include "summary.h"
#include "wire.h"

/* Windows open in the merger at once; beyond, the oldest is written
 * incomplete (counted, never silent). */
#define MAX_WINDOWS 4096

/* One (window, input partition). */
typedef struct part {
	char *topic;
	int32_t partition;
	kt_window *w;      /* the pieces of the first set, merged in order */
	uint32_t pieces;   /* of the set being read */
	uint64_t hash;     /* of that set's content */
	bool sealed;       /* the first set is complete */
	uint64_t sealed_hash;
	uint32_t sealed_pieces;
	kt_health health;
	bool dup_open;     /* a later set is being read */
	uint32_t dup_pieces;
	uint64_t dup_hash;
} part;

typedef struct mwindow {
	int64_t start, end;
	int64_t first_ms; /* monotonic: its first partial */
	part *parts;
	size_t nparts, cap;
	uint64_t duplicates, conflicts;
} mwindow;

/* An input partition and the latest window start it sealed. */
typedef struct source {
	char *topic;
	int32_t partition;
	int64_t sealed_start; /* INT64_MIN: none */
} source;

typedef struct topic_info {
	char *name;
	int32_t partitions;
} topic_info;

typedef struct merger {
	const kt_merger_opts *o;
	kt_fieldspec *spec;
	kt_report *report;
	FILE *out;
	const kt_log *log;
	char *settings; /* of the first partial */
	size_t settings_len;
	int64_t window_ms;
	mwindow *windows; /* by start, ascending */
	size_t nwindows, wcap;
	source *sources;
	size_t nsources, scap;
	topic_info *topics;
	size_t ntopics, tcap;
	int64_t written_through; /* windows starting at or before it are written */
	uint64_t late_duplicates; /* partials of windows already written */
	int status;
	kt_wire_buf scratch;
} merger;

/* ---- settings --------------------------------------------------------- */

/* The value of setting `name` in settings text s, copied into buf. */
static void setting_value(const char *s, size_t n, const char *name, char *buf, size_t buflen)
{
	size_t nl = strlen(name);
	buf[0] = '\0';
	for (size_t at = 0; at < n;) {
		const char *item = s + at, *semi = memchr(item, ';', n - at);
		size_t len = semi ? (size_t)(semi - item) : n - at;
		if (len > nl && item[nl] == '=' && !memcmp(item, name, nl)) {
			snprintf(buf, buflen, "%.*s", (int)(len - nl - 1), item + nl + 1);
			return;
		}
		at += len + 1;
	}
}

/* The first partial's settings become the merger's: names for the report,
 * the window length for the timeout. */
static int adopt_settings(merger *m, const kt_partial *p, char *err, size_t errlen)
{
	if (!(m->settings = malloc(p->settings_len + 1)))
		return kt_fail(err, errlen, "out of memory");
	memcpy(m->settings, p->settings, p->settings_len);
	m->settings[p->settings_len] = '\0';
	m->settings_len = p->settings_len;
	char v[2048];
	setting_value(p->settings, p->settings_len, "group-by", v, sizeof v);
	if (*v && kt_fieldspec_set_group_by(m->spec, v, err, errlen) < 0)
		return -1;
	setting_value(p->settings, p->settings_len, "stats", v, sizeof v);
	if (*v && strcmp(v, "(auto)") && kt_fieldspec_set_stats(m->spec, v, err, errlen) < 0)
		return -1;
	setting_value(p->settings, p->settings_len, "distinct", v, sizeof v);
	if (*v && !(m->spec->distinct = strdup(v)))
		return kt_fail(err, errlen, "out of memory");
	setting_value(p->settings, p->settings_len, "window", v, sizeof v);
	m->window_ms = strtoll(v, NULL, 10);
	if (m->window_ms <= 0)
		return kt_fail(err, errlen, "partials without a window length");
	return 0;
}

/* ---- bookkeeping ------------------------------------------------------ */

static void part_release(part *p)
{
	free(p->topic);
	kt_window_free(p->w);
}

static void window_release(mwindow *w)
{
	for (size_t i = 0; i < w->nparts; i++)
		part_release(&w->parts[i]);
	free(w->parts);
}

static bool same_tp(const char *topic, int32_t partition, const kt_partial *p)
{
	return partition == p->partition && strlen(topic) == p->topic_len &&
	       !memcmp(topic, p->topic, p->topic_len);
}

/* The window of p, made when new; NULL when out of memory. */
static mwindow *window_of(merger *m, const kt_partial *p)
{
	size_t i = m->nwindows;
	while (i > 0 && m->windows[i - 1].start > p->start)
		i--;
	if (i > 0 && m->windows[i - 1].start == p->start)
		return &m->windows[i - 1];
	if (KT_VEC_RESERVE(m->windows, m->nwindows, m->wcap, 1) < 0)
		return NULL;
	memmove(m->windows + i + 1, m->windows + i, (m->nwindows - i) * sizeof *m->windows);
	m->windows[i] = (mwindow){.start = p->start, .end = p->end, .first_ms = kt_clock_mono_ms()};
	m->nwindows++;
	return &m->windows[i];
}

/* The (window, partition) of p in w, made when new, kept in (topic,
 * partition) order so windows merge in one fixed order. */
static part *part_of(merger *m, mwindow *w, const kt_partial *p)
{
	size_t i = 0;
	for (; i < w->nparts; i++) {
		part *q = &w->parts[i];
		if (same_tp(q->topic, q->partition, p))
			return q;
		size_t ql = strlen(q->topic);
		int c = memcmp(q->topic, p->topic, ql < p->topic_len ? ql : p->topic_len);
		if (c > 0 || (c == 0 && ql > p->topic_len) ||
		    (c == 0 && ql == p->topic_len && q->partition > p->partition))
			break;
	}
	if (KT_VEC_RESERVE(w->parts, w->nparts, w->cap, 1) < 0)
		return NULL;
	memmove(w->parts + i + 1, w->parts + i, (w->nparts - i) * sizeof *w->parts);
	part *q = &w->parts[i];
	*q = (part){.partition = p->partition};
	w->nparts++;
	if (!(q->topic = strndup(p->topic, p->topic_len)) ||
	    !(q->w = kt_window_new(p->start, p->end, m->o->max_groups)))
		return NULL;
	return q;
}

static source *source_of(merger *m, const kt_partial *p)
{
	for (size_t i = 0; i < m->nsources; i++)
		if (same_tp(m->sources[i].topic, m->sources[i].partition, p))
			return &m->sources[i];
	if (KT_VEC_RESERVE(m->sources, m->nsources, m->scap, 1) < 0)
		return NULL;
	source *s = &m->sources[m->nsources];
	*s = (source){.partition = p->partition, .sealed_start = INT64_MIN};
	if (!(s->topic = strndup(p->topic, p->topic_len)))
		return NULL;
	m->nsources++;
	return s;
}

/* Learn that topic has n partitions. */
static int note_topic(merger *m, const kt_partial *p)
{
	for (size_t i = 0; i < m->ntopics; i++)
		if (strlen(m->topics[i].name) == p->topic_len &&
		    !memcmp(m->topics[i].name, p->topic, p->topic_len)) {
			if (p->topic_partitions > m->topics[i].partitions)
				m->topics[i].partitions = p->topic_partitions;
			return 0;
		}
	if (KT_VEC_RESERVE(m->topics, m->ntopics, m->tcap, 1) < 0)
		return -1;
	topic_info *t = &m->topics[m->ntopics];
	t->partitions = p->topic_partitions;
	if (!(t->name = strndup(p->topic, p->topic_len)))
		return -1;
	m->ntopics++;
	return 0;
}

/* ---- partials ---------------------------------------------------------- */

/* A piece's content for comparing sets: the summary without what depends
 * on when it was computed (the opening time, the latency). */
static uint64_t content_hash(merger *m, kt_window *piece, uint64_t h)
{
	kt_sketch_release(&piece->latency);
	piece->opened_ms = 0;
	m->scratch.len = 0;
	kt_summary_encode(piece, m->spec, 0, piece->ngroups, true, &m->scratch);
	return kt_hash64(m->scratch.data, m->scratch.len, h);
}

static int take_piece(merger *m, part *q, const kt_partial *p, char *err, size_t errlen)
{
	kt_window *piece = kt_window_new(p->start, p->end, m->o->max_groups);
	if (!piece)
		return kt_fail(err, errlen, "out of memory");
	if (kt_summary_decode(piece, m->spec, p->body, p->body_len, err, errlen) < 0) {
		kt_window_free(piece);
		return -1;
	}
	if (q->sealed) { /* a later set: only compared */
		if (p->index == 0) {
			q->dup_open = true;
			q->dup_pieces = 0;
			q->dup_hash = 0;
		}
		if (q->dup_open && p->index == q->dup_pieces) {
			q->dup_hash = content_hash(m, piece, q->dup_hash);
			q->dup_pieces++;
		} else {
			q->dup_open = false;
		}
		kt_window_free(piece);
		return 0;
	}
	if (p->index == 0 && q->pieces) { /* a set begun again: the first was cut short */
		kt_window_reset(q->w, p->start, p->end);
		q->pieces = 0;
		q->hash = 0;
	}
	if (p->index != q->pieces) {
		kt_window_free(piece);
		kt_warn(m->log, "partial %" PRIu32 " of window %" PRId64 " from '%s' [%" PRId32
				"] out of order: skipped", p->index, p->start, q->topic, q->partition);
		return 0;
	}
	int64_t opened = piece->opened_ms;
	int rc = kt_summary_merge(q->w, piece);
	if (p->index == 0)
		q->w->opened_ms = opened;
	q->hash = content_hash(m, piece, q->hash);
	q->pieces++;
	kt_window_free(piece);
	return rc < 0 ? kt_fail(err, errlen, "out of memory") : 0;
}

static void take_seal(merger *m, mwindow *w, part *q, const kt_partial *p)
{
	if (q->sealed) {
		if (q->dup_open && q->dup_pieces == p->pieces) {
			if (q->dup_hash == q->sealed_hash && p->pieces == q->sealed_pieces)
				w->duplicates++;
			else
				w->conflicts++;
		}
		q->dup_open = false;
		return;
	}
	if (p->pieces != q->pieces) { /* pieces lost to a crash: wait for the replay */
		kt_window_reset(q->w, p->start, p->end);
		q->pieces = 0;
		q->hash = 0;
		return;
	}
	q->sealed = true;
	q->sealed_hash = q->hash;
	q->sealed_pieces = q->pieces;
	q->health = p->health;
	source *s = source_of(m, p);
	if (s && p->start > s->sealed_start)
		s->sealed_start = p->start;
	(void)m;
}

/* One partials record. -1 when it cannot be used (logged). */
static int take_record(merger *m, const rd_kafka_message_t *msg)
{
	char err[512];
	kt_partial p;
	if (kt_partial_decode(msg->payload, msg->len, &p, err, sizeof err) < 0) {
		kt_warn(m->log, "partials record at %s [%" PRId32 "] offset %" PRId64 " skipped: %s",
			rd_kafka_topic_name(msg->rkt), msg->partition, msg->offset, err);
		return 0;
	}
	if (!m->settings && adopt_settings(m, &p, err, sizeof err) < 0) {
		kt_err(m->log, "%s", err);
		m->status = 1;
		return -1;
	}
	char name[64];
	if (kt_partial_settings_differ(m->settings, m->settings_len, p.settings, p.settings_len,
				       name, sizeof name)) {
		char mine[256], theirs[256];
		setting_value(m->settings, m->settings_len, name, mine, sizeof mine);
		setting_value(p.settings, p.settings_len, name, theirs, sizeof theirs);
		kt_err(m->log, "partials refused '%.*s/%" PRId32 "': setting '%s' is '%s' there, "
			       "'%s' in the first partials",
		       (int)p.topic_len, p.topic, p.partition, name, theirs, mine);
		m->status = 2;
		return -1;
	}
	if (note_topic(m, &p) < 0 || !source_of(m, &p))
		goto oom;
	if (p.kind == KT_PARTIAL_END) {
		source *s = source_of(m, &p);
		s->sealed_start = INT64_MAX;
		return 0;
	}
	if (p.start <= m->written_through) {
		/* A window already written: a replay of what was sealed. */
		if (p.kind == KT_PARTIAL_SEAL)
			m->late_duplicates++;
		return 0;
	}
	mwindow *w = window_of(m, &p);
	part *q = w ? part_of(m, w, &p) : NULL;
	if (!q)
		goto oom;
	if (p.kind == KT_PARTIAL_SEAL) {
		take_seal(m, w, q, &p);
		return 0;
	}
	if (take_piece(m, q, &p, err, sizeof err) < 0) {
		kt_warn(m->log, "partial of window %" PRId64 " from '%s' [%" PRId32 "] skipped: %s",
			p.start, q->topic, q->partition, err);
	}
	return 0;
oom:
	kt_err(m->log, "out of memory");
	m->status = 1;
	return -1;
}

/* ---- writing ---------------------------------------------------------- */

static const part *sealed_part(const mwindow *w, const char *topic, int32_t partition)
{
	for (size_t i = 0; i < w->nparts; i++)
		if (w->parts[i].sealed && w->parts[i].partition == partition &&
		    !strcmp(w->parts[i].topic, topic))
			return &w->parts[i];
	return NULL;
}

/* Whether partition (topic, i) has said all it has for w: it sealed w, or
 * a later window (it seals in order, so it had nothing for w). */
static bool partition_done(const merger *m, const mwindow *w, const char *topic, int32_t i)
{
	if (sealed_part(w, topic, i))
		return true;
	for (size_t k = 0; k < m->nsources; k++)
		if (m->sources[k].partition == i && !strcmp(m->sources[k].topic, topic))
			return m->sources[k].sealed_start > w->start;
	return false;
}

/* The partitions w still waits for, as JSON array items into buf; how
 * many. */
static uint32_t missing_of(const merger *m, const mwindow *w, char *buf, size_t buflen)
{
	uint32_t n = 0;
	size_t at = 0;
	buf[0] = '\0';
	for (size_t t = 0; t < m->ntopics; t++)
		for (int32_t i = 0; i < m->topics[t].partitions; i++) {
			if (partition_done(m, w, m->topics[t].name, i))
				continue;
			int k = snprintf(buf + at, buflen - at, "%s\"%s/%" PRId32 "\"", n ? "," : "",
					 m->topics[t].name, i);
			if (k > 0 && (size_t)k < buflen - at)
				at += (size_t)k;
			n++;
		}
	return n;
}

/* Write the oldest window: its sealed partitions merged in order. */
static int write_oldest(merger *m)
{
	mwindow *w = &m->windows[0];
	char missing[4096];
	uint32_t nmissing = missing_of(m, w, missing, sizeof missing);
	kt_window *sum = kt_window_new(w->start, w->end, m->o->max_groups);
	kt_health h = {.lag = -1, .merged = true, .complete = nmissing == 0,
		       .missing = missing, .duplicates = w->duplicates + m->late_duplicates,
		       .conflicts = w->conflicts};
	int rc = sum ? 0 : -1;
	bool opened = false;
	for (size_t i = 0; i < w->nparts && rc == 0; i++) {
		const part *q = &w->parts[i];
		if (!q->sealed)
			continue;
		rc = kt_summary_merge(sum, q->w);
		if (!opened || q->w->opened_ms < sum->opened_ms)
			sum->opened_ms = q->w->opened_ms;
		opened = true;
		for (size_t k = 0; k < KT_INVALID_COUNT; k++)
			h.invalid[k] += q->health.invalid[k];
		h.invalid_total += q->health.invalid_total;
		h.filtered += q->health.filtered;
		h.late += q->health.late;
	}
	for (size_t t = 0; t < m->ntopics; t++)
		h.partitions += (uint32_t)m->topics[t].partitions;
	h.partitions -= nmissing;
	if (rc == 0) {
		sum->written_ms = kt_clock_wall_ms();
		if (!opened)
			sum->opened_ms = sum->written_ms;
		sum->partial = nmissing != 0;
		if (kt_report_window(m->report, m->out, sum, &h) < 0) {
			kt_err(m->log, "cannot write a window: output failed");
			rc = -1;
		}
	} else {
		kt_err(m->log, "out of memory");
	}
	kt_window_free(sum);
	m->late_duplicates = 0;
	m->written_through = w->start;
	window_release(w);
	memmove(m->windows, m->windows + 1, (m->nwindows - 1) * sizeof *m->windows);
	m->nwindows--;
	return rc;
}

/* Write what is complete, in order; what is overdue (or everything, at
 * the end) as incomplete. A window is overdue only while the partials are
 * read to their end (caught_up): behind them, what it waits for may just
 * not be read yet (a backlog read slowly on a loaded machine). */
static int write_ready(merger *m, bool end, bool caught_up)
{
	int64_t timeout = m->o->timeout_ms > 0 ? m->o->timeout_ms : 3 * m->window_ms;
	while (m->nwindows) {
		char missing[16];
		bool ready = missing_of(m, &m->windows[0], missing, sizeof missing) == 0 &&
			     m->ntopics > 0;
		bool overdue = caught_up && kt_clock_mono_ms() - m->windows[0].first_ms >= timeout;
		if (!ready && !overdue && !end && m->nwindows < MAX_WINDOWS)
			break;
		if (write_oldest(m) < 0)
			return -1;
	}
	return 0;
}

/* ---- the loop --------------------------------------------------------- */

static bool all_at_end(rd_kafka_t *rk, const bool *eof, int n)
{
	rd_kafka_topic_partition_list_t *a = NULL;
	if (rd_kafka_assignment(rk, &a) || !a)
		return false;
	bool done = a->cnt > 0;
	for (int i = 0; i < a->cnt && done; i++)
		done = a->elems[i].partition < n && eof[a->elems[i].partition];
	rd_kafka_topic_partition_list_destroy(a);
	return done;
}

int kt_merger_run(rd_kafka_t *rk, const kt_merger_opts *o, kt_fieldspec *spec,
		  kt_report *report, FILE *out, const kt_log *log,
		  volatile sig_atomic_t *stop)
{
	merger m = {.o = o, .spec = spec, .report = report, .out = out, .log = log,
		    .written_through = INT64_MIN};
	kt_wire_buf_init(&m.scratch);
	bool eof[4096] = {0};
	while (!*stop && m.status == 0) {
		rd_kafka_message_t *msg = rd_kafka_consumer_poll(rk, 100);
		if (msg) {
			if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
				if (msg->partition >= 0 && msg->partition < 4096)
					eof[msg->partition] = true;
			} else if (msg->err) {
				kt_warn(log, "%s", rd_kafka_message_errstr(msg));
			} else {
				if (msg->partition >= 0 && msg->partition < 4096)
					eof[msg->partition] = false;
				take_record(&m, msg);
			}
			rd_kafka_message_destroy(msg);
		}
		bool caught_up = !msg && all_at_end(rk, eof, 4096);
		if (m.status == 0 && m.settings && write_ready(&m, false, caught_up) < 0)
			m.status = 1;
		if (o->exit_at_end && caught_up)
			break;
		if (m.status == 0 && kt_report_poll(report, out) < 0)
			m.status = 1;
	}
	if (m.status == 0 && m.settings && write_ready(&m, true, true) < 0)
		m.status = 1;
	if (m.status == 0 && kt_report_finish(report, out) < 0)
		m.status = 1;
	if (m.status == 0)
		rd_kafka_commit(rk, NULL, 0);
	for (size_t i = 0; i < m.nwindows; i++)
		window_release(&m.windows[i]);
	free(m.windows);
	for (size_t i = 0; i < m.nsources; i++)
		free(m.sources[i].topic);
	free(m.sources);
	for (size_t i = 0; i < m.ntopics; i++)
		free(m.topics[i].name);
	free(m.topics);
	free(m.settings);
	kt_wire_buf_release(&m.scratch);
	return m.status;
}
