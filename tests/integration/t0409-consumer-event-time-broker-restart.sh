#!/usr/bin/env bash
# Event time across a broker outage (issue 14, defect 1): the broker is
# killed (SIGKILL) and resumed while the generator writes events whose ts
# rises within each partition, and an event-time consumer reads them. No
# record of such a stream is late by the rule (each partition's watermark
# trails its newest time), so none may be counted late: an absent broker
# must not advance time. (Before: 6,080 of 7,989 records were late.)
. "$(dirname "$0")/lib.sh"

private_broker
export KT_BROKERS=$PRIVATE_BROKERS KAFKA_BOOTSTRAP_SERVERS=$PRIVATE_BROKERS
topic=$(printf 'kt-ev-restart-%s' "$$")
ktpy create "$topic" 3
count=8000

# Records counted, and records late, over the windows written so far.
tally() {
	python3 -c '
import json, sys
ws = [json.loads(l) for l in open(sys.argv[1]) if l.endswith("\n")]
print(sum(w["records"] for w in ws), sum(w["late"] for w in ws))' "$WORK/cons"
}

outage() {
	local cons gen rc=0
	"$KT_BIN/consumer" -t "$topic" -g "ev-restart-$$" --from-beginning --event-time ts \
		--window 2s --idle-timeout 2s --stats price --format json -v \
		>"$WORK/cons" 2>"$WORK/cons.err" &
	cons=$!
	at_exit "kill -9 $cons"
	assigned() { grep -qs "assigned 3 partition" "$WORK/cons.err"; }
	wait_for 60 assigned || fail "the consumer got no partitions"
	"$KT_BIN/generator" -t "$topic" --count $count --rate 400 --flush-timeout 90s \
		>"$WORK/gen.out" 2>"$WORK/gen.err" &
	gen=$!
	at_exit "kill -9 $gen"
	# Kill the broker once windows are being written, so the consumer has
	# caught up and sits at the end of its partitions when it goes.
	some_written() { [ "$(tally | cut -d' ' -f1)" -ge 1000 ]; }
	wait_for 60 some_written || fail "the consumer wrote no windows: $(tally)"
	private_broker_do kill
	sleep 4 # the outage itself (2x the idle timeout), then ~10 s of recovery
	private_broker_do resume >/dev/null 2>&1 || fail "the broker did not come back"
	wait $gen || rc=$?
	expect_eq "generator exit status" 0 "$rc"
	expect_grep "produced $count, delivered $count, failed 0" "$WORK/gen.err"
	all_read() { read -r n late < <(tally) && [ $((n + late)) -ge $count ]; }
	wait_for 90 all_read || fail "the consumer accounted for $(tally) (counted, late) of $count"
	kill -TERM $cons
	wait $cons || fail "consumer exit status $?"
	grep -q "all brokers down" "$WORK/cons.err" || fail "the consumer did not see the outage"
	read -r n late < <(tally)
	say "counted $n, late $late of $count"
	[ "$late" = 0 ] || grep -v '^%' "$WORK/cons.err" | grep -Ei 'reset|revoked|assigned|brokers|commit' | head -20 >&2
	expect_eq "records counted late" 0 "$late"
	[ "$n" -ge $count ] || fail "only $n of $count records counted"
}
test_case "defect 1: a broker killed and resumed mid-run makes no on-time record late" outage
