#!/usr/bin/env bash
# The signal table (issue 17): each polite signal, in each state a program
# can wait in, ends it within a few seconds with the documented status.
# t0510 has the cases that need a program mid-run (SIGHUP writing and
# committing, the consumer after its topic was deleted and with the broker
# down, the second Ctrl-C of consumer and generator); this file has the
# rest of the table:
#
#   signal / state                       consumer  generator  delete-records
#   SIGHUP while connecting (refused)    129       129        129
#   SIGINT, an address that never answers 130      130        130
#   SIGINT with the broker down          t0510     1 (flush)  130 (connecting)
#   its topic deleted, then SIGINT       t0510     1          -  (no long run)
#   second Ctrl-C                        t0510     t0510      -  (the first
#                                                  ends every wait at once)
#
# Each wait polls for what it waits for; no sleep stands for readiness.
. "$(dirname "$0")/lib.sh"

now_ms() { date +%s%3N; }
# start NAME CMD...: CMD in the background, its pid in $WORK/NAME.pid and,
# once it has ended, its exit status in $WORK/NAME.rc (as in t0510).
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
	at_exit "kill -9 $(cat "$WORK/$name.pid") 2>/dev/null"
}
pid_of() { cat "$WORK/$1.pid"; }
# ends_within SECONDS NAME: NAME ends within SECONDS from now; sets rc and
# took_ms.
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

# Each program's arguments for a run that would connect and wait.
args_of() {
	case $1 in
	consumer) echo "-t x" ;;
	generator) echo "-t x" ;;
	delete-records) echo "-t x --before-offset 1 --yes" ;;
	esac
}

# ---- SIGHUP while connecting ---------------------------------------------
hup_connecting() { # PROGRAM
	local p=$1
	# shellcheck disable=SC2046
	start "$p" "$KT_BIN/$p" -b 127.0.0.1:1 --connect-timeout 30s -v $(args_of "$p") \
		>"$WORK/$p.out" 2>"$WORK/$p.err"
	wait_for 20 has "Connect to .* failed" "$WORK/$p.err" || fail "$p did not try to connect"
	kill -HUP "$(pid_of "$p")"
	ends_within 3 "$p"
	say "$p: SIGHUP while connecting: exit after $took_ms ms"
	expect_eq "$p: exit status (128 + SIGHUP)" 129 "$rc"
	expect_grep "^$p: interrupted while connecting to 127.0.0.1:1$" "$WORK/$p.err"
}
for p in consumer generator delete-records; do
	test_case "$p: SIGHUP while connecting ends it at once" hup_connecting $p
done

# ---- SIGINT while connecting to an address that never answers -------------
# A listener that accepts every connection and never writes a byte: the
# TCP connection is made, librdkafka's first request waits for an answer
# that does not come (unlike a refused port, which fails at once and is
# retried). It notes each connection it accepts.
cat >"$WORK/mute.py" <<'PY'
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
with open(sys.argv[1] + ".new", "w") as f:
    f.write(str(s.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".new", sys.argv[1])
held = []
while True:
    c, _ = s.accept()
    held.append(c)
    with open(sys.argv[2], "a") as f:
        f.write("accepted\n")
PY
python3 "$WORK/mute.py" "$WORK/mute.port" "$WORK/mute.log" &
mute_pid=$!
at_exit "kill $mute_pid 2>/dev/null"
wait_for 10 test -s "$WORK/mute.port" || fail "the silent listener did not start"
mute=127.0.0.1:$(cat "$WORK/mute.port")

accepted() { if [ -f "$WORK/mute.log" ]; then wc -l <"$WORK/mute.log"; else echo 0; fi; }
more_accepted() { [ "$(accepted)" -gt "$1" ]; }
int_silent() { # PROGRAM
	local p=$1 before
	before=$(accepted)
	# shellcheck disable=SC2046
	start "$p" "$KT_BIN/$p" -b "$mute" --connect-timeout 30s $(args_of "$p") \
		>"$WORK/$p.out" 2>"$WORK/$p.err"
	wait_for 20 more_accepted "$before" ||
		fail "$p did not connect to the silent listener"
	kill -INT "$(pid_of "$p")"
	ends_within 3 "$p"
	say "$p: SIGINT waiting for a broker that never answers: exit after $took_ms ms"
	expect_eq "$p: exit status (128 + SIGINT)" 130 "$rc"
	expect_grep "^$p: interrupted while connecting to $mute$" "$WORK/$p.err"
}
for p in consumer generator delete-records; do
	test_case "$p: SIGINT while a broker never answers ends it at once" int_silent $p
done

# ---- the generator's topic deleted under it --------------------------------
deleted_topic_generator() {
	local topic
	topic=$(new_topic sig-deleted-gen)
	ktpy create "$topic" 1
	start gdel "$KT_BIN/generator" -t "$topic" --rate 500 --progress \
		>/dev/null 2>"$WORK/gdel.err"
	wait_for 30 has "delivered [1-9]" "$WORK/gdel.err" || fail "no progress"
	ktpy delete "$topic"
	# It stops on its own once deliveries fail; a Ctrl-C then (if it is
	# still running) ends it too. Either way: bounded, exit 1, a summary.
	wait_for 30 has "not delivered" "$WORK/gdel.err" || fail "the deletion was not noticed"
	kill -INT "$(pid_of gdel)" 2>/dev/null || true
	ends_within 12 gdel
	say "generator: topic deleted, then SIGINT: exit after $took_ms ms"
	expect_eq "exit status (undelivered events)" 1 "$rc"
	expect_grep "^generator: produced [0-9]+, delivered [0-9]+, failed [1-9]" "$WORK/gdel.err"
}
test_case "generator: its topic deleted under it, then SIGINT: exit 1 with a summary" \
	deleted_topic_generator

# ---- the broker gone ----------------------------------------------------------
private_broker
pktpy() { KT_BROKERS=$PRIVATE_BROKERS ktpy "$@"; }
down_topic=kt-sig-table-$$
pktpy create "$down_topic" 1
start downgen "$KT_BIN/generator" -b "$PRIVATE_BROKERS" -t "$down_topic" --rate 500 \
	--progress --flush-timeout 2s -v >/dev/null 2>"$WORK/downgen.err"
wait_for 30 has "delivered [1-9]" "$WORK/downgen.err" || fail "the generator made no progress"
private_broker_do kill >/dev/null 2>&1
wait_for 60 has "Connection refused" "$WORK/downgen.err" || fail "the outage was not noticed"

broker_down_generator() {
	kill -INT "$(pid_of downgen)"
	# The flush waits --flush-timeout (2 s) for what is in flight.
	ends_within 6 downgen
	say "generator: SIGINT with the broker down: exit after $took_ms ms"
	expect_eq "exit status (events not delivered)" 1 "$rc"
	expect_grep "^generator: [1-9][0-9]* of [0-9]+ messages not delivered \(0 failed, [1-9][0-9]* still in flight after --flush-timeout\)$" \
		"$WORK/downgen.err"
	expect_grep "^generator: produced [0-9]+, delivered [0-9]+, failed 0, elapsed" "$WORK/downgen.err"
}
test_case "generator: SIGINT with the broker down ends it after --flush-timeout, exit 1" \
	broker_down_generator

broker_down_delete_records() {
	start ddel "$KT_BIN/delete-records" -b "$PRIVATE_BROKERS" -t "$down_topic" \
		--before-offset 1 --yes -v >"$WORK/ddel.out" 2>"$WORK/ddel.err"
	wait_for 20 has "Connect to .* failed" "$WORK/ddel.err" || fail "no connection tried"
	kill -INT "$(pid_of ddel)"
	ends_within 3 ddel
	say "delete-records: SIGINT with the broker down: exit after $took_ms ms"
	expect_eq "exit status (128 + SIGINT)" 130 "$rc"
	expect_grep "^delete-records: interrupted while connecting to $PRIVATE_BROKERS$" "$WORK/ddel.err"
}
test_case "delete-records: SIGINT with the broker down ends it at once, nothing sent" \
	broker_down_delete_records
