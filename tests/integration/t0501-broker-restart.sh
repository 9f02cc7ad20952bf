#!/usr/bin/env bash
# Faults: the broker is killed with SIGKILL and restarted while the
# generator runs (it goes on, exits 0, and the topic holds every seq exactly
# once), and while a consumer runs (it warns, rides it out, and goes on
# counting). Programs pointed at a port where nothing listens say so within
# --connect-timeout and exit non-zero.
. "$(dirname "$0")/lib.sh"

no_broker() { # P
	local p=$1
	start=$SECONDS
	rc=0
	"$KT_BIN/$p" -b 127.0.0.1:1 --connect-timeout 2s -t x --before-offset 1 --yes >"$WORK/out" 2>"$WORK/err" ||
		rc=$?
	[ "$p" = delete-records ] || {
		rc=0
		"$KT_BIN/$p" -b 127.0.0.1:1 --connect-timeout 2s -t x >"$WORK/out" 2>"$WORK/err" || rc=$?
	}
	expect_eq "$p exit status with no broker" 1 "$rc"
	expect_grep "cannot reach broker\(s\) 127.0.0.1:1 within 2.0 s" "$WORK/err"
	[ $((SECONDS - start)) -le 6 ] || fail "$p took $((SECONDS - start)) s to give up"
}
for p in generator consumer delete-records; do
	test_case "$p: with no broker, says so within --connect-timeout and exits 1" no_broker "$p"
done

private_broker
topic=$(printf 'kt-restart-%s' "$$")
export KT_BROKERS=$PRIVATE_BROKERS KAFKA_BOOTSTRAP_SERVERS=$PRIVATE_BROKERS
ktpy create "$topic" 3

# The consumer runs through three cases, so it is started here by a shell
# that waits for it and keeps its exit status in a file.
(
	"$KT_BIN/consumer" -t "$topic" -g "restart-$$" --from-beginning --window 1s --format json \
		--stats price >"$WORK/cons" 2>"$WORK/cons.err" &
	echo $! >"$WORK/cons.pid"
	rc=0
	wait $! || rc=$?
	echo $rc >"$WORK/cons.rc"
) &
wait_for 10 test -s "$WORK/cons.pid"
cons=$(cat "$WORK/cons.pid")
at_exit "kill -9 $cons"

rides_out() {
	"$KT_BIN/generator" -t "$topic" --count 200000 --rate 20000 --flush-timeout 90s >"$WORK/gen.out" 2>"$WORK/gen.err" &
	local gen=$! rc=0
	at_exit "kill -9 $gen"
	# Kill the broker once a good part has been delivered, restart it on the
	# same data (recovery after SIGKILL takes ~10 s, hence the long flush
	# timeout), and let both programs carry on.
	progress() { [ "$(ktpy watermarks "$topic" 2>/dev/null | awk '{s += $3} END {print s + 0}')" -ge 40000 ]; }
	wait_for 60 progress || fail "the generator made no progress"
	private_broker_do kill
	sleep 3 # the outage itself: both programs must ride it out
	private_broker_do resume >/dev/null 2>&1 || fail "broker did not come back"
	wait $gen || rc=$?
	cat "$WORK/gen.err" >&2
	expect_eq "generator exit status" 0 "$rc"
	expect_grep "produced 200000, delivered 200000, failed 0" "$WORK/gen.err"
}
test_case "generator: the broker killed (SIGKILL) and restarted mid-run: exits 0, all 200000 delivered" rides_out

every_seq_once() {
	ktpy dump "$topic" >"$WORK/dump"
	python3 - "$WORK/dump" <<'PY'
import json, sys
seqs = [json.loads(json.loads(l)["v"])["seq"] for l in open(sys.argv[1])]
assert len(seqs) == 200000, f"{len(seqs)} records, expected 200000"
assert sorted(seqs) == list(range(200000)), "a seq is missing or duplicated"
PY
}
test_case "generator: after the restart the topic holds every seq exactly once" every_seq_once

# The consumer saw the outage, warned, and counted everything.
counted() { python3 -c '
import json, sys
print(sum(json.loads(l)["records"] for l in open(sys.argv[1]) if l.endswith("\n")))' "$WORK/cons"; }
all_counted() { [ "$(counted)" -ge 200000 ]; }
consumer_rides_out() {
	wait_for 60 all_counted || fail "consumer counted $(counted) of 200000 after the restart"
	kill -TERM $cons
	wait_for 60 test -s "$WORK/cons.rc" || fail "consumer did not exit after SIGTERM"
	expect_eq "consumer exit status" 0 "$(cat "$WORK/cons.rc")"
	# It warned of the outage: librdkafka tells "all brokers down" only when
	# every connection it holds has failed, and under load the consumer may
	# see only its coordinator's connection drop (seen in a CI run), which
	# is warned about as a lost connection.
	grep -qE "warning: (all brokers down|lost a broker connection), retrying" "$WORK/cons.err" ||
		fail "the consumer did not warn of the outage"
	# ... and once it said all were down, it said when they were back (so
	# a second outage is told too).
	awk '/all brokers down/ {down = NR; ok = 0} /brokers reachable again/ && down && NR > down {ok = 1}
		END {exit !(ok || !down)}' "$WORK/cons.err" || fail "the consumer did not say the brokers were back"
	# At least once: a rebalance after the restart may re-count what had not
	# been committed during the outage.
	[ "$(counted)" -ge 200000 ] || fail "records lost"
}
test_case "consumer: rides out the restart: warns, says when the brokers are back, counts every record" consumer_rides_out
