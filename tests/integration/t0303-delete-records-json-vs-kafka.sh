#!/usr/bin/env bash
# The same offset file given to Kafka's own DeleteRecordsCommand and to
# ours, on two identical topics, leaves the same low watermarks; ours exits
# non-zero where Kafka's tool would not.
. "$(dirname "$0")/lib.sh"

ours=$(new_topic del-json-ours)
theirs=$(new_topic del-json-kafka)
for t in "$ours" "$theirs"; do
	ktpy create "$t" 3
	python3 -c '
import json
for p in range(3):
    for i in range(80):
        print(json.dumps({"v": str(i), "p": p}))' | ktpy produce "$t"
done
offsets() {
	printf '{"partitions":[{"topic":"%s","partition":0,"offset":25},' "$1"
	printf '{"topic":"%s","partition":2,"offset":-1}],"version":1}\n' "$1"
}
offsets "$ours" >"$WORK/ours.json"
offsets "$theirs" >"$WORK/theirs.json"

same_as_kafka() {
	"$KT_REPO/scripts/kafka-tool.sh" org.apache.kafka.tools.DeleteRecordsCommand \
		--bootstrap-server "$KT_BROKERS" --offset-json-file "$WORK/theirs.json" >"$WORK/kafka.out" 2>&1 ||
		{ cat "$WORK/kafka.out"; fail "Kafka's DeleteRecordsCommand failed"; }
	expect_status 0 "$KT_BIN/delete-records" --offset-json-file "$WORK/ours.json" --yes

	expect_eq "same low watermarks" "$(ktpy watermarks "$theirs")" "$(ktpy watermarks "$ours")"
	expect_eq "expected low watermarks" "0 25 80 1 0 80 2 80 80 " "$(ktpy watermarks "$ours" | tr '\n' ' ')"
}
test_case "delete-records: --offset-json-file leaves the low watermarks Kafka's DeleteRecordsCommand leaves" same_as_kafka

# A malformed file and a duplicate partition: exit 2 before anything.
bad_files() {
	echo '{"partitions":[{"topic":"x","partition":0}]}' >"$WORK/bad.json"
	expect_status 2 "$KT_BIN/delete-records" --offset-json-file "$WORK/bad.json" --yes
	expect_grep "'offset' must be an integer" "$WORK/err"
	printf '{"partitions":[{"topic":"%s","partition":1,"offset":5},{"topic":"%s","partition":1,"offset":6}]}' \
		"$ours" "$ours" >"$WORK/dup.json"
	expect_status 2 "$KT_BIN/delete-records" --offset-json-file "$WORK/dup.json" --yes
	expect_grep "duplicate partition" "$WORK/err"
	expect_eq "partition 1 untouched" "1 0 80" "$(ktpy watermarks "$ours" | sed -n 2p)"
}
test_case "delete-records: a malformed offset file and a duplicate partition exit 2, nothing deleted" bad_files
