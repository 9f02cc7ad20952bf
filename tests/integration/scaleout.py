"""Test helper for scale-out (t0411): a seeded dataset with invalid records,
the comparison of a plain consumer's windows with a merger's, and a
partials topic's records one a line (seals TOPIC, to diagnose a failure)."""
import json
import math
import random
import sys


def spoil(path, seed):
    """Replace about 1 % of the records with invalid ones (not JSON, no
    event time), keeping each partition's order."""
    rng = random.Random(int(seed))
    for line in open(path):
        row = json.loads(line)
        r = rng.random()
        if r < 0.005:
            row["v"] = "not json {"
        elif r < 0.01:
            rec = json.loads(row["v"])
            del rec["ts"]
            row["v"] = json.dumps(rec)
        print(json.dumps(row))


EXACT = ("count", "min", "max", "p50", "p95", "p99", "skipped")
CLOSE = ("sum", "mean", "stddev")


def figures(path):
    """window start -> records and groups (by their key values), summing
    a window written twice (partial, then the rest)."""
    out = {}
    late = invalid = 0
    for line in open(path):
        w = json.loads(line)
        late += w["late"]
        invalid += w["invalid"]
        win = out.setdefault(w["window_start"], {"records": 0, "groups": {}})
        win["records"] += w["records"]
        for g in w["groups"]:
            key = json.dumps(g["key"], sort_keys=True)
            if key in win["groups"]:
                raise SystemExit(f"window {w['window_start']} group {key} written twice")
            win["groups"][key] = g
    return out, late, invalid


def close(a, b):
    """Exact: sums, means and stddevs are the same bits however the
    records were split between members and merged."""
    return a == b


def compare(plain_path, merged_path, plain_late, plain_invalid):
    p, pl, pi = figures(plain_path)
    m, ml, mi = figures(merged_path)
    pl += int(plain_late)
    pi += int(plain_invalid)
    bad = []
    if pl != ml or pi != mi:
        bad.append(f"late/invalid: plain {pl}/{pi}, merged {ml}/{mi}")
    for s in sorted(set(p) | set(m)):
        a, b = p.get(s), m.get(s)
        if a is None or b is None:
            bad.append(f"window {s}: only in {'merged' if a is None else 'plain'}")
            continue
        if a["records"] != b["records"]:
            bad.append(f"window {s}: records {a['records']} vs {b['records']}")
        for k in sorted(set(a["groups"]) | set(b["groups"])):
            ga, gb = a["groups"].get(k), b["groups"].get(k)
            if ga is None or gb is None:
                bad.append(f"window {s} group {k}: missing on one side")
                continue
            if ga["count"] != gb["count"] or ga.get("distinct") != gb.get("distinct"):
                bad.append(f"window {s} group {k}: count/distinct {ga['count']}/{ga.get('distinct')}"
                           f" vs {gb['count']}/{gb.get('distinct')}")
            for f, sa in ga.get("stats", {}).items():
                sb = gb.get("stats", {}).get(f, {})
                for x in EXACT:
                    if sa.get(x) != sb.get(x):
                        bad.append(f"window {s} group {k} {f}.{x}: {sa.get(x)} vs {sb.get(x)}")
                for x in CLOSE:
                    if not close(sa.get(x), sb.get(x)):
                        bad.append(f"window {s} group {k} {f}.{x}: {sa.get(x)} vs {sb.get(x)}")
    for b in bad[:20]:
        print(b)
    print(f"{len(p)} windows, {sum(w['records'] for w in p.values())} records, late {pl}, "
          f"invalid {pi}: {len(bad)} differences")
    return 1 if bad else 0


def seals(topic):
    """The partials records of topic, one line each (for a failure's
    diagnosis): kind, input partition, window, and for a seal its pieces,
    late count and the offsets it covers."""
    import os
    import struct
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": os.environ.get("KT_BROKERS", "127.0.0.1:9092"),
                  "group.id": "scaleout-seals", "enable.partition.eof": True})
    parts = list(c.list_topics(topic, timeout=10).topics[topic].partitions)
    todo = set(parts)
    c.assign([TopicPartition(topic, p, 0) for p in parts])
    kinds = {1: "piece", 2: "seal", 3: "end", 4: "through"}
    while todo:
        m = c.poll(1.0)
        if m is None:
            continue
        if m.error():
            todo.discard(m.partition())
            continue
        v, at = m.value(), 5
        kind = v[4]
        for _ in range(2):  # settings, topic
            at += 4 + struct.unpack_from("<I", v, at)[0]
        part, _, start, end = struct.unpack_from("<IIqq", v, at)
        at += 24
        line = f"{m.partition()}:{m.offset()} {kinds.get(kind, kind)} p{part} {start} {end}"
        if kind == 2:
            pieces = struct.unpack_from("<I", v, at)[0]
            h = struct.unpack_from("<13Q", v, at + 4)  # 11 invalid, filtered, late
            first, nxt = struct.unpack_from("<qq", v, at + 4 + 13 * 8)
            line += f" pieces {pieces} late {h[12]} offsets [{first},{nxt})"
        print(line)
    c.close()


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "spoil":
        spoil(*sys.argv[2:])
    elif cmd == "compare":
        sys.exit(compare(*sys.argv[2:]))
    elif cmd == "seals":
        seals(*sys.argv[2:])
