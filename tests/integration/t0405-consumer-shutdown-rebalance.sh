#!/usr/bin/env bash
# What the consumer holds in an open window is written and committed, never
# lost: on SIGTERM and SIGINT (then it leaves the group and exits 0), and on
# a rebalance, before the revoked partitions go to another consumer.
#
# The data makes "everything has been read" visible without a sleep: event
# windows 0..9 of 1 s, 100 records each per partition, then one record in
# window 11. Window 9 is written only once that last record is read, so
# when windows 0..9 are out, the only open window is 11, holding exactly
# one record per partition.
. "$(dirname "$0")/lib.sh"

t0=1700000000000 # a multiple of the 1 s window
make_records() { # PARTITIONS
	python3 - "$1" "$t0" <<'PY'
import json, sys
parts, t0 = int(sys.argv[1]), int(sys.argv[2])
for p in range(parts):
    seq = 0
    for w in range(10):
        for i in range(100):
            ev = {"seq": seq, "ts": t0 + w * 1000 + i * 10, "price": w * 100 + i}
            print(json.dumps({"v": json.dumps(ev), "p": p}))
            seq += 1
    print(json.dumps({"v": json.dumps({"seq": seq, "ts": t0 + 11 * 1000 + 5, "price": 7}), "p": p}))
PY
}

# Runs in a subshell of its own ("consume ... &" or "(consume ...)"), which
# the consumer replaces, so a signal sent to $! reaches the consumer.
consume() { # GROUP TOPIC OUT ERR [more options]
	local group=$1 topic=$2 out=$3 err=$4
	shift 4
	exec "$KT_BIN/consumer" -t "$topic" -g "$group" --from-beginning --event-time ts --window 1s \
		--allowed-lateness 0s --idle-timeout 1h --stats price --format json -v \
		-X session.timeout.ms=6000 "$@" >"$out" 2>"$err"
}

lines_at_least() { [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; }

# The windows a run wrote: start (s after t0), records, partial.
windows_of() {
	python3 - "$1" "$t0" <<'PY'
import json, sys
from datetime import datetime, timezone
t0 = int(sys.argv[2])
for l in open(sys.argv[1]):
    w = json.loads(l)
    start = datetime.strptime(w["window_start"], "%Y-%m-%dT%H:%M:%S.%fZ")
    ms = int(start.replace(tzinfo=timezone.utc).timestamp() * 1000)
    print((ms - t0) // 1000, w["records"], str(w["partial"]).lower())
PY
}

committed_total() { ktpy committed "$1" "$2" | awk '$2 >= 0 {s += $2} END {print s + 0}'; }

# ---- SIGTERM and SIGINT ---------------------------------------------------
on_signal() { # SIG
	local sig=$1
	topic=$(new_topic "con-$sig")
	group="sig-$sig-$$-$RANDOM"
	ktpy create "$topic" 1
	make_records 1 | ktpy produce "$topic"
	consume "$group" "$topic" "$WORK/$sig.out" "$WORK/$sig.err" &
	pid=$!
	at_exit "kill -9 $pid"
	wait_for 60 lines_at_least "$WORK/$sig.out" 10 || fail "$sig: windows 0..9 were not written"
	kill -"$sig" $pid
	rc=0
	wait $pid || rc=$?
	expect_eq "$sig: exit status" 0 $rc
	# Ten whole windows, then the open one, written at the signal.
	expected=$(
		for w in $(seq 0 9); do echo "$w 100 false"; done
		echo "11 1 true"
	)
	expect_eq "$sig: windows written" "$expected" "$(windows_of "$WORK/$sig.out")"
	expect_eq "$sig: committed offsets" 1001 "$(committed_total "$group" "$topic")"
	# The group resumes after all of it: nothing to count again.
	(consume "$group" "$topic" "$WORK/$sig.again" "$WORK/$sig.again.err" --exit-at-end) ||
		fail "$sig: the restarted consumer failed"
	expect_eq "$sig: records counted again" "" "$(windows_of "$WORK/$sig.again")"
}
for sig in TERM INT; do
	test_case "consumer: SIG$sig writes and commits the open window, exits 0, nothing counted again" on_signal "$sig"
done

# ---- rebalance, eager and cooperative -----------------------------------
on_rebalance() { # STRATEGY
	local strategy=$1
	topic=$(new_topic con-rebalance)
	group="rebalance-$$-$RANDOM"
	ktpy create "$topic" 2
	make_records 2 | ktpy produce "$topic"
	# The last round's files would satisfy the waits below before this
	# round's consumers have written a line.
	rm -f "$WORK/a.out" "$WORK/a.err" "$WORK/b.out" "$WORK/b.err"
	consume "$group" "$topic" "$WORK/a.out" "$WORK/a.err" \
		-X partition.assignment.strategy=$strategy &
	a=$!
	at_exit "kill -9 $a"
	wait_for 60 lines_at_least "$WORK/a.out" 10 || fail "$strategy: consumer A did not write windows 0..9"
	# B joins: a partition of A's is revoked. A must write window 11 (its
	# open window, one record from each partition) and commit it before B
	# takes any partition, so B, starting at the committed offsets, finds
	# nothing.
	consume "$group" "$topic" "$WORK/b.out" "$WORK/b.err" \
		-X partition.assignment.strategy=$strategy &
	b=$!
	at_exit "kill -9 $b"
	assigned() { grep -qs "assigned 1 partition" "$1"; }
	wait_for 60 assigned "$WORK/b.err" || fail "$strategy: consumer B got no partition"
	if [ $strategy = range ]; then
		# eager: A gives up both partitions, then gets one back
		wait_for 60 assigned "$WORK/a.err" || fail "$strategy: consumer A got no partition back"
		expect_grep "2 partition\(s\) revoked" "$WORK/a.err"
	else
		# cooperative: A gives up only the one that moves
		expect_grep "1 partition\(s\) revoked" "$WORK/a.err"
	fi
	expect_eq "$strategy: A's last window" "11 2 true" "$(windows_of "$WORK/a.out" | tail -n 1)"
	expect_eq "$strategy: committed at the rebalance" 2002 "$(committed_total "$group" "$topic")"
	kill -TERM $a $b
	rc=0
	wait $a || rc=$?
	expect_eq "$strategy: A's exit status" 0 $rc
	wait $b || rc=$?
	expect_eq "$strategy: B's exit status" 0 $rc
	expect_eq "$strategy: A's windows" 11 "$(wc -l <"$WORK/a.out")"
	expect_eq "$strategy: B's windows (it had nothing to read)" "" "$(windows_of "$WORK/b.out")"
}
for strategy in range cooperative-sticky; do
	test_case "consumer: a rebalance ($strategy) writes and commits the open window before the partition moves" on_rebalance "$strategy"
done
