#!/usr/bin/env python3
"""Independent Kafka client for the integration tests (confluent-kafka).

The tests check what our programs did with a client that shares none of
their code:
  ktpy.py create TOPIC PARTITIONS [key=value ...]   create a topic (the
      cluster's default replication factor: 1 on one broker, 3 on three;
      replicas=1,2,3/2/3,1 places partition 0 on nodes 1,2,3, 1 on 2, ...)
  ktpy.py delete TOPIC                              delete a topic
  ktpy.py produce TOPIC < lines                     produce JSON lines:
      {"v": str|null, "vb64": base64, "k": str, "p": int, "ts": ms}
  ktpy.py dump TOPIC                                every record, as JSON lines
      {"p": int, "o": int, "k": str|null, "v": str|null, "ts": ms}
  ktpy.py copy SRC DST KEY_REGEX                    copy the records whose key
      matches to DST, bytes as they are; prints how many
  ktpy.py watermarks TOPIC                          "partition low high" lines
  ktpy.py committed GROUP TOPIC                     "partition offset" lines
  ktpy.py leaders TOPIC                             "partition leader isr" lines
      (isr as comma-separated node ids; leader -1 when there is none)
  ktpy.py coordinator GROUP                         the group coordinator's node id
"""
import base64
import json
import os
import re
import sys

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

BROKERS = os.environ.get("KT_BROKERS", "127.0.0.1:9092")
BASE = {"bootstrap.servers": BROKERS}


def extra_conf():
    """Client properties from KT_PY_CONF (a librdkafka properties file)."""
    conf = dict(BASE)
    path = os.environ.get("KT_PY_CONF")
    if path:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    k, v = line.split("=", 1)
                    conf[k.strip()] = v.strip()
    return conf


def partitions_of(admin, topic):
    md = admin.list_topics(topic=topic, timeout=10)
    t = md.topics[topic]
    if t.error is not None:
        raise SystemExit(f"ktpy: topic {topic}: {t.error}")
    return sorted(t.partitions)


def create(topic, n, *kvs):
    admin = AdminClient(extra_conf())
    config = dict(kv.split("=", 1) for kv in kvs)
    replicas = config.pop("replicas", None)
    if replicas:
        assign = [[int(r) for r in p.split(",")] for p in replicas.split("/")]
        nt = NewTopic(topic, num_partitions=len(assign), replication_factor=-1,
                      replica_assignment=assign, config=config)
    else:
        nt = NewTopic(topic, int(n), -1, config=config)
    fs = admin.create_topics([nt],
                             operation_timeout=30)
    fs[topic].result()


def delete(topic):
    admin = AdminClient(extra_conf())
    fs = admin.delete_topics([topic], operation_timeout=30)
    try:
        fs[topic].result()
    except Exception as e:  # a test cleaning up must not fail on this
        print(f"ktpy: delete {topic}: {e}", file=sys.stderr)


def produce(topic):
    conf = extra_conf()
    conf.update({"linger.ms": 5, "enable.idempotence": True, "message.max.bytes": 8000000})
    p = Producer(conf)
    errors = []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(err)

    for line in sys.stdin:
        if not line.strip():
            continue
        r = json.loads(line)
        value = r.get("v")
        if "vb64" in r:
            value = base64.b64decode(r["vb64"])
        elif value is not None:
            value = value.encode("utf-8", "surrogatepass")
        kw = {"value": value, "on_delivery": on_delivery}
        if r.get("k") is not None:
            kw["key"] = r["k"].encode()
        if "p" in r:
            kw["partition"] = r["p"]
        if "ts" in r:
            kw["timestamp"] = r["ts"]
        while True:
            try:
                p.produce(topic, **kw)
                break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
    left = p.flush(60)
    if left or errors:
        raise SystemExit(f"ktpy: produce: {left} undelivered, errors {errors[:3]}")


def dump(topic):
    conf = extra_conf()
    conf.update({"group.id": "ktpy-dump", "enable.auto.commit": False,
                 "enable.partition.eof": True})
    c = Consumer(conf)
    admin = AdminClient(extra_conf())
    parts = partitions_of(admin, topic)
    todo = set()
    assign = []
    for p in parts:
        low, high = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
        if high > low:
            todo.add(p)
            assign.append(TopicPartition(topic, p, low))
    c.assign(assign)
    out = sys.stdout
    while todo:
        m = c.poll(1.0)
        if m is None:
            continue
        if m.error():
            if m.error().code() == -191:  # _PARTITION_EOF
                todo.discard(m.partition())
                continue
            raise SystemExit(f"ktpy: dump: {m.error()}")
        v = m.value()
        k = m.key()
        out.write(json.dumps({
            "p": m.partition(), "o": m.offset(),
            "k": None if k is None else k.decode("utf-8", "replace"),
            "v": None if v is None else v.decode("utf-8", "replace"),
            "ts": m.timestamp()[1]}) + "\n")
    c.close()


def copy(src, dst, key_regex):
    """Copy the records of src whose key matches key_regex to dst, bytes as
    they are, in each partition's order."""
    conf = extra_conf()
    conf.update({"group.id": "ktpy-copy", "enable.auto.commit": False,
                 "enable.partition.eof": True})
    c = Consumer(conf)
    admin = AdminClient(extra_conf())
    todo, assign = set(), []
    for p in partitions_of(admin, src):
        low, high = c.get_watermark_offsets(TopicPartition(src, p), timeout=10)
        if high > low:
            todo.add(p)
            assign.append(TopicPartition(src, p, low))
    c.assign(assign)
    pconf = extra_conf()
    pconf.update({"enable.idempotence": True, "message.max.bytes": 8000000})
    prod = Producer(pconf)
    pattern = re.compile(key_regex)
    n = 0
    while todo:
        m = c.poll(1.0)
        if m is None:
            continue
        if m.error():
            if m.error().code() == -191:  # _PARTITION_EOF
                todo.discard(m.partition())
                continue
            raise SystemExit(f"ktpy: copy: {m.error()}")
        k = m.key()
        if k is not None and pattern.search(k.decode("utf-8", "replace")):
            prod.produce(dst, key=k, value=m.value())
            prod.poll(0)
            n += 1
    c.close()
    if prod.flush(60):
        raise SystemExit("ktpy: copy: records left undelivered")
    print(n)


def watermarks(topic):
    conf = extra_conf()
    conf["group.id"] = "ktpy-watermarks"
    c = Consumer(conf)
    admin = AdminClient(extra_conf())
    for p in partitions_of(admin, topic):
        low, high = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
        print(p, low, high)
    c.close()


def committed(group, topic):
    conf = extra_conf()
    conf["group.id"] = group
    c = Consumer(conf)
    admin = AdminClient(extra_conf())
    tps = [TopicPartition(topic, p) for p in partitions_of(admin, topic)]
    for tp in c.committed(tps, timeout=10):
        print(tp.partition, tp.offset)
    c.close()


def leaders(topic):
    admin = AdminClient(extra_conf())
    md = admin.list_topics(topic=topic, timeout=10)
    t = md.topics[topic]
    if t.error is not None:
        raise SystemExit(f"ktpy: topic {topic}: {t.error}")
    for p in sorted(t.partitions):
        pm = t.partitions[p]
        print(p, pm.leader, ",".join(str(r) for r in sorted(pm.isrs)))


def coordinator(group):
    admin = AdminClient(extra_conf())
    g = admin.describe_consumer_groups([group], request_timeout=10)[group].result()
    print(g.coordinator.id)


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    cmd, args = argv[1], argv[2:]
    {"create": create, "delete": delete, "produce": produce, "dump": dump, "copy": copy,
     "watermarks": watermarks, "committed": committed, "leaders": leaders,
     "coordinator": coordinator}[cmd](*args)


if __name__ == "__main__":
    main(sys.argv)
