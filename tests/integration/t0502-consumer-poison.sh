#!/usr/bin/env bash
# Poison records: thousands of bad records of every kind (invalid UTF-8,
# truncated JSON, 100,000 levels of nesting, a 1.2 MB value, empty and null
# values, numbers beyond double range, NaN/Infinity, wrong types, duplicate
# keys, arrays and strings) mixed with good ones: each counted under its
# reason, the good records' statistics exact, no crash, memory bounded. A
# bad stat field is not a bad record: it counts, skipped for that stat.
. "$(dirname "$0")/lib.sh"

topic=$(new_topic poison)
ktpy create "$topic" 3 max.message.bytes=4000000
python3 - "$WORK" <<'PY'
import base64, json, math, random, sys
work = sys.argv[1]
rng = random.Random(11)
t0 = 1699999200000  # a multiple of the 1 h window
good = []
for i in range(20000):
    good.append({"category": rng.choice(["a", "b", "c", "d"]), "price": round(rng.uniform(-50, 500), 3),
                 "quantity": rng.randint(0, 20), "ts": t0 + rng.randrange(3600000)})
kinds = {
    "bad_utf8": lambda i: base64.b64encode(b'{"category":"a","price":1,"quantity":1,"ts":%d,"x":"\xc3\x28"}' % t0).decode(),
    "not_json": lambda i: rng.choice(['{"category":"a","price":1', "NaN", '{"price":NaN}', '{"price":Infinity}',
                                      '{"category":"a"}}', "nul", "[" * 100000 + "]" * 100000]),
    "empty": lambda i: "",
    "null_value": lambda i: None,
    "not_object": lambda i: rng.choice(["[1,2,3]", '"a string"', "3.5", "true", "null"]),
    "bad_number": lambda i: '{"category":1e400,"price":1,"quantity":1,"ts":%d}' % t0,
    "wrong_type": lambda i: rng.choice(['{"category":{"a":1},"price":1,"quantity":1,"ts":%d}' % t0,
                                        '{"category":["a"],"price":1,"quantity":1,"ts":%d}' % t0]),
    "duplicate_key": lambda i: '{"category":"a","price":1,"category":"b","quantity":1,"ts":%d}' % t0,
    "missing_field": lambda i: '{"price":1,"quantity":1,"ts":%d}' % t0,
    "bad_time": lambda i: '{"category":"a","price":1,"quantity":1,"ts":"yesterday"}',
}
expect = {}
bad = []
for name, make in kinds.items():
    for i in range(400):
        v = make(i)
        expect[name] = expect.get(name, 0) + 1
        bad.append({"vb64": v} if name == "bad_utf8" else {"v": v})
# A 1.2 MB object: over the 1 MiB default limit.
big = json.dumps({"category": "a", "price": 1, "quantity": 1, "ts": t0, "pad": "x" * 1200000})
bad.append({"v": big}); expect["too_large"] = 1
# Valid records of category a with a stat that has no usable value.
skips = [('{"category":"a","price":"12","quantity":1,"ts":%d}', None, 1),
         ('{"category":"a","price":1e400,"quantity":1,"ts":%d}', None, 1),
         ('{"category":"a","price":1,"price":2,"quantity":1,"ts":%d}', None, 1),
         ('{"category":"a","quantity":1,"ts":%d}', None, 1),
         ('{"category":"a","price":1,"quantity":{"n":1},"ts":%d}', 1, None)]
skipped = [rng.choice(skips) for _ in range(400)]
records = [{"v": json.dumps(e)} for e in good] + bad + [{"v": t % t0} for t, _, _ in skipped]
good += [dict({"category": "a", "ts": t0}, **{k: v for k, v in (("price", p), ("quantity", q)) if v is not None})
         for _, p, q in skipped]
rng.shuffle(records)
with open(work + "/records", "w") as f:
    for i, r in enumerate(records):
        r["p"] = i % 3
        f.write(json.dumps(r) + "\n")
groups = {}
for e in good:
    groups.setdefault(e["category"], []).append(e)
json.dump({"invalid": expect, "groups": {k: {"price": [e["price"] for e in v if "price" in e],
                                            "quantity": [e["quantity"] for e in v if "quantity" in e]}
                                        for k, v in groups.items()}},
          open(work + "/expected", "w"))
PY
ktpy produce "$topic" <"$WORK/records"

bounded() {
	/usr/bin/time -v -o "$WORK/time" "$KT_BIN/consumer" -t "$topic" -g "poison-$$" --from-beginning \
		--exit-at-end --event-time ts --window 1h --group-by category --stats price,quantity \
		--format json >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/err"; fail "consumer failed"; }
	rss_kb=$(awk -F': ' '/Maximum resident/ {print $2}' "$WORK/time")
	# Bounded: the 16 MiB prefetch queue, one 1.2 MB record at a time and four
	# groups come to about 21 MB (44 MB under ASan); 100 MB leaves room for
	# the allocator but not for keeping what was read.
	[ "$rss_kb" -lt 100000 ] || fail "consumer used $rss_kb KB"
	say "max RSS ${rss_kb} KB"
}
test_case "consumer: poison records of every kind: no crash, memory bounded (max RSS < 100 MB)" bounded

exact() {
	python3 - "$WORK/out" "$WORK/expected" <<'PY'
import json, math, statistics, sys
from oracle import exact_moments
ws = [json.loads(l) for l in open(sys.argv[1])]
exp = json.load(open(sys.argv[2]))
invalid = {}
for w in ws:
    for k, v in w["invalid_by_reason"].items():
        invalid[k] = invalid.get(k, 0) + v
assert invalid == exp["invalid"], (invalid, exp["invalid"])
stats = {}
for w in ws:
    for g in w["groups"]:
        k = g["key"]["category"]
        assert k not in stats, "one window expected"
        stats[k] = g
assert set(stats) == set(exp["groups"])
for k, fields in exp["groups"].items():
    for f, vals in fields.items():
        st = stats[k]["stats"][f]
        assert st["count"] == len(vals), (k, f)
        assert st["skipped"] == stats[k]["count"] - len(vals), (k, f)
        got = [st["sum"], st["mean"], st["stddev"]]
        assert got == exact_moments(vals), (k, f, got, exact_moments(vals))
        assert st["min"] == min(vals) and st["max"] == max(vals), (k, f)
PY
}
test_case "consumer: each poison record counted under its reason, the good records' statistics exact" exact
