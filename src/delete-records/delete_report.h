/* delete_report: how delete-records shows its plan and what it did, as an
 * aligned table for people or one JSON document for scripts. */
#ifndef KTRIO_DELETE_REPORT_H
#define KTRIO_DELETE_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "delete_plan.h"
#include "tombstone.h"

/* Table: one row per partition (low, high, target, records to delete) and a
 * total line. `warning` (may be NULL) is printed under the table. */
void kt_delete_report_plan_table(FILE *out, const kt_delete_plan *plan,
				 const char *warning);

/* Table: per partition low before -> low after, deleted, status and a hint
 * for errors, then a summary line. */
void kt_delete_report_result_table(FILE *out, const kt_delete_plan *plan);

/* One JSON document with "plan" and, when executed, "result" entries, the
 * totals and "warning". Returns -1 on allocation failure. */
int kt_delete_report_json(FILE *out, const kt_delete_plan *plan, bool executed,
			  bool dry_run, const char *warning);

/* Deletion by key. Table: one row per matching key (topic, partition,
 * "tombstone" or "already deleted", the key) and the plan line. */
void kt_delete_report_keys_table(FILE *out, const char *topic,
				 const kt_tomb_keys *keys);

/* Table: the result line once `written` tombstones of the planned ones were
 * written and `failed` were not. */
void kt_delete_report_keys_result(FILE *out, size_t written, size_t failed);

/* One JSON document for a deletion by key: "topic", "keys" (per key its
 * "partition", "key" (or "key_hex" when the key is not UTF-8 text) and
 * "already_deleted"), "dry_run", "matching_keys", "planned_tombstones",
 * "executed" and, when executed, "tombstones_written" and
 * "failed_tombstones". Returns -1 on allocation failure. */
int kt_delete_report_keys_json(FILE *out, const char *topic,
			       const kt_tomb_keys *keys, bool executed,
			       bool dry_run, size_t failed);

#endif
