/* tombstone: delete by key on a compacted topic. */
#include "tombstone.h"
#include "ktrio/error.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktrio/hash.h"
#include "ktrio/kafka.h"
#include "ktrio/regex.h"
#include "ktrio/vec.h"

typedef struct wanted_key {
	char *text;
	size_t len;
} wanted_key;

struct kt_key_matcher {
	wanted_key *keys;
	size_t nkeys, keys_cap;
	kt_regex re; /* --key-regex, when given */
	pcre2_match_data *md;
};

kt_key_matcher *kt_key_matcher_new(void)
{
	return calloc(1, sizeof(kt_key_matcher));
}

void kt_key_matcher_free(kt_key_matcher *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nkeys; i++)
		free(m->keys[i].text);
	free(m->keys);
	pcre2_match_data_free(m->md);
	kt_regex_release(&m->re);
	free(m);
}

int kt_key_matcher_add_key(kt_key_matcher *m, const char *key)
{
	char *text;
	if (KT_VEC_RESERVE(m->keys, m->nkeys, m->keys_cap, 1) < 0 || !(text = strdup(key)))
		return -1;
	m->keys[m->nkeys++] = (wanted_key){text, strlen(key)};
	return 0;
}

int kt_key_matcher_set_regex(kt_key_matcher *m, const char *pattern,
			     char *err, size_t errlen)
{
	kt_regex re;
	if (kt_regex_compile(&re, pattern, err, errlen, "invalid value '%s' for --key-regex",
			     pattern) < 0)
		return -1;
	kt_regex_release(&m->re);
	pcre2_match_data_free(m->md);
	m->re = re;
	m->md = pcre2_match_data_create(1, NULL);
	return m->md ? 0 : -1;
}

bool kt_key_matcher_match(kt_key_matcher *m, const void *key, size_t len)
{
	for (size_t i = 0; i < m->nkeys; i++)
		if (m->keys[i].len == len && memcmp(m->keys[i].text, key, len) == 0)
			return true;
	return m->re.code && kt_regex_search(&m->re, key, len, m->md) == 1;
}

void kt_tomb_keys_init(kt_tomb_keys *k)
{
	*k = (kt_tomb_keys){0};
}

void kt_tomb_keys_release(kt_tomb_keys *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i].key);
	free(k->v);
	free(k->slots);
	kt_tomb_keys_init(k);
}

static size_t key_hash(int32_t partition, const void *key, size_t len)
{
	return (size_t)kt_hash64(key, len, (uint64_t)(uint32_t)partition);
}

/* The slot holding (partition, key), or the empty one where it goes. */
static size_t *find_slot(const kt_tomb_keys *k, int32_t partition, const void *key,
			 size_t len)
{
	size_t mask = k->nslots - 1;
	for (size_t i = key_hash(partition, key, len) & mask;; i = (i + 1) & mask) {
		size_t *slot = &k->slots[i];
		if (*slot == 0)
			return slot;
		const kt_tomb_key *t = &k->v[*slot - 1];
		if (t->partition == partition && t->keylen == len && memcmp(t->key, key, len) == 0)
			return slot;
	}
}

/* Keep the index at most half full: double it and place every key again. */
static int grow_slots(kt_tomb_keys *k)
{
	if (2 * (k->n + 1) <= k->nslots)
		return 0;
	size_t n = k->nslots ? 2 * k->nslots : 64;
	size_t *slots = calloc(n, sizeof *slots);
	if (!slots)
		return -1;
	free(k->slots);
	k->slots = slots;
	k->nslots = n;
	for (size_t i = 0; i < k->n; i++)
		*find_slot(k, k->v[i].partition, k->v[i].key, k->v[i].keylen) = i + 1;
	return 0;
}

int kt_tomb_keys_note(kt_tomb_keys *k, int32_t partition, const void *key,
		    size_t len, bool live)
{
	if (grow_slots(k) < 0)
		return -1;
	size_t *slot = find_slot(k, partition, key, len);
	if (*slot) {
		k->v[*slot - 1].live = live;
		return 0;
	}
	if (KT_VEC_RESERVE(k->v, k->n, k->cap, 1) < 0)
		return -1;
	char *copy = malloc(len + 1);
	if (!copy)
		return -1;
	memcpy(copy, key, len);
	copy[len] = '\0';
	k->v[k->n++] = (kt_tomb_key){partition, copy, len, live};
	*slot = k->n;
	return 0;
}

int kt_tomb_scan(rd_kafka_t *consumer, const char *topic, int nparts,
		 kt_key_matcher *m, int64_t timeout_ms, kt_tomb_keys *out,
		 char *err, size_t errlen)
{
	rd_kafka_topic_partition_list_t *tps = rd_kafka_topic_partition_list_new(nparts);
	int64_t *end = calloc((size_t)nparts, sizeof *end);
	int remaining = 0, rc = 0;
	if (!end) {
		rc = kt_fail(err, errlen, "out of memory");
	}
	for (int p = 0; rc == 0 && p < nparts; p++) {
		int64_t low, high;
		if (kt_kafka_watermarks(consumer, topic, p, &low, &high, timeout_ms, err,
					errlen) < 0) {
			rc = -1;
			break;
		}
		end[p] = high > low ? high : -1;
		if (high > low) {
			rd_kafka_topic_partition_list_add(tps, topic, p)->offset = low;
			remaining++;
		}
	}
	if (rc == 0 && remaining && rd_kafka_assign(consumer, tps)) {
		rc = kt_fail(err, errlen, "cannot assign partitions of '%s'", topic);
	}
	/* A partition is done at its end-of-scan offset or at EOF (the last
	 * offsets may be control records or compacted away). */
	int64_t idle_ms = 0;
	while (rc == 0 && remaining > 0) {
		rd_kafka_message_t *msg = rd_kafka_consumer_poll(consumer, 100);
		if (!msg) {
			if ((idle_ms += 100) > timeout_ms) {
				rc = kt_fail(err, errlen, "reading '%s': no progress in %.1f s",
						topic, (double)timeout_ms / 1000.0);
			}
			continue;
		}
		idle_ms = 0;
		int32_t p = msg->partition;
		bool eof = msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
		if (msg->err && !eof) {
			rc = kt_fail(err, errlen, "reading '%s' [%d]: %s", topic, (int)p,
					rd_kafka_message_errstr(msg));
		} else if (!eof && msg->key &&
			   kt_key_matcher_match(m, msg->key, msg->key_len) &&
			   kt_tomb_keys_note(out, p, msg->key, msg->key_len,
				    msg->payload != NULL) < 0) {
			rc = kt_fail(err, errlen, "out of memory");
		}
		if (rc == 0 && p >= 0 && p < nparts && end[p] >= 0 &&
		    (eof || msg->offset + 1 >= end[p])) {
			end[p] = -1;
			remaining--;
		}
		rd_kafka_message_destroy(msg);
	}
	rd_kafka_assign(consumer, NULL);
	rd_kafka_topic_partition_list_destroy(tps);
	free(end);
	return rc;
}

void kt_tomb_ctx_init(kt_tomb_ctx *t, const kt_log *log)
{
	kt_kafka_ctx_init(&t->kafka, log);
	t->failed = 0;
}

/* The producer's context: kt_tomb_ctx starts with the kt_kafka_ctx that is
 * the handle's opaque. */
static kt_tomb_ctx *tomb_ctx(void *opaque)
{
	_Static_assert(offsetof(kt_tomb_ctx, kafka) == 0, "kafka must come first");
	return (kt_tomb_ctx *)opaque;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg,
			void *opaque)
{
	(void)rk;
	kt_tomb_ctx *t = tomb_ctx(opaque);
	if (msg->err) {
		t->failed++;
		kt_err(t->kafka.log, "tombstone for key '%.*s' [%d] not delivered: %s",
		       (int)msg->key_len, (const char *)msg->key, (int)msg->partition,
		       rd_kafka_err2str(msg->err));
	}
}

void kt_tomb_conf(rd_kafka_conf_t *conf)
{
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
}

int kt_tomb_write(rd_kafka_t *producer, const char *topic,
		  const kt_tomb_keys *keys, int64_t timeout_ms, char *err,
		  size_t errlen)
{
	kt_tomb_ctx *t = tomb_ctx(rd_kafka_opaque(producer));
	t->failed = 0;
	for (size_t i = 0; i < keys->n; i++) {
		const kt_tomb_key *k = &keys->v[i];
		if (!k->live)
			continue;
		rd_kafka_resp_err_t rc;
		while ((rc = rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic),
					       RD_KAFKA_V_PARTITION(k->partition),
					       RD_KAFKA_V_KEY(k->key, k->keylen),
					       RD_KAFKA_V_VALUE(NULL, 0),
					       RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
					       RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
			rd_kafka_poll(producer, 100);
		if (rc)
			return kt_fail(err, errlen, "cannot produce a tombstone to '%s': %s", topic,
					rd_kafka_err2str(rc));
		rd_kafka_poll(producer, 0);
	}
	if (rd_kafka_flush(producer, (int)timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		int left = rd_kafka_outq_len(producer);
		return kt_fail(err, errlen, "%d tombstone(s) still undelivered after %.1f s", left,
				(double)timeout_ms / 1000.0);
	}
	return t->failed;
}
