#!/usr/bin/env python3
"""Reference model of the consumer's event-time windows (issue 14), written
from the rule, sharing no code with the consumer:

  Per partition p, wm_p = (greatest event time read from p) - lateness.
  A record is late exactly when its window's end <= wm_p just before it is
  read. Every other record counts in its window [k*W, (k+1)*W).

  evmodel.py dataset SEED PARTITIONS PER_PARTITION T0 WINDOW_MS LATENESS_MS
      a seeded dataset as ktpy produce lines ({"p": int, "v": str}): within
      each partition disorder inside and beyond the lateness, duplicate
      times and times on window boundaries
  evmodel.py model DATASET WINDOW_MS LATENESS_MS   the expected figures
  evmodel.py figures CONSUMER_JSON                  the consumer's, alike
  evmodel.py pace TOPIC DATASET RATE PROGRESS       produce at RATE/s in
      order, writing how many were sent to the file PROGRESS as it goes
Figures: {"windows": {start: {"records", "groups": {cat: [count, min, max,
sum, mean, stddev]}}}, "late": total} -- printed as one JSON object, every
figure exact (oracle.py), so that any dependence on the order records are
read in shows.
"""
from oracle import exact_moments
import json
import os
import random
import sys
import time


def dataset(seed, nparts, per, t0, window, lateness):
    rng = random.Random(int(seed))
    nparts, per, t0 = int(nparts), int(per), int(t0)
    window, lateness = int(window), int(lateness)
    rows = []
    for p in range(nparts):
        cursor = t0 + rng.randrange(0, 500)
        prev = cursor
        for i in range(per):
            cursor += rng.randrange(5, 35)
            r = rng.random()
            if r < 0.06:
                t = prev  # a duplicate time
            elif r < 0.10:
                t = (cursor // window) * window  # on a window boundary
            elif r < 0.13:
                t = (cursor // window) * window - 1  # just before one
            elif r < 0.18:
                t = cursor - rng.randrange(lateness + 1, 3 * window)  # beyond
            elif r < 0.45:
                t = cursor - rng.randrange(0, lateness + 1)  # within
            else:
                t = cursor
            prev = t
            rec = {"seq": i, "ts": t, "cat": rng.choice("abcd"),
                   "price": rng.randrange(0, 2000) / 2}
            rows.append({"p": p, "v": json.dumps(rec)})
    # Interleave the partitions (the order within each is what counts).
    order = sorted(range(len(rows)), key=lambda k: (k % per, rows[k]["p"]))
    for k in order:
        print(json.dumps(rows[k]))


def model(path, window, lateness):
    window, lateness = int(window), int(lateness)
    maxseen = {}
    wins = {}
    late = 0
    for line in open(path):
        row = json.loads(line)
        p, rec = row["p"], json.loads(row["v"])
        t = rec["ts"]
        start = t - t % window  # Python's % floors: also before the epoch
        if p in maxseen and start + window <= maxseen[p] - lateness:
            late += 1
            continue
        maxseen[p] = max(maxseen.get(p, t), t)
        w = wins.setdefault(start, {})
        w.setdefault(rec["cat"], []).append(rec["price"])
    out = {}
    for start, groups in wins.items():
        out[str(start)] = {
            "records": sum(len(v) for v in groups.values()),
            "groups": {c: [len(v), min(v), max(v)] + exact_moments(v)
                       for c, v in groups.items()}}
    emit({"windows": out, "late": late})


def iso_ms(s):
    # "2026-01-01T00:00:02.000Z" -> epoch ms
    from datetime import datetime, timezone
    d = datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return round(d.timestamp() * 1000)


def figures(path):
    out = {}
    late = 0
    for line in open(path):
        w = json.loads(line)
        late += w["late"]
        start = str(iso_ms(w["window_start"]))
        if start in out:
            raise SystemExit(f"window {w['window_start']} written twice")
        if w["records"] == 0:
            continue
        groups = {}
        for g in w["groups"]:
            s = g["stats"]["price"]
            groups[g["key"]["cat"]] = [g["count"], s["min"], s["max"], s["sum"], s["mean"],
                                       s["stddev"]]
        out[start] = {"records": w["records"], "groups": groups}
    emit({"windows": out, "late": late})


def emit(fig):
    for w in fig["windows"].values():
        for g in w["groups"].values():
            g[1:] = [None if x is None else float(x) for x in g[1:]]
    print(json.dumps(fig, sort_keys=True))


def pace(topic, path, rate, progress):
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": os.environ["KT_BROKERS"], "linger.ms": 0,
                  "enable.idempotence": True})
    rows = [json.loads(l) for l in open(path)]
    rate = float(rate)
    start = time.monotonic()
    for i, r in enumerate(rows):
        due = start + i / rate
        while True:
            left = due - time.monotonic()
            if left <= 0:
                break
            p.poll(min(left, 0.01))
        p.produce(topic, value=r["v"].encode(), partition=r["p"])
        p.poll(0)
        if i % 50 == 0 or i == len(rows) - 1:
            with open(progress + ".tmp", "w") as f:
                f.write(f"{i + 1}\n")
            os.replace(progress + ".tmp", progress)
    if p.flush(60):
        raise SystemExit("evmodel: pace: undelivered records")
    with open(progress + ".tmp", "w") as f:
        f.write(f"{len(rows)} done\n")
    os.replace(progress + ".tmp", progress)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    {"dataset": dataset, "model": model, "figures": figures,
     "pace": pace}[sys.argv[1]](*sys.argv[2:])
