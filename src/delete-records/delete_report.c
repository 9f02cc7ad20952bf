/* delete_report: delete-records' plan and result, as a table or JSON. */
#include "delete_report.h"

#include <cJSON.h>
#include <inttypes.h>
#include <string.h>

#include "ktrio/kafka.h"

void kt_delete_report_plan_table(FILE *out, const kt_delete_plan *plan,
				 const char *warning)
{
	fprintf(out, "%-30s %9s %14s %14s %14s %14s\n", "TOPIC", "PARTITION", "LOW",
		"HIGH", "TARGET", "TO DELETE");
	for (size_t i = 0; i < plan->n; i++) {
		const kt_delete_entry *e = &plan->v[i];
		fprintf(out, "%-30s %9d %14" PRId64 " %14" PRId64 " %14" PRId64
			     " %14" PRId64 "\n",
			e->topic, (int)e->partition, e->low, e->high, e->target,
			e->to_delete);
	}
	fprintf(out, "plan: delete %" PRId64 " records from %zu of %zu partitions\n",
		plan->total, plan->partitions, plan->n);
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
	char *text = ok ? cJSON_PrintUnformatted(doc) : NULL;
	if (text) {
		fprintf(out, "%s\n", text);
		cJSON_free(text);
	}
	cJSON_Delete(doc);
	return text ? 0 : -1;
}
