/* deleter: the Kafka side of delete-records. */
#include "deleter.h"
#include "ktrio/error.h"

#include <stdlib.h>
#include <string.h>

#include "ktrio/kafka.h"

int kt_deleter_init(kt_deleter *d, rd_kafka_t *rk, int64_t timeout_ms,
		    char *err, size_t errlen)
{
	d->rk = rk;
	d->timeout_ms = timeout_ms;
	d->md = NULL;
	rd_kafka_resp_err_t rc = rd_kafka_metadata(rk, 1, NULL, &d->md, (int)timeout_ms);
	if (rc)
		return kt_fail(err, errlen, "cannot read cluster metadata: %s",
				rd_kafka_err2str(rc));
	return 0;
}

void kt_deleter_release(kt_deleter *d)
{
	if (d->md)
		rd_kafka_metadata_destroy(d->md);
	d->md = NULL;
}

static const struct rd_kafka_metadata_topic *find_topic(const kt_deleter *d,
							const char *topic)
{
	for (int i = 0; i < d->md->topic_cnt; i++)
		if (strcmp(d->md->topics[i].topic, topic) == 0 && !d->md->topics[i].err)
			return &d->md->topics[i];
	return NULL;
}

int kt_deleter_partition_count(const kt_deleter *d, const char *topic)
{
	const struct rd_kafka_metadata_topic *t = find_topic(d, topic);
	return t ? t->partition_cnt : 0;
}

int kt_deleter_watermarks(void *opaque, const char *topic, int32_t partition,
			  int64_t *low, int64_t *high, char *err, size_t errlen)
{
	kt_deleter *d = opaque;
	if (partition < 0 || partition >= kt_deleter_partition_count(d, topic))
		return 0;
	rd_kafka_resp_err_t rc = rd_kafka_query_watermark_offsets(
		d->rk, topic, partition, low, high, (int)d->timeout_ms);
	switch (rc) {
	case RD_KAFKA_RESP_ERR_NO_ERROR:
		return 1;
	/* In the metadata but no leader to ask (dead, not yet replaced): this
	 * partition fails, the others go on. */
	case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION: /* leader -1 in the metadata */
	case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
		kt_fail(err, errlen, "no leader: its replicas are down or being elected");
		return 2;
	case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
	case RD_KAFKA_RESP_ERR__TIMED_OUT:
	case RD_KAFKA_RESP_ERR__TRANSPORT:
		kt_fail(err, errlen, "leader not reachable: %s", rd_kafka_err2str(rc));
		return 2;
	default:
		return kt_fail(err, errlen, "cannot read offsets of '%s' [%d]: %s", topic,
			       (int)partition, rd_kafka_err2str(rc));
	}
}

static int known_topic(const kt_deleter *d, const char *topic, char *err,
		       size_t errlen)
{
	if (find_topic(d, topic))
		return 0;
	return kt_fail(err, errlen, "unknown topic '%s'", topic);
}

int kt_deleter_request_offsets(kt_deleter *d, const char *topic,
			       const kt_i32list *only, int64_t offset,
			       kt_delete_requests *out, char *err, size_t errlen)
{
	if (known_topic(d, topic, err, errlen) < 0)
		return -1;
	int n = kt_deleter_partition_count(d, topic);
	size_t count = only->n ? only->n : (size_t)n;
	for (size_t i = 0; i < count; i++) {
		int32_t p = only->n ? only->v[i] : (int32_t)i;
		if (kt_delete_requests_add(out, topic, p, offset) < 0)
			return kt_fail(err, errlen, "out of memory");
	}
	return 0;
}

int kt_deleter_request_time(kt_deleter *d, const char *topic,
			    const kt_i32list *only, int64_t time_ms,
			    kt_delete_requests *out, char *err, size_t errlen)
{
	size_t first = out->n;
	if (kt_deleter_request_offsets(d, topic, only, KT_OFFSET_NONE, out, err,
				       errlen) < 0)
		return -1;
	rd_kafka_topic_partition_list_t *tps =
		rd_kafka_topic_partition_list_new((int)(out->n - first));
	for (size_t i = first; i < out->n; i++) {
		/* Unknown partitions stay KT_OFFSET_NONE; the plan refuses them. */
		if (out->v[i].partition >= kt_deleter_partition_count(d, topic))
			continue;
		rd_kafka_topic_partition_list_add(tps, topic, out->v[i].partition)
			->offset = time_ms;
	}
	rd_kafka_resp_err_t rc =
		rd_kafka_offsets_for_times(d->rk, tps, (int)d->timeout_ms);
	int ret = 0;
	if (rc) {
		ret = kt_fail(err, errlen, "cannot look up offsets by time in '%s': %s",
				topic, rd_kafka_err2str(rc));
	}
	for (int i = 0; ret == 0 && i < tps->cnt; i++) {
		const rd_kafka_topic_partition_t *tp = &tps->elems[i];
		if (tp->err) {
			ret = kt_fail(err, errlen, "cannot look up offsets by time in '%s' [%d]: %s",
					topic, (int)tp->partition, rd_kafka_err2str(tp->err));
			break;
		}
		for (size_t j = first; j < out->n; j++) {
			if (out->v[j].partition != tp->partition)
				continue;
			/* -1: no record at or after the time, so all are older. */
			out->v[j].offset = tp->offset < 0 ? KT_OFFSET_END : tp->offset;
		}
	}
	rd_kafka_topic_partition_list_destroy(tps);
	return ret;
}

static void record_results(kt_delete_plan *plan,
			   const rd_kafka_topic_partition_list_t *res)
{
	for (int i = 0; i < res->cnt; i++) {
		const rd_kafka_topic_partition_t *tp = &res->elems[i];
		for (size_t j = 0; j < plan->n; j++) {
			kt_delete_entry *e = &plan->v[j];
			if (e->partition != tp->partition || strcmp(e->topic, tp->topic))
				continue;
			e->error = tp->err;
			if (tp->err)
				snprintf(e->error_text, sizeof e->error_text, "%s",
					 rd_kafka_err2name(tp->err));
		}
	}
}

static int send_delete(kt_deleter *d, kt_delete_plan *plan, char *err,
		       size_t errlen)
{
	rd_kafka_topic_partition_list_t *tps =
		rd_kafka_topic_partition_list_new((int)plan->n);
	for (size_t i = 0; i < plan->n; i++)
		if (plan->v[i].to_delete > 0)
			rd_kafka_topic_partition_list_add(tps, plan->v[i].topic,
							  plan->v[i].partition)
				->offset = plan->v[i].target;
	rd_kafka_DeleteRecords_t *del = rd_kafka_DeleteRecords_new(tps);
	rd_kafka_topic_partition_list_destroy(tps);
	rd_kafka_AdminOptions_t *opts =
		rd_kafka_AdminOptions_new(d->rk, RD_KAFKA_ADMIN_OP_DELETERECORDS);
	rd_kafka_AdminOptions_set_request_timeout(opts, (int)d->timeout_ms, NULL, 0);
	rd_kafka_AdminOptions_set_operation_timeout(opts, (int)d->timeout_ms, NULL, 0);
	rd_kafka_queue_t *q = rd_kafka_queue_new(d->rk);
	rd_kafka_DeleteRecords(d->rk, &del, 1, opts, q);
	int rc = -1;
	rd_kafka_event_t *ev = rd_kafka_queue_poll(q, (int)d->timeout_ms + 2000);
	if (!ev) {
		kt_fail(err, errlen, "DeleteRecords: no answer within %.1f s",
			 (double)d->timeout_ms / 1000.0);
	} else {
		const rd_kafka_DeleteRecords_result_t *res =
			rd_kafka_event_DeleteRecords_result(ev);
		/* librdkafka 2.0 aborts in result_offsets() when the request
		 * as a whole failed: look at the event's error first. */
		const rd_kafka_topic_partition_list_t *offs =
			res && !rd_kafka_event_error(ev) ? rd_kafka_DeleteRecords_result_offsets(res)
							 : NULL;
		if (offs) {
			/* Per-partition errors are in the list even when the
			 * event carries an overall error. */
			record_results(plan, offs);
			rc = 0;
		} else {
			kt_fail(err, errlen, "DeleteRecords: %s",
				 rd_kafka_event_error_string(ev));
		}
		rd_kafka_event_destroy(ev);
	}
	rd_kafka_queue_destroy(q);
	rd_kafka_AdminOptions_destroy(opts);
	rd_kafka_DeleteRecords_destroy(del);
	return rc;
}

int kt_deleter_execute(kt_deleter *d, kt_delete_plan *plan, char *err,
		       size_t errlen)
{
	if (plan->total > 0 && send_delete(d, plan, err, errlen) < 0)
		return -1;
	int failed = 0;
	for (size_t i = 0; i < plan->n; i++) {
		kt_delete_entry *e = &plan->v[i];
		int64_t low, high;
		char why[256];
		if (e->error && e->target < 0) { /* unreachable when planned */
			failed++;
			continue;
		}
		if (kt_kafka_watermarks(d->rk, e->topic, e->partition, &low, &high,
					d->timeout_ms, why, sizeof why) == 0)
			e->low_after = low;
		else if (!e->error)
			snprintf(e->error_text, sizeof e->error_text, "%s", why);
		/* Trust the re-read watermark, not only the broker's word. */
		if (!e->error && e->to_delete > 0 && e->low_after < e->target) {
			e->error = -1;
			if (!*e->error_text)
				snprintf(e->error_text, sizeof e->error_text,
					 "low watermark %lld is below target",
					 (long long)e->low_after);
		}
		failed += e->error != 0;
	}
	return failed;
}
