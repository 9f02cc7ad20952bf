#!/usr/bin/env bash
# Values keep their identity (issue 14, defects 3-7), each case against what
# Python (json reads integers exactly, floats as IEEE doubles) computes from
# the same records: integers above 2^53 stay apart and exact, a bad stat
# field skips only that stat, long keys work, keys that print alike stay
# apart and look different, CSV numbers are exact.
. "$(dirname "$0")/lib.sh"

T0=1700000000000 # a multiple of the 10 s windows: every record in one

# records NAME PYTHON: the records PYTHON prints (one JSON text a line)
# into topic NAME (one partition, so sums add in offset order); sets $topic.
records() {
	topic=$(new_topic "values-$1")
	ktpy create "$topic" 1
	python3 -c "$2" | python3 -c '
import json, sys
for line in sys.stdin:
    print(json.dumps({"v": line.rstrip("\n"), "p": 0}))' >"$WORK/$1.records"
	ktpy produce "$topic" <"$WORK/$1.records"
}

# consume FORMAT ARGS...: read $topic from the start to its end; output in $WORK/out.
consume() {
	local format=$1
	shift
	expect_status 0 "$KT_BIN/consumer" -t "$topic" -g "values-$$-$RANDOM" --from-beginning \
		--exit-at-end --event-time ts --window 10s --format "$format" "$@"
}

records bigint "
for i in range(100):
    n = 1234567890123456000 + i
    print('{\"user_id\":%d,\"cat\":\"x\",\"v\":%d,\"ts\":$T0}' % (n, n))"

big_integers_apart() {
	consume json --group-by user_id --distinct user_id --stats v
	python3 - "$WORK/out" <<'PY'
import json, sys
(w,) = [json.loads(l) for l in open(sys.argv[1])]
assert w["records"] == 100 and w["invalid"] == 0, w
keys = sorted(g["key"]["user_id"] for g in w["groups"])
assert keys == [1234567890123456000 + i for i in range(100)], keys[:3]
for g in w["groups"]:
    n = g["key"]["user_id"]
    assert g["count"] == 1 and g["distinct"]["user_id"] == 1, g
    assert g["stats"]["v"]["min"] == n == g["stats"]["v"]["max"], g
PY
}
test_case "consumer: 100 ids above 2^53 are 100 groups with exact keys, distinct 1 each, min = max = id" big_integers_apart

big_integers_in_one_group() {
	consume json --group-by cat --distinct user_id --stats v
	python3 - "$WORK/out" <<'PY'
import json, sys
(w,) = [json.loads(l) for l in open(sys.argv[1])]
(g,) = w["groups"]
assert g["count"] == 100 and g["distinct"]["user_id"] == 100, g
assert g["stats"]["v"]["min"] == 1234567890123456000, g["stats"]["v"]
assert g["stats"]["v"]["max"] == 1234567890123456099, g["stats"]["v"]
PY
	consume csv --group-by user_id --stats v
	python3 - "$WORK/out" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert sorted(r["user_id"] for r in rows) == [str(1234567890123456000 + i) for i in range(100)]
for r in rows:
    assert r["v_min"] == r["user_id"] == r["v_max"], r
PY
	consume table --group-by user_id --stats v --top 3
	expect_grep "^12345678901234560[0-9]{2} +1 " "$WORK/out"
}
test_case "consumer: their min and max exact in JSON, CSV and the table; 100 distinct" big_integers_in_one_group

records skip "
rows = [{'g': 'a', 'price': 2}, {'g': 'a', 'price': 1, 'discount': None},
        {'g': 'a', 'price': 'free', 'discount': 0.5}, {'g': 'a', 'price': True, 'discount': [1]},
        {'g': 'b', 'discount': 4}, {'g': 'b', 'price': 1.5, 'discount': 'none'},
        {'g': 'b', 'price': {'v': 1}}]
import json
for r in rows:
    r['ts'] = $T0
    print(json.dumps(r))
print('{\"g\":\"b\",\"price\":1e999,\"discount\":2,\"ts\":$T0}')"

# The oracle: per group and stat, the numbers (bools are not) and how many records lack one.
skip_model() {
	python3 - "$WORK/skip.records" "$WORK/out" "$@" <<'PY'
import json, math, sys
recs = [json.loads(json.loads(l)["v"]) for l in open(sys.argv[1])]
(w,) = [json.loads(l) for l in open(sys.argv[2])]
assert w["records"] == len(recs) == 8 and w["invalid"] == 0, w
for g in w["groups"]:
    mine = [r for r in recs if r["g"] == g["key"]["g"]]
    assert g["count"] == len(mine), g
    for stat in sys.argv[3:]:
        vals = [r[stat] for r in mine if type(r.get(stat)) in (int, float) and math.isfinite(r[stat])]
        st = g["stats"][stat]
        assert st["count"] == len(vals) and st["skipped"] == len(mine) - len(vals), (stat, g)
        assert st["sum"] == sum(vals), (stat, st)
        assert st["min"] == (min(vals) if vals else None), (stat, st)
PY
}

bad_stat_fields_skipped() {
	consume json --group-by g --stats price,discount
	skip_model price discount
}
test_case "consumer: --stats price,discount: a missing, null, string, bool or 1e999 value is skipped for that stat, the record counts" bad_stat_fields_skipped

auto_stats_skipped() {
	consume json --group-by g
	skip_model price discount
	consume csv --group-by g
	python3 - "$WORK/out" <<'PY'
import csv, sys
rows = {r["g"]: r for r in csv.DictReader(open(sys.argv[1], newline=""))}
assert rows["a"]["price_count"] == "2" and rows["a"]["price_skipped"] == "2", rows["a"]
assert rows["b"]["discount_count"] == "2" and rows["b"]["discount_skipped"] == "2", rows["b"]
assert rows["a"]["invalid"] == "0" == rows["a"]["invalid_wrong_type"], rows["a"]
PY
}
test_case "consumer: found stats: a field once numeric, later a string or bool, is skipped (not wrong_type), per stat in JSON and CSV" auto_stats_skipped

records long "
import json
for n in (509, 510, 600, 5000, 100000):
    print(json.dumps({'url': 'https://example.com/' + 'p' * n, 'ts': $T0}))
print(json.dumps({'url': 'https://example.com/' + 'p' * 600, 'ts': $T0}))"

long_keys() {
	consume json --group-by url
	python3 - "$WORK/out" <<'PY'
import json, sys
(w,) = [json.loads(l) for l in open(sys.argv[1])]
assert w["records"] == 6 and w["invalid"] == 0, (w["records"], w["invalid_by_reason"])
got = {g["key"]["url"]: g["count"] for g in w["groups"]}
want = {"https://example.com/" + "p" * n: 1 for n in (509, 510, 5000, 100000)}
want["https://example.com/" + "p" * 600] = 2
assert got == want, sorted(len(k) for k in got)
PY
	consume table --group-by url
	# Cut to 40 columns, they would all print "https://example.com/p…p":
	# each keeps its start and shows a hash of its value, 5 cells apart.
	expect_grep "^https://example.com/p{12}…#[0-9a-f]{6} +2$" "$WORK/out"
	expect_eq "different cells" 5 "$(grep -Eo '^https://example.com/p{12}…#[0-9a-f]{6}' "$WORK/out" | sort -u | wc -l)"
}
test_case "consumer: group values of 510 to 100,000 bytes are keys (not too_large), whole in JSON, cut with … in the table" long_keys

records alike '
import json
for v, n in ((42, 1), ("42", 2), (None, 3), ("null", 4), ("a\u0000b", 5), ("a\u0000c", 6), (True, 7), ("true", 8)):
    for _ in range(n):
        print(json.dumps({"k": v, "ts": '$T0'}))'

keys_apart() {
	consume json --group-by k
	python3 - "$WORK/out" <<'PY'
import json, sys
(w,) = [json.loads(l) for l in open(sys.argv[1])]
got = [(g["key"]["k"], g["count"]) for g in w["groups"]]
want = [("true", 8), (True, 7), ("a\x00c", 6), ("a\x00b", 5), ("null", 4), (None, 3), ("42", 2), (42, 1)]
assert got == want, got
PY
	consume csv --group-by k
	python3 - "$WORK/out" <<'PY'
import csv, sys
got = [(r["k"], r["count"]) for r in csv.DictReader(open(sys.argv[1], newline=""))]
want = [('"true"', "8"), ("true", "7"), ('"a\\u0000c"', "6"), ('"a\\u0000b"', "5"),
        ('"null"', "4"), ("null", "3"), ('"42"', "2"), ("42", "1")]
assert got == want, got
PY
	consume table --group-by k
	expect_grep '^"42" +2$' "$WORK/out"
	expect_grep '^42 +1$' "$WORK/out"
	expect_grep '^"a\\u0000b" +5$' "$WORK/out"
}
test_case 'consumer: 42 and "42", null and "null", true and "true", "a\0b" and "a\0c" are apart, and look apart in CSV and the table' keys_apart

records precise "
print('{\"g\":1,\"v\":1700000000123456,\"w\":1e308,\"x\":0.1,\"ts\":$T0}')
print('{\"g\":1,\"v\":1700000000123457,\"w\":1e308,\"x\":0.2,\"ts\":$T0}')
print('{\"g\":1,\"v\":0.30000000000000004,\"w\":1e308,\"x\":0.4,\"ts\":$T0}')"

csv_exact() {
	consume csv --group-by g --stats v,w,x
	python3 - "$WORK/out" <<'PY'
import csv, statistics, sys
(r,) = list(csv.DictReader(open(sys.argv[1], newline="")))
v = [1700000000123456, 1700000000123457, 0.30000000000000004]
x = [0.1, 0.2, 0.4]
assert float(r["v_min"]) == min(v) and float(r["v_max"]) == max(v), r
assert r["v_max"] == "1700000000123457", r["v_max"]  # not 1.70000000012346e+15
assert float(r["v_sum"]) == (v[0] + v[1]) + v[2], r["v_sum"]
assert r["x_sum"] == repr(0.1 + 0.2 + 0.4) == "0.7000000000000001", r["x_sum"]
assert r["w_sum"] == "", r["w_sum"]  # overflowed: empty, not inf
assert r["w_min"] == "1e+308" and float(r["w_mean"]) == 1e308, r
PY
	consume json --group-by g --stats v,w,x
	python3 - "$WORK/out" <<'PY'
import json, sys
(w,) = [json.loads(l) for l in open(sys.argv[1])]
st = w["groups"][0]["stats"]
assert st["w"]["sum"] is None and st["w"]["max"] == 1e308, st["w"]
assert st["v"]["max"] == 1700000000123457 and st["x"]["sum"] == 0.1 + 0.2 + 0.4, st
PY
}
test_case "consumer: CSV numbers read back as the same doubles (min/max/sum), an overflowed sum empty in CSV and null in JSON" csv_exact

records huge "
for w in ('1e308', '-1e308', '1e300', '1.5e308', '-1.7976931348623157e308'):
    print('{\"g\":1,\"w\":%s,\"ts\":$T0}' % w)"

huge_stddev() {
	consume json --group-by g --stats w
	python3 - "$WORK/out" <<'PY'
import json, sys
from decimal import Decimal, getcontext
getcontext().prec = 100
(w,) = [json.loads(l) for l in open(sys.argv[1])]
st = w["groups"][0]["stats"]["w"]
vals = [Decimal(float(t)) for t in ("1e308", "-1e308", "1e300", "1.5e308", "-1.7976931348623157e308")]
n = len(vals)
var = (n * sum(v * v for v in vals) - sum(vals) ** 2) / (n * (n - 1))
assert var > Decimal(sys.float_info.max), var  # the variance is beyond a double
assert st["stddev"] == float(var.sqrt()), (st["stddev"], float(var.sqrt()))
PY
}
test_case "consumer: values near 1e308 have a finite stddev (their variance is beyond a double), as Python's exact decimal gives" huge_stddev
