#!/usr/bin/env bash
# --schema: a file with every type and distribution generates events whose
# sample statistics match what it declares; each malformed file is refused
# with exit 2 and a message naming the field and the problem. No broker.
. "$(dirname "$0")/lib.sh"

cat >"$WORK/all.json" <<'JSON'
{"name": "all", "fields": [
  {"name": "kind", "type": "enum", "values": {"a": 0.7, "b": 0.2, "c": 0.1}},
  {"name": "level", "type": "float", "decimals": 1, "by": "kind",
   "cases": {"a": {"dist": "normal(10, 2)"}, "b": {"dist": "normal(-5, 1)"}, "c": {"dist": "uniform(100, 200)"}}},
  {"name": "n", "type": "int", "dist": "uniform(1, 6)"},
  {"name": "clamped", "type": "float", "dist": "normal(0, 10)", "min": -1, "max": 1},
  {"name": "rank", "type": "int", "dist": "zipf(10, 1.0)"},
  {"name": "user", "type": "string", "pattern": "u{}x", "dist": "uniform(1, 3)", "null": 0.25},
  {"name": "page", "type": "string", "values": ["p1", "p2", "p3"]},
  {"name": "flag", "type": "bool", "p": 0.3},
  {"name": "ref", "type": "uuid"},
  {"name": "n2", "type": "seq"},
  {"name": "at", "type": "timestamp", "format": "iso"},
  {"name": "k", "type": "const", "value": {"x": [1, 2]}}
]}
JSON
statistics() {
	"$KT_BIN/generator" --dry-run --rate 0 --count 50000 --seed 3 --schema "$WORK/all.json" \
		--start-time 2026-01-01T00:00:00Z >"$WORK/events" 2>"$WORK/err" || { cat "$WORK/err"; fail "generator"; }
	python3 - "$WORK/events" <<'PY'
import json, math, re, statistics as st, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
n = len(ev)
assert n == 50000
share = lambda f: sum(1 for e in ev if f(e)) / n
assert abs(share(lambda e: e["kind"] == "a") - 0.7) < 0.01
assert abs(share(lambda e: e["kind"] == "c") - 0.1) < 0.01
a = [e["level"] for e in ev if e["kind"] == "a"]
b = [e["level"] for e in ev if e["kind"] == "b"]
c = [e["level"] for e in ev if e["kind"] == "c"]
assert abs(st.mean(a) - 10) < 0.05 and abs(st.stdev(a) - 2) < 0.05, (st.mean(a), st.stdev(a))
assert abs(st.mean(b) + 5) < 0.05 and abs(st.stdev(b) - 1) < 0.05
assert 100 <= min(c) and max(c) <= 200 and abs(st.mean(c) - 150) < 1.5
assert all(re.fullmatch(r"-?\d+(\.\d)?", json.dumps(e["level"])) for e in ev)  # 1 decimal
ns = [e["n"] for e in ev]
assert set(ns) == {1, 2, 3, 4, 5, 6} and abs(st.mean(ns) - 3.5) < 0.05
assert all(-1 <= e["clamped"] <= 1 for e in ev)
h = sum(1 / k for k in range(1, 11))
assert abs(share(lambda e: e["rank"] == 1) - 1 / h) < 0.01
assert abs(share(lambda e: e["user"] is None) - 0.25) < 0.01
assert {e["user"] for e in ev if e["user"]} == {"u1x", "u2x", "u3x"}
assert abs(share(lambda e: e["page"] == "p2") - 1 / 3) < 0.01
assert abs(share(lambda e: e["flag"] is True) - 0.3) < 0.01
assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", e["ref"]) for e in ev)
assert all(e["n2"] == e["seq"] for e in ev)
assert ev[0]["at"] == "2026-01-01T00:00:00.000Z" and ev[0]["ts"] == 1767225600000
assert all(e["k"] == {"x": [1, 2]} for e in ev)
PY
}
test_case "generator: --schema with every type and distribution: sample statistics match what it declares" statistics

check_bad() { # NAME EXPECTED-TEXT JSON
	printf '%s' "$3" >"$WORK/$1.json"
	expect_status 2 "$KT_BIN/generator" --dry-run --count 1 --schema "$WORK/$1.json"
	expect_grep "$2" "$WORK/err"
	[ "$(wc -l <"$WORK/err")" = 1 ] || fail "$1: more than one line"
}
bad() { # bad NAME EXPECTED-TEXT JSON: one named case per malformed schema
	test_case "generator: bad schema ($1) exits 2 with one line: $2" check_bad "$@"
}
f='{"fields": [%s]}'
bad type "field 'x': unknown type 'integer'" "$(printf "$f" '{"name":"x","type":"integer"}')"
bad key "field 'x': unknown key 'maximum'" "$(printf "$f" '{"name":"x","type":"int","dist":"uniform(1,2)","maximum":3}')"
bad minmax "field 'x': min 10 > max 5" "$(printf "$f" '{"name":"x","type":"int","dist":"uniform(10,5)"}')"
bad weights "field 'x': weights sum to 0.9, not 1" "$(printf "$f" '{"name":"x","type":"enum","values":{"a":0.5,"b":0.4}}')"
bad stddev "field 'x': negative stddev" "$(printf "$f" '{"name":"x","type":"float","dist":"normal(1,-2)"}')"
bad zipf "field 'x': zipf n must be" "$(printf "$f" '{"name":"x","type":"int","dist":"zipf(0,1)"}')"
bad dist "field 'x': unknown distribution 'poisson\\(3\\)'" "$(printf "$f" '{"name":"x","type":"int","dist":"poisson(3)"}')"
bad dup "field 'x': defined twice" "$(printf "$f" '{"name":"x","type":"uuid"},{"name":"x","type":"uuid"}')"
bad reserved "field 'seq': the name is the event's own" "$(printf "$f" '{"name":"seq","type":"int","dist":"uniform(1,2)"}')"
bad null "field 'x': 'null' must be a probability" "$(printf "$f" '{"name":"x","type":"uuid","null":1.5}')"
bad by "field 'y': 'by' names 'x', which is not an earlier enum field" "$(printf "$f" '{"name":"x","type":"uuid"},{"name":"y","type":"int","by":"x","cases":{}}')"
bad case "field 'y': no case for 'b' of 'x'" "$(printf "$f" '{"name":"x","type":"enum","values":{"a":0.5,"b":0.5}},{"name":"y","type":"int","by":"x","cases":{"a":{"dist":"uniform(1,2)"}}}')"
bad json "not valid JSON \\(near line 2\\)" $'{"fields": [\n{"name": }]}'
bad empty "'fields' must be a non-empty array" '{"fields": []}'
missing_schema() {
	expect_status 2 "$KT_BIN/generator" --dry-run --count 1 --schema "$WORK/missing.json"
	expect_grep "cannot open schema '$WORK/missing.json'" "$WORK/err"
}
test_case "generator: a missing schema file exits 2" missing_schema

unknown_template() {
	expect_status 2 "$KT_BIN/generator" --dry-run --count 1 --template nope
	expect_grep "invalid value 'nope' for --template" "$WORK/err"
}
test_case "generator: an unknown --template exits 2" unknown_template
