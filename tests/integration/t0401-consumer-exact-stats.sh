#!/usr/bin/env bash
# The consumer's numbers against values this test computes itself: a
# dataset with known counts, sums, minima, maxima, stddevs and quantiles
# per category and per event-time window, with bad records of every kind
# mixed in, each counted under its reason, the good statistics exact; and
# records whose stat field is missing, null, a string or out of range,
# which count in their group and are skipped for that stat only.
. "$(dirname "$0")/lib.sh"

topic=$(new_topic con-exact)
ktpy create "$topic" 3
python3 - "$WORK" <<'PY'
import base64, json, math, random, sys
work = sys.argv[1]
rng = random.Random(7)
t0 = 1700000000000            # a multiple of the 10 s window
good, bad = [], []
for w in range(3):            # three 10 s windows
    for i in range(3000):
        cat = rng.choice("AAABBC")
        price = round(rng.lognormvariate(3, 1) if cat != "C" else 1e9 + rng.random() * 1e-3, 6)
        ev = {"category": cat, "price": price, "quantity": rng.randint(1, 9),
              "ts": t0 + w * 10000 + rng.randrange(10000), "seq": len(good)}
        good.append(ev)
rng.shuffle(good)             # event time out of order within the lateness
good.sort(key=lambda e: e["ts"] // 2000)
reasons = {
    "not_json": ["{not json", '{"category":"A"', "NaN", '{"price": Infinity}'],
    "not_object": ["[1,2,3]", '"just a string"', "42"],
    "empty": [""],
    "null_value": [None],
    "bad_utf8": [b'{"category":"\xff\xfe","price":1,"quantity":1,"ts":1}'],
    "missing_field": ['{"price":1,"quantity":1,"ts":%d}' % t0,
                      '{"category":"A","price":1,"quantity":1}'],
    "wrong_type": ['{"category":{"x":1},"price":1,"quantity":1,"ts":%d}' % t0,
                   '{"category":[1],"price":1,"quantity":1,"ts":%d}' % t0],
    "bad_number": ['{"category":1e999,"price":1,"quantity":1,"ts":%d}' % t0],
    "duplicate_key": ['{"category":"A","category":"B","price":1,"quantity":1,"ts":%d}' % t0],
    "not_json_deep": ["[" * 100000 + "]" * 100000],
}
expect_invalid = {}
lines = []
for reason, values in reasons.items():
    name = "not_json" if reason == "not_json_deep" else reason
    for v in values:
        for _ in range(5):
            expect_invalid[name] = expect_invalid.get(name, 0) + 1
            if isinstance(v, bytes):
                lines.append({"vb64": base64.b64encode(v).decode()})
            else:
                lines.append({"v": v})
# Records without a usable price: valid, price skipped. Each goes in before
# a good event and takes its time (so it is on time where it is read).
skips = ['{"category":"A","quantity":1,"ts":%d}', '{"category":"A","price":"12","quantity":1,"ts":%d}',
         '{"category":"A","price":1e999,"quantity":1,"ts":%d}', '{"category":"A","price":null,"quantity":1,"ts":%d}',
         '{"category":"A","price":true,"quantity":1,"ts":%d}']
out = [{"v": json.dumps(e), "ts": e["ts"]} for e in good]
skipped = []
for i in range(5 * len(skips)):
    pos = (i * 89 + 13) % len(out)
    ts = out[pos]["ts"]
    out.insert(pos, {"v": skips[i % len(skips)] % ts, "ts": ts})
    skipped.append(ts)
for r in out:
    del r["ts"]
# Interleave bad records among good ones, spread over partitions.
for i, b in enumerate(lines):
    out.insert((i * 97) % len(out), b)
for i, r in enumerate(out):
    r["p"] = i % 3
with open(work + "/records", "w") as f:
    for r in out:
        f.write(json.dumps(r) + "\n")
# Expected statistics per (window, category).
exp = {}
for e in good + [{"category": "A", "quantity": 1, "ts": ts} for ts in skipped]:
    k = (t0 + (e["ts"] - t0) // 10000 * 10000, e["category"])
    exp.setdefault(k, []).append(e)
json.dump({"invalid": expect_invalid,
           "groups": {f"{k[0]}|{k[1]}": {
               "count": len(v),
               "price": [e["price"] for e in v if "price" in e],
               "quantity": [e["quantity"] for e in v]} for k, v in exp.items()}},
          open(work + "/expected", "w"))
PY
ktpy produce "$topic" <"$WORK/records"

exact() {
	expect_status 0 "$KT_BIN/consumer" -t "$topic" -g "exact-$$" --from-beginning --exit-at-end \
		--event-time ts --window 10s --allowed-lateness 5s --group-by category --stats price,quantity \
		--format json
	cp "$WORK/out" "$WORK/default.out"
	python3 - "$WORK/out" "$WORK/expected" <<'PY'
import json, math, statistics, sys
from datetime import datetime, timezone
from oracle import exact_moments
windows = [json.loads(l) for l in open(sys.argv[1])]
exp = json.load(open(sys.argv[2]))
ALPHA = 0.01   # the sketch's relative error bound (README)

def ms(iso):
    return round(datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ")
                 .replace(tzinfo=timezone.utc).timestamp() * 1000)

def quantile_ok(est, values, q):
    s = sorted(values)
    r = q * (len(s) - 1)
    lo, hi = s[math.floor(r)], s[math.ceil(r)]
    return lo - ALPHA * abs(lo) - 1e-9 <= est <= hi + ALPHA * abs(hi) + 1e-9

invalid = {}
seen = set()
skipped = 0
for w in windows:
    assert w["late"] == 0, w["late"]
    for k, v in w["invalid_by_reason"].items():
        invalid[k] = invalid.get(k, 0) + v
    assert w["invalid"] == sum(w["invalid_by_reason"].values())
    assert w["records"] == sum(g["count"] for g in w["groups"])
    for g in w["groups"]:
        key = f'{ms(w["window_start"])}|{g["key"]["category"]}'
        assert key not in seen, key
        seen.add(key)
        assert g["count"] == exp["groups"][key]["count"], (key, g["count"])
        for field in ("price", "quantity"):
            vals = exp["groups"][key][field]
            st = g["stats"][field]
            assert st["count"] == len(vals), (key, len(vals), st)
            assert st["skipped"] == g["count"] - len(vals), (key, field, st["skipped"])
            skipped += st["skipped"]
            got = [st["sum"], st["mean"], st["stddev"]]
            assert got == exact_moments(vals), (key, field, got, exact_moments(vals))
            assert st["min"] == min(vals) and st["max"] == max(vals), (key, field)
            # And within a few ulps of the correctly rounded stddev, near 1e9
            # with a tiny spread too (where the naive formula gives garbage).
            sd = statistics.stdev(vals)
            assert abs(st["stddev"] - sd) <= 4e-16 * sd, (key, field, st["stddev"], sd)
            for q, name in ((0.5, "p50"), (0.95, "p95"), (0.99, "p99")):
                assert quantile_ok(st[name], vals, q), (key, field, name, st[name])
assert seen == set(exp["groups"]), (sorted(seen), sorted(exp["groups"]))
assert invalid == exp["invalid"], (invalid, exp["invalid"])
assert skipped == 25, skipped  # 5 x 5 records without a usable price
PY
}
test_case "consumer: exact counts, sums, min/max, stddev and quantiles per event-time window, bad records under their reasons" exact

# The same windows from one thread and from wider pipelines as from the
# default above (cores - 1 threads): only the timing
# figures may differ, which window counts a bad record (it has no event
# time: the window open when it is read counts it). Sums, means and
# stddevs are exact: the same bits though partitions interleave otherwise.
same_windows() { # THREADS
	local threads=$1
	expect_status 0 "$KT_BIN/consumer" -t "$topic" -g "exact-$$-$threads" --from-beginning \
		--exit-at-end --event-time ts --window 10s --allowed-lateness 5s --group-by category \
		--stats price,quantity --format json --threads "$threads"
	python3 - "$WORK/default.out" "$WORK/out" <<'PY' || fail "--threads $threads gives other windows"
import collections, json, sys
def windows(path):
    out, bad = [], collections.Counter()
    for line in open(path):
        w = json.loads(line)
        for varies in ("throughput", "latency_ms", "lag", "invalid"):
            w.pop(varies)
        bad.update(w.pop("invalid_by_reason"))
        out.append(w)
    return out, bad
def same(x, y):
    if isinstance(x, dict):
        return x.keys() == y.keys() and all(same(x[k], y[k]) for k in x)
    if isinstance(x, list):
        return len(x) == len(y) and all(map(same, x, y))
    return x == y
(a, bad_a), (b, bad_b) = windows(sys.argv[1]), windows(sys.argv[2])
assert len(a) >= 3 and same(a, b), (len(a), len(b))
assert bad_a == bad_b and sum(bad_a.values()) > 0, (bad_a, bad_b)
PY
}
for threads in 1 2 5; do
	test_case "consumer: --threads $threads gives the windows of the default pipeline" same_windows $threads
done
