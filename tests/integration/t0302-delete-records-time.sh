#!/usr/bin/env bash
# delete-records --before-time and --older-than on records with known
# timestamps; a partition with nothing older is left alone.
. "$(dirname "$0")/lib.sh"

topic=$(new_topic del-time)
ktpy create "$topic" 3
now=$(date +%s%3N)
t0=1700000000000 # 2023-11-14T22:13:20Z
python3 -c "
import json
for i in range(100):   # partition 0: one record a second from t0
    print(json.dumps({'v': str(i), 'p': 0, 'ts': $t0 + i * 1000}))
for i in range(50):    # partition 1: 30 records 3 h old, then 20 new ones
    print(json.dumps({'v': str(i), 'p': 1, 'ts': $now - (3 * 3600 * 1000 if i < 30 else 0) + i}))
for i in range(10):    # partition 2: only new records
    print(json.dumps({'v': str(i), 'p': 2, 'ts': $now + i}))" | ktpy produce "$topic"

# 2023-11-14T22:14:10Z is t0 + 50 s: records 0..49 of partition 0 go.
before_time() {
	expect_status 0 "$KT_BIN/delete-records" -t "$topic" -p 0 --before-time 2023-11-14T22:14:10Z --yes
	expect_grep "out-of-order timestamps" "$WORK/out"
	expect_eq "partition 0 after --before-time" "0 50 100" "$(ktpy watermarks "$topic" | sed -n 1p)"
}
test_case "delete-records: --before-time ISO 8601 deletes the records before it" before_time

# Epoch ms works the same: t0 + 70 s.
epoch_ms() {
	expect_status 0 "$KT_BIN/delete-records" -t "$topic" -p 0 --before-time $((t0 + 70000)) --yes
	expect_eq "partition 0 after epoch ms" "0 70 100" "$(ktpy watermarks "$topic" | sed -n 1p)"
}
test_case "delete-records: --before-time in epoch ms" epoch_ms

# --older-than 1h on partitions 1 and 2: 30 records of partition 1 go,
# partition 2 (nothing older) is left alone.
older_than() {
	expect_status 0 "$KT_BIN/delete-records" -t "$topic" -p 1,2 --older-than 1h --yes
	expect_eq "partitions 1,2 after --older-than" "1 30 50 2 0 10 " \
		"$(ktpy watermarks "$topic" | sed -n 2,3p | tr '\n' ' ')"
}
test_case "delete-records: --older-than 1h, a partition with nothing older left alone" older_than

# Nothing older anywhere: an empty plan, refused, nothing deleted.
nothing_older() {
	expect_status 2 "$KT_BIN/delete-records" -t "$topic" -p 2 --older-than 1h --yes
	expect_grep "nothing to delete" "$WORK/err"
}
test_case "delete-records: nothing older anywhere is an empty plan, refused" nothing_older

# A time without a zone is refused before connecting.
no_zone() {
	expect_status 2 "$KT_BIN/delete-records" -t "$topic" --before-time 2023-11-14T22:14:10 --yes
	expect_grep "time zone missing" "$WORK/err"
}
test_case "delete-records: a --before-time without a time zone is refused" no_zone
