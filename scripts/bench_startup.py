#!/usr/bin/env python3
"""bench_startup: seconds from starting the consumer to its first partition
assigned and to its first record counted (its -v lines 'assigned N
partition(s)' and 'first record counted'), read as they come on stderr.
Usage: bench_startup.py CONSUMER BROKERS TOPIC GROUP [QUERY-ARGS...]: the
query (default --group-by category --stats price,quantity) is run with
--from-beginning --exit-at-end --format json -v. Prints 'ASSIGNED FIRST'."""
import subprocess
import sys
import time


def main():
    consumer, brokers, topic, group = sys.argv[1:5]
    query = sys.argv[5:] or ["--group-by", "category", "--stats", "price,quantity"]
    start = time.monotonic()
    proc = subprocess.Popen(
        [consumer, "-b", brokers, "-t", topic, "-g", group, "--from-beginning",
         "--exit-at-end", *query, "--format", "json", "-v"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assigned = first = None
    for line in proc.stderr:
        now = time.monotonic() - start
        if assigned is None and "assigned" in line and "partition" in line:
            assigned = now
        if first is None and "first record counted" in line:
            first = now
    proc.wait()
    if assigned is None or first is None or proc.returncode != 0:
        sys.exit("bench_startup: the consumer did not say it was assigned and counted "
                 "(exit %d)" % proc.returncode)
    print("%.3f %.3f" % (assigned, first))


if __name__ == "__main__":
    main()
