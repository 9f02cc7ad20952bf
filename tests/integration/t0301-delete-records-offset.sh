#!/usr/bin/env bash
# delete-records --before-offset: all partitions, selected ones, 'end',
# --dry-run, and every validation error leaving the topic untouched.
. "$(dirname "$0")/lib.sh"

topic=$(new_topic del-offset)
ktpy create "$topic" 3
# 100 records in each partition, 150 in partition 0.
python3 -c '
import json
for p in range(3):
    for i in range(150 if p == 0 else 100):
        print(json.dumps({"v": f"p{p}-{i}", "p": p}))' | ktpy produce "$topic"

watermarks() { ktpy watermarks "$topic" | tr '\n' ' '; }

refusals() {
	expect_eq "initial watermarks" "0 0 150 1 0 100 2 0 100 " "$(watermarks)"
	expect_status 2 "$KT_BIN/delete-records" -t "$topic" --before-offset 120 --yes
	expect_grep "'$topic' \[1\]: offset 120 is above the high watermark 100" "$WORK/err"
	expect_status 2 "$KT_BIN/delete-records" -t "$topic" -p 7 --before-offset 1 --yes
	expect_grep "'$topic' \[7\]: no such topic or partition" "$WORK/err"
	expect_status 2 "$KT_BIN/delete-records" -t "no-such-topic-$$" --before-offset 1 --yes
	expect_grep "unknown topic 'no-such-topic-$$'" "$WORK/err"
	expect_status 2 "$KT_BIN/delete-records" -t "$topic" --before-offset 5 </dev/null
	expect_grep "not a terminal" "$WORK/err"
	expect_status 2 "$KT_BIN/delete-records" -t "$topic" --before-offset -5 --yes
	expect_eq "untouched after refusals" "0 0 150 1 0 100 2 0 100 " "$(watermarks)"
}
test_case "delete-records: validation errors exit 2, name the problem and delete nothing" refusals

dry_run() {
	expect_status 0 "$KT_BIN/delete-records" -t "$topic" --before-offset 40 --dry-run
	expect_grep "plan: delete 120 records from 3 of 3 partitions" "$WORK/out"
	expect_eq "untouched after dry run" "0 0 150 1 0 100 2 0 100 " "$(watermarks)"
}
test_case "delete-records: --dry-run shows the plan and changes nothing" dry_run

every_partition() {
	expect_status 0 "$KT_BIN/delete-records" -t "$topic" --before-offset 40 --yes
	expect_grep "result: 120 records deleted, 0 of 3 partitions failed" "$WORK/out"
	expect_eq "after --before-offset 40" "0 40 150 1 40 100 2 40 100 " "$(watermarks)"
	ktpy dump "$topic" >"$WORK/dump"
	expect_eq "records left" 230 "$(wc -l <"$WORK/dump")"
	# Exactly offsets >= 40 remain, each with its own value.
	python3 - "$WORK/dump" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
want = {(p, o) for p in range(3) for o in range(40, 150 if p == 0 else 100)}
got = {(r["p"], r["o"]) for r in rows}
assert got == want, (len(got), len(want))
assert all(r["v"] == f'p{r["p"]}-{r["o"]}' for r in rows)
PY
}
test_case "delete-records: --before-offset 40 on every partition leaves exactly offsets 40 and up" every_partition

selected_partitions() {
	expect_status 0 "$KT_BIN/delete-records" -t "$topic" -p 0 -p 2 --before-offset 60 --yes
	expect_eq "after -p 0 -p 2" "0 60 150 1 40 100 2 60 100 " "$(watermarks)"
	expect_status 0 "$KT_BIN/delete-records" -t "$topic" -p 0-1 --before-offset end --yes --format json
	expect_eq "after end on 0-1" "0 150 150 1 100 100 2 60 100 " "$(watermarks)"
	python3 - "$WORK/out" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["executed"] and doc["deleted_records"] == 150, doc
assert [p["status"] for p in doc["partitions"]] == ["OK", "OK"], doc
PY
}
test_case "delete-records: selected partitions (-p 0 -p 2, -p 0-1 with 'end'), the JSON report" selected_partitions

already_deleted() {
	expect_status 2 "$KT_BIN/delete-records" -t "$topic" -p 0 --before-offset 10 --yes
	expect_grep "nothing to delete" "$WORK/err"
}
test_case "delete-records: an empty plan (already deleted) is refused" already_deleted
