#!/usr/bin/env bash
# Event time is a function of the data (issue 14): each window's figures and
# the late count equal a reference model (evmodel.py, written from the rule
# alone) on a seeded dataset of three partitions with disorder within and
# beyond the lateness, duplicate times and window-boundary times -- read as a
# backlog, with one thread, with tiny fetches, live at a steady rate, and
# live with the consumer stopped for twice the idle timeout. Then the
# defects the issue found, each as its own case.
. "$(dirname "$0")/lib.sh"

T0=1767225600000 # 2026-01-01T00:00:00Z, a multiple of every window here
evmodel() { "$KT_PY" "$KT_REPO/tests/integration/evmodel.py" "$@"; }
evmodel dataset 14 3 600 $T0 2000 1000 >"$WORK/data"
evmodel model "$WORK/data" 2000 1000 >"$WORK/model"
total=$(wc -l <"$WORK/data")
topic=$(new_topic ev-model)
ktpy create "$topic" 3
ktpy produce "$topic" <"$WORK/data"
cons=(--from-beginning --event-time ts --window 2s --allowed-lateness 1s --group-by cat
	--stats price --format json)

# same_as_model NAME: the figures of $WORK/NAME.json are the model's.
same_as_model() {
	evmodel figures "$WORK/$1.json" >"$WORK/$1.fig" || fail "$1: $(tail -n 1 "$WORK/$1.fig")"
	if ! cmp -s "$WORK/model" "$WORK/$1.fig"; then
		"$KT_PY" - "$WORK/model" "$WORK/$1.fig" <<'PY' >&2
import json, sys
m, c = (json.load(open(p)) for p in sys.argv[1:])
print("late: model", m["late"], "consumer", c["late"])
for s in sorted(set(m["windows"]) | set(c["windows"])):
    if m["windows"].get(s) != c["windows"].get(s):
        print("window", s, "model", m["windows"].get(s), "consumer", c["windows"].get(s))
PY
		fail "$1: the figures differ from the model's"
	fi
}

backlog() { # NAME [consumer options]
	local name=$1
	shift
	expect_status 0 "$KT_BIN/consumer" -t "$topic" -g "$name-$$" "${cons[@]}" -e "$@"
	cp "$WORK/out" "$WORK/$name.json"
	same_as_model "$name"
}
test_case "a backlog read with -e: every window and the late count as the model says" \
	backlog backlog
test_case "--threads 1: the same figures" backlog threads1 --threads 1
test_case "tiny fetches (fetch.max.bytes 1024, max.partition.fetch.bytes 256): the same figures" \
	backlog tiny -X fetch.max.bytes=1024 -X message.max.bytes=1000 -X max.partition.fetch.bytes=256

# Records counted plus records late, over every window written so far.
accounted() {
	python3 -c '
import json, sys
print(sum(w["records"] + w["late"] for w in map(json.loads, open(sys.argv[1])) ))' "$1"
}

# live NAME STOP_SECONDS: the dataset sent at 300 records/s to a new topic
# while a consumer (idle timeout 3 s) reads it; with STOP_SECONDS > 0 the
# consumer is stopped (SIGSTOP) that long once a third has been sent, while
# the sending goes on. Every window must be written once, as final.
live() {
	local name=$1 stop=$2 lt pid pacer
	lt=$(new_topic "ev-$name")
	ktpy create "$lt" 3
	"$KT_BIN/consumer" -t "$lt" -g "$name-$$" "${cons[@]}" --idle-timeout 3s -v \
		>"$WORK/$name.json" 2>"$WORK/$name.err" &
	pid=$!
	at_exit "kill -CONT $pid; kill -9 $pid"
	assigned() { grep -qs "assigned 3 partition" "$WORK/$name.err"; }
	wait_for 60 assigned || fail "$name: the consumer got no partitions"
	evmodel pace "$lt" "$WORK/data" 300 "$WORK/$name.sent" &
	pacer=$!
	at_exit "kill -9 $pacer"
	if [ "$stop" -gt 0 ]; then
		sent_a_third() { [ "$(cut -d' ' -f1 "$WORK/$name.sent" 2>/dev/null || echo 0)" -ge $((total / 3)) ]; }
		wait_for 60 sent_a_third || fail "$name: the records are not being sent"
		kill -STOP "$pid"
		sleep "$stop" # the stall itself, not a wait for readiness
		kill -CONT "$pid"
	fi
	wait "$pacer" || fail "$name: sending the records failed"
	all_accounted() { [ "$(accounted "$WORK/$name.json")" -ge "$total" ]; }
	wait_for 90 all_accounted ||
		fail "$name: $(accounted "$WORK/$name.json") of $total records accounted for"
	kill -TERM "$pid"
	wait "$pid" || fail "$name: consumer exit status $?"
	python3 -c '
import json, sys
for w in map(json.loads, open(sys.argv[1])):
    assert not w["partial"], w["window_start"] + " written as partial"' "$WORK/$name.json" ||
		fail "$name: a window was written before it was complete"
	same_as_model "$name"
}
test_case "live at 300 records/s: the same figures, every window written once as final" \
	live live 0
test_case "defect 1: a consumer stopped (SIGSTOP) 2x the idle timeout mid-run makes no on-time record late" \
	live stopped 6

# Defect 2: a window written twice, both final; lateness that depended on
# how the reads were batched. One partition, --window 5s, lateness 2 s.
one=(--from-beginning --event-time ts --window 5s --format json)
send() { # TOPIC OFFSETS_MS...: records at T0 + each offset, one partition
	local t=$1
	shift
	python3 -c '
import json, sys
t0 = int(sys.argv[1])
for i, d in enumerate(sys.argv[2:]):
    print(json.dumps({"p": 0, "v": json.dumps({"ts": t0 + int(d), "n": i})}))' "$T0" "$@" |
		ktpy produce "$t"
}
written_once() {
	local t
	t=$(new_topic ev-twice)
	ktpy create "$t" 1
	send "$t" 20000 11000 1000 12000 40000
	expect_status 0 "$KT_BIN/consumer" -t "$t" -g "twice-$$" "${one[@]}" -e
	python3 - "$WORK/out" "$T0" <<'PY'
import json, sys
from datetime import datetime, timezone
ws = [json.loads(l) for l in open(sys.argv[1])]
t0 = int(sys.argv[2])
starts = [round(datetime.strptime(w["window_start"], "%Y-%m-%dT%H:%M:%S.%fZ")
                .replace(tzinfo=timezone.utc).timestamp() * 1000) - t0 for w in ws]
# +20 s sets the watermark to 18 s: +11, +1 and +12 s are late.
assert starts == [20000, 40000], starts
assert [w["records"] for w in ws] == [1, 1], ws
assert sum(w["late"] for w in ws) == 3, [w["late"] for w in ws]
assert not ws[0]["partial"], ws[0]
PY
}
test_case "defect 2: +20, +11, +1, +12, +40 s: +11, +1, +12 are late, no window written twice" \
	written_once

batching() {
	local t pid
	t=$(new_topic ev-bursts)
	ktpy create "$t" 1
	send "$t" 10000 14000 16500 3000 9000 40000
	expect_status 0 "$KT_BIN/consumer" -t "$t" -g "backlog-$$" "${one[@]}" -e
	late=$(python3 -c 'import json, sys; print(sum(json.loads(l)["late"] for l in open(sys.argv[1])))' "$WORK/out")
	expect_eq "late records read as a backlog" 2 "$late"
	# Live in bursts: +10, +14, +16.5 s; once they are written (the idle
	# timeout), +3 and +9 s, then +40 s, whose window carries the count.
	t=$(new_topic ev-bursts-live)
	ktpy create "$t" 1
	"$KT_BIN/consumer" -t "$t" -g "bursts-$$" "${one[@]}" --idle-timeout 1s -v \
		>"$WORK/bursts.json" 2>"$WORK/bursts.err" &
	pid=$!
	at_exit "kill -9 $pid"
	assigned() { grep -qs "assigned 1 partition" "$WORK/bursts.err"; }
	wait_for 60 assigned || fail "the consumer got no partition"
	send "$t" 10000 14000 16500
	lines() { [ "$(wc -l <"$WORK/bursts.json")" -ge "$1" ]; }
	wait_for 30 lines 2 || fail "the first burst's windows were not written"
	send "$t" 3000 9000
	send "$t" 40000
	wait_for 30 lines 3 || fail "the last window was not written"
	kill -TERM "$pid"
	wait "$pid" || fail "consumer exit status $?"
	late=$(python3 -c 'import json, sys; print(sum(json.loads(l)["late"] for l in open(sys.argv[1])))' "$WORK/bursts.json")
	expect_eq "late records read live in bursts" 2 "$late"
}
test_case "defect 2: +10, +14, +16.5, +3, +9 s: 2 late read as a backlog and live in bursts" \
	batching

# Defect 8: one record in year 9999 made every later record of its
# partition late. Now it is bad_time and moves no watermark.
far_future() {
	local t
	t=$(new_topic ev-future)
	ktpy create "$t" 1
	python3 -c '
import json, sys
t0 = int(sys.argv[1])
ts = [t0 + i * 500 for i in range(5)] + [253402300799000] + [t0 + 2500 + i * 500 for i in range(10)]
for i, x in enumerate(ts):
    print(json.dumps({"p": 0, "v": json.dumps({"ts": x, "n": i})}))' "$T0" | ktpy produce "$t"
	expect_status 0 "$KT_BIN/consumer" -t "$t" -g "future-$$" "${one[@]}" -e
	python3 - "$WORK/out" <<'PY'
import json, sys
ws = [json.loads(l) for l in open(sys.argv[1])]
assert sum(w["records"] for w in ws) == 15, [w["records"] for w in ws]
assert sum(w["late"] for w in ws) == 0, [w["late"] for w in ws]
assert sum(w["invalid_by_reason"].get("bad_time", 0) for w in ws) == 1, ws
PY
	# --max-future 0: a time ahead of the clock at all is bad.
	expect_status 0 "$KT_BIN/consumer" -t "$t" -g "future0-$$" "${one[@]}" -e --max-future 0
	expect_grep '"bad_time":1' "$WORK/out"
	expect_status 2 "$KT_BIN/consumer" -t "$t" --max-future 1h
	expect_grep "option '--max-future' needs '--event-time'" "$WORK/err"
	expect_status 2 "$KT_BIN/consumer" -t "$t" --event-time ts --max-future soon
	expect_grep "max-future" "$WORK/err"
}
test_case "defect 8: a time in year 9999 is bad_time and makes none of the 10 records after it late" \
	far_future
