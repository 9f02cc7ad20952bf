#!/usr/bin/env bash
# The generator on a three-broker cluster (RF 3, min.insync.replicas 2,
# acks=all, idempotence): the leader of partition 0 SIGKILLed mid-run costs
# nothing (every seq exactly once, exit 0); with two brokers down it says
# NOT_ENOUGH_REPLICAS once, keeps every event queued without spinning and
# delivers them all when one broker is back; and when --flush-timeout ends
# first, the undelivered count it reports is exactly what the topic lacks.
. "$(dirname "$0")/lib.sh"

private_cluster
gen() { "$KT_BIN/generator" -b "$CLUSTER_BROKERS" "$@"; }

# check_seqs TOPIC N: the topic holds seq 0..N-1 exactly once (read back
# with confluent-kafka).
check_seqs() {
	ktpy dump "$1" >"$WORK/dump"
	python3 - "$WORK/dump" "$2" <<'PY'
import collections, json, sys
seqs = collections.Counter(json.loads(json.loads(l)["v"])["seq"] for l in open(sys.argv[1]))
n = int(sys.argv[2])
missing = [s for s in range(n) if seqs[s] == 0]
dups = [s for s, c in seqs.items() if c > 1]
assert not missing and not dups and len(seqs) == n, \
    f"{len(missing)} seqs missing (e.g. {missing[:5]}), {len(dups)} duplicated (e.g. {dups[:5]})"
PY
}
delivered() { # TOPIC: records in the topic (sum of high watermarks)
	ktpy watermarks "$1" 2>/dev/null | awk '{s += $3} END {print s + 0}'
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

leader_killed() {
	local topic leader t0 gpid rc=0
	topic=$(new_topic cluster-gen)
	ktpy create "$topic" 3
	gen -t "$topic" --count 200000 --rate 20000 --flush-timeout 120s >"$WORK/gen1.out" 2>"$WORK/gen1.err" &
	gpid=$!
	at_exit "kill -9 $gpid"
	some() { [ "$(delivered "$topic")" -ge 40000 ]; }
	wait_for 60 some || fail "the generator delivered nothing"
	leader=$(leader_of "$topic" 0)
	t0=$SECONDS
	cluster_do kill "$leader" || fail "cannot kill node $leader"
	moved() { local l; l=$(leader_of "$topic" 0); [ -n "$l" ] && [ "$l" != "$leader" ] && [ "$l" != -1 ]; }
	wait_for 30 moved || fail "partition 0 got no new leader within 30 s"
	say "partition 0: leader $leader killed, node $(leader_of "$topic" 0) leads after $((SECONDS - t0)) s"
	more() { [ "$(delivered "$topic")" -ge 120000 ]; }
	wait_for 60 more || fail "the generator made no progress after the leader died"
	cluster_do resume "$leader" || fail "node $leader did not come back"
	wait "$gpid" || rc=$?
	expect_eq "generator exit status (leader killed)" 0 "$rc"
	expect_grep "produced 200000, delivered 200000, failed 0" "$WORK/gen1.err"
	check_seqs "$topic" 200000
}
test_case "generator: the leader of partition 0 killed mid-run costs no event and duplicates none" leader_killed

# Partition 0's leader and the two followers, in the current metadata.
followers() { ktpy leaders "$1" | awk -v l="$2" '$1 == 0 {n = split($3, r, ","); for (i = 1; i <= n; i++) if (r[i] != l) print r[i]}'; }

below_min_isr() {
	local topic leader f1 f2 gpid rc=0 c0 c1
	topic=$(new_topic cluster-isr)
	ktpy create "$topic" 1
	gen -t "$topic" --count 60000 --rate 3000 --flush-timeout 120s >"$WORK/gen2.out" 2>"$WORK/gen2.err" &
	gpid=$!
	at_exit "kill -9 $gpid"
	some() { [ "$(delivered "$topic")" -ge 6000 ]; }
	wait_for 60 some || fail "the generator delivered nothing"
	leader=$(leader_of "$topic" 0)
	read -r f1 f2 <<<"$(followers "$topic" "$leader" | tr '\n' ' ')"
	cluster_do kill "$f1" && cluster_do kill "$f2" || fail "cannot kill nodes $f1 and $f2"
	refused() { grep -q "NOT_ENOUGH_REPLICAS" "$WORK/gen2.err"; }
	wait_for 40 refused || { cat "$WORK/gen2.err" >&2; fail "no NOT_ENOUGH_REPLICAS warning with one in-sync replica"; }
	# Stalled: every event queued, and no busy loop (CPU over 3 s while
	# producing 3,000/s into the queue).
	c0=$(cpu_ticks "$gpid")
	sleep 3
	c1=$(cpu_ticks "$gpid")
	say "stalled generator: $((c1 - c0)) CPU ticks in 3 s"
	[ $((c1 - c0)) -le 90 ] || fail "the stalled generator burnt $((c1 - c0)) ticks in 3 s"
	cluster_do resume "$f1" || fail "node $f1 did not come back"
	wait "$gpid" || rc=$?
	expect_eq "generator exit status (two brokers down, one back)" 0 "$rc"
	expect_grep "produced 60000, delivered 60000, failed 0" "$WORK/gen2.err"
	expect_eq "NOT_ENOUGH_REPLICAS warnings" 1 "$(grep -c "NOT_ENOUGH_REPLICAS (Broker" "$WORK/gen2.err")"
	check_seqs "$topic" 60000
	# For the next case: two brokers down again, partition 0's ISR shrunk
	# to its leader.
	cluster_do kill "$f1" || fail "cannot kill node $f1"
	alone() { [ "$(isr_of "$topic" 0)" = "$leader" ]; }
	wait_for 30 alone || fail "the ISR did not shrink to $leader: $(isr_of "$topic" 0)"
	echo "$topic $f1 $f2" >"$WORK/isr-case" # cases run in subshells
}
test_case "generator: two brokers down, NOT_ENOUGH_REPLICAS told once, nothing lost once one is back" below_min_isr

flush_timeout() {
	[ -s "$WORK/isr-case" ] || fail "needs the previous case"
	local before rc=0 n ISR_TOPIC ISR_DOWN
	read -r ISR_TOPIC ISR_DOWN <"$WORK/isr-case"
	before=$(delivered "$ISR_TOPIC")
	gen -t "$ISR_TOPIC" --count 2000 --rate 1000 --flush-timeout 3s >"$WORK/gen3.out" 2>"$WORK/gen3.err" || rc=$?
	expect_eq "generator exit status (flush timeout)" 1 "$rc"
	expect_grep "warning: the brokers refuse writes to '$ISR_TOPIC': NOT_ENOUGH_REPLICAS" "$WORK/gen3.err"
	expect_grep "2000 of 2000 messages not delivered \(0 failed, 2000 still in flight after --flush-timeout; the brokers last answered NOT_ENOUGH_REPLICAS\)" "$WORK/gen3.err"
	for n in $ISR_DOWN; do cluster_do resume "$n" || fail "node $n did not come back"; done
	full() { [ "$(isr_of "$ISR_TOPIC" 0 | tr ',' '\n' | wc -l)" = 3 ]; }
	wait_for 60 full || fail "the ISR did not grow back: $(isr_of "$ISR_TOPIC" 0)"
	# What the topic lacks of that run is what the generator said: all 2000.
	expect_eq "records added by the timed-out run" "$before" "$(delivered "$ISR_TOPIC")"
}
test_case "generator: --flush-timeout first, exit 1 and the undelivered count is what the topic lacks" flush_timeout
