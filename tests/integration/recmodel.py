#!/usr/bin/env python3
"""What the consumer should make of raw records, from README's rules alone
(the consumer's "Values keep their identity" and "Health" paragraphs), for
the tests that feed it unusual data:

  recmodel.py lines T0 < PYTHON        run PYTHON, which sets R to a list of
      record values (bytes), and print them as ktpy.py produce lines (one
      partition, Kafka timestamp T0)
  recmodel.py check RECORDS OUT --group-by F,... [--stats F,...]
      compare the consumer's one JSON window OUT with the model's figures
      for the records (ktpy lines); without --stats, with the stats found
      automatically; prints each difference, exit 1 if any

The rules modelled:
  - a value of no bytes is "empty"; trailing NULs are dropped; then bytes
    that are not UTF-8 "bad_utf8", text that is not strict RFC 8259 JSON (a lone
    surrogate escape, NaN, nesting deeper than 1000 included) "not_json",
    JSON that is not an object "not_object"
  - a member's name is compared as a C string: up to a NUL it may hold
  - a group-by field given twice is "duplicate_key", missing
    "missing_field", an object or array "wrong_type", a number beyond
    double range "bad_number"; numbers as group values: integers from 2^53
    up by their digits, others by their double (-0 is 0)
  - a stat value is a finite JSON number given once (not a bool); anything
    else is no value, counted as skipped
  - without --stats: the first 16 numeric top-level fields found (not seq,
    ts, the group-by fields), in the order records and members come, in
    every object read (one refused too)
  - sums are exact: integers within int64 as the integers they are, every
    other number as its double (oracle.py rounds the exact sums once); min
    and max are exact integers within int64 from 2^53 up, doubles otherwise;
    -0 is 0, so no figure prints -0 (min and max do not hang on which of 0
    and -0 came first)
"""
import base64
import json
import math
import sys
from fractions import Fraction

from oracle import exact_moments

sys.setrecursionlimit(20000)  # json nests 1000 deep


class NotJson(Exception):
    pass


def _walk(v, depth):
    """Refuse what Python's json takes and RFC 8259 (with UTF-8) does not:
    lone surrogates, and nesting deeper than 1000."""
    if depth > 1000:
        raise NotJson()
    if isinstance(v, str):
        if any(0xD800 <= ord(c) <= 0xDFFF for c in v):
            raise NotJson()
    elif isinstance(v, list):
        for x in v:
            _walk(x, depth + 1)
    elif isinstance(v, Obj):
        for k, x in v.pairs:
            _walk(k, 0)
            _walk(x, depth + 1)


class Obj:
    """An object with its members in order, duplicates kept."""

    def __init__(self, pairs):
        self.pairs = pairs


def _constant(name):
    raise NotJson(name)  # NaN, Infinity


def decode(raw):
    """(None, members) for an object, (reason, None) for an invalid record."""
    if not raw:
        return "empty", None
    raw = raw.rstrip(b"\0")  # then nothing (a lone NUL) is not JSON
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "bad_utf8", None
    try:
        v = json.loads(text, object_pairs_hook=Obj, parse_constant=_constant)
        _walk(v, 1)
    except (ValueError, NotJson, RecursionError):
        return "not_json", None
    if not isinstance(v, Obj):
        return "not_object", None
    return None, [(k.split("\0", 1)[0], x) for k, x in v.pairs]


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def finite(v):
    if isinstance(v, int):
        return abs(v) < 2**1024 and math.isfinite(float(v))
    return math.isfinite(v)


def key_value(v):
    """A group value as the model tells groups apart, or a reason."""
    if isinstance(v, (list, Obj)):
        return "wrong_type"
    if is_number(v):
        if not finite(v):
            return "bad_number"
        if isinstance(v, int) and abs(v) >= 2**53:
            return ("n", v)
        return ("n", float(v) + 0.0)  # -0 is 0
    if isinstance(v, str):
        return ("s", v)
    return ("lit", repr(v))


def stat_value(vs):
    """The value of a stat field given as vs (its copies), or None."""
    if len(vs) != 1 or not is_number(vs[0]) or not finite(vs[0]):
        return None
    v = vs[0]
    return v if isinstance(v, int) and -2**63 <= v < 2**63 else float(v) + 0.0  # -0 is 0


def model(records, group_by, stats):
    auto = stats is None
    stats = [] if auto else list(stats)
    invalid, groups = {}, {}
    for raw in records:
        why, members = decode(raw)
        copies = {}
        for k, v in members or ():
            copies.setdefault(k, []).append(v)
            if (auto and is_number(v) and k not in stats and len(stats) < 16
                    and k not in ("seq", "ts") and k not in group_by):
                stats.append(k)
        key = []
        for f in group_by if why is None else ():
            vs = copies.get(f, [])
            kv = "duplicate_key" if len(vs) > 1 else "missing_field" if not vs else key_value(vs[0])
            if isinstance(kv, str):
                why = kv
                break
            key.append(kv)
        if why is not None:
            invalid[why] = invalid.get(why, 0) + 1
            continue
        g = groups.setdefault(tuple(key), {"count": 0, "values": {}})
        g["count"] += 1
        for s in stats:
            v = stat_value(copies.get(s, []))
            if v is not None:
                g["values"].setdefault(s, []).append(v)
    return invalid, groups, stats


def figures(values, count):
    """A stat's figures as the consumer prints them (non-finite: None)."""
    def shown(x):
        return x if x is None or math.isfinite(x) else None

    def exact_or_double(v):
        return v if isinstance(v, int) and abs(v) >= 2**53 else float(v)

    total, mean, sd = exact_moments(values) if values else (0, None, None)
    return {"count": len(values), "skipped": count - len(values), "sum": shown(total),
            "mean": shown(mean), "stddev": shown(sd),
            "min": exact_or_double(min(values, key=Fraction)) if values else None,
            "max": exact_or_double(max(values, key=Fraction)) if values else None}


def same(got, want):
    if want is None or got is None:
        return got is want
    if isinstance(want, int) and abs(want) >= 2**53:
        return got == want and isinstance(got, int)  # digit for digit
    # the shortest text of the double, and 0 is not -0
    return float(got) == float(want) and math.copysign(1, got) == math.copysign(1, want)


def check(records, window, group_by, stats):
    invalid, groups, stats = model(records, group_by, stats)
    problems = []
    got_invalid = {k: v for k, v in window["invalid_by_reason"].items() if v}
    if got_invalid != invalid:
        problems.append(f"invalid_by_reason {got_invalid}, expected {invalid}")
    if window["records"] != sum(g["count"] for g in groups.values()):
        problems.append(f"records {window['records']}")
    got = {}
    for g in window["groups"]:
        got[tuple(key_value(g["key"][f]) for f in group_by)] = g
    if set(got) != set(groups):
        problems.append(f"groups {sorted(map(repr, got))}, expected {sorted(map(repr, groups))}")
    for key, want in groups.items():
        g = got.get(key)
        if g is None:
            continue
        if g["count"] != want["count"]:
            problems.append(f"{key}: count {g['count']}, expected {want['count']}")
        if sorted(g["stats"]) != sorted(stats):
            problems.append(f"{key}: stats {sorted(g['stats'])}, expected {sorted(stats)}")
        for s in stats:
            fig = figures(want["values"].get(s, []), want["count"])
            for name, w in fig.items():
                v = g["stats"].get(s, {}).get(name)
                if not same(v, w):
                    problems.append(f"{key} {s!r}.{name}: {v!r}, expected {w!r}")
    return problems


def _int(text):
    return -0.0 if text == "-0" else int(text)  # a figure printed -0 stays -0


def main(argv):
    if argv[1] == "lines":
        scope = {}
        exec(sys.stdin.read(), scope)
        for r in scope["R"]:
            print(json.dumps({"vb64": base64.b64encode(r).decode(), "p": 0, "ts": int(argv[2])}))
        return 0
    _, _, recs_path, out_path, *opts = argv
    args = dict(zip(opts[::2], opts[1::2]))
    group_by = args["--group-by"].split(",")
    stats = args["--stats"].split(",") if "--stats" in args else None
    records = [base64.b64decode(json.loads(l)["vb64"]) for l in open(recs_path)]
    windows = [json.loads(l, parse_int=_int) for l in
               open(out_path, encoding="utf-8").read().split("\n") if l]
    if len(windows) != 1:
        print(f"{len(windows)} windows, expected 1")
        return 1
    problems = check(records, windows[0], group_by, stats)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
