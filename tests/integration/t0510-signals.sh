#!/usr/bin/env bash
# Signals and hangs: SIGHUP (closing the terminal) is a polite stop like
# SIGTERM; Ctrl-C always works and every case ends within a few seconds of
# the signal: during the initial connect, after the consumer's topic was
# deleted, with the broker gone at shutdown; a second Ctrl-C exits at once
# with one line. Static membership (--instance-id) gives a restarted
# consumer its partitions back at once instead of after session.timeout.ms.
#
# Each wait is bounded and polls for what it waits for (a log line, a
# window written, the process gone): no sleep stands for readiness.
. "$(dirname "$0")/lib.sh"

now_ms() { date +%s%3N; }
# start NAME CMD...: CMD in the background, its pid in $WORK/NAME.pid
# and, once it has ended, its exit status in $WORK/NAME.rc: any shell of
# the test (a case's subshell too) can wait for it, not only its parent.
start() {
	local name=$1
	shift
	rm -f "$WORK/$name.pid" "$WORK/$name.rc"
	(
		"$@" &
		echo $! >"$WORK/$name.pid"
		rc=0
		wait $! || rc=$?
		echo $rc >"$WORK/$name.rc.new"
		mv "$WORK/$name.rc.new" "$WORK/$name.rc"
	) &
	wait_for 10 test -s "$WORK/$name.pid" || fail "$name did not start"
	at_exit "kill -9 $(cat "$WORK/$name.pid")"
}
pid_of() { cat "$WORK/$1.pid"; }
# ends_within SECONDS NAME: NAME ends within SECONDS from now; sets rc
# (its exit status) and took_ms.
ends_within() {
	local t0 limit=$(($1 * 1000))
	t0=$(now_ms)
	until [ -f "$WORK/$2.rc" ]; do
		[ $(($(now_ms) - t0)) -lt $limit ] || fail "$2 still running $1 s after the signal"
		sleep 0.05
	done
	took_ms=$(($(now_ms) - t0))
	rc=$(cat "$WORK/$2.rc")
}
has() { [ -f "$2" ] && grep -Eq -- "$1" "$2"; }
lines_at_least() { [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; }
committed_total() { ktpy committed "$1" "$2" | awk '$2 >= 0 {s += $2} END {print s + 0}'; }

# Event-time data that shows "all read" without a sleep: 10 records in
# the window at t0, then one in the window at t0 + 5 s. Once the first
# window is written, the only open window holds exactly that last record.
t0=1700000000000
records() {
	for i in $(seq 0 9); do
		printf '{"v": "{\\"ts\\": %d, \\"x\\": %d}"}\n' $((t0 + i)) "$i"
	done
	printf '{"v": "{\\"ts\\": %d, \\"x\\": 99}"}\n' $((t0 + 5000))
}
consume_event_time() { # GROUP TOPIC OUT ERR [more options]
	local group=$1 topic=$2 out=$3 err=$4
	shift 4
	exec "$KT_BIN/consumer" -t "$topic" -g "$group" --from-beginning --event-time ts \
		--window 1s --allowed-lateness 0s --idle-timeout 1h --format json -v "$@" \
		>"$out" 2>"$err"
}

# ---- every program: Ctrl-C while it connects stops it at once ------------
connect_case() { # PROGRAM ARGS...
	local p=$1
	shift
	start "$p" "$KT_BIN/$p" -b 127.0.0.1:1 --connect-timeout 30s -v "$@" \
		>"$WORK/$p.out" 2>"$WORK/$p.err"
	# librdkafka's first refused connection: the handle exists, the
	# program waits for the cluster.
	wait_for 20 has "Connect to .* failed" "$WORK/$p.err" || fail "$p did not try to connect"
	kill -INT "$(pid_of "$p")"
	ends_within 3 "$p"
	say "$p: SIGINT while connecting: exit after $took_ms ms"
	expect_eq "$p: exit status (128 + SIGINT)" 130 "$rc"
	expect_grep "^$p: interrupted while connecting to 127.0.0.1:1$" "$WORK/$p.err"
}
test_case "consumer: SIGINT during the initial connect" connect_case consumer -t x
test_case "generator: SIGINT during the initial connect" connect_case generator -t x
test_case "delete-records: SIGINT during the initial connect" \
	connect_case delete-records -t x --before-offset 1 --yes

# ---- SIGHUP is SIGTERM ------------------------------------------------------
hup_consumer() {
	local topic group t
	topic=$(new_topic sig-hup)
	group="hup-$$-$RANDOM"
	ktpy create "$topic" 1
	records | ktpy produce "$topic"
	start hup consume_event_time "$group" "$topic" "$WORK/hup.out" "$WORK/hup.err"
	wait_for 60 lines_at_least "$WORK/hup.out" 1 || fail "the first window was not written"
	kill -HUP "$(pid_of hup)"
	ends_within 5 hup
	say "consumer: SIGHUP: exit after $took_ms ms"
	expect_eq "exit status" 0 "$rc"
	# The open window is written (partial) and committed.
	expect_eq "windows written (records, partial)" "10 false
1 true" "$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    w = json.loads(l); print(w["records"], str(w["partial"]).lower())' "$WORK/hup.out")"
	expect_eq "committed offset" 11 "$(committed_total "$group" "$topic")"
	# It left the group: a new member gets the partition at once (the
	# consumer killed by SIGHUP held it for session.timeout.ms, 45 s) and
	# finds nothing left to count.
	t=$(now_ms)
	start again consume_event_time "$group" "$topic" "$WORK/hup.again" \
		"$WORK/hup.again.err" --exit-at-end
	ends_within 20 again
	say "consumer: a new member of the group was done $(($(now_ms) - t)) ms after"
	expect_eq "the new member's exit status" 0 "$rc"
	expect_eq "records counted again" "" "$(cat "$WORK/hup.again")"
}
test_case "consumer: SIGHUP writes and commits the open window and leaves the group" hup_consumer

hup_generator() {
	local topic line produced delivered
	topic=$(new_topic sig-hup-gen)
	ktpy create "$topic" 2
	start gen "$KT_BIN/generator" -t "$topic" --rate 2000 --progress \
		>"$WORK/gen.out" 2>"$WORK/gen.err"
	wait_for 30 has "delivered [1-9]" "$WORK/gen.err" || fail "no progress"
	kill -HUP "$(pid_of gen)"
	ends_within 10 gen
	say "generator: SIGHUP: exit after $took_ms ms"
	expect_eq "exit status" 0 "$rc"
	line=$(grep -E "^generator: produced [0-9]+, delivered" "$WORK/gen.err" | tail -n 1)
	[ -n "$line" ] || fail "no summary line"
	produced=$(sed -E 's/.*produced ([0-9]+),.*/\1/' <<<"$line")
	delivered=$(sed -E 's/.*delivered ([0-9]+),.*/\1/' <<<"$line")
	expect_eq "delivered == produced" "$produced" "$delivered"
	expect_eq "records in the topic" "$produced" "$(ktpy dump "$topic" | wc -l)"
}
test_case "generator: SIGHUP flushes and prints its summary" hup_generator

# ---- the consumer's topic deleted under it ----------------------------------
deleted_topic() {
	local topic
	topic=$(new_topic sig-deleted)
	ktpy create "$topic" 2
	records | ktpy produce "$topic"
	start del "$KT_BIN/consumer" -t "$topic" -g "deleted-$$-$RANDOM" --from-beginning \
		--window 1s --format json -v >"$WORK/del.out" 2>"$WORK/del.err"
	wait_for 60 has "assigned 2 partition" "$WORK/del.err" || fail "no assignment"
	ktpy delete "$topic"
	wait_for 60 has "does not exist|Unknown topic" "$WORK/del.err" ||
		fail "the consumer did not notice the deletion"
	kill -INT "$(pid_of del)"
	# librdkafka 2.0 hangs in rd_kafka_destroy here (3 of 3 tries): the
	# consumer gives it 2 s and leaves without it.
	ends_within 12 del
	say "consumer: SIGINT after its topic was deleted: exit after $took_ms ms"
	case $rc in 0 | 1) ;; *) fail "exit status $rc" ;; esac
}
test_case "consumer: SIGINT after its topic was deleted ends it" deleted_topic

# ---- static membership --------------------------------------------------------
static_member() {
	local topic group t
	topic=$(new_topic sig-static)
	group="static-$$-$RANDOM"
	ktpy create "$topic" 2
	start st1 "$KT_BIN/consumer" -t "$topic" -g "$group" --instance-id a1 -v \
		>/dev/null 2>"$WORK/st1.err"
	wait_for 60 has "assigned 2 partition" "$WORK/st1.err" || fail "no assignment"
	kill -9 "$(pid_of st1)"
	ends_within 5 st1
	# Restarted under the same ID: its partitions at once. Without an ID
	# the new member waited 45 s here, for the dead one's session to end.
	t=$(now_ms)
	start st2 "$KT_BIN/consumer" -t "$topic" -g "$group" --instance-id a1 -v \
		>/dev/null 2>"$WORK/st2.err"
	wait_for 15 has "assigned 2 partition" "$WORK/st2.err" ||
		fail "the restarted member did not get its partitions within 15 s"
	say "consumer: restarted static member assigned after $(($(now_ms) - t)) ms"
	kill -INT "$(pid_of st2)"
	ends_within 10 st2
	expect_eq "exit status" 0 "$rc"
}
test_case "consumer: --instance-id takes its partitions back at once after a restart" static_member

# ---- the broker gone at shutdown ---------------------------------------------
# One private broker, killed under three programs; each is then stopped.
# (Its address is passed to each command: the clean-up of the topics above
# must still reach the shared broker.)
private_broker
down_topic=kt-sig-down-$$
pktpy() { KT_BROKERS=$PRIVATE_BROKERS ktpy "$@"; }
pktpy create "$down_topic" 1
pktpy create "$down_topic-gen" 1
records | pktpy produce "$down_topic"
for c in down1 down2; do
	start $c consume_event_time "$c-$$" "$down_topic" "$WORK/$c.out" "$WORK/$c.err" \
		-b "$PRIVATE_BROKERS"
done
start downgen "$KT_BIN/generator" -b "$PRIVATE_BROKERS" -t "$down_topic-gen" --rate 500 \
	--progress -v >/dev/null 2>"$WORK/downgen.err"
for c in down1 down2; do
	wait_for 60 lines_at_least "$WORK/$c.out" 1 || fail "consumer $c wrote no window"
done
wait_for 30 has "delivered [1-9]" "$WORK/downgen.err" || fail "the generator made no progress"
private_broker_do kill >/dev/null 2>&1
for c in down1 down2 downgen; do
	# (-v shows each refused reconnection; "all brokers down" may not come.)
	wait_for 60 has "Connection refused" "$WORK/$c.err" || fail "$c: the outage was not noticed"
done

broker_down() {
	kill -INT "$(pid_of down1)"
	ends_within 12 down1
	say "consumer: SIGINT with the broker down: exit after $took_ms ms"
	expect_eq "exit status (offsets not committed)" 1 "$rc"
	expect_grep "offsets not committed \(.*\): '$down_topic' \[0\] at 11; " "$WORK/down1.err"
	# The open window was still written before the commit was tried.
	expect_eq "windows written" 2 "$(wc -l <"$WORK/down1.out")"
}
test_case "consumer: SIGINT with the broker down ends it and names what was not committed" \
	broker_down

double_interrupt() { # PROGRAM NAME [LINE: the first signal's shutdown has begun]
	kill -INT "$(pid_of "$2")"
	[ -z "${3:-}" ] || wait_for 10 has "$3" "$WORK/$2.err" || fail "$1 did not begin its shutdown"
	kill -INT "$(pid_of "$2")"
	ends_within 2 "$2"
	say "$1: second SIGINT: exit after $took_ms ms"
	expect_eq "$1: exit status (128 + SIGINT)" 130 "$rc"
	expect_grep "^$1: second signal: exiting at once; " "$WORK/$2.err"
}
test_case "consumer: a second Ctrl-C exits at once" \
	double_interrupt consumer down2 "waiting up to"
# The generator's first Ctrl-C waits for what is in flight (--flush-timeout, 10 s).
test_case "generator: a second Ctrl-C exits at once" double_interrupt generator downgen
