#!/usr/bin/env python3
"""Latency part of the benchmark: run the consumer with 1 s windows for N
seconds, note when each window's line arrives, and print
"e2e_p50 e2e_p99 written_p50 written_p99" in milliseconds: the medians of
the consumer's own end-to-end latency per window, and percentiles of how
long after each window's end its output was written."""
import json
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

consumer, brokers, topic, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
proc = subprocess.Popen([consumer, "-b", brokers, "-t", topic, "-g", f"lat-{time.time_ns()}",
                         "--window", "1s", "--format", "json", "-q"],
                        stdout=subprocess.PIPE, text=True)
deadline = time.time() + seconds + 3
written, p50s, p99s = [], [], []
for line in proc.stdout:
    now = time.time()
    w = json.loads(line)
    end = datetime.strptime(w["window_end"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    if w["records"] and now >= end.timestamp():  # not the one flushed at exit
        written.append((now - end.timestamp()) * 1000)
        p50s.append(w["latency_ms"]["p50"])
        p99s.append(w["latency_ms"]["p99"])
    if now > deadline:
        proc.send_signal(signal.SIGTERM)
        break
proc.wait()


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * (len(v) - 1) + 0.5))] if v else float("nan")


print(f"{pct(p50s, 0.5):.1f} {pct(p99s, 0.5):.1f} {pct(written, 0.5):.1f} {pct(written, 0.99):.1f}")
