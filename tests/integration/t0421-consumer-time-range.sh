#!/usr/bin/env bash
# Reading a time range (issue 17, item 8): --from-time T starts each
# partition at its first record whose timestamp is at or after T (Kafka's
# offsets-for-times) instead of the committed offset; --until-time T stops
# each partition at its first record at or after T, uncounted and
# uncommitted; with -e they replay an interval. T is ISO-8601, epoch ms, or
# a duration back from now. The expected figures are worked out here from
# the records as produced (their Kafka timestamps), not by the consumer.
. "$(dirname "$0")/lib.sh"

t0=1700000000000 # 2023-11-14T22:13:20Z
topic=$(new_topic range)
ktpy create "$topic" 2
# Per partition p, 60 records one second apart: x = k, timestamp t0 + k s.
python3 - "$t0" <<'PY' | ktpy produce "$topic"
import json, sys
t0 = int(sys.argv[1])
for p in range(2):
    for k in range(60):
        print(json.dumps({"v": json.dumps({"x": k, "p": p}), "p": p, "ts": t0 + k * 1000}))
PY

# The windows' records and the sum of x over them.
totals() {
	python3 -c '
import json, sys
n = s = 0
for l in open(sys.argv[1]):
    w = json.loads(l)
    n += w["records"]
    for g in w["groups"]:
        s += g["stats"]["x"]["sum"] if "x" in g["stats"] else 0
print(n, s)' "$1"
}
expected() { # FROM_K UNTIL_K: records with FROM_K <= k < UNTIL_K, both partitions
	python3 -c 'import sys; a, b = int(sys.argv[1]), int(sys.argv[2]); print(2 * (b - a), 2 * sum(range(a, b)))' "$1" "$2"
}
committed_by_partition() { ktpy committed "$1" "$topic" | sort | tr '\n' ' '; }
run() { # GROUP OUT [options]
	local group=$1 out=$2
	shift 2
	"$KT_BIN/consumer" -t "$topic" -g "$group" --window 1h --stats x --format json -e \
		-v "$@" >"$WORK/$out" 2>"$WORK/$out.err" ||
		{ cat "$WORK/$out.err" >&2; fail "consumer $* exited non-zero"; }
}

interval() {
	local group="range-$$-$RANDOM"
	# 10:00:10 to 10:00:20 in the data's terms: k = 10 .. 19.
	run "$group" interval.out --from-time 2023-11-14T22:13:30Z --until-time $((t0 + 20000))
	expect_eq "records and sum of x in [t0+10s, t0+20s)" "$(expected 10 20)" \
		"$(totals "$WORK/interval.out")"
	# Committed: each partition's first record at or after --until-time,
	# which was not counted.
	expect_eq "committed offsets" "0 20 1 20 " "$(committed_by_partition "$group")"
	expect_grep "\[0\]: --until-time reached at offset 20" "$WORK/interval.out.err"
}
test_case "consumer: --from-time and --until-time with -e replay an interval" interval

from_only() {
	local group="range-$$-$RANDOM"
	# A committed offset past the time does not matter: --from-time wins.
	run "$group" first.out --from-time $((t0 + 50000))
	expect_eq "records and sum of x from t0+50s" "$(expected 50 60)" "$(totals "$WORK/first.out")"
	run "$group" again.out --from-time $((t0 + 55500))
	expect_eq "records and sum of x from t0+55.5s" "$(expected 56 60)" "$(totals "$WORK/again.out")"
	# No record at or after the time: nothing to read.
	run "$group" none.out --from-time $((t0 + 3600000))
	expect_eq "records after the last one" "0 0" "$(totals "$WORK/none.out")"
}
test_case "consumer: --from-time starts at the time, whatever was committed" from_only

until_live() {
	# Without -e, the consumer stops by itself once every partition has
	# reached --until-time.
	local group="range-$$-$RANDOM"
	"$KT_BIN/consumer" -t "$topic" -g "$group" --from-beginning --until-time $((t0 + 5000)) \
		--window 1h --stats x --format json >"$WORK/live.out" 2>"$WORK/live.err" &
	local pid=$!
	at_exit "kill -9 $pid"
	local rc=0
	timeout 60 tail --pid=$pid -f /dev/null || fail "still running 60 s after start"
	wait $pid || rc=$?
	expect_eq "exit status" 0 "$rc"
	expect_eq "records and sum of x before t0+5s" "$(expected 0 5)" "$(totals "$WORK/live.out")"
}
test_case "consumer: --until-time alone stops once every partition reached it" until_live

ago() {
	# A duration back from now: records two hours old, then ten minutes old.
	local t2 group="range-$$-$RANDOM"
	t2=$(new_topic range-ago)
	ktpy create "$t2" 1
	python3 -c '
import json, time
now = int(time.time() * 1000)
for k in range(5):
    print(json.dumps({"v": json.dumps({"x": 1}), "ts": now - 7200000 + k}))
for k in range(3):
    print(json.dumps({"v": json.dumps({"x": 100}), "ts": now - 600000 + k}))' | ktpy produce "$t2"
	"$KT_BIN/consumer" -t "$t2" -g "$group" --from-time 1h --window 1h --stats x --format json \
		-e >"$WORK/ago.out" 2>"$WORK/ago.err" || fail "consumer failed"
	expect_eq "records and sum of x of the last hour" "3 300" "$(totals "$WORK/ago.out")"
}
test_case "consumer: --from-time 1h reads the last hour" ago

bad() {
	expect_status 2 "$KT_BIN/consumer" -t "$topic" --from-time yesterday
	expect_grep "invalid value 'yesterday' for --from-time" "$WORK/err"
	expect_status 2 "$KT_BIN/consumer" -t "$topic" --from-time 2h --until-time 3h
	expect_grep "'--until-time' must be later than '--from-time'" "$WORK/err"
}
test_case "consumer: a bad --from-time or an empty range is refused with status 2" bad
