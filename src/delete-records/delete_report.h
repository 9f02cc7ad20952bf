/* delete_report: how delete-records shows its plan and what it did, as an
 * aligned table for people or one JSON document for scripts. */
#ifndef KTRIO_DELETE_REPORT_H
#define KTRIO_DELETE_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "delete_plan.h"

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

#endif
