#!/usr/bin/env bash
# Delete by key: tombstones for exactly the matching live keys on a
# compacted topic, each in the key's own partition; refused elsewhere.
. "$(dirname "$0")/lib.sh"

topic=$(new_topic del-key)
ktpy create "$topic" 3 cleanup.policy=compact
# keys k0..k9, three versions each, spread over partitions by key number;
# k8 is already deleted (its last record is a tombstone).
python3 -c '
import json
for round in range(3):
    for k in range(10):
        v = None if (k == 8 and round == 2) else f"v{round}"
        print(json.dumps({"k": f"k{k}", "v": v, "p": k % 3}))' | ktpy produce "$topic"

dry_run() {
	expect_status 0 "$KT_BIN/delete-records" -t "$topic" --key k3 --key-regex '^k(5|7|8)$' --dry-run
	expect_grep "plan: 4 matching keys, 3 tombstones to write" "$WORK/out"
	expect_eq "dry run wrote nothing" 30 "$(ktpy dump "$topic" | wc -l)"
}
test_case "delete-records: --key/--key-regex --dry-run plans tombstones for live keys, writes nothing" dry_run

tombstones() {
	expect_status 0 "$KT_BIN/delete-records" -t "$topic" --key k3 --key-regex '^k(5|7|8)$' --yes
	expect_grep "result: 3 tombstones written, 0 failed" "$WORK/out"
	ktpy dump "$topic" >"$WORK/dump"
	# The new records are exactly three tombstones, for k3, k5 and k7, each in
	# the partition holding the key.
	python3 - "$WORK/dump" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 33, len(rows)
base = {0: 12, 1: 9, 2: 9}  # records per partition before the deletion
new = [r for r in rows if r["o"] >= base[r["p"]]]
assert sorted((r["k"], r["p"]) for r in new) == [("k3", 0), ("k5", 2), ("k7", 1)], new
assert all(r["v"] is None for r in new)
PY
}
test_case "delete-records: by key: exactly one tombstone per matching live key, in its partition" tombstones

# Nothing matches: refused. A bad regex: PCRE2's message, before connecting.
refusals() {
	expect_status 2 "$KT_BIN/delete-records" -t "$topic" --key nope --yes
	expect_grep "nothing to delete" "$WORK/err"
	expect_status 2 "$KT_BIN/delete-records" -t "$topic" --key-regex 'k(' --yes
	expect_grep "missing closing parenthesis at offset 2" "$WORK/err"
}
test_case "delete-records: by key: no match refused, a bad regex gets PCRE2's message" refusals

not_compacted() {
	local plain
	plain=$(new_topic del-key-plain)
	ktpy create "$plain" 1
	echo '{"k":"a","v":"1"}' | ktpy produce "$plain"
	expect_status 2 "$KT_BIN/delete-records" -t "$plain" --key a --yes
	expect_grep "cleanup.policy is 'delete'.*tombstone deletes nothing" "$WORK/err"
	expect_eq "plain topic untouched" 1 "$(ktpy dump "$plain" | wc -l)"
}
test_case "delete-records: by key on a topic that is not compacted is refused, untouched" not_compacted

# --format json: the plan (dry run) and the result, each one JSON document,
# checked against the topic as confluent-kafka reads it.
json_by_key() {
	local t
	t=$(new_topic del-key-json)
	ktpy create "$t" 2 cleanup.policy=compact
	python3 -c '
import json
for round in range(2):
    for k in ["user-1", "user-2", "user-17", "user-42", "other"]:
        v = None if (k == "user-2" and round == 1) else f"v{round}"
        print(json.dumps({"k": k, "v": v, "p": len(k) % 2}))' | ktpy produce "$t"
	ktpy dump "$t" >"$WORK/before"
	expect_status 0 "$KT_BIN/delete-records" -t "$t" --key-regex '^user-' --dry-run --format json
	cp "$WORK/out" "$WORK/plan.json"
	expect_status 0 "$KT_BIN/delete-records" -t "$t" --key-regex '^user-' --yes --format json
	cp "$WORK/out" "$WORK/result.json"
	ktpy dump "$t" >"$WORK/after"
	python3 - "$t" "$WORK/before" "$WORK/after" "$WORK/plan.json" "$WORK/result.json" <<'PY'
import json, re, sys
topic, before, after, plan_f, result_f = sys.argv[1:]
def rows(f): return [json.loads(l) for l in open(f)]
# The oracle: each matching key's latest record, per partition, as read back.
latest = {}
for r in sorted(rows(before), key=lambda r: (r["p"], r["o"])):
    if re.match(r"^user-", r["k"]):
        latest[(r["p"], r["k"])] = r["v"] is not None
want = sorted(sorted({"partition": p, "key": k, "already_deleted": not live}.items())
              for (p, k), live in latest.items())
live = sum(latest.values())
for name, f in (("plan", plan_f), ("result", result_f)):
    lines = open(f).read().splitlines()
    assert len(lines) == 1, (name, lines)  # one document, nothing else on stdout
    doc = json.loads(lines[0])
    assert doc["topic"] == topic, doc
    assert sorted(sorted(k.items()) for k in doc["keys"]) == want, (name, doc["keys"], want)
    assert doc["matching_keys"] == len(latest) == 4 and doc["planned_tombstones"] == live == 3, doc
    assert doc["dry_run"] == (name == "plan") and doc["executed"] == (name == "result"), doc
plan, result = json.loads(open(plan_f).read()), json.loads(open(result_f).read())
assert "tombstones_written" not in plan, plan
assert result["tombstones_written"] == 3 and result["failed_tombstones"] == 0, result
# What the topic holds now: the records before, then one tombstone per live
# matching key, in the partition where the key lives.
old = {(r["p"], r["o"]) for r in rows(before)}
new = [r for r in rows(after) if (r["p"], r["o"]) not in old]
assert sorted((r["p"], r["k"]) for r in new) == sorted(k for k, v in latest.items() if v), new
assert all(r["v"] is None for r in new), new
PY
}
test_case "delete-records: --key --format json plan and result match the topic" json_by_key

many_keys() {
	# 100,000 distinct keys (and 10,000 of them written twice, the second
	# time a tombstone): each matching key used to be looked up in a list
	# of those found so far, 9 CPU s here for the scan (0.1 s for 10,000
	# keys); now linear: 0.2 s. The bound leaves room for a slow machine
	# and sanitizers, far below the quadratic scan's time.
	local t
	t=$(new_topic del-many)
	ktpy create "$t" 3 cleanup.policy=compact
	python3 -c '
import json
for i in range(100000):
    print(json.dumps({"k": f"user-{i}", "v": "x"}))
for i in range(0, 100000, 10):
    print(json.dumps({"k": f"user-{i}", "v": None}))' | ktpy produce "$t"
	python3 - "$KT_BIN/delete-records" "$t" >"$WORK/many" <<'PY'
import json, resource, subprocess, sys
out = subprocess.run([sys.argv[1], "-t", sys.argv[2], "--key-regex", "^user-",
                      "--dry-run", "--format", "json"], stdout=subprocess.PIPE, check=True).stdout
doc = json.loads(out)
# The oracle, from what was written: every key matches; those whose
# number ends in 0 end in a tombstone already, the other 90,000 are live.
assert doc["matching_keys"] == 100000, doc["matching_keys"]
assert doc["planned_tombstones"] == 90000, doc["planned_tombstones"]
gone = {k["key"] for k in doc["keys"] if k["already_deleted"]}
assert gone == {f"user-{i}" for i in range(0, 100000, 10)}, len(gone)
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{u.ru_utime + u.ru_stime:.2f}")
PY
	say "scan of 100,000 keys: $(cat "$WORK/many") CPU s"
	python3 -c 'import sys; sys.exit(float(sys.argv[1]) >= 4)' "$(cat "$WORK/many")" ||
		fail "the scan of 100,000 keys took $(cat "$WORK/many") CPU s"
}
test_case "delete-records: --key-regex over 100,000 keys scans in linear time" many_keys
