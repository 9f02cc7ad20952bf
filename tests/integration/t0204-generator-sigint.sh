#!/usr/bin/env bash
# SIGINT mid-run: the generator stops, flushes, exits 0 with delivered ==
# produced, and the topic holds exactly what it reports.
. "$(dirname "$0")/lib.sh"

topic=$(new_topic gen-sigint)
ktpy create "$topic" 2

sigint() {
	"$KT_BIN/generator" -t "$topic" --rate 2000 --progress >"$WORK/out" 2>"$WORK/err" &
	local pid=$! rc=0 line produced delivered
	at_exit "kill -9 $pid"
	# Wait until it has really produced (its progress line), then interrupt.
	wait_for 30 grep -q "delivered [1-9]" "$WORK/err" || fail "no progress"
	kill -INT $pid
	wait $pid || rc=$?
	expect_eq "exit status" 0 "$rc"
	line=$(grep -E "^generator: produced [0-9]+, delivered" "$WORK/err" | tail -n 1)
	produced=$(sed -E 's/.*produced ([0-9]+),.*/\1/' <<<"$line")
	delivered=$(sed -E 's/.*delivered ([0-9]+),.*/\1/' <<<"$line")
	expect_eq "delivered == produced" "$produced" "$delivered"
	expect_eq "records in topic" "$produced" "$(ktpy dump "$topic" | wc -l)"
	say "$produced events"
}
test_case "generator: SIGINT mid-run flushes, exits 0, the topic holds what it reports" sigint
