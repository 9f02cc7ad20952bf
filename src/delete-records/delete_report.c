/* delete_report: delete-records' plan and result, as a table or JSON. */
#include "delete_report.h"

#include <cJSON.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ktrio/kafka.h"
#include "ktrio/utf8.h"

void kt_delete_report_plan_table(FILE *out, const kt_delete_plan *plan,
				 const char *warning)
{
	fprintf(out, "%-30s %9s %14s %14s %14s %14s\n", "TOPIC", "PARTITION", "LOW",
		"HIGH", "TARGET", "TO DELETE");
	for (size_t i = 0; i < plan->n; i++) {
		const kt_delete_entry *e = &plan->v[i];
		if (e->error) {
			fprintf(out, "%-30s %9d %14s %14s %14s %14s  %s\n", e->topic,
				(int)e->partition, "-", "-", "-", "-", e->error_text);
			continue;
		}
		fprintf(out, "%-30s %9d %14" PRId64 " %14" PRId64 " %14" PRId64
			     " %14" PRId64 "\n",
			e->topic, (int)e->partition, e->low, e->high, e->target,
			e->to_delete);
	}
	fprintf(out, "plan: delete %" PRId64 " records from %zu of %zu partitions",
		plan->total, plan->partitions, plan->n);
	if (plan->unreachable)
		fprintf(out, " (%zu unreachable: they will fail)", plan->unreachable);
	fputc('\n', out);
	if (warning)
		fprintf(out, "note: %s\n", warning);
}

static const char *status_of(const kt_delete_entry *e)
{
	if (!e->error)
		return "OK";
	return *e->error_text ? e->error_text : "FAILED";
}

void kt_delete_report_result_table(FILE *out, const kt_delete_plan *plan)
{
	int64_t deleted = 0;
	size_t failed = 0;
	fprintf(out, "%-30s %9s %14s %14s %14s  %s\n", "TOPIC", "PARTITION",
		"LOW BEFORE", "LOW AFTER", "DELETED", "STATUS");
	for (size_t i = 0; i < plan->n; i++) {
		const kt_delete_entry *e = &plan->v[i];
		int64_t gone = e->low_after >= e->low ? e->low_after - e->low : 0;
		deleted += gone;
		failed += e->error != 0;
		fprintf(out, "%-30s %9d %14" PRId64 " %14" PRId64 " %14" PRId64 "  %s\n",
			e->topic, (int)e->partition, e->low, e->low_after, gone,
			status_of(e));
		const char *hint = e->error > 0 ? kt_kafka_error_hint(e->error) : NULL;
		if (hint)
			fprintf(out, "%-30s %9s hint: %s\n", "", "", hint);
	}
	fprintf(out, "result: %" PRId64 " records deleted, %zu of %zu partitions failed\n",
		deleted, failed, plan->n);
}

static cJSON *entry_json(const kt_delete_entry *e, bool executed)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	bool ok = cJSON_AddStringToObject(o, "topic", e->topic) &&
		  cJSON_AddNumberToObject(o, "partition", e->partition) &&
		  cJSON_AddNumberToObject(o, "low", (double)e->low) &&
		  cJSON_AddNumberToObject(o, "high", (double)e->high) &&
		  cJSON_AddNumberToObject(o, "target", (double)e->target) &&
		  cJSON_AddNumberToObject(o, "to_delete", (double)e->to_delete);
	if (ok && executed) {
		int64_t gone = e->low_after >= e->low ? e->low_after - e->low : 0;
		const char *hint = e->error > 0 ? kt_kafka_error_hint(e->error) : NULL;
		ok = cJSON_AddNumberToObject(o, "low_after", (double)e->low_after) &&
		     cJSON_AddNumberToObject(o, "deleted", (double)gone) &&
		     cJSON_AddStringToObject(o, "status", status_of(e)) &&
		     (!hint || cJSON_AddStringToObject(o, "hint", hint));
	}
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* Print doc (when ok: complete) as one line, and free it. -1 when it could
 * not be built or printed. */
static int print_doc(FILE *out, cJSON *doc, bool ok)
{
	char *text = ok ? cJSON_PrintUnformatted(doc) : NULL;
	if (text) {
		fprintf(out, "%s\n", text);
		cJSON_free(text);
	}
	cJSON_Delete(doc);
	return text ? 0 : -1;
}

int kt_delete_report_json(FILE *out, const kt_delete_plan *plan, bool executed,
			  bool dry_run, const char *warning)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON *parts = doc ? cJSON_AddArrayToObject(doc, "partitions") : NULL;
	bool ok = parts != NULL;
	size_t failed = 0;
	int64_t deleted = 0;
	for (size_t i = 0; ok && i < plan->n; i++) {
		cJSON *e = entry_json(&plan->v[i], executed);
		ok = e && cJSON_AddItemToArray(parts, e);
		failed += plan->v[i].error != 0;
		if (executed && plan->v[i].low_after > plan->v[i].low)
			deleted += plan->v[i].low_after - plan->v[i].low;
	}
	ok = ok && cJSON_AddBoolToObject(doc, "dry_run", dry_run) &&
	     cJSON_AddNumberToObject(doc, "planned_records", (double)plan->total) &&
	     cJSON_AddNumberToObject(doc, "planned_partitions", (double)plan->partitions) &&
	     cJSON_AddBoolToObject(doc, "executed", executed) &&
	     (!executed || (cJSON_AddNumberToObject(doc, "deleted_records", (double)deleted) &&
			    cJSON_AddNumberToObject(doc, "failed_partitions", (double)failed))) &&
	     (!warning || cJSON_AddStringToObject(doc, "warning", warning));
	return print_doc(out, doc, ok);
}

/* ---- deletion by key ------------------------------------------------- */

static size_t live_keys(const kt_tomb_keys *keys)
{
	size_t live = 0;
	for (size_t i = 0; i < keys->n; i++)
		live += keys->v[i].live;
	return live;
}

void kt_delete_report_keys_table(FILE *out, const char *topic,
				 const kt_tomb_keys *keys)
{
	for (size_t i = 0; i < keys->n; i++) {
		const kt_tomb_key *k = &keys->v[i];
		fprintf(out, "%-30s %9d  %s  %.*s\n", topic, (int)k->partition,
			k->live ? "tombstone" : "already deleted", (int)k->keylen, k->key);
	}
	fprintf(out, "plan: %zu matching keys, %zu tombstones to write in '%s'\n", keys->n,
		live_keys(keys), topic);
}

void kt_delete_report_keys_result(FILE *out, size_t written, size_t failed)
{
	fprintf(out, "result: %zu tombstones written, %zu failed; compaction removes the "
		     "keys' records once the log cleaner runs\n",
		written, failed);
}

/* The key as a JSON string when it is UTF-8 text without NULs, else as
 * hex digits under "key_hex". */
static bool add_key(cJSON *o, const kt_tomb_key *k)
{
	if (kt_utf8_valid(k->key, k->keylen) && !memchr(k->key, '\0', k->keylen))
		return cJSON_AddStringToObject(o, "key", k->key) != NULL;
	char *hex = malloc(2 * k->keylen + 1);
	if (!hex)
		return false;
	for (size_t i = 0; i < k->keylen; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)k->key[i]);
	hex[2 * k->keylen] = '\0';
	bool ok = cJSON_AddStringToObject(o, "key_hex", hex) != NULL;
	free(hex);
	return ok;
}

static cJSON *key_json(const kt_tomb_key *k)
{
	cJSON *o = cJSON_CreateObject();
	if (o && cJSON_AddNumberToObject(o, "partition", k->partition) && add_key(o, k) &&
	    cJSON_AddBoolToObject(o, "already_deleted", !k->live))
		return o;
	cJSON_Delete(o);
	return NULL;
}

int kt_delete_report_keys_json(FILE *out, const char *topic,
			       const kt_tomb_keys *keys, bool executed,
			       bool dry_run, size_t failed)
{
	size_t live = live_keys(keys);
	cJSON *doc = cJSON_CreateObject(), *list;
	bool ok = doc && cJSON_AddStringToObject(doc, "topic", topic) &&
		  (list = cJSON_AddArrayToObject(doc, "keys"));
	for (size_t i = 0; ok && i < keys->n; i++) {
		cJSON *e = key_json(&keys->v[i]);
		ok = e && cJSON_AddItemToArray(list, e);
	}
	ok = ok && cJSON_AddBoolToObject(doc, "dry_run", dry_run) &&
	     cJSON_AddNumberToObject(doc, "matching_keys", (double)keys->n) &&
	     cJSON_AddNumberToObject(doc, "planned_tombstones", (double)live) &&
	     cJSON_AddBoolToObject(doc, "executed", executed) &&
	     (!executed ||
	      (cJSON_AddNumberToObject(doc, "tombstones_written", (double)(live - failed)) &&
	       cJSON_AddNumberToObject(doc, "failed_tombstones", (double)failed)));
	return print_doc(out, doc, ok);
}
