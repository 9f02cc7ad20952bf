#!/usr/bin/env bash
# --format csv: a header, one row per window and group with the group's
# exact figures, the groups past --top summed in other_groups/other_count,
# the window's health columns; without --stats the columns wait for the
# first window with records, and the empty windows before it still appear.
. "$(dirname "$0")/lib.sh"

# ---- figures, --top and the health columns -------------------------------
topic=$(new_topic con-csv)
ktpy create "$topic" 3
python3 - "$WORK" <<'PY'
import json, math, random, sys
work = sys.argv[1]
rng = random.Random(11)
t0 = 1700000000000
sizes = {"a": 500, "b": 300, "c,\"q\"": 120, "d": 50, "e": 7}  # c needs CSV quoting
recs, exp = [], {}
for cat, n in sizes.items():
    for i in range(n):
        price = rng.randint(1, 100000) / 100
        recs.append({"category": cat, "price": price, "ts": t0 + rng.randrange(10000)})
        e = exp.setdefault(cat, {"count": 0, "prices": [], "min": 1e9, "max": -1e9})
        e["count"] += 1; e["prices"].append(price)
        e["min"] = min(e["min"], price); e["max"] = max(e["max"], price)
for e in exp.values():
    e["sum"] = math.fsum(e.pop("prices"))  # the exact sum, rounded once
rng.shuffle(recs)
recs.sort(key=lambda r: r["ts"])
out = [{"v": json.dumps(r), "p": i % 3} for i, r in enumerate(recs)]
for i in range(9):
    out.insert(i * 100, {"v": "{broken", "p": i % 3})
with open(work + "/records", "w") as f:
    for r in out:
        f.write(json.dumps(r) + "\n")
json.dump(exp, open(work + "/expected", "w"))
PY
ktpy produce "$topic" <"$WORK/records"
figures() {
	expect_status 0 "$KT_BIN/consumer" -t "$topic" -g "csv-$$" --from-beginning --exit-at-end \
		--event-time ts --window 10s --group-by category --stats price --top 2 --format csv
	python3 - "$WORK/out" "$WORK/expected" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
exp = json.load(open(sys.argv[2]))
header = open(sys.argv[1]).readline().strip().split(",")
for col in ("window_start", "window_end", "category", "count", "price_count", "price_sum",
            "price_min", "price_max", "price_p99", "window_records", "invalid", "other_groups",
            "other_count", "records_per_s", "latency_p99_ms", "lag", "partial",
            "invalid_not_json"):
    assert col in header, col
assert len(rows) == 2, rows  # --top 2
total = sum(e["count"] for e in exp.values())
ranked = sorted(exp, key=lambda c: -exp[c]["count"])
for row, cat in zip(rows, ranked):
    e = exp[cat]
    assert row["category"] == cat, (row["category"], cat)
    assert int(row["count"]) == e["count"] == int(row["price_count"])
    assert float(row["price_sum"]) == e["sum"], (row["price_sum"], e["sum"])
    assert float(row["price_min"]) == e["min"] and float(row["price_max"]) == e["max"]
    assert int(row["window_records"]) == total
    assert int(row["other_groups"]) == 3
    assert int(row["other_count"]) == sum(exp[c]["count"] for c in ranked[2:])
    assert int(row["invalid"]) == 9 == int(row["invalid_not_json"])
    assert row["partial"] == "true"  # written at the end of input, not by the watermark
print("csv rows ok")
PY
}
test_case "consumer: --format csv: exact figures per group, --top 2 with other_groups/other_count, health columns" figures


quoted_key() {
	expect_status 0 "$KT_BIN/consumer" -t "$topic" -g "csv2-$$" --from-beginning --exit-at-end \
		--event-time ts --window 10s --group-by category --stats price --filter 'category~^c' --format csv
	python3 - "$WORK/out" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert [r["category"] for r in rows] == ['c,"q"'], rows
assert int(rows[0]["count"]) == 120 and int(rows[0]["filtered"]) == 857, rows
PY
}
test_case "consumer: --format csv: a key needing quotes round-trips" quoted_key

# ---- auto stats: the header waits for records ----------------------------
live=$(new_topic con-csv-live)
ktpy create "$live" 1
header_waits() {
	"$KT_BIN/consumer" -t "$live" -g "csv-live-$$" --window 1s --format csv -v \
		>"$WORK/live.csv" 2>"$WORK/live.err" &
	pid=$!
	at_exit "kill -9 $pid"
	assigned() { grep -q "assigned 1 partition" "$WORK/live.err"; }
	wait_for 60 assigned || fail "the live consumer got no partition"
	# A whole 1 s window passes with the consumer reading and no records: it
	# is written empty, before any stat field is known.
	python3 -c 'import time; t = time.time(); time.sleep(2 - t % 1)'
	expect_eq "output before any record" "" "$(cat "$WORK/live.csv")"
	python3 -c '
import json
for i in range(50):
    print(json.dumps({"v": json.dumps({"seq": i, "ts": 0, "price": i, "qty": 2})}))' |
		ktpy produce "$live"
	has_data() { awk -F, 'NR > 1 && $3 > 0 {found = 1} END {exit !found}' "$WORK/live.csv"; }
	wait_for 60 has_data || fail "no row with records"
	kill -TERM $pid
	wait $pid || fail "the live consumer failed"
	python3 - "$WORK/live.csv" <<'PY'
import csv, sys
lines = open(sys.argv[1]).read().splitlines()
header = lines[0].split(",")
assert "price_sum" in header and "qty_sum" in header, header
assert "seq_sum" not in header and "ts_sum" not in header, header
rows = list(csv.DictReader(lines))
assert all(len(r) == len(header) and None not in r for r in rows), "ragged rows"
first = next(i for i, r in enumerate(rows) if int(r["count"]) > 0)
assert first >= 1, "the empty window before the records is missing"
assert all(int(r["count"]) == 0 for r in rows[:first])
assert sum(int(r["count"]) for r in rows) == 50
assert sum(float(r["price_sum"] or 0) for r in rows) == sum(range(50))
starts = [r["window_start"] for r in rows]
assert starts == sorted(starts), "windows out of order"
print("live csv ok")
PY
}
test_case "consumer: --format csv without --stats: the header waits for records, earlier empty windows still appear" header_waits
