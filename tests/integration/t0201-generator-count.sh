#!/usr/bin/env bash
# generator --count N: exactly N records in the topic, each a JSON object
# with the template's fields, seq 0..N-1 each once, one run id; the summary
# line says what was delivered.
. "$(dirname "$0")/lib.sh"

topic=$(new_topic gen-count)

exactly_n() {
	expect_status 0 "$KT_BIN/generator" -t "$topic" --create-topic --partitions 3 --count 10000 --rate 0
	expect_grep "created topic '$topic' with 3 partitions" "$WORK/err"
	expect_grep "produced 10000, delivered 10000, failed 0" "$WORK/err"
	# A topic it created is written once its leaders answer: no refused
	# writes to retry and warn about.
	! grep -q "refuse writes" "$WORK/err" || fail "warned about refused writes to a topic it created"
	ktpy dump "$topic" >"$WORK/dump"
	python3 - "$WORK/dump" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 10000, len(rows)
events = [json.loads(r["v"]) for r in rows]
fields = {"id", "run", "seq", "ts", "name", "category", "price", "quantity", "user"}
for e in events:
    assert isinstance(e, dict) and fields <= set(e), e
    assert isinstance(e["seq"], int) and isinstance(e["ts"], int)
assert sorted(e["seq"] for e in events) == list(range(10000))
assert len({e["run"] for e in events}) == 1
assert len({e["id"] for e in events}) == 10000
PY
}
test_case "generator: --count 10000 puts exactly 10000 events in the topic, seq 0..9999 once" exactly_n

kafka_timestamps() {
	python3 - "$WORK/dump" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    assert r["ts"] == json.loads(r["v"])["ts"], r
PY
}
test_case "generator: the Kafka timestamp of each message is the event's ts" kafka_timestamps

existing_topic() {
	expect_status 0 "$KT_BIN/generator" -t "$topic" --create-topic --partitions 5 --count 1 --rate 0
	expect_grep "already exists with 3 partitions, not 5" "$WORK/err"
}
test_case "generator: --create-topic on an existing topic with other settings says so" existing_topic

missing_topic() {
	expect_status 1 "$KT_BIN/generator" -t "missing-$$-$RANDOM" --count 1
	expect_grep "does not exist" "$WORK/err"
}
test_case "generator: a missing topic without --create-topic is an error" missing_topic
