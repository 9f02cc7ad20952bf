#!/usr/bin/env bash
# Scale-out (issue 15): incomplete windows and refusals. Three static
# members (--instance-id: a member killed keeps its partitions until its
# session times out, 45 s) over three partitions, one each, and a merger
# with --merge-timeout 3s, on a paced stream: windows come out complete;
# two members are killed, and the merger writes the overdue windows
# incomplete, naming the dead members' partitions. Then the refusals not
# in t0411: a merge of a different --group-by names the setting in one
# line; a missing partials topic is a usage error (exit 2) on both sides;
# a member with a cooperative assignor is refused.
. "$(dirname "$0")/lib.sh"

# A paced stream: RATE records/s to partitions 0-2 in turn, event time the
# wall clock, until $WORK/stop exists (90 s at most).
stream() { # TOPIC RATE
	"$KT_PY" - "$2" "$WORK/stop" <<'PY' | ktpy produce "$1"
import json, os, sys, time
rate, t0, i = float(sys.argv[1]), time.time(), 0
while time.time() < t0 + 90 and not os.path.exists(sys.argv[2]):
    delay = t0 + i / rate - time.time()
    if delay > 0:
        time.sleep(delay)
    print(json.dumps({"p": i % 3, "v": json.dumps({"ts": int(time.time() * 1000), "cat": "ab"[i % 2]})}),
          flush=True)
    i += 1
PY
}

incomplete() {
	local input parts i mpid spid pids=()
	input=$(new_topic inc-in)
	parts=$(new_topic inc-parts)
	ktpy create "$input" 3
	ktpy create "$parts" 1
	for i in 1 2 3; do
		"$KT_BIN/consumer" -t "$input" -g "inc-members-$$" --instance-id "inc-m$i-$$" \
			--event-time ts --window 1s --allowed-lateness 200ms --group-by cat \
			--partials-to "$parts" -v >"$WORK/m$i.out" 2>"$WORK/m$i.err" &
		pids[$i]=$!
		at_exit "kill -9 $! 2>/dev/null"
	done
	"$KT_BIN/consumer" --merge "$parts" -g "inc-merger-$$" --merge-timeout 3s --format json \
		>"$WORK/merged.json" 2>"$WORK/merger.err" &
	mpid=$!
	at_exit "kill -9 $mpid 2>/dev/null"
	one_each() { # each member's last assignment: one partition
		for i in 1 2 3; do
			grep 'assigned [0-9]* partition' "$WORK/m$i.err" | tail -n 1 |
				grep -q 'assigned 1 partition' || return 1
		done
	}
	wait_for 60 one_each || fail "the members were not given one partition each"
	stream "$input" 150 &
	spid=$!
	at_exit "touch $WORK/stop"
	complete2() { [ "$(grep -c '"complete":true' "$WORK/merged.json")" -ge 2 ]; }
	wait_for 60 complete2 || fail "no complete window from three members"
	kill -9 "${pids[2]}" "${pids[3]}"
	ktpy committed "inc-members-$$" "$input" >"$WORK/committed.before"
	incomplete1() { grep -q '"complete":false' "$WORK/merged.json"; }
	wait_for 40 incomplete1 || fail "no window written incomplete within 40 s"
	# The survivor's partition is the one whose commits went on.
	wait_for 10 advanced || fail "the survivor committed nothing more"
	kill "$mpid"
	wait "$mpid" || true
	touch "$WORK/stop"
	wait "$spid" || fail "the stream's producer failed"
	"$KT_PY" - "$WORK/merged.json" "$input" "$(cat "$WORK/survivor")" <<'PY' >"$WORK/check" ||
import json, sys
topic, survivor = sys.argv[2], int(sys.argv[3])
want = sorted(f"{topic}/{p}" for p in range(3) if p != survivor)
ws = [json.loads(l) for l in open(sys.argv[1]) if l.endswith("\n")]
first = next(w for w in ws if not w["complete"])
if sorted(first["missing_partitions"]) != want or first["partitions"] != 1:
    raise SystemExit(f"window {first['window_start']}: missing {first['missing_partitions']}, "
                     f"partitions {first['partitions']}; expected {want}, 1")
print(f"{sum(w['complete'] for w in ws)} complete windows, then {first['window_start']} "
      f"incomplete: missing {first['missing_partitions']}, {first['records']} records")
PY
		{ cat "$WORK/check" >&2; fail "the incomplete window names the wrong partitions"; }
	say "$(cat "$WORK/check")"
}
advanced() {
	ktpy committed "inc-members-$$" "$input" >"$WORK/committed.after"
	"$KT_PY" - "$WORK/committed.before" "$WORK/committed.after" >"$WORK/survivor" <<'PY'
import sys
a = dict(l.split() for l in open(sys.argv[1]))
b = dict(l.split() for l in open(sys.argv[2]))
moved = [p for p in b if int(b[p]) > int(a.get(p, -1))]
if len(moved) != 1:
    raise SystemExit(1)
print(moved[0])
PY
}
test_case "two of three members killed: overdue windows incomplete, the dead ones' partitions missing" \
	incomplete

refusals() {
	local input parts
	input=$(new_topic ref-in)
	parts=$(new_topic ref-parts)
	ktpy create "$input" 1
	ktpy create "$parts" 1
	printf '%s\n' '{"p": 0, "v": "{\"ts\": 1767225600000, \"cat\": \"a\", \"shop\": \"x\"}"}' |
		ktpy produce "$input"
	expect_status 0 "$KT_BIN/consumer" -t "$input" -g "ref-a-$$" --from-beginning -e \
		--event-time ts --window 5s --group-by cat --partials-to "$parts"
	expect_status 0 "$KT_BIN/consumer" -t "$input" -g "ref-b-$$" --from-beginning -e \
		--event-time ts --window 5s --group-by cat,shop --partials-to "$parts"
	expect_status 2 "$KT_BIN/consumer" --merge "$parts" -g "ref-merger-$$" -e --format json
	# One line says it (the first partials' window may be told before).
	expect_eq "lines saying why" 1 "$(grep -vc "^consumer: window .* written" "$WORK/err")"
	expect_grep "^consumer: partials refused '$input/0': setting 'group-by' is 'cat,shop' there, 'cat' in the first partials$" "$WORK/err"
	# A missing partials topic: exit 2, one line, on both sides.
	expect_status 2 "$KT_BIN/consumer" -t "$input" --event-time ts --partials-to "kt-none-$$" -e
	expect_eq "lines on stderr" 1 "$(wc -l <"$WORK/err")"
	expect_grep "^consumer: partials topic 'kt-none-$$' does not exist$" "$WORK/err"
	expect_status 2 "$KT_BIN/consumer" --merge "kt-none-$$" -e
	expect_eq "lines on stderr" 1 "$(wc -l <"$WORK/err")"
	expect_grep "^consumer: partials topic 'kt-none-$$' does not exist$" "$WORK/err"
	# Processing time, and a cooperative assignor.
	expect_status 2 "$KT_BIN/consumer" -t "$input" --partials-to "$parts" -e
	expect_eq "lines on stderr" 1 "$(wc -l <"$WORK/err")"
	expect_grep "needs '--event-time'" "$WORK/err"
	expect_status 2 "$KT_BIN/consumer" -t "$input" --event-time ts --partials-to "$parts" -e \
		-X partition.assignment.strategy=cooperative-sticky
	expect_eq "lines on stderr" 1 "$(wc -l <"$WORK/err")"
	expect_grep "needs an eager assignor: partition.assignment.strategy 'cooperative-sticky' is cooperative" "$WORK/err"
}
test_case "refused in one line: other --group-by, a missing partials topic (exit 2), processing time, a cooperative assignor" \
	refusals
