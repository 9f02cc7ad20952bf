#!/usr/bin/env bash
# At-least-once: a consumer killed with SIGKILL mid-stream and restarted
# in the same group counts every record, and re-counts only what it had
# written out but not yet committed.
. "$(dirname "$0")/lib.sh"

topic=$(new_topic con-crash)
group="crash-$$-$RANDOM"
n=400000
ktpy create "$topic" 3 || fail "cannot create $topic"

crash() {
	# The records arrive at 40,000/s for 10 s while the first consumer
	# reads them, so the kill lands mid-stream whatever the machine's
	# speed: read as a backlog, all 400,000 were in before the first
	# window with records was seen.
	"$KT_BIN/generator" -t "$topic" --count $n --rate 40000 -q 2>/dev/null &
	local gen=$!
	at_exit "kill $gen"
	# Short processing-time windows so several are written (and committed)
	# before the kill.
	# A short session: the group notices the killed member after 6 s (the
	# broker's minimum) rather than librdkafka's default 45 s.
	"$KT_BIN/consumer" -t "$topic" -g "$group" --from-beginning --window 200ms --format json \
		-X session.timeout.ms=6000 --stats price >"$WORK/run1" 2>"$WORK/err1" &
	local pid=$! committed
	at_exit "kill -9 $pid"
	wait_for 60 python3 -c '
import json, sys
n = sum(json.loads(l)["records"] for l in open(sys.argv[1]) if l.strip())
sys.exit(0 if n > 0 else 1)' "$WORK/run1" || fail "first consumer wrote no window with records"
	kill -9 $pid
	wait $pid 2>/dev/null || true
	wait $gen || fail "generator failed"

	committed=$(ktpy committed "$group" "$topic" | awk '$2 >= 0 {s += $2} END {print s + 0}')
	"$KT_BIN/consumer" -t "$topic" -g "$group" --from-beginning --exit-at-end --window 1s --format json \
		-X session.timeout.ms=6000 --stats price >"$WORK/run2" 2>"$WORK/err2" || fail "second consumer failed"
	python3 - "$WORK/run1" "$WORK/run2" $n "$committed" <<'PY'
import json, sys
def total(path):
    return sum(json.loads(l)["records"] for l in open(path) if l.strip())
# The first run's last line may be cut by the kill: count whole lines only.
lines1 = [l for l in open(sys.argv[1]) if l.endswith("\n")]
e1 = sum(json.loads(l)["records"] for l in lines1)
e2 = total(sys.argv[2])
n, committed = int(sys.argv[3]), int(sys.argv[4])
print(f"first run wrote {e1}, committed {committed}, second run {e2}, of {n}")
assert 0 < committed < n, "the kill should land mid-stream"
assert e1 >= committed, "committed records that were never written out"
assert e2 == n - committed, "the restart must resume at the committed offsets"
assert e1 + e2 >= n, "a record was lost"
assert e1 + e2 - n == e1 - committed  # re-counted = written but uncommitted
PY
}
test_case "consumer: killed with SIGKILL mid-stream and restarted, counts every record, re-counts only the uncommitted" crash
