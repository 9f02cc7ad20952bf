/* engine: the consumer's read-window-emit-commit loop. */
#include "engine.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ktrio/clock.h"
#include "ktrio/kafka.h"
#include "ktrio/record.h"
#include "wclock.h"
#include "window.h"
#include "ktrio/vec.h"

/* Event time: windows open at once before the oldest is forced out. */
#define MAX_OPEN_WINDOWS 1024

/* Messages taken from librdkafka per call: one clock read and one queue
 * lock per batch instead of per record. */
#define BATCH 2048

/* Below this many messages a batch is decoded by the main thread alone:
 * waking a worker would cost more than it saves. */
#define PARALLEL_MIN 256

/* What decoding made of one message (decoding runs on several threads;
 * everything after it, in message order, on the main thread). */
enum decoded_status { DECODED_OK, DECODED_INVALID, DECODED_FILTERED };

typedef struct decoded {
	cJSON *root; /* in the decoding thread's arena, for DECODED_OK */
	uint8_t status;
	uint8_t why; /* enum kt_invalid, for DECODED_INVALID */
} decoded;

/* Messages taken in one call and what decoding made of them. There are
 * two: the workers decode one while the main thread counts the other. */
typedef struct batch {
	rd_kafka_message_t *msgs[BATCH];
	decoded results[BATCH];
	size_t n;
	int64_t now; /* when it was taken: its records' processing time */
} batch;

/* What one thread decodes with: its filter and, per batch, the arena the
 * batch's records live in (a batch's arena is reset when the batch is
 * decoded again, two batches later, long after it was counted). */
typedef struct decoder {
	kt_filter *filter;
	kt_record_arena arenas[2]; /* by batch index */
} decoder;

typedef struct worker {
	pthread_t tid;
	struct kt_engine *e;
	decoder *dec;
	size_t index; /* which slice of a batch is this worker's */
	unsigned job; /* the last job taken */
} worker;

/* One assigned partition. */
typedef struct slot {
	char *topic;
	int32_t partition;
	/* The topic handle its messages carry, once one was matched by name
	 * (NULL before): assigned, the partition holds a reference to it,
	 * so it is this topic's for as long as the slot lives. */
	const rd_kafka_topic_t *rkt;
	int64_t next;  /* offset after the last one read, -1 before any */
	int64_t settled; /* the last offset committed for sure, or said not to
			  * be: a commit that would repeat it is not sent */
	bool eof;
	bool until_done; /* --until-time: a record at or after it was reached
			  * (not counted; the partition is paused) */
	/* Member (--partials-to): what happened beside the counted records
	 * since this partition's last seal, goes in its next one; the end of
	 * the last window sealed and the position read then (INT64_MIN and
	 * -1: none). A replay from a commit below sealed_pos skips what those
	 * seals already hold. */
	kt_health health;
	int64_t sealed_end, sealed_pos;
	/* The committed offset it was assigned at (-1: none, or it starts
	 * elsewhere), until the first record or end of partition shows
	 * where reading began: a commit the log no longer holds is said. */
	int64_t resume_from;
} slot;

struct kt_engine {
	rd_kafka_t *rk;
	kt_kafka_ctx *ctx; /* in rk's opaque: the logger, outage state */
	kt_engine_opts o;
	kt_fieldspec *spec;
	decoder decoders[KT_ENGINE_MAX_THREADS]; /* [0] the main thread's, then workers' */
	kt_report *report;
	FILE *out;
	const kt_log *log;
	kt_wclock clock;
	kt_window *open[MAX_OPEN_WINDOWS]; /* by start, ascending */
	size_t nopen;
	kt_window *spare; /* one emitted window kept for reuse */
	kt_health health;
	slot *slots;
	size_t nslots, slots_cap;
	uint64_t seen;
	bool failed; /* output or memory failure: stop */
	volatile sig_atomic_t *stop; /* the stop request kt_engine_run watches */
	int64_t deadline_ms; /* monotonic: when the shutdown must be over, 0
			      * before it starts */
	bool uncommitted; /* the shutdown left offsets uncommitted */
	bool warned_partial; /* said that it holds only some partitions */
	bool commit_lost;    /* said that a committed offset is gone */
	bool warned_skipped; /* said that auto stats left fields out */
	rd_kafka_topic_partition_list_t *from_done; /* started at --from-time */
	/* The pipeline: with threads > 1, the workers (threads - 1 of them)
	 * decode batch `inflight` while the main thread takes the next one
	 * into batch `fill` and counts the one before, in message order. */
	batch batches[2];
	unsigned fill;
	int inflight; /* -1: none */
	worker workers[KT_ENGINE_MAX_THREADS];
	size_t nworkers;
	pthread_mutex_t mu; /* guards job, busy, quit and inflight's hand-over */
	pthread_cond_t go, done;
	bool sync_ready;
	unsigned job;  /* bumped for each batch handed to the workers */
	size_t busy;   /* workers still decoding the current job */
	bool quit;
	bool starved;     /* nothing came while our partitions are behind */
	int64_t poked_ms; /* when the fetchers were last woken */
	int64_t idle_asked_ms; /* monotonic: when the cluster was last asked
				* which partitions are caught up */
	int64_t outage_ms;     /* monotonic: when it was last unreachable; 0 never */
	/* Member: the record's partition's greatest event time before it,
	 * for a window it opens. */
	bool before_seen;
	int64_t before_max;
	/* The fields the query reads: decoding builds nodes for these only
	 * (keys_set false: for all, as auto stats need every number). */
	kt_record_keys keys;
	bool keys_set;
};

/* Decode and filter messages [from, to) of batch b with dec, into dec's
 * arena for that batch. */
static void decode_slice(kt_engine *e, decoder *dec, batch *b, size_t from,
			 size_t to)
{
	kt_record_arena *arena = &dec->arenas[b - e->batches];
	kt_record_arena_reset(arena); /* what it held two batches ago is counted */
	for (size_t i = from; i < to; i++) {
		const rd_kafka_message_t *m = b->msgs[i];
		decoded *d = &b->results[i];
		enum kt_invalid why;
		d->root = NULL;
		d->status = DECODED_INVALID;
		d->why = KT_INVALID_COUNT;
		if (m->err)
			continue; /* the main thread handles errors and EOF */
		d->root = kt_record_decode_some(arena, m->payload, m->len, e->o.max_record_bytes,
						e->keys_set ? &e->keys : NULL, &why);
		if (!d->root)
			d->why = (uint8_t)why;
		else if (!kt_filter_match(dec->filter, d->root))
			d->status = DECODED_FILTERED;
		else
			d->status = DECODED_OK;
	}
}

static void drain(kt_engine *e);

static void *worker_main(void *arg)
{
	worker *w = arg;
	kt_engine *e = w->e;
	for (;;) {
		pthread_mutex_lock(&e->mu);
		while (w->job == e->job && !e->quit)
			pthread_cond_wait(&e->go, &e->mu);
		if (e->quit) {
			pthread_mutex_unlock(&e->mu);
			break;
		}
		w->job = e->job;
		batch *b = &e->batches[e->inflight];
		pthread_mutex_unlock(&e->mu);
		size_t per = (b->n + e->nworkers - 1) / e->nworkers;
		size_t from = w->index * per < b->n ? w->index * per : b->n;
		size_t to = from + per < b->n ? from + per : b->n;
		decode_slice(e, w->dec, b, from, to);
		pthread_mutex_lock(&e->mu);
		if (--e->busy == 0)
			pthread_cond_signal(&e->done);
		pthread_mutex_unlock(&e->mu);
	}
	return NULL;
}

static int start_workers(kt_engine *e)
{
	size_t threads = e->o.threads; /* 1..KT_ENGINE_MAX_THREADS */
	if (threads == 1)
		return 0;
	if (pthread_mutex_init(&e->mu, NULL))
		return -1;
	if (pthread_cond_init(&e->go, NULL)) {
		pthread_mutex_destroy(&e->mu);
		return -1;
	}
	if (pthread_cond_init(&e->done, NULL)) {
		pthread_cond_destroy(&e->go);
		pthread_mutex_destroy(&e->mu);
		return -1;
	}
	e->sync_ready = true;
	for (size_t i = 0; i + 1 < threads; i++) {
		worker *w = &e->workers[i];
		*w = (worker){.e = e, .dec = &e->decoders[i + 1], .index = i};
		if (pthread_create(&w->tid, NULL, worker_main, w))
			return -1;
		e->nworkers++;
	}
	return 0;
}

static void stop_workers(kt_engine *e)
{
	if (e->nworkers) {
		pthread_mutex_lock(&e->mu);
		e->quit = true;
		pthread_cond_broadcast(&e->go);
		pthread_mutex_unlock(&e->mu);
		for (size_t i = 0; i < e->nworkers; i++)
			pthread_join(e->workers[i].tid, NULL);
		e->nworkers = 0;
	}
	if (e->sync_ready) {
		pthread_cond_destroy(&e->done);
		pthread_cond_destroy(&e->go);
		pthread_mutex_destroy(&e->mu);
		e->sync_ready = false;
	}
}

/* The handle's context: kt_engine_ctx starts with the kt_kafka_ctx that
 * is the handle's opaque. */
static kt_engine_ctx *engine_ctx(void *opaque)
{
	_Static_assert(offsetof(kt_engine_ctx, kafka) == 0, "kafka must come first");
	return (kt_engine_ctx *)opaque;
}

/* The top-level fields the query reads: group-by, stats, event time,
 * distinct and the filters' fields. false when they cannot all be named
 * (auto stats read every numeric field; too many fields). */
static bool query_keys(kt_fieldspec *spec, const kt_filter *filter, kt_record_keys *k)
{
	return kt_fields_add_keys(spec, k) && kt_filter_keys(filter, k);
}

kt_engine *kt_engine_new(rd_kafka_t *rk, const kt_engine_opts *o,
			 kt_fieldspec *spec, const kt_filter *filter,
			 kt_report *report, FILE *out, const kt_log *log)
{
	kt_engine *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	*e = (kt_engine){.rk = rk, .o = *o, .spec = spec, .report = report,
			 .out = out, .log = log};
	if (e->o.threads < 1)
		e->o.threads = 1;
	if (e->o.threads > KT_ENGINE_MAX_THREADS)
		e->o.threads = KT_ENGINE_MAX_THREADS;
	for (size_t i = 0; i < e->o.threads; i++) {
		if (!(e->decoders[i].filter = kt_filter_copy(filter))) {
			kt_engine_free(e);
			return NULL;
		}
	}
	e->keys_set = query_keys(spec, filter, &e->keys);
	kt_wclock_init(&e->clock, o->window_ms, o->event_time, o->lateness_ms,
		       o->idle_ms, o->max_future_ms);
	e->health.lag = -1;
	e->inflight = -1;
	if (start_workers(e) < 0) {
		kt_engine_free(e);
		return NULL;
	}
	kt_engine_ctx *ctx = engine_ctx(rd_kafka_opaque(rk));
	ctx->engine = e;
	e->ctx = &ctx->kafka;
	return e;
}

static void clear_slots(kt_engine *e)
{
	for (size_t i = 0; i < e->nslots; i++)
		free(e->slots[i].topic);
	free(e->slots);
	e->slots = NULL;
	e->nslots = e->slots_cap = 0;
	kt_wclock_clear_sources(&e->clock);
}

void kt_engine_free(kt_engine *e)
{
	if (!e)
		return;
	stop_workers(e);
	for (size_t i = 0; i < e->nopen; i++)
		kt_window_free(e->open[i]);
	kt_window_free(e->spare);
	clear_slots(e);
	for (size_t i = 0; i < KT_ENGINE_MAX_THREADS; i++) {
		kt_filter_free(e->decoders[i].filter);
		for (size_t j = 0; j < 2; j++)
			kt_record_arena_release(&e->decoders[i].arenas[j]);
	}
	kt_wclock_release(&e->clock);
	if (e->from_done)
		rd_kafka_topic_partition_list_destroy(e->from_done);
	free(e);
}

uint64_t kt_engine_records_seen(const kt_engine *e)
{
	return e->seen;
}

bool kt_engine_commit_lost(const kt_engine *e)
{
	return e->commit_lost;
}

bool kt_engine_uncommitted(const kt_engine *e)
{
	return e->uncommitted;
}

/* ---- offsets --------------------------------------------------------- */

static int find_slot(kt_engine *e, const char *topic, int32_t partition)
{
	for (size_t i = 0; i < e->nslots; i++)
		if (e->slots[i].partition == partition && !strcmp(e->slots[i].topic, topic))
			return (int)i;
	return -1;
}

/* The slot of a message's partition, or -1: by the topic handle it
 * carries (no strcmp per message), by name the first time. */
static int find_message_slot(kt_engine *e, const rd_kafka_message_t *m)
{
	for (size_t i = 0; i < e->nslots; i++)
		if (e->slots[i].partition == m->partition && e->slots[i].rkt == m->rkt && m->rkt)
			return (int)i;
	int s = find_slot(e, m->rkt ? rd_kafka_topic_name(m->rkt) : "", m->partition);
	if (s >= 0)
		e->slots[s].rkt = m->rkt;
	return s;
}

/* Records behind the cached high watermarks of our partitions. */
static int64_t current_lag(kt_engine *e)
{
	int64_t lag = 0;
	for (size_t i = 0; i < e->nslots; i++) {
		int64_t low, high;
		if (rd_kafka_get_watermark_offsets(e->rk, e->slots[i].topic,
						   e->slots[i].partition, &low, &high) ||
		    high < 0)
			return -1;
		int64_t pos = e->slots[i].next >= 0 ? e->slots[i].next : low;
		if (high > pos)
			lag += high - pos;
	}
	return lag;
}

/* How long a commit at a rebalance may wait for its answer; how long the
 * whole shutdown may take (the last commit and leaving the group) once a
 * stop is asked for or the input is at its end. */
#define REBALANCE_COMMIT_MS 10000
#define SHUTDOWN_MS 5000

/* When a wait that began at start must end: the rebalance bound, or the
 * shutdown's deadline once a stop is asked for (also in the middle of a
 * wait: Ctrl-C shortens a commit stuck on an absent broker). */
static int64_t wait_deadline(kt_engine *e, int64_t start)
{
	if (!e->deadline_ms && e->stop && *e->stop)
		e->deadline_ms = kt_clock_mono_ms() + SHUTDOWN_MS;
	int64_t d = start + REBALANCE_COMMIT_MS;
	return e->deadline_ms && e->deadline_ms < d ? e->deadline_ms : d;
}

/* Say, in one line, which offsets of list were not committed and why:
 * those of the partitions with an error of their own, or all on err. */
static void say_not_committed(kt_engine *e, const rd_kafka_topic_partition_list_t *list,
			      rd_kafka_resp_err_t err)
{
	char buf[1024];
	size_t len = 0, shown = 0;
	const char *why = NULL, *topic = NULL;
	for (int i = 0; i < list->cnt; i++) {
		const rd_kafka_topic_partition_t *p = &list->elems[i];
		rd_kafka_resp_err_t perr = err ? err : p->err;
		if (!perr)
			continue;
		why = why ? why : rd_kafka_err2str(perr);
		int n = topic && !strcmp(topic, p->topic)
				? snprintf(buf + len, sizeof buf - len, ", [%d] at %" PRId64,
					   (int)p->partition, p->offset)
				: snprintf(buf + len, sizeof buf - len, "%s'%s' [%d] at %" PRId64,
					   shown ? ", " : "", p->topic, (int)p->partition, p->offset);
		topic = p->topic;
		shown++;
		if (n < 0 || (size_t)n >= sizeof buf - len) {
			memcpy(buf + sizeof buf - 6, ", ...", 6); /* cut, and said so */
			break;
		}
		len += (size_t)n;
	}
	e->uncommitted |= shown && e->deadline_ms;
	if (shown)
		kt_warn(e->log, "offsets not committed (%s): %s; the group reads the records "
				"before them again", why, buf);
}

/* Commit list and wait for the answer, at most until wait_deadline; the
 * offsets that were not committed are said once. */
static void commit_and_wait(kt_engine *e, rd_kafka_topic_partition_list_t *list)
{
	rd_kafka_queue_t *q = rd_kafka_queue_new(e->rk);
	rd_kafka_resp_err_t err =
		q ? rd_kafka_commit_queue(e->rk, list, q, NULL, NULL) : RD_KAFKA_RESP_ERR__NOENT;
	rd_kafka_event_t *ev = NULL;
	int64_t start = kt_clock_mono_ms();
	bool told = false;
	while (!err && !ev) {
		int64_t now = kt_clock_mono_ms(), left = wait_deadline(e, start) - now;
		if (left <= 0) {
			err = RD_KAFKA_RESP_ERR__TIMED_OUT;
			break;
		}
		if (!told && e->deadline_ms && now - start >= 1000) {
			kt_warn(e->log, "waiting up to %.1f s more for the broker to take the offsets "
					"(a second Ctrl-C exits at once)", (double)left / 1000.0);
			told = true;
		}
		ev = rd_kafka_queue_poll(q, left > 100 ? 100 : (int)left);
		if (ev && rd_kafka_event_type(ev) != RD_KAFKA_EVENT_OFFSET_COMMIT) {
			rd_kafka_event_destroy(ev);
			ev = NULL;
		}
	}
	const rd_kafka_topic_partition_list_t *result = list;
	if (ev) {
		err = rd_kafka_event_error(ev);
		if (rd_kafka_event_topic_partition_list(ev))
			result = rd_kafka_event_topic_partition_list(ev);
	}
	if (err == RD_KAFKA_RESP_ERR__NO_OFFSET)
		err = RD_KAFKA_RESP_ERR_NO_ERROR;
	say_not_committed(e, result, err);
	/* Committed, or (shutting down) said not to be: not sent again. */
	for (int i = 0; i < result->cnt; i++) {
		const rd_kafka_topic_partition_t *p = &result->elems[i];
		int s = find_slot(e, p->topic, p->partition);
		if (s >= 0 && ((!err && !p->err) || e->deadline_ms))
			e->slots[s].settled = p->offset;
	}
	if (ev)
		rd_kafka_event_destroy(ev);
	if (q)
		rd_kafka_queue_destroy(q);
}
static void member_metadata(kt_engine *e, size_t i, const kt_window *from,
			    rd_kafka_topic_partition_t *p);

/* Commit, per partition, the first offset not yet written out: the lowest
 * offset held by an open window, else the one after the last read. An
 * asynchronous commit is sent and forgotten (the next one covers it); a
 * synchronous one (at a rebalance or the end) waits for its answer within
 * bounds and leaves out what is already settled. */
static void commit(kt_engine *e, bool sync)
{
	rd_kafka_topic_partition_list_t *list =
		rd_kafka_topic_partition_list_new((int)e->nslots);
	for (size_t i = 0; i < e->nslots; i++) {
		int64_t off = e->slots[i].next;
		const kt_window *from = NULL;
		for (size_t w = 0; w < e->nopen; w++) {
			int64_t m = kt_window_min_offset(e->open[w], (int32_t)i);
			if (m >= 0 && (off < 0 || m < off)) {
				off = m;
				from = e->open[w];
			}
		}
		if (off < 0 || (sync && off == e->slots[i].settled && !e->o.partials))
			continue;
		rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_add(
			list, e->slots[i].topic, e->slots[i].partition);
		p->offset = off;
		if (e->o.partials)
			member_metadata(e, i, from, p);
	}
	if (list->cnt && sync) {
		commit_and_wait(e, list);
	} else if (list->cnt) {
		rd_kafka_resp_err_t err = rd_kafka_commit(e->rk, list, 1);
		if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
			kt_warn(e->log, "cannot commit offsets: %s", rd_kafka_err2str(err));
	}
	rd_kafka_topic_partition_list_destroy(list);
}

/* ---- members (--partials-to) ---------------------------------------- */

/* A member's commit says how to resume the partition exactly: its greatest
 * event time before the committed offset (so a replay judges lateness as
 * the first reading did), the end of the last window it sealed and the
 * position then (so a replay neither seals a window twice nor counts a
 * record's health twice). */
#define MEMBER_META "ktrio-member 1"

static void member_metadata(kt_engine *e, size_t i, const kt_window *from,
			    rd_kafka_topic_partition_t *p)
{
	const kt_wclock_source *src = &e->clock.sources[i];
	bool seen = from ? from->seen_before : src->seen;
	int64_t max = from ? from->max_seen_before : src->max_seen;
	char meta[160];
	int n = snprintf(meta, sizeof meta, MEMBER_META " %d %" PRId64 " %" PRId64 " %" PRId64,
			 seen, seen ? max : 0, e->slots[i].sealed_end, e->slots[i].sealed_pos);
	if (n > 0 && (p->metadata = malloc((size_t)n))) {
		memcpy(p->metadata, meta, (size_t)n);
		p->metadata_size = (size_t)n; /* freed with the list */
	}
}

/* On assignment: each partition's state as its last commit left it. */
static void member_restore(kt_engine *e, const rd_kafka_topic_partition_list_t *parts)
{
	rd_kafka_topic_partition_list_t *c = rd_kafka_topic_partition_list_copy(parts);
	rd_kafka_resp_err_t err = rd_kafka_committed(e->rk, c, 10000);
	if (err)
		kt_warn(e->log, "cannot read committed offsets: %s", rd_kafka_err2str(err));
	for (int k = 0; !err && k < c->cnt; k++) {
		const rd_kafka_topic_partition_t *p = &c->elems[k];
		int s = find_slot(e, p->topic, p->partition);
		char meta[160];
		int seen;
		int64_t max, sealed_end, sealed_pos;
		if (s < 0 || !p->metadata || p->metadata_size >= sizeof meta)
			continue;
		memcpy(meta, p->metadata, p->metadata_size);
		meta[p->metadata_size] = '\0';
		if (sscanf(meta, MEMBER_META " %d %" SCNd64 " %" SCNd64 " %" SCNd64, &seen, &max,
			   &sealed_end, &sealed_pos) != 4)
			continue;
		kt_wclock_source *src = &e->clock.sources[s];
		src->seen = seen != 0;
		src->max_seen = max;
		e->slots[s].sealed_end = sealed_end;
		e->slots[s].sealed_pos = sealed_pos;
		kt_info(e->log, "resuming %s [%" PRId32 "] at %" PRId64 " (sealed to %" PRId64 ")",
			p->topic, p->partition, p->offset, sealed_end);
	}
	rd_kafka_topic_partition_list_destroy(c);
}

static int32_t topic_partitions(const kt_engine *e, const char *topic)
{
	for (size_t i = 0; i < e->o.ntopics; i++)
		if (!strcmp(e->o.topics[i], topic))
			return e->o.topic_partitions[i];
	return 0;
}

static void recycle(kt_engine *e, kt_window *w)
{
	kt_window_reset(w, 0, 0);
	if (e->spare)
		kt_window_free(w);
	else
		e->spare = w;
}

/* Seal the oldest open interval for every partition held: its windows
 * (one per partition that has records in it) as partials, and a seal for
 * every partition, also those with no record in it. Commit once every
 * record is delivered. */
static void member_seal_oldest(kt_engine *e, bool commit_now)
{
	int64_t start = e->open[0]->start, end = e->open[0]->end;
	size_t n = 0;
	while (n < e->nopen && e->open[n]->start == start)
		n++;
	for (size_t i = 0, w = 0; i < e->nslots && !e->failed; i++) {
		slot *sl = &e->slots[i];
		kt_window *win = w < n && e->open[w]->slot == (int32_t)i ? e->open[w++] : NULL;
		if (!win && end <= sl->sealed_end)
			continue; /* sealed before a rebalance: nothing new */
		int64_t first = win ? kt_window_min_offset(win, (int32_t)i) : sl->next;
		if (kt_partials_send(e->o.partials, win, start, end, e->spec, sl->topic,
				     sl->partition, topic_partitions(e, sl->topic), &sl->health,
				     first, sl->next) < 0) {
			e->failed = true;
			break;
		}
		memset(&sl->health, 0, sizeof sl->health);
		sl->sealed_end = end;
		sl->sealed_pos = sl->next;
	}
	for (size_t w = 0; w < n; w++)
		recycle(e, e->open[w]);
	memmove(e->open, e->open + n, (e->nopen - n) * sizeof *e->open);
	e->nopen -= n;
	if (!e->failed && kt_partials_flush(e->o.partials, 30000) < 0)
		e->failed = true;
	if (!e->failed && commit_now)
		commit(e, false);
}

/* Every partition read to its end (--exit-at-end): nothing more for any
 * window not sealed, which the merger may write without waiting. */
static void member_end(kt_engine *e)
{
	for (size_t i = 0; i < e->nslots && !e->failed; i++)
		if (kt_partials_send_end(e->o.partials, e->slots[i].topic, e->slots[i].partition,
					 topic_partitions(e, e->slots[i].topic)) < 0)
			e->failed = true;
	if (!e->failed && kt_partials_flush(e->o.partials, 30000) < 0)
		e->failed = true;
}

/* Every partition held is idle and no window is open: the member would
 * seal nothing until a record comes, and the merger would wait for these
 * partitions. Processing time stands in for their event time (as an idle
 * partition holds nothing back in a plain consumer): each is said to
 * have nothing more for the windows ending by now - the lateness - the
 * idle timeout (a producer stalled for less than that, its records'
 * times behind the clock, still counts), and counts its records of those
 * windows late from here on (sealed_end). */
static void member_through(kt_engine *e, int64_t now)
{
	if (e->nopen || !kt_wclock_all_idle(&e->clock))
		return;
	int64_t t = kt_wclock_window_start(&e->clock, now - e->o.lateness_ms - e->o.idle_ms);
	bool sent = false;
	for (size_t i = 0; i < e->nslots && !e->failed; i++) {
		slot *sl = &e->slots[i];
		if (t <= sl->sealed_end)
			continue;
		if (kt_partials_send_through(e->o.partials, sl->topic, sl->partition,
					     topic_partitions(e, sl->topic), t) < 0) {
			e->failed = true;
			break;
		}
		sl->sealed_end = t;
		sl->sealed_pos = sl->next;
		sent = true;
	}
	if (!sent || e->failed)
		return;
	if (kt_partials_flush(e->o.partials, 30000) < 0)
		e->failed = true;
	else
		commit(e, false);
}

/* Give the open windows up unsealed (a revoke, a stop before the end):
 * whoever reads their partitions next replays them from the commit. */
static void member_drop_open(kt_engine *e)
{
	for (size_t w = 0; w < e->nopen; w++)
		recycle(e, e->open[w]);
	e->nopen = 0;
}

/* ---- windows --------------------------------------------------------- */

static kt_window *take_window(kt_engine *e, int64_t start, int32_t slot, int64_t now)
{
	kt_window *w = e->spare;
	e->spare = NULL;
	if (w)
		kt_window_reset(w, start, start + e->o.window_ms);
	else
		w = kt_window_new(start, start + e->o.window_ms, e->o.max_groups);
	if (w) {
		w->opened_ms = now;
		w->slot = slot;
		w->seen_before = e->before_seen;
		w->max_seen_before = e->before_max;
	}
	return w;
}

/* Write out open[0] (partial: before its end), recycle it, and with
 * commit_now commit (asynchronously) what is now written. */
static void emit_oldest(kt_engine *e, bool partial, bool commit_now)
{
	if (e->o.partials) {
		member_seal_oldest(e, commit_now);
		return;
	}
	kt_window *w = e->open[0];
	memmove(e->open, e->open + 1, (e->nopen - 1) * sizeof *e->open);
	e->nopen--;
	e->health.lag = current_lag(e);
	e->health.held = (int32_t)e->nslots;
	e->health.total = e->o.total_partitions;
	w->partial = partial;
	w->written_ms = kt_clock_wall_ms();
	if (kt_report_window(e->report, e->out, w, &e->health) < 0) {
		kt_err(e->log, "cannot write a window: %s", kt_report_failure_text(errno));
		e->failed = true;
	} else if (e->o.sink && kt_sink_window(e->o.sink, e->report, w, &e->health) < 0) {
		e->failed = true; /* said; its offsets stay uncommitted */
	}
	/* Its groups go now, not when it is reused: a kept window holding
	 * them would double the state at every window's end. */
	kt_window_reset(w, 0, 0);
	memset(&e->health, 0, sizeof e->health);
	e->health.lag = -1;
	if (e->spare)
		kt_window_free(w);
	else
		e->spare = w;
	if (!e->failed && commit_now)
		commit(e, false);
}

/* Open windows are ordered by (start, slot). */
static bool window_after(const kt_window *w, int64_t start, int32_t slot)
{
	return w->start > start || (w->start == start && w->slot > slot);
}

/* The open window starting at start (of engine slot `slot` for a member,
 * else -1), made (opened at now) when missing. */
static kt_window *window_at(kt_engine *e, int64_t start, int32_t slot, int64_t now)
{
	size_t i = e->nopen;
	while (i > 0 && window_after(e->open[i - 1], start, slot))
		i--;
	if (i > 0 && e->open[i - 1]->start == start && e->open[i - 1]->slot == slot)
		return e->open[i - 1];
	if (e->nopen == MAX_OPEN_WINDOWS) {
		size_t before = e->nopen;
		emit_oldest(e, true, true);
		size_t gone = before - e->nopen;
		i = i > gone ? i - gone : 0;
	}
	kt_window *w = take_window(e, start, slot, now);
	if (!w)
		return NULL;
	memmove(e->open + i + 1, e->open + i, (e->nopen - i) * sizeof *e->open);
	e->open[i] = w;
	e->nopen++;
	return w;
}

/* Emit what the clock has closed; processing-time windows are emitted at
 * their end even when empty, so the console shows the stream is alive. */
static void tick(kt_engine *e, int64_t now)
{
	kt_wclock_advance(&e->clock, now);
	if (!e->o.event_time) {
		if (e->nopen == 0 && !window_at(e, kt_wclock_window_start(&e->clock, now), -1, now))
			goto oom;
		while (kt_wclock_closed(&e->clock, e->open[0]->start) && !e->failed) {
			int64_t next = e->open[0]->end;
			emit_oldest(e, false, true);
			if (!window_at(e, next, -1, now))
				goto oom;
		}
		return;
	}
	/* No partition can still contribute: what is open is complete, and
	 * records for it that come after are late. */
	if (e->nopen && kt_wclock_all_idle(&e->clock))
		kt_wclock_close_through(&e->clock, e->open[e->nopen - 1]->end);
	while (e->nopen && kt_wclock_closed(&e->clock, e->open[0]->start) && !e->failed)
		emit_oldest(e, false, true);
	if (e->o.partials && !e->failed)
		member_through(e, now);
	return;
oom:
	kt_err(e->log, "out of memory");
	e->failed = true;
}

static int64_t ms_to_next_close(kt_engine *e, int64_t now)
{
	if (!e->o.event_time && e->nopen) {
		int64_t left = e->open[0]->end - now;
		return left < 0 ? 0 : left;
	}
	return 100;
}

/* ---- records --------------------------------------------------------- */

/* Where what happens beside the counted records of slot s goes: the
 * window's health, or for a member the partition's next seal; NULL for a
 * record a seal already counted (a replay below sealed_pos). */
static kt_health *health_of(kt_engine *e, int s, int64_t offset)
{
	if (!e->o.partials)
		return &e->health;
	slot *sl = &e->slots[s];
	return offset < sl->sealed_pos ? NULL : &sl->health;
}

/* Auto stats summarise the first KT_MAX_STATS numeric fields found: say
 * once that there are more (the JSON counts them as auto_skipped). */
static void warn_skipped(kt_engine *e)
{
	e->warned_skipped = true;
	kt_warn(e->log, "more than %d numeric fields: the stats summarise the first %d "
		"found, not '%s' nor any found later (name the fields with --stats)",
		KT_MAX_STATS, KT_MAX_STATS, e->spec->skipped[0]);
}

static bool member_sealed_late(const kt_engine *e, int s, int64_t offset, int64_t t)
{
	const slot *sl = &e->slots[s];
	return e->o.partials && offset >= sl->sealed_pos &&
	       kt_wclock_window_start(&e->clock, t) + e->o.window_ms <= sl->sealed_end;
}

static void invalid(kt_health *h, enum kt_invalid why)
{
	if (h) {
		h->invalid[why]++;
		h->invalid_total++;
	}
}

static void count_record(kt_engine *e, const rd_kafka_message_t *m,
			 const decoded *d, int s, int64_t now)
{
	kt_health *h = health_of(e, s, m->offset);
	if (d->status == DECODED_INVALID) {
		invalid(h, (enum kt_invalid)d->why);
		return;
	}
	if (d->status == DECODED_FILTERED) {
		if (h)
			h->filtered++;
		return;
	}
	kt_extracted x;
	enum kt_invalid why;
	rd_kafka_timestamp_type_t tstype;
	int64_t kts = rd_kafka_message_timestamp(m, &tstype);
	if (kt_fields_extract(e->spec, d->root, &x, &why) < 0) {
		invalid(h, why);
		return;
	}
	if (e->spec->auto_skipped && !e->warned_skipped)
		warn_skipped(e);
	int64_t t = now;
	if (e->o.event_time) {
		t = e->o.kafka_time ? kts : x.time;
		/* A time far ahead of the clock would make every later
		 * record of its partition late: it is a bad time. */
		if ((e->o.kafka_time && tstype == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE) ||
		    kt_wclock_too_far_ahead(&e->clock, t, now)) {
			invalid(h, KT_INVALID_BAD_TIME);
			return;
		}
		/* Late by its own partition's watermark, before this record:
		 * the order of records within a partition alone decides. A
		 * member's record after its partition's last seal (or through
		 * marker) of a window that one covered is late too: the
		 * merger has that window as sealed (a replay, below
		 * sealed_pos, counts no health twice). */
		if (kt_wclock_is_late(&e->clock, (size_t)s, t) || member_sealed_late(e, s, m->offset, t)) {
			if (h)
				h->late++;
			return;
		}
		e->before_seen = e->clock.sources[s].seen;
		e->before_max = e->clock.sources[s].max_seen;
		kt_wclock_observe(&e->clock, (size_t)s, t);
		/* A replayed record of a window this partition has sealed is
		 * in that seal already. */
		if (e->o.partials &&
		    kt_wclock_window_start(&e->clock, t) + e->o.window_ms <= e->slots[s].sealed_end)
			return;
		/* Windows close as soon as the records read pass them (with
		 * each record, not each batch). */
		if (e->nopen && t - e->o.lateness_ms >= e->open[0]->end)
			tick(e, now);
	}
	kt_window *w = window_at(e, kt_wclock_window_start(&e->clock, t),
				 e->o.partials ? s : -1, now);
	if (tstype == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE)
		kts = -1;
	if (!w || kt_window_add(w, &x, m->len, kts) < 0 ||
	    kt_window_note_offset(w, s, m->offset) < 0) {
		kt_err(e->log, "out of memory");
		e->failed = true;
	}
}

/* --until-time: a record whose Kafka timestamp is at or after it ends
 * its partition, uncounted (the commit stops before it): the partition is
 * paused and no longer holds event-time windows back. */
static bool reached_until(kt_engine *e, const rd_kafka_message_t *m, size_t s)
{
	rd_kafka_timestamp_type_t tstype;
	int64_t kts = rd_kafka_message_timestamp(m, &tstype);
	if (tstype == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE || kts < e->o.until_ms)
		return false;
	slot *sl = &e->slots[s];
	sl->until_done = true;
	if (m->offset > sl->next)
		sl->next = m->offset;
	kt_wclock_finish(&e->clock, s);
	rd_kafka_topic_partition_list_t *one = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(one, sl->topic, sl->partition);
	rd_kafka_pause_partitions(e->rk, one);
	rd_kafka_topic_partition_list_destroy(one);
	kt_info(e->log, "'%s' [%d]: --until-time reached at offset %" PRId64, sl->topic,
		(int)sl->partition, m->offset);
	return true;
}

/* How long the checks of a resumed commit may wait for the broker: they
 * only feed a warning, and a Ctrl-C waits for them. */
#define RESUME_CHECK_TIMEOUT_MS 2000

/* Reading began at first, past the committed offset: when the log no
 * longer starts before that offset (DeleteRecords, retention), librdkafka
 * went where auto.offset.reset says without a word. Say it, once. */
static void check_resume(kt_engine *e, slot *sl, int64_t first)
{
	int64_t from = sl->resume_from, low, high;
	sl->resume_from = -1;
	if (first <= from ||
	    rd_kafka_query_watermark_offsets(e->rk, sl->topic, sl->partition, &low, &high,
					     RESUME_CHECK_TIMEOUT_MS) ||
	    low <= from)
		return; /* compacted away, or a transaction marker: not lost */
	e->commit_lost = true;
	kt_warn(e->log, "'%s' [%d]: committed offset %" PRId64 " is no longer in the log (it "
		"starts at %" PRId64 ": deleted, or past retention); auto.offset.reset=%s "
		"resumed at %" PRId64 "%s", sl->topic, (int)sl->partition, from, low,
		e->o.reset_policy ? e->o.reset_policy : "?", first,
		first > low ? ", skipping the records before it" : "");
}

static void handle_message(kt_engine *e, rd_kafka_message_t *m,
			   const decoded *d, int64_t now)
{
	int s = find_message_slot(e, m);
	if (s >= 0 && e->slots[s].until_done)
		return; /* fetched before the partition was paused */
	if (s >= 0 && e->slots[s].resume_from >= 0 &&
	    (!m->err || m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF))
		check_resume(e, &e->slots[s], m->offset);
	if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
		if (s >= 0) {
			e->slots[s].eof = true;
			/* Read up to here (also past control records, or when
			 * nothing was read since the assignment). */
			if (m->offset > e->slots[s].next)
				e->slots[s].next = m->offset;
		}
		return;
	}
	if (m->err) {
		kt_warn(e->log, "%s", rd_kafka_message_errstr(m));
		return;
	}
	if (s < 0)
		return; /* from a partition given up in a rebalance */
	if (e->o.until_set && reached_until(e, m, (size_t)s))
		return;
	e->slots[s].eof = false;
	e->seen++;
	count_record(e, m, d, s, now);
	if (e->seen == 1) /* -v: the start-up time measured by make bench */
		kt_info(e->log, "first record counted");
	e->slots[s].next = m->offset + 1;
}

/* Whether every partition is done: past --until-time, or (with
 * eof_counts) read to its end. */
static bool all_at_end(const kt_engine *e, bool eof_counts)
{
	if (!e->nslots)
		return false;
	for (size_t i = 0; i < e->nslots; i++)
		if (!e->slots[i].until_done && !(eof_counts && e->slots[i].eof))
			return false;
	return true;
}

/* ---- rebalance ------------------------------------------------------- */

/* Write out every open window, then commit once, waiting for the answer
 * (within bounds). A member seals them only when final (its partitions
 * read to their end with --exit-at-end), else gives them up for a replay. */
static void flush_all(kt_engine *e, bool final)
{
	if (e->o.partials && !final) {
		/* The commit first: it stops before the records of the open
		 * windows (with the state to replay them from), which a drop
		 * before it would have committed unsealed: lost. */
		if (!e->failed)
			commit(e, true);
		member_drop_open(e);
		return;
	}
	while (e->nopen && !e->failed)
		emit_oldest(e, true, false);
	if (e->o.partials && final && !e->failed)
		member_end(e);
	if (!e->failed)
		commit(e, true);
}

/* New slots and their watermark sources (each holds every window back
 * until it delivers or is idle). */
static void add_slots(kt_engine *e, const rd_kafka_topic_partition_list_t *parts)
{
	if (KT_VEC_RESERVE(e->slots, e->nslots, e->slots_cap, (size_t)parts->cnt) < 0 ||
	    kt_wclock_add_sources(&e->clock, (size_t)parts->cnt) < 0) {
		e->failed = true;
		return;
	}
	for (int i = 0; i < parts->cnt; i++) {
		char *t = strdup(parts->elems[i].topic);
		if (!t) {
			e->failed = true;
			return;
		}
		e->slots[e->nslots++] = (slot){.topic = t, .partition = parts->elems[i].partition,
					       .next = -1, .settled = -1, .health.lag = -1,
					       .sealed_end = INT64_MIN, .sealed_pos = -1,
					       .resume_from = -1};
	}
}

/* Drop the slots of the partitions in parts, and their watermark sources
 * (after their windows were written: no open window refers to a slot
 * index any more). The partitions kept keep their watermarks. */
static void remove_slots(kt_engine *e, const rd_kafka_topic_partition_list_t *parts)
{
	size_t kept = 0;
	for (size_t i = 0; i < e->nslots; i++) {
		if (rd_kafka_topic_partition_list_find(parts, e->slots[i].topic,
						       e->slots[i].partition)) {
			free(e->slots[i].topic);
			kt_wclock_remove_source(&e->clock, kept);
			continue;
		}
		e->slots[kept++] = e->slots[i];
	}
	e->nslots = kept;
}

/* The committed offsets the partitions in parts resume from (those
 * --from-time left at INVALID): one OffsetFetch, as librdkafka makes. */
static void note_resume_offsets(kt_engine *e, const rd_kafka_topic_partition_list_t *parts)
{
	rd_kafka_topic_partition_list_t *c = rd_kafka_topic_partition_list_copy(parts);
	rd_kafka_resp_err_t err = rd_kafka_committed(e->rk, c, RESUME_CHECK_TIMEOUT_MS);
	if (err)
		kt_debug(e->log, "cannot read committed offsets: %s", rd_kafka_err2str(err));
	for (int k = 0; !err && k < c->cnt; k++) {
		const rd_kafka_topic_partition_t *p = &c->elems[k];
		int s = find_slot(e, p->topic, p->partition);
		if (s >= 0 && !p->err && p->offset >= 0 &&
		    parts->elems[k].offset == RD_KAFKA_OFFSET_INVALID)
			e->slots[s].resume_from = p->offset;
	}
	rd_kafka_topic_partition_list_destroy(c);
}

static void report_assign_error(kt_engine *e, rd_kafka_error_t *error)
{
	if (!error)
		return;
	kt_err(e->log, "cannot change the assignment: %s", rd_kafka_error_string(error));
	rd_kafka_error_destroy(error);
	e->failed = true;
}

/* --from-time: partitions assigned for the first time in this process
 * start at the first offset whose timestamp is at or after it (their end
 * when there is none) instead of the committed one; one given back after
 * a rebalance resumes where the group left it. */
static void start_from_time(kt_engine *e, rd_kafka_topic_partition_list_t *parts)
{
	if (!e->o.from_set)
		return;
	if (!e->from_done && !(e->from_done = rd_kafka_topic_partition_list_new(parts->cnt)))
		return;
	rd_kafka_topic_partition_list_t *ask = rd_kafka_topic_partition_list_new(parts->cnt);
	for (int i = 0; i < parts->cnt; i++)
		if (!rd_kafka_topic_partition_list_find(e->from_done, parts->elems[i].topic,
							parts->elems[i].partition))
			rd_kafka_topic_partition_list_add(ask, parts->elems[i].topic,
							  parts->elems[i].partition)->offset =
				e->o.from_ms;
	rd_kafka_resp_err_t err =
		ask->cnt ? rd_kafka_offsets_for_times(e->rk, ask, (int)e->o.query_timeout_ms)
			 : RD_KAFKA_RESP_ERR_NO_ERROR;
	for (int i = 0; i < ask->cnt; i++) {
		const rd_kafka_topic_partition_t *a = &ask->elems[i];
		rd_kafka_resp_err_t perr = err ? err : a->err;
		if (perr) {
			kt_warn(e->log, "'%s' [%d]: no offset for --from-time (%s): it starts "
					"at the committed offset", a->topic, (int)a->partition,
				rd_kafka_err2str(perr));
			continue;
		}
		rd_kafka_topic_partition_t *p =
			rd_kafka_topic_partition_list_find(parts, a->topic, a->partition);
		/* -1: no record at or after the time, so nothing to read yet. */
		p->offset = a->offset >= 0 ? a->offset : RD_KAFKA_OFFSET_END;
		rd_kafka_topic_partition_list_add(e->from_done, a->topic, a->partition);
	}
	rd_kafka_topic_partition_list_destroy(ask);
}

/* A second consumer in the default group takes half the partitions,
 * and with them half of every figure: say so once, with the remedy. */
static void note_partial(kt_engine *e)
{
	if (!e->o.warn_partial || e->warned_partial || !e->nslots ||
	    (int32_t)e->nslots >= e->o.total_partitions)
		return;
	e->warned_partial = true;
	kt_warn(e->log,
		"holding %zu of the topics' %d partitions: another consumer in group '%s' "
		"reads the others, so every figure here covers only part of the records; "
		"to see them all, give each consumer its own group (-g NAME)",
		e->nslots, (int)e->o.total_partitions, e->o.group ? e->o.group : "");
}

static void rebalance(kt_engine *e, rd_kafka_resp_err_t err,
		      rd_kafka_topic_partition_list_t *parts)
{
	rd_kafka_t *rk = e->rk;
	/* The cooperative protocol (-X partition.assignment.strategy=
	 * cooperative-sticky) hands over only what moves; the eager one
	 * revokes everything and assigns anew. */
	bool cooperative = !strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE");
	/* What is in flight came from the partitions held until now. */
	drain(e);
	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		kt_info(e->log, "assigned %d partition(s)", parts->cnt);
		if (!cooperative)
			clear_slots(e);
		add_slots(e, parts);
		start_from_time(e, parts);
		if (!e->failed)
			note_resume_offsets(e, parts);
		if (e->o.partials && !e->failed)
			member_restore(e, parts);
		if (cooperative)
			report_assign_error(e, rd_kafka_incremental_assign(rk, parts));
		else
			rd_kafka_assign(rk, parts);
		note_partial(e);
		return;
	}
	/* Revoked: what was read from these partitions is written and
	 * committed before another consumer takes them over (all open
	 * windows: they mix partitions). Processing-time windows are
	 * reopened by the next tick. */
	if (e->failed)
		kt_info(e->log, "%d partition(s) revoked; after the failure above nothing more "
				"is written or committed", parts->cnt);
	else
		kt_info(e->log, "%d partition(s) revoked: emitting open windows and committing",
			parts->cnt);
	flush_all(e, false);
	if (cooperative) {
		remove_slots(e, parts);
		report_assign_error(e, rd_kafka_incremental_unassign(rk, parts));
		note_partial(e);
	} else {
		rd_kafka_assign(rk, NULL);
		clear_slots(e);
	}
}

void kt_engine_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
			    rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	kt_engine *e = engine_ctx(opaque)->engine;
	if (e) {
		rebalance(e, err, parts);
		return;
	}
	/* No engine (it could not be made): hold nothing. */
	if (strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE"))
		rd_kafka_assign(rk, NULL);
	else if (err != RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		rd_kafka_error_t *error = rd_kafka_incremental_unassign(rk, parts);
		if (error)
			rd_kafka_error_destroy(error);
	}
}

int kt_engine_close(kt_engine *e)
{
	if (!e->deadline_ms)
		e->deadline_ms = kt_clock_mono_ms() + SHUTDOWN_MS;
	rd_kafka_queue_t *q = rd_kafka_queue_new(e->rk);
	rd_kafka_error_t *error = q ? rd_kafka_consumer_close_queue(e->rk, q) : NULL;
	if (error) {
		kt_warn(e->log, "cannot leave the group: %s", rd_kafka_error_string(error));
		rd_kafka_error_destroy(error);
	}
	/* The revocation comes through q: its windows are written and
	 * committed as at any rebalance, within what is left of the time. */
	while (q && !error && !rd_kafka_consumer_closed(e->rk)) {
		int64_t left = e->deadline_ms - kt_clock_mono_ms();
		if (left <= 0)
			break;
		rd_kafka_event_t *ev = rd_kafka_queue_poll(q, left > 100 ? 100 : (int)left);
		if (ev && rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE)
			rebalance(e, rd_kafka_event_error(ev),
				  rd_kafka_event_topic_partition_list(ev));
		rd_kafka_event_destroy(ev);
	}
	bool closed = q && !error && rd_kafka_consumer_closed(e->rk);
	if (q)
		rd_kafka_queue_destroy(q);
	if (!closed && !error)
		kt_warn(e->log, "could not leave the group within %.1f s: the group gives this "
				"consumer's partitions to others after session.timeout.ms",
			SHUTDOWN_MS / 1000.0);
	return closed ? 0 : -1;
}

/* ---- the fetchers ---------------------------------------------------- */

/* While starved, how long a call for messages may wait; how often the
 * fetchers are woken at most, and how long that may take. */
#define STARVED_WAIT_MS 5
#define POKE_EVERY_MS 10
#define POKE_TIMEOUT_MS 50

/* With fewer messages than this queued and many more on the brokers, the
 * fetchers are woken before the queue runs dry. */
#define LOW_WATER (4 * BATCH)

/* librdkafka before 2.1 stops fetching a partition once its prefetch
 * queue is full and looks again only when the broker's thread wakes up:
 * after a second, or at once when it has a request to send. A consumer
 * slower than the fetcher (any that parses every record) drains the queue
 * and then idles: with a 16 MiB queue, 2 million records took 10 to 13 s
 * instead of 2. So when the queue runs low while partitions are further
 * behind their high watermarks than what is queued (or nothing came and
 * any is behind), a ListOffsets request for them (rd_kafka_offsets_for_times,
 * one per leader) wakes their brokers' threads, which then fetch again.
 * Returns whether any partition is behind. */
static bool wake_fetchers(kt_engine *e, int64_t now, size_t queued)
{
	if (now - e->poked_ms < POKE_EVERY_MS)
		return e->starved;
	rd_kafka_topic_partition_list_t *behind =
		rd_kafka_topic_partition_list_new((int)e->nslots);
	int64_t lag = 0;
	for (size_t i = 0; i < e->nslots; i++) {
		int64_t low, high;
		if (e->slots[i].eof ||
		    rd_kafka_get_watermark_offsets(e->rk, e->slots[i].topic,
						   e->slots[i].partition, &low, &high))
			continue;
		int64_t pos = e->slots[i].next >= 0 ? e->slots[i].next : low;
		if (high <= pos)
			continue;
		lag += high - pos;
		rd_kafka_topic_partition_list_add(behind, e->slots[i].topic,
						  e->slots[i].partition)
			->offset = RD_KAFKA_OFFSET_END; /* the latest */
	}
	bool any = lag > 0;
	if (any && (queued == 0 || lag > (int64_t)(queued + 2 * BATCH))) {
		e->poked_ms = now;
		/* The answer does not matter: asking is what wakes them. */
		rd_kafka_offsets_for_times(e->rk, behind, POKE_TIMEOUT_MS);
	}
	rd_kafka_topic_partition_list_destroy(behind);
	return any;
}

/* ---- idle partitions ------------------------------------------------- */

/* How long asking the leaders may hold the loop. */
#define IDLE_ASK_TIMEOUT_MS 100

/* After an outage, how long no partition is idle, whatever the leaders
 * say: the producers were cut off too and come back on their own backoff
 * (librdkafka's reconnect.backoff.max.ms is 10 s, plus up to 50 % jitter),
 * so a partition with nothing new right after the cluster is back is not
 * quiet, its producer is still away. (Measured: with the timers restarted
 * at "reachable again" alone, a broker restart under a 400/s generator
 * made 356 to 2,084 of 8,000 records late: the window open at the kill was
 * written, found caught up for the 2 s idle timeout, before the
 * generator's buffered records for it came.) */
#define OUTAGE_GRACE_MS 15000

/* How often the partitions that look caught up are asked about. */
static int64_t idle_ask_every(const kt_engine *e)
{
	int64_t every = e->o.idle_ms / 4;
	return every < 50 ? 50 : every > 500 ? 500 : every;
}

/* Event time: which partitions are idle. One is caught up when the
 * position read so far has reached its high watermark as its leader tells
 * it now: the cached watermark is only as new as the last fetch, and after
 * a stall it says "caught up" while records wait on the broker. Those
 * behind even by the cached watermark are behind; the others are asked
 * about in one ListOffsets request per leader. An outage makes none idle. */
static void check_idle(kt_engine *e)
{
	int64_t sent = kt_clock_mono_ms();
	if (!e->o.event_time || !e->nslots || sent - e->idle_asked_ms < idle_ask_every(e))
		return;
	e->idle_asked_ms = sent;
	if (e->ctx && e->ctx->brokers_down)
		e->outage_ms = sent;
	if (e->outage_ms && sent - e->outage_ms < OUTAGE_GRACE_MS)
		kt_wclock_suspend(&e->clock); /* the questions still go out: an
						* answer says the cluster is back */
	rd_kafka_topic_partition_list_t *ask =
		rd_kafka_topic_partition_list_new((int)e->nslots);
	for (size_t i = 0; i < e->nslots; i++) {
		const slot *sl = &e->slots[i];
		int64_t low, high;
		bool behind = sl->next < 0 ||
			      (!rd_kafka_get_watermark_offsets(e->rk, sl->topic, sl->partition,
							       &low, &high) &&
			       high > sl->next);
		if (behind)
			kt_wclock_caught_up(&e->clock, i, false, sl->next, sent, sent);
		else
			rd_kafka_topic_partition_list_add(ask, sl->topic, sl->partition)->offset =
				RD_KAFKA_OFFSET_END; /* the latest offset */
	}
	if (ask->cnt) {
		rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(e->rk, ask, IDLE_ASK_TIMEOUT_MS);
		int64_t answered = kt_clock_mono_ms();
		if (!err && e->ctx)
			kt_kafka_note_answer(e->ctx);
		for (int k = 0; k < ask->cnt; k++) {
			const rd_kafka_topic_partition_t *p = &ask->elems[k];
			int s = find_slot(e, p->topic, p->partition);
			if (s < 0)
				continue;
			/* Below what was read: an answer from a log not yet
			 * recovered (or truncated), which proves nothing. */
			if (err || p->err || p->offset < 0 || p->offset < e->slots[s].next)
				kt_wclock_unanswered(&e->clock, (size_t)s);
			else
				kt_wclock_caught_up(&e->clock, (size_t)s,
						    e->slots[s].next == p->offset,
						    e->slots[s].next, sent, answered);
		}
	}
	rd_kafka_topic_partition_list_destroy(ask);
}

/* ---- the pipeline --------------------------------------------------- */

/* Count a decoded batch in message order, then let its messages go. */
static void count_batch(kt_engine *e, batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		if (!e->failed)
			handle_message(e, b->msgs[i], &b->results[i], b->now);
		rd_kafka_message_destroy(b->msgs[i]);
	}
	b->n = 0;
}

/* Count the batch the workers hold, once they are done with it. */
static void drain(kt_engine *e)
{
	if (e->inflight < 0)
		return;
	pthread_mutex_lock(&e->mu);
	while (e->busy)
		pthread_cond_wait(&e->done, &e->mu);
	batch *b = &e->batches[e->inflight];
	e->inflight = -1;
	pthread_mutex_unlock(&e->mu);
	count_batch(e, b);
}

/* Take the batch just filled: small ones (and every one without workers)
 * are decoded and counted here, after what is in flight; large ones go to
 * the workers, and the one they had is counted meanwhile. */
static void take_batch(kt_engine *e)
{
	batch *b = &e->batches[e->fill];
	if (!e->nworkers || b->n < PARALLEL_MIN) {
		drain(e);
		decode_slice(e, &e->decoders[0], b, 0, b->n);
		count_batch(e, b);
		return;
	}
	int before = e->inflight;
	pthread_mutex_lock(&e->mu);
	while (e->busy)
		pthread_cond_wait(&e->done, &e->mu);
	e->inflight = (int)e->fill;
	e->busy = e->nworkers;
	e->job++;
	pthread_cond_broadcast(&e->go);
	pthread_mutex_unlock(&e->mu);
	if (before >= 0)
		count_batch(e, &e->batches[before]);
	e->fill ^= 1;
}

/* Whether the clock at now closes a window: records still in flight are
 * counted first, as they would have been without the pipeline. */
static bool window_due(kt_engine *e, int64_t now)
{
	kt_wclock_advance(&e->clock, now);
	return e->nopen && kt_wclock_closed(&e->clock, e->open[0]->start);
}

/* Up to BATCH messages into b: what is queued, else the first to arrive
 * within wait_ms and what came with it. (A batch call that waits would
 * hold the first message until the batch is full or the wait is over:
 * 50 ms of latency at 20,000 records/s.) Serves the rebalance callback. */
static ssize_t take_messages(rd_kafka_queue_t *q, batch *b, int wait_ms)
{
	ssize_t n = rd_kafka_consume_batch_queue(q, 0, b->msgs, BATCH);
	if (n != 0 || wait_ms <= 0)
		return n;
	rd_kafka_message_t *first = rd_kafka_consume_queue(q, wait_ms);
	if (!first)
		return 0;
	b->msgs[0] = first;
	n = rd_kafka_consume_batch_queue(q, 0, b->msgs + 1, BATCH - 1);
	return n < 0 ? 1 : n + 1;
}

int kt_engine_run(kt_engine *e, volatile sig_atomic_t *stop)
{
	e->stop = stop;
	rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(e->rk);
	if (!q) {
		kt_err(e->log, "out of memory");
		e->failed = true;
	}
	int64_t now = kt_clock_wall_ms();
	if (!e->failed)
		tick(e, now);
	while (!*stop && !e->failed) {
		/* With a batch in flight, waiting would only delay counting it. */
		int64_t wait = e->inflight >= 0 ? 0 : ms_to_next_close(e, now);
		if (e->starved && wait > STARVED_WAIT_MS)
			wait = STARVED_WAIT_MS;
		batch *b = &e->batches[e->fill];
		ssize_t n = take_messages(q, b, (int)(wait > 100 ? 100 : wait));
		now = kt_clock_wall_ms();
		/* Windows the clock has closed go first, so the new records
		 * land in the window their time opens; what is in flight was
		 * read before and is counted before they close. */
		if (e->inflight >= 0 && window_due(e, now))
			drain(e);
		tick(e, now);
		if (n > 0) {
			if (e->ctx)
				kt_kafka_note_answer(e->ctx);
			b->n = (size_t)n;
			b->now = now;
			e->starved = false;
			size_t queued = rd_kafka_queue_length(q);
			if (queued < LOW_WATER)
				wake_fetchers(e, now, queued);
			take_batch(e);
		} else {
			drain(e);
			e->starved = wake_fetchers(e, now, 0);
		}
		if (e->inflight < 0 && (e->o.exit_at_end || e->o.until_set) &&
		    all_at_end(e, e->o.exit_at_end))
			break;
		check_idle(e);
		if (kt_report_poll(e->report, e->out) < 0) {
			kt_err(e->log, "cannot write a window: %s", kt_report_failure_text(errno));
			e->failed = true;
		}
	}
	/* On the way out (signal or end of input) the open windows are
	 * written as they are, then their offsets committed. */
	drain(e);
	if (!e->deadline_ms)
		e->deadline_ms = kt_clock_mono_ms() + SHUTDOWN_MS;
	if (!e->failed)
		flush_all(e, all_at_end(e, e->o.exit_at_end));
	/* Counts belong to the window written next: with none left to write,
	 * they are told here rather than lost. */
	if (e->health.late || e->health.invalid_total || e->health.filtered)
		kt_warn(e->log,
			"after the last window written: %" PRIu64 " late, %" PRIu64
			" invalid, %" PRIu64 " filtered record(s)",
			e->health.late, e->health.invalid_total, e->health.filtered);
	if (!e->failed && kt_report_finish(e->report, e->out) < 0) {
		kt_err(e->log, "cannot write a window: %s", kt_report_failure_text(errno));
		e->failed = true;
	}
	if (q)
		rd_kafka_queue_destroy(q);
	return e->failed ? -1 : 0;
}
