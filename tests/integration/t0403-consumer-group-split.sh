#!/usr/bin/env bash
# Two consumers in one group split the partitions; stopped cleanly they
# together count every record exactly once.
. "$(dirname "$0")/lib.sh"

topic=$(new_topic con-split)
group="split-$$-$RANDOM"
ktpy create "$topic" 4
split() {
	for i in 1 2; do
		"$KT_BIN/consumer" -t "$topic" -g "$group" --from-beginning --window 500ms --format json --stats price \
			>"$WORK/c$i" 2>"$WORK/e$i" &
		eval "pid$i=$!"
		at_exit "kill -9 $!"
	done
	# --from-beginning: the group is new, so nothing produced between the
	# assignment and the first fetch is skipped (as "latest" would).
	# Both have joined once each holds partitions: with the eager protocol
	# the second assignment is the rebalance that split them.
	wait_for 60 grep -q "assigned [1-9]" "$WORK/e1" || fail "consumer 1 got no partitions"
	wait_for 60 grep -q "assigned [1-9]" "$WORK/e2" || fail "consumer 2 got no partitions"
	"$KT_BIN/generator" -t "$topic" --count 20000 --rate 5000 -q 2>/dev/null || fail "generator failed"
	# Wait until both outputs together hold every record, then stop both.
	total() { cat "$WORK/c1" "$WORK/c2" | python3 -c '
import json, sys
print(sum(json.loads(l)["records"] for l in sys.stdin if l.strip()))'; }
	have_all() { [ "$(total)" -ge 20000 ]; }
	wait_for 60 have_all || true
	kill -TERM $pid1 $pid2
	wait $pid1 || fail "consumer 1 did not exit cleanly"
	wait $pid2 || fail "consumer 2 did not exit cleanly"
	expect_eq "records counted once" 20000 "$(total)"
	for i in 1 2; do
		n=$(python3 -c '
import json, sys
print(sum(json.loads(l)["records"] for l in open(sys.argv[1]) if l.strip()))' "$WORK/c$i")
		[ "$n" -gt 0 ] || fail "consumer $i counted nothing: the partitions were not split"
	done
}
test_case "consumer: two consumers in one group split the partitions and together count every record once" split
