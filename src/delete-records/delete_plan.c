/* delete_plan: what delete-records will delete, validated before sending. */
#include "delete_plan.h"
#include "ktrio/error.h"
#include "ktrio/vec.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kt_delete_requests_init(kt_delete_requests *r)
{
	r->v = NULL;
	r->n = r->cap = 0;
}

void kt_delete_requests_release(kt_delete_requests *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].topic);
	free(r->v);
	kt_delete_requests_init(r);
}

int kt_delete_requests_add(kt_delete_requests *r, const char *topic,
			   int32_t partition, int64_t offset)
{
	if (KT_VEC_RESERVE(r->v, r->n, r->cap, 1) < 0)
		return -1;
	char *t = strdup(topic);
	if (!t)
		return -1;
	r->v[r->n++] = (kt_delete_request){t, partition, offset};
	return 0;
}

/* An integer-valued JSON number within [min, max]. */
static bool json_int(const cJSON *item, double min, double max, int64_t *out)
{
	if (!cJSON_IsNumber(item))
		return false;
	double d = item->valuedouble;
	if (d < min || d > max || d != (double)(int64_t)d)
		return false;
	*out = (int64_t)d;
	return true;
}

/* The first key an object holds twice, or NULL: cJSON keeps both and
 * reads the first, Kafka's tool (Jackson) the last. */
static const char *duplicate_key(const cJSON *obj)
{
	for (const cJSON *a = obj->child; a; a = a->next)
		for (const cJSON *b = a->next; b; b = b->next)
			if (a->string && b->string && strcmp(a->string, b->string) == 0)
				return a->string;
	return NULL;
}

/* Line of a position in text, for messages. */
static int line_of(const char *text, const char *at)
{
	int line = 1;
	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	return line;
}

static int parse_entry(kt_delete_requests *r, const cJSON *e, int i, char *err,
		       size_t errlen)
{
	const cJSON *topic = cJSON_GetObjectItemCaseSensitive(e, "topic");
	const cJSON *part = cJSON_GetObjectItemCaseSensitive(e, "partition");
	const cJSON *off = cJSON_GetObjectItemCaseSensitive(e, "offset");
	int64_t p, o;
	if (!cJSON_IsObject(e) || !cJSON_IsString(topic) || !*topic->valuestring)
		return kt_fail(err, errlen, "partitions[%d]: expected an object with a topic",
				i);
	const char *dup = duplicate_key(e);
	if (dup)
		return kt_fail(err, errlen, "partitions[%d]: key '%s' given twice", i, dup);
	if (!json_int(part, 0, INT32_MAX, &p))
		return kt_fail(err, errlen, "partitions[%d]: 'partition' must be an integer >= 0",
				i);
	if (!json_int(off, -1, 9.0e18, &o))
		return kt_fail(err, errlen,
				"partitions[%d]: 'offset' must be an integer >= 0, or -1 for the "
				"high watermark",
				i);
	for (size_t j = 0; j < r->n; j++)
		if (r->v[j].partition == p && strcmp(r->v[j].topic, topic->valuestring) == 0)
			return kt_fail(err, errlen, "partitions[%d]: duplicate partition '%s' [%d]",
					i, topic->valuestring, (int)p);
	if (kt_delete_requests_add(r, topic->valuestring, (int32_t)p,
				   o == -1 ? KT_OFFSET_END : o) < 0)
		return kt_fail(err, errlen, "out of memory");
	return 0;
}

int kt_delete_requests_parse_json(kt_delete_requests *r, const char *json,
				  size_t len, char *err, size_t errlen)
{
	const char *end = NULL;
	cJSON *doc = cJSON_ParseWithLengthOpts(json, len, &end, false);
	int rc = -1;
	if (!doc)
		return kt_fail(err, errlen, "not valid JSON");
	while (end < json + len && *end && strchr(" \t\r\n", *end))
		end++;
	if (end < json + len) {
		cJSON_Delete(doc);
		return kt_fail(err, errlen, "text after the JSON object (line %d)",
				line_of(json, end));
	}
	const cJSON *version = cJSON_GetObjectItemCaseSensitive(doc, "version");
	const cJSON *parts = cJSON_GetObjectItemCaseSensitive(doc, "partitions");
	int64_t v;
	if (!cJSON_IsObject(doc))
		kt_fail(err, errlen, "expected a JSON object");
	else if (duplicate_key(doc))
		kt_fail(err, errlen, "key '%s' given twice", duplicate_key(doc));
	else if (version && (!json_int(version, 1, 1, &v)))
		kt_fail(err, errlen, "unsupported 'version' (only 1 is known)");
	else if (!cJSON_IsArray(parts))
		kt_fail(err, errlen, "missing 'partitions' array");
	else if (cJSON_GetArraySize(parts) == 0)
		kt_fail(err, errlen, "'partitions' is empty");
	else {
		rc = 0;
		int i = 0;
		const cJSON *e;
		cJSON_ArrayForEach(e, parts)
		{
			if (parse_entry(r, e, i++, err, errlen) < 0) {
				rc = -1;
				break;
			}
		}
	}
	cJSON_Delete(doc);
	return rc;
}

void kt_delete_plan_init(kt_delete_plan *plan)
{
	memset(plan, 0, sizeof *plan);
}

void kt_delete_plan_release(kt_delete_plan *plan)
{
	free(plan->v);
	kt_delete_plan_init(plan);
}

static int check_entry(kt_delete_entry *e, const kt_delete_request *q,
		       char *err, size_t errlen)
{
	int64_t t = q->offset;
	if (t == KT_OFFSET_END)
		t = e->high;
	else if (t == KT_OFFSET_NONE)
		t = e->low; /* by time, nothing older: left alone */
	if (t < 0)
		return kt_fail(err, errlen, "'%s' [%d]: negative offset %lld", q->topic,
				(int)q->partition, (long long)q->offset);
	if (t > e->high)
		return kt_fail(err, errlen,
				"'%s' [%d]: offset %lld is above the high watermark %lld",
				q->topic, (int)q->partition, (long long)t, (long long)e->high);
	e->target = t;
	e->to_delete = t > e->low ? t - e->low : 0;
	return 0;
}

int kt_delete_plan_build(kt_delete_plan *plan, const kt_delete_requests *r,
			 kt_watermark_fn watermarks, void *opaque, char *err,
			 size_t errlen)
{
	kt_delete_plan_init(plan);
	if (r->n == 0)
		return kt_fail(err, errlen, "nothing to delete: no partitions selected");
	if (!(plan->v = calloc(r->n, sizeof *plan->v)))
		return kt_fail(err, errlen, "out of memory");
	for (size_t i = 0; i < r->n; i++) {
		const kt_delete_request *q = &r->v[i];
		kt_delete_entry *e = &plan->v[i];
		for (size_t j = 0; j < i; j++)
			if (r->v[j].partition == q->partition &&
			    strcmp(r->v[j].topic, q->topic) == 0) {
				kt_fail(err, errlen, "'%s' [%d]: partition given twice",
					 q->topic, (int)q->partition);
				goto fail;
			}
		*e = (kt_delete_entry){.topic = q->topic, .partition = q->partition,
				       .low_after = -1};
		int found = watermarks(opaque, q->topic, q->partition, &e->low,
				       &e->high, err, errlen);
		if (found < 0)
			goto fail;
		if (found == 0) {
			kt_fail(err, errlen, "'%s' [%d]: no such topic or partition",
				 q->topic, (int)q->partition);
			goto fail;
		}
		if (found == 2) {
			e->low = e->high = e->target = -1;
			e->error = -1;
			snprintf(e->error_text, sizeof e->error_text, "%s", err);
			*err = '\0';
			plan->n++;
			plan->unreachable++;
			continue;
		}
		if (check_entry(e, q, err, errlen) < 0)
			goto fail;
		plan->n++;
		plan->total += e->to_delete;
		plan->partitions += e->to_delete > 0;
	}
	if (plan->total == 0 && !plan->unreachable) {
		kt_fail(err, errlen,
			 "nothing to delete: every selected partition already starts at "
			 "or after its target");
		goto fail;
	}
	return 0;
fail:
	kt_delete_plan_release(plan);
	return -1;
}
