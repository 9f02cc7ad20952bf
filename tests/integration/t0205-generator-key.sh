#!/usr/bin/env bash
# --key-field FIELD: the field is the message key; one key, one partition.
. "$(dirname "$0")/lib.sh"

topic=$(new_topic gen-key)
ktpy create "$topic" 4

key_field() {
	expect_status 0 "$KT_BIN/generator" -t "$topic" --key-field category --count 2000 --rate 0
	ktpy dump "$topic" >"$WORK/dump"
	python3 - "$WORK/dump" <<'PY'
import json, sys
where = {}
for l in open(sys.argv[1]):
    r = json.loads(l)
    assert r["k"] == json.loads(r["v"])["category"], r
    where.setdefault(r["k"], set()).add(r["p"])
assert len(where) > 1
assert all(len(p) == 1 for p in where.values()), where
PY
}
test_case "generator: --key-field category: the field is the key, one key one partition" key_field

no_such_field() {
	expect_status 2 "$KT_BIN/generator" -t "$topic" --key-field nosuchfield --count 1
	expect_grep "no such field" "$WORK/err"
}
test_case "generator: --key-field naming no field of the template exits 2" no_such_field
