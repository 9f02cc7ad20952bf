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
