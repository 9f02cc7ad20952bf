#!/usr/bin/env bash
# Consumer options against counts this test knows: --top and "other",
# --max-groups and "overflow", --distinct, late records, --event-time kafka,
# and --idle-timeout closing the last window of a stream gone quiet.
. "$(dirname "$0")/lib.sh"

t0=1700000000000 # a multiple of the 10 s window

# One partition, so the order of reading is the order written: window 0
# (115 records: categories a 50, b 30, c 20, d 10, e 5, first seen in that
# order; users user-0..user-39), 10 records of window 1 (which close window
# 0: no lateness), 7 records for window 0 (late), 3 more of window 1.
topic=$(new_topic con-options)
ktpy create "$topic" 1
python3 - "$t0" >"$WORK/records" <<'PY'
import json, sys
t0 = int(sys.argv[1])
recs = []
i = 0
for cat, n in (("a", 50), ("b", 30), ("c", 20), ("d", 10), ("e", 5)):
    for _ in range(n):
        recs.append({"category": cat, "user": f"user-{i % 40}", "price": i, "ts": t0 + i * 50})
        i += 1
for j in range(10):
    recs.append({"category": "a", "user": "late-closer", "price": 1, "ts": t0 + 10000 + j})
for j in range(7):
    recs.append({"category": "z", "user": "late", "price": 1, "ts": t0 + 5000})
for j in range(3):
    recs.append({"category": "b", "user": "u", "price": 2, "ts": t0 + 12000 + j})
for r in recs:
    print(json.dumps({"v": json.dumps(r)}))
PY
ktpy produce "$topic" <"$WORK/records"
opts=(-t "$topic" --from-beginning --exit-at-end --event-time ts --window 10s --allowed-lateness 0s
	--idle-timeout 1h --group-by category --stats price --format json)

top_distinct_late() {
	expect_status 0 "$KT_BIN/consumer" "${opts[@]}" -g "top-$$" --distinct user --top 2
	python3 - "$WORK/out" <<'PY'
import json, sys
w0, w1 = [json.loads(l) for l in open(sys.argv[1])]
assert w0["records"] == 115 and w0["late"] == 0 and not w0["partial"], w0
assert [(g["key"]["category"], g["count"]) for g in w0["groups"]] == [("a", 50), ("b", 30)]
assert w0["other"] == {"groups": 3, "count": 35}, w0["other"]
# a: records 0..49 -> users 0..39 (40 distinct); b: records 50..79 -> 30 distinct
assert [g["distinct"]["user"] for g in w0["groups"]] == [40, 30], w0["groups"]
assert w0["groups"][0]["stats"]["price"]["sum"] == sum(range(50))
# The late records count in the health of the window written next.
assert w1["records"] == 13 and w1["late"] == 7 and w1["partial"], w1
assert {g["key"]["category"]: g["count"] for g in w1["groups"]} == {"a": 10, "b": 3}
print("top, distinct, late ok")
PY
}
test_case "consumer: --top 2 and other, --distinct, late records counted in the next window's health" top_distinct_late

max_groups() {
	expect_status 0 "$KT_BIN/consumer" "${opts[@]}" -g "max-$$" --max-groups 3
	python3 - "$WORK/out" <<'PY'
import json, sys
w0 = json.loads(open(sys.argv[1]).readline())
assert [(g["key"]["category"], g["count"]) for g in w0["groups"]] == [("a", 50), ("b", 30), ("c", 20)]
assert w0["records"] == 100 and w0["overflow"] == 15, (w0["records"], w0["overflow"])
print("max-groups ok")
PY
}
test_case "consumer: --max-groups 3 counts the rest as overflow" max_groups

# ---- --event-time kafka: windows by the message timestamp ---------------
ktopic=$(new_topic con-kafka-time)
ktpy create "$ktopic" 2
python3 - "$t0" >"$WORK/krecords" <<'PY'
import json, sys
t0 = int(sys.argv[1])
for i in range(60):  # 20 per window, in windows 0, 1 and 2; no ts field
    print(json.dumps({"v": json.dumps({"n": i}), "ts": t0 + (i // 20) * 10000 + i, "p": i % 2}))
PY
ktpy produce "$ktopic" <"$WORK/krecords"
kafka_time() {
	expect_status 0 "$KT_BIN/consumer" -t "$ktopic" -g "kt-$$" --from-beginning --exit-at-end \
		--event-time kafka --window 10s --format json
	python3 - "$WORK/out" "$t0" <<'PY'
import json, sys
from datetime import datetime, timezone
t0 = int(sys.argv[2])
got = []
for l in open(sys.argv[1]):
    w = json.loads(l)
    s = datetime.strptime(w["window_start"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    got.append(((int(s.timestamp() * 1000) - t0) // 10000, w["records"]))
assert got == [(0, 20), (1, 20), (2, 20)], got
print("kafka time ok")
PY
}
test_case "consumer: --event-time kafka windows by the message timestamp" kafka_time

# ---- --idle-timeout: a quiet stream's last window still closes ----------
live=$(new_topic con-idle)
ktpy create "$live" 1
idle_timeout() {
	"$KT_BIN/consumer" -t "$live" -g "idle-$$" --event-time ts --window 10s --allowed-lateness 0s \
		--idle-timeout 1s --format json -v >"$WORK/idle.out" 2>"$WORK/idle.err" &
	pid=$!
	at_exit "kill -9 $pid"
	assigned() { grep -q "assigned 1 partition" "$WORK/idle.err"; }
	wait_for 60 assigned || fail "the idle-timeout consumer got no partition"
	python3 -c '
import json, sys
t0 = int(sys.argv[1])
for i in range(5):
    print(json.dumps({"v": json.dumps({"ts": t0 + 9000 + i, "price": i})}))' "$t0" | ktpy produce "$live"
	# No record follows: only the idle timeout can move the watermark past
	# the window's end.
	has_window() { [ -s "$WORK/idle.out" ]; }
	wait_for 30 has_window || fail "the window was not closed by the idle timeout"
	python3 - "$WORK/idle.out" <<'PY'
import json, sys
w = json.loads(open(sys.argv[1]).readline())
assert w["records"] == 5 and not w["partial"], w
print("idle timeout ok")
PY
	kill -TERM $pid
	wait $pid || fail "the idle-timeout consumer failed"
}
test_case "consumer: --idle-timeout closes the last window of a stream gone quiet" idle_timeout

# ---- -e with a new group and no --from-beginning: says why nothing came --
hint_topic=$(new_topic con-hint)
ktpy create "$hint_topic" 1
nothing_read_hint() {
	python3 -c 'import json; [print(json.dumps({"v": json.dumps({"price": i})})) for i in range(3)]' |
		ktpy produce "$hint_topic"
	expect_status 0 "$KT_BIN/consumer" -t "$hint_topic" -g "hint-$$" -e --format json
	expect_grep "warning: nothing read: a group without committed offsets starts at the end of each partition \(add --from-beginning" "$WORK/err"
	# With --from-beginning the same group-less read finds the 3 records
	# and gives no such hint.
	expect_status 0 "$KT_BIN/consumer" -t "$hint_topic" -g "hint2-$$" -e --from-beginning --format json
	! grep -q "nothing read" "$WORK/err" || fail "hint given although records were read"
	expect_grep '"records":3' "$WORK/out"
}
test_case "consumer: -e that reads nothing from a new group says to add --from-beginning" nothing_read_hint

# ---- piped into head: stops on its own and says why ---------------------
pipe_closed() {
	# Live (no -e), 1 s windows: after head has its line, the next window
	# cannot be written; the consumer must notice, say so, and exit.
	local t0=$SECONDS rc
	set +o pipefail
	timeout 60 "$KT_BIN/consumer" -t "$hint_topic" -g "pipe-$$" --from-beginning --window 1s \
		--format json 2>"$WORK/pipe.err" | head -n 1 >"$WORK/pipe.out"
	rc=${PIPESTATUS[0]}
	set -o pipefail
	[ "$rc" != 124 ] || fail "still running 60 s after its reader closed the pipe"
	expect_eq "exit status" 1 "$rc"
	# Its first window (under load the records may fall in the next one).
	expect_grep '^\{"window_start":' "$WORK/pipe.out"
	expect_grep "its reader closed the output \(broken pipe\)" "$WORK/pipe.err"
	say "exited $((SECONDS - t0)) s after start"
}
test_case "consumer: piped into head, stops once its reader is gone and names the broken pipe" pipe_closed
