#!/usr/bin/env python3
"""bench_spark: the peer of `make bench`'s BENCH_SPARK=1 rows, our consumer's
query as a PySpark Structured Streaming job over the same backlog.

The query is the one bench.sh runs our consumer with on that backlog
(--event-time ts --window 5s --allowed-lateness 1s --group-by category
--stats price,quantity): a Kafka source read from the earliest offsets, the
value parsed as JSON, 5 s event-time windows on `ts` (epoch ms) with a 1 s
watermark, grouped by `category`, and per window and group the count and, for
price and quantity, count, mean, min, max, stddev (sample) and
percentile_approx at 0.5, 0.95 and 0.99; output mode update, each
micro-batch's rows collected on the driver. Spark runs in local mode
(local[2]) on 127.0.0.1 with spark.sql.shuffle.partitions=2 (one per core;
the default 200 would only add empty tasks on 2 cores).

  bench_spark.py fetch IVY_DIR
      resolve the Kafka source package from Maven Central into IVY_DIR (the
      one step that downloads; bench.sh runs it before anything is timed)
  bench_spark.py run IVY_DIR BROKERS TOPIC LAUNCHED OURS_JSON
      LAUNCHED is the epoch time (s) taken just before this process was
      started. Two queries in one session, each with its own checkpoint:
      1. start-up: the same query with at most 1,000 records a micro-batch;
         the time from LAUNCHED to the first micro-batch's rows collected on
         the driver, then it is stopped;
      2. the backlog: Trigger.availableNow from the earliest offsets to the
         end offsets at its start, timed from start() to its termination;
         its records are the sum of the progress reports' numInputRows.
      Then, not timed, the per-window, per-category counts of query 2 are
      compared with ours (OURS_JSON: the consumer's --format json output).
      Prints 'RECORDS SECONDS READY STARTUP CHECKED': READY is the time from
      LAUNCHED to the SparkSession built, CHECKED the window-category pairs
      compared, all equal (it exits 1 on a difference).
"""
import glob
import json
import os
import shutil
import sys
import tempfile
import threading
import time

# The Kafka source of Spark 4.0.0 (the 4.0 line shares it: its 4.0.1 needs a
# spark-token-provider-kafka 4.0.1 that Maven Central may not serve).
SPARK_KAFKA = "org.apache.spark:spark-sql-kafka-0-10_2.13:4.0.0"


def session(ivy, fetch):
    from pyspark.sql import SparkSession

    b = (SparkSession.builder.master("local[2]").appName("ktrio-bench")
         .config("spark.driver.host", "127.0.0.1")
         .config("spark.driver.bindAddress", "127.0.0.1")
         .config("spark.ui.enabled", "false")
         .config("spark.ui.showConsoleProgress", "false")
         .config("spark.sql.shuffle.partitions", "2")
         .config("spark.jars.ivy", ivy))
    if fetch:
        b = b.config("spark.jars.packages", SPARK_KAFKA)
    else:
        # The jars fetch resolved, from the disk: no resolution in the timings.
        jars = sorted(glob.glob(os.path.join(ivy, "jars", "*.jar")))
        if not jars:
            sys.exit("bench_spark: no jars in '%s': run 'bench_spark.py fetch' first" % ivy)
        b = b.config("spark.jars", ",".join(jars))
    spark = b.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def query(spark, brokers, topic, max_per_batch=None):
    """The consumer's query as a streaming DataFrame."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import (DoubleType, LongType, StringType, StructField,
                                   StructType)

    schema = StructType([StructField("ts", LongType()),
                         StructField("category", StringType()),
                         StructField("price", DoubleType()),
                         StructField("quantity", DoubleType())])
    src = (spark.readStream.format("kafka")
           .option("kafka.bootstrap.servers", brokers)
           .option("subscribe", topic)
           .option("startingOffsets", "earliest"))
    if max_per_batch:
        src = src.option("maxOffsetsPerTrigger", str(max_per_batch))
    ev = (src.load()
          .select(F.from_json(F.col("value").cast("string"), schema).alias("e"))
          .select("e.*")
          .withColumn("event_time", F.timestamp_millis("ts"))
          .withWatermark("event_time", "1 second"))
    aggs = [F.count(F.lit(1)).alias("count")]
    for f in ("price", "quantity"):
        aggs += [F.count(f).alias(f + "_count"), F.avg(f).alias(f + "_mean"),
                 F.min(f).alias(f + "_min"), F.max(f).alias(f + "_max"),
                 F.stddev_samp(f).alias(f + "_stddev"),
                 F.percentile_approx(f, [0.5, 0.95, 0.99]).alias(f + "_p")]
    return (ev.groupBy(F.window("event_time", "5 seconds"), "category").agg(*aggs)
            .select(F.unix_millis(F.col("window.start")).alias("window_ms"),
                    "category", *[a for a in ["count"] + [
                        f + s for f in ("price", "quantity")
                        for s in ("_count", "_mean", "_min", "_max", "_stddev", "_p")]]))


def startup(spark, brokers, topic, launched, checkpoint):
    """Seconds from LAUNCHED to the first micro-batch's rows on the driver."""
    first = threading.Event()
    seen = {}

    def batch(df, batch_id):
        df.collect()
        if "t" not in seen:
            seen["t"] = time.time()
            first.set()

    q = (query(spark, brokers, topic, max_per_batch=1000).writeStream
         .outputMode("update").foreachBatch(batch)
         .option("checkpointLocation", checkpoint)
         .trigger(availableNow=True).start())
    while not first.wait(0.1):
        if not q.isActive:
            break
    q.stop()
    if "t" not in seen:
        sys.exit("bench_spark: the start-up query ended without a micro-batch")
    return seen["t"] - launched


def backlog(spark, brokers, topic, checkpoint):
    """(records, seconds, {(window_ms, category): count}) of the whole backlog."""
    counts = {}

    def batch(df, batch_id):
        # Update mode: a later row for the same window and group replaces it.
        for r in df.collect():
            counts[(r["window_ms"], r["category"])] = r["count"]

    t0 = time.monotonic()
    q = (query(spark, brokers, topic).writeStream
         .outputMode("update").foreachBatch(batch)
         .option("checkpointLocation", checkpoint)
         .trigger(availableNow=True).start())
    q.awaitTermination()
    seconds = time.monotonic() - t0
    records = sum(p["numInputRows"] for p in q.recentProgress)
    return records, seconds, counts


def ours_counts(path):
    """{(window_ms, category): count} from the consumer's JSON lines (a window
    written more than once, partial, is added up as the contract says)."""
    from datetime import datetime

    counts = {}
    with open(path) as f:
        for line in f:
            w = json.loads(line)
            start = datetime.strptime(w["window_start"], "%Y-%m-%dT%H:%M:%S.%f%z")
            ms = int(start.timestamp() * 1000)
            for g in w["groups"]:
                k = (ms, g["key"]["category"])
                counts[k] = counts.get(k, 0) + g["count"]
    return counts


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "fetch":
        session(os.path.abspath(sys.argv[2]), fetch=True).stop()
        return
    if len(sys.argv) != 7 or sys.argv[1] != "run":
        sys.exit("usage: bench_spark.py fetch IVY_DIR | "
                 "run IVY_DIR BROKERS TOPIC LAUNCHED OURS_JSON")
    ivy, brokers, topic, launched, ours = sys.argv[2:7]
    ivy = os.path.abspath(ivy)
    work = tempfile.mkdtemp(prefix="ktrio-spark.")
    try:
        spark = session(ivy, fetch=False)
        ready = time.time() - float(launched)
        up = startup(spark, brokers, topic, float(launched), os.path.join(work, "c1"))
        records, seconds, theirs = backlog(spark, brokers, topic, os.path.join(work, "c2"))
        spark.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    mine = ours_counts(ours)
    if theirs != mine:
        diff = sorted(k for k in set(theirs) | set(mine) if theirs.get(k) != mine.get(k))
        for k in diff[:5]:
            print("bench_spark: window %d category %r: spark %s, ours %s"
                  % (k[0], k[1], theirs.get(k), mine.get(k)), file=sys.stderr)
        sys.exit("bench_spark: %d of %d window-category counts differ" % (len(diff), len(mine)))
    print("%d %.3f %.3f %.3f %d" % (records, seconds, ready, up, len(mine)))


if __name__ == "__main__":
    main()
