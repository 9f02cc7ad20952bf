#!/usr/bin/env bash
# A second consumer must not silently halve the figures (issue 17, item 7):
# each window says how many of its topics' partitions the consumer holds
# ("partitions_held":"1/2" in JSON), and a consumer started without -g
# (so in the shared default group) that holds only some of them warns once
# on stderr with the remedy. One started with -g, a deliberate member of a
# group, does not warn.
. "$(dirname "$0")/lib.sh"

topic=$(new_topic held)
group="held-$$-$RANDOM"
ktpy create "$topic" 2

has() { [ -f "$2" ] && grep -Eq -- "$1" "$2"; }
held_in() { # FILE: the last window's partitions_held
	python3 -c '
import json, sys
lines = [l for l in open(sys.argv[1]) if l.endswith("\n")]
print(json.loads(lines[-1]).get("partitions_held") if lines else "")' "$1"
}
last_held_is() { [ -s "$2" ] && [ "$(held_in "$2")" = "$1" ]; }

# A: no -g (its group set through -X, so this test shares no group with
# another); B: the same group, named with -g.
"$KT_BIN/consumer" -t "$topic" -X "group.id=$group" --window 1s --format json -v \
	>"$WORK/a.out" 2>"$WORK/a.err" &
a=$!
at_exit "kill -9 $a"

alone() {
	wait_for 60 has "assigned 2 partition" "$WORK/a.err" || fail "A got no partitions"
	wait_for 30 last_held_is 2/2 "$WORK/a.out" || fail "A's windows do not say 2/2: $(held_in "$WORK/a.out")"
	! grep -q "holding" "$WORK/a.err" || fail "A warned while holding every partition"
}
test_case "consumer: alone in its group, each window says partitions_held 2/2" alone

"$KT_BIN/consumer" -t "$topic" -g "$group" --window 1s --format json -v \
	>"$WORK/b.out" 2>"$WORK/b.err" &
b=$!
at_exit "kill -9 $b"

split() {
	wait_for 60 has "assigned 1 partition" "$WORK/b.err" || fail "B got no partition"
	wait_for 60 has "assigned 1 partition" "$WORK/a.err" || fail "A was not given one back"
	wait_for 30 last_held_is 1/2 "$WORK/a.out" || fail "A's windows do not say 1/2"
	wait_for 30 last_held_is 1/2 "$WORK/b.out" || fail "B's windows do not say 1/2"
	expect_eq "A's warnings" 1 "$(grep -c "holding 1 of the topics' 2 partitions: another consumer in group '$group' reads the others, so every figure here covers only part of the records; to see them all, give each consumer its own group (-g NAME)" "$WORK/a.err")"
	expect_eq "B's warnings (-g given)" 0 "$(grep -c "holding" "$WORK/b.err")"
}
test_case "consumer: sharing the default group, it says so once and in every window" split

kill -TERM $a $b
rc=0
wait $a || rc=$?
expect_eq "A's exit status" 0 $rc
wait $b || rc=$?
expect_eq "B's exit status" 0 $rc
