/* merger: the global view of a scaled-out consumer group. */
#include "merger.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ktrio/clock.h"
#include "ktrio/error.h"
#include "ktrio/hash.h"
#include "ktrio/parse.h"
#include "ktrio/vec.h"
#include "mstate.h"
#include "partials.h"
#include "summary.h"
#include "wire.h"

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

/* The first offset of a partials partition a window's records came from:
 * the commit stays at or below it until the window is written. */
typedef struct mneed {
	int32_t partition;
	int64_t offset;
} mneed;

typedef struct mwindow {
	int64_t start, end;
	int64_t first_ms; /* monotonic: its first partial */
	part *parts;
	size_t nparts, cap;
	uint64_t duplicates, conflicts;
	mneed *need;
	size_t nneed, needcap;
	int64_t last_seal_ts; /* the Kafka timestamp of its latest seal, -1 none */
} mwindow;

/* A partition of the partials topic as this merger reads it. */
typedef struct ppart {
	int64_t next;      /* the offset after the last record read; -1: none */
	int64_t replay_to; /* restored from a commit: records of written windows
			    * below it are this merger's own replay, not repeats */
	bool restored;     /* its commit's metadata was read */
} ppart;

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
	rd_kafka_t *rk;
	volatile sig_atomic_t *stop;
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
	int64_t restore_cap; /* while restoring: the last window written, as the
			      * commits say; no input partition counts as sealed
			      * past it (see restore_entry) */
	ppart *pp; /* by partials partition */
	size_t npp;
	bool sources_cut; /* said once: too many sources for the metadata */
	uint64_t windows_overflow; /* written early: more than max_windows open */
	bool assigned;             /* the first assignment was said */
	uint64_t late_duplicates; /* partials of windows already written */
	uint64_t late_partials;   /* the same, of a partition they lacked */
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
	free(w->need);
}

/* Window w holds a record at offset of partials partition partition. */
static int note_need(mwindow *w, int32_t partition, int64_t offset)
{
	for (size_t i = 0; i < w->nneed; i++)
		if (w->need[i].partition == partition) {
			if (offset < w->need[i].offset)
				w->need[i].offset = offset;
			return 0;
		}
	if (KT_VEC_RESERVE(w->need, w->nneed, w->needcap, 1) < 0)
		return -1;
	w->need[w->nneed++] = (mneed){.partition = partition, .offset = offset};
	return 0;
}

/* Partials partition i's state, made when new; NULL when out of memory. */
static ppart *ppart_of(merger *m, int32_t i)
{
	if (i < 0)
		return NULL;
	if ((size_t)i >= m->npp) {
		ppart *pp = realloc(m->pp, ((size_t)i + 1) * sizeof *pp);
		if (!pp)
			return NULL;
		for (size_t k = m->npp; k <= (size_t)i; k++)
			pp[k] = (ppart){.next = -1};
		m->pp = pp;
		m->npp = (size_t)i + 1;
	}
	return &m->pp[i];
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
	m->windows[i] = (mwindow){.start = p->start, .end = p->end, .first_ms = kt_clock_mono_ms(),
				  .last_seal_ts = -1};
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

static bool same_name(const char *name, const char *topic, size_t len)
{
	return strlen(name) == len && !memcmp(name, topic, len);
}

/* Input partition (topic[0..len), partition), made when new. */
static source *source_at(merger *m, const char *topic, size_t len, int32_t partition)
{
	for (size_t i = 0; i < m->nsources; i++)
		if (m->sources[i].partition == partition && same_name(m->sources[i].topic, topic, len))
			return &m->sources[i];
	if (KT_VEC_RESERVE(m->sources, m->nsources, m->scap, 1) < 0)
		return NULL;
	source *s = &m->sources[m->nsources];
	*s = (source){.partition = partition, .sealed_start = INT64_MIN};
	if (!(s->topic = strndup(topic, len)))
		return NULL;
	m->nsources++;
	return s;
}

static source *source_of(merger *m, const kt_partial *p)
{
	return source_at(m, p->topic, p->topic_len, p->partition);
}

/* Learn that topic[0..len) has at least n partitions. */
static int note_topic_at(merger *m, const char *topic, size_t len, int32_t n)
{
	for (size_t i = 0; i < m->ntopics; i++)
		if (same_name(m->topics[i].name, topic, len)) {
			if (n > m->topics[i].partitions)
				m->topics[i].partitions = n;
			return 0;
		}
	if (KT_VEC_RESERVE(m->topics, m->ntopics, m->tcap, 1) < 0)
		return -1;
	topic_info *t = &m->topics[m->ntopics];
	t->partitions = n;
	if (!(t->name = strndup(topic, len)))
		return -1;
	m->ntopics++;
	return 0;
}

static int note_topic(merger *m, const kt_partial *p)
{
	return note_topic_at(m, p->topic, p->topic_len, p->topic_partitions);
}

/* ---- the merger's own commits ---------------------------------------- */

/* A restarted merger resumes from its commits on the partials topic: per
 * partition the first offset an open window still needs (partials of
 * later windows interleave with earlier ones), with metadata (mstate.h)
 * naming the last window written, so replayed partials of written windows
 * are dropped, and the input partitions' progress, so a window is
 * complete after the restart exactly when it would have been before. */

static int restore_entry(void *arg, bool is_source, const char *name, size_t len, int32_t n,
			 int64_t sealed)
{
	merger *m = arg;
	if (!is_source)
		return note_topic_at(m, name, len, n);
	source *s = source_at(m, name, len, n);
	if (!s)
		return -1;
	/* A seal of a window not written yet is read again (the commit is at
	 * or below the first partial of every open window); taken from the
	 * metadata it would count that window's partition as sealed before its
	 * partials are read again, and the window be written without them. */
	if (sealed > m->restore_cap)
		sealed = m->restore_cap;
	if (sealed > s->sealed_start)
		s->sealed_start = sealed;
	return 0;
}

static int skip_entry(void *arg, bool is_source, const char *name, size_t len, int32_t n,
		      int64_t sealed)
{
	(void)arg, (void)is_source, (void)name, (void)len, (void)n, (void)sealed;
	return 0;
}

/* Read the commits' metadata of the assigned partitions not read yet. */
static void restore(merger *m)
{
	rd_kafka_topic_partition_list_t *a = NULL;
	rd_kafka_resp_err_t err = rd_kafka_assignment(m->rk, &a);
	if (!err)
		err = rd_kafka_committed(m->rk, a, 10000);
	if (err)
		kt_warn(m->log, "cannot read the merger's committed offsets: %s; windows written "
				"before a restart may be written again", rd_kafka_err2str(err));
	int64_t before = m->written_through;
	/* First the last window written, as every commit read says it. */
	m->restore_cap = m->written_through;
	for (int i = 0; !err && a && i < a->cnt; i++) {
		const rd_kafka_topic_partition_t *t = &a->elems[i];
		const ppart *pp = ppart_of(m, t->partition);
		int64_t w, r;
		if (pp && !pp->restored && t->metadata &&
		    kt_mstate_parse(t->metadata, t->metadata_size, &w, &r, skip_entry, NULL) == 0 &&
		    w > m->restore_cap)
			m->restore_cap = w;
	}
	for (int i = 0; a && i < a->cnt; i++) {
		const rd_kafka_topic_partition_t *t = &a->elems[i];
		ppart *pp = ppart_of(m, t->partition);
		if (!pp || pp->restored)
			continue;
		pp->restored = true;
		int64_t w, r;
		if (err || !t->metadata || kt_mstate_parse(t->metadata, t->metadata_size, &w, &r,
							   restore_entry, m) < 0)
			continue;
		pp->replay_to = r;
		if (w > m->written_through)
			m->written_through = w;
	}
	if (a)
		rd_kafka_topic_partition_list_destroy(a);
	if (m->written_through > before) {
		char at[40];
		kt_format_iso8601_ms(m->written_through, at, sizeof at);
		kt_info(m->log, "resuming after window %s (written before a restart): its partials "
				"and earlier ones are dropped", at);
	}
}

/* The metadata for partials partition i. */
static void state_of(merger *m, size_t i, kt_mstate_buf *b)
{
	kt_mstate_begin(b, m->written_through, m->pp[i].next);
	for (size_t t = 0; t < m->ntopics; t++)
		kt_mstate_add_topic(b, m->topics[t].name, m->topics[t].partitions);
	for (size_t k = 0; k < m->nsources; k++) {
		const source *src = &m->sources[k];
		if (src->sealed_start == INT64_MIN)
			continue;
		if (kt_mstate_add_source(b, src->topic, src->partition, src->sealed_start) < 0) {
			if (!m->sources_cut)
				kt_info(m->log, "too many input partitions to keep their progress in "
						"the merger's commits: after a restart a window may "
						"wait for --merge-timeout");
			m->sources_cut = true;
			break;
		}
	}
}

/* Wait for the answer to a commit of list, at most 10 s. */
static rd_kafka_resp_err_t commit_wait(merger *m, rd_kafka_topic_partition_list_t *list)
{
	rd_kafka_queue_t *q = rd_kafka_queue_new(m->rk);
	if (!q)
		return RD_KAFKA_RESP_ERR__NOENT;
	rd_kafka_resp_err_t err = rd_kafka_commit_queue(m->rk, list, q, NULL, NULL);
	int64_t until = kt_clock_mono_ms() + 10000;
	rd_kafka_event_t *ev = NULL;
	while (!err && !ev && kt_clock_mono_ms() < until) {
		ev = rd_kafka_queue_poll(q, 100);
		if (ev && rd_kafka_event_type(ev) != RD_KAFKA_EVENT_OFFSET_COMMIT) {
			rd_kafka_event_destroy(ev);
			ev = NULL;
		}
	}
	if (!err)
		err = ev ? rd_kafka_event_error(ev) : RD_KAFKA_RESP_ERR__TIMED_OUT;
	const rd_kafka_topic_partition_list_t *res = ev ? rd_kafka_event_topic_partition_list(ev)
						       : NULL;
	for (int i = 0; !err && res && i < res->cnt; i++)
		err = res->elems[i].err;
	if (ev)
		rd_kafka_event_destroy(ev);
	rd_kafka_queue_destroy(q);
	return err;
}

/* Commit, per partials partition read, the first offset an open window
 * needs, else the one after the last read. 0, or -1 (said). */
static int commit_state(merger *m)
{
	rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)m->npp);
	for (size_t i = 0; i < m->npp; i++) {
		int64_t off = m->pp[i].next;
		if (off < 0)
			continue;
		for (size_t k = 0; k < m->nwindows; k++)
			for (size_t j = 0; j < m->windows[k].nneed; j++) {
				const mneed *n = &m->windows[k].need[j];
				if (n->partition == (int32_t)i && n->offset < off)
					off = n->offset;
			}
		rd_kafka_topic_partition_t *t =
			rd_kafka_topic_partition_list_add(list, m->o->topic, (int32_t)i);
		t->offset = off;
		kt_mstate_buf b;
		state_of(m, i, &b);
		if ((t->metadata = malloc(b.len))) {
			memcpy(t->metadata, b.data, b.len);
			t->metadata_size = b.len; /* freed with the list */
		}
	}
	rd_kafka_resp_err_t err = list->cnt ? commit_wait(m, list) : RD_KAFKA_RESP_ERR_NO_ERROR;
	rd_kafka_topic_partition_list_destroy(list);
	if (err == RD_KAFKA_RESP_ERR__NO_OFFSET)
		err = RD_KAFKA_RESP_ERR_NO_ERROR;
	if (err)
		kt_warn(m->log, "cannot commit the merger's offsets: %s (a restarted merger writes "
				"the windows since its last commit again)", rd_kafka_err2str(err));
	return err ? -1 : 0;
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

/* A seal, not a replay, of a window already written: a duplicate when its
 * partition had sealed that window (or a later one) before, else late. */
static void note_late_seal(merger *m, source *s, int64_t start)
{
	if (s && s->sealed_start < start) {
		s->sealed_start = start;
		m->late_partials++;
	} else {
		m->late_duplicates++;
	}
}

static void take_seal(merger *m, mwindow *w, part *q, const kt_partial *p, int64_t ts)
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
	if (ts > w->last_seal_ts)
		w->last_seal_ts = ts;
	source *s = source_of(m, p);
	if (s && p->start > s->sealed_start)
		s->sealed_start = p->start;
}

/* One partials record. -1 when it cannot be used (logged). */
static int take_record(merger *m, const rd_kafka_message_t *msg)
{
	char err[512];
	ppart *pp = ppart_of(m, msg->partition);
	if (pp && !pp->restored) {
		restore(m); /* may move m->pp */
		pp = ppart_of(m, msg->partition);
	}
	if (!pp)
		goto oom;
	pp->restored = true;
	pp->next = msg->offset + 1;
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
	if (p.kind == KT_PARTIAL_THROUGH) {
		/* Nothing more for windows ending by p.end: as if it had sealed
		 * one starting just after the last of them (kept in the
		 * commits' metadata with the rest). */
		source *s = source_of(m, &p);
		if (p.end - m->window_ms + 1 > s->sealed_start)
			s->sealed_start = p.end - m->window_ms + 1;
		return 0;
	}
	if (p.start <= m->written_through) {
		/* A window already written: a replay of what was sealed, or,
		 * when this partition had not sealed it, a late one whose
		 * records that window lacks (it was written early). */
		if (p.kind == KT_PARTIAL_SEAL && msg->offset >= pp->replay_to)
			note_late_seal(m, source_of(m, &p), p.start);
		return 0;
	}
	mwindow *w = window_of(m, &p);
	part *q = w ? part_of(m, w, &p) : NULL;
	if (!q || note_need(w, msg->partition, msg->offset) < 0)
		goto oom;
	if (p.kind == KT_PARTIAL_SEAL) {
		take_seal(m, w, q, &p, rd_kafka_message_timestamp(msg, NULL));
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
 * a later window (it seals in order, so it had nothing for w), or sent a
 * through marker for w's end or later. */
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

/* Write the oldest window: its sealed partitions merged in order. Its
 * start into *start, and into *after_seal how long after its latest seal
 * was stamped it was written (-1: no seal). */
static int write_oldest(merger *m, int64_t *start, int64_t *after_seal)
{
	mwindow *w = &m->windows[0];
	char missing[4096];
	uint32_t nmissing = missing_of(m, w, missing, sizeof missing);
	kt_window *sum = kt_window_new(w->start, w->end, m->o->max_groups);
	kt_health h = {.lag = -1, .merged = true, .complete = nmissing == 0,
		       .missing = missing, .duplicates = w->duplicates + m->late_duplicates,
		       .conflicts = w->conflicts, .late_partials = m->late_partials, .windows_overflow = m->windows_overflow};
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
			kt_err(m->log, "cannot write a window: %s", kt_report_failure_text(errno));
			rc = -1;
		} else if (m->o->sink && kt_sink_window(m->o->sink, m->report, sum, &h) < 0) {
			rc = -1; /* said; not committed */
		}
	} else {
		kt_err(m->log, "out of memory");
	}
	*start = w->start;
	*after_seal = rc == 0 && w->last_seal_ts >= 0 ? sum->written_ms - w->last_seal_ts : -1;
	kt_window_free(sum);
	m->late_duplicates = 0;
	m->late_partials = 0;
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
		bool overflow = m->nwindows > (m->o->max_windows ? m->o->max_windows : 1000);
		if (!ready && !overdue && !end && !overflow)
			break;
		if (!ready && !overdue && !end) { /* the cap on open windows */
			if (!m->windows_overflow)
				kt_warn(m->log, "more than %zu windows open (--max-windows): the "
						"oldest are written incomplete (counted in "
						"windows_overflow)", m->nwindows - 1);
			m->windows_overflow++;
		}
		int64_t start, after_seal;
		if (write_oldest(m, &start, &after_seal) < 0)
			return -1;
		/* One window at a time: a merger killed now writes at most this
		 * one again when restarted. */
		int rc = commit_state(m);
		char at[40];
		kt_format_iso8601_ms(start, at, sizeof at);
		if (after_seal >= 0)
			kt_debug(m->log, "window %s written %" PRId64 " ms after its last seal%s", at,
				after_seal, rc == 0 ? "; offsets committed" : "");
		else
			kt_debug(m->log, "window %s written without a seal%s", at,
				rc == 0 ? "; offsets committed" : "");
	}
	return 0;
}

/* ---- the loop --------------------------------------------------------- */

/* Whether every assigned partials partition is read to its end; the
 * first assignment is said (-v: scripts wait for it). */
static bool all_at_end(merger *m, const bool *eof, int n)
{
	rd_kafka_topic_partition_list_t *a = NULL;
	if (rd_kafka_assignment(m->rk, &a) || !a)
		return false;
	if (a->cnt > 0 && !m->assigned) {
		kt_debug(m->log, "assigned %d partials partition(s)", a->cnt);
		m->assigned = true;
	}
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
	merger m = {.o = o, .rk = rk, .stop = stop, .spec = spec, .report = report, .out = out,
		    .log = log, .written_through = INT64_MIN};
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
		bool caught_up = !msg && all_at_end(&m, eof, 4096);
		if (m.status == 0 && m.settings && write_ready(&m, false, caught_up) < 0)
			m.status = 1;
		if (o->exit_at_end && caught_up)
			break;
		if (m.status == 0 && kt_report_poll(report, out) < 0)
			m.status = 1;
	}
	/* Stopped: the open windows are left to the next run (the commit
	 * stays below their partials), not written incomplete. */
	bool at_end = !*stop;
	if (m.status == 0 && m.settings && at_end && write_ready(&m, true, true) < 0)
		m.status = 1;
	if (!at_end && m.nwindows)
		kt_info(log, "%zu open window(s) left to the next run", m.nwindows);
	if (m.status == 0 && kt_report_finish(report, out) < 0)
		m.status = 1;
	if (m.status == 0 && commit_state(&m) < 0)
		m.status = 1;
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
	free(m.pp);
	kt_wire_buf_release(&m.scratch);
	return m.status;
}
