#!/usr/bin/env bash
# make demo, as a newcomer runs it (10 s here): windows with records on
# screen, and nothing it started left running afterwards.
. "$(dirname "$0")/lib.sh"

topic="kt-demo-$$"
at_exit ktpy delete "$topic"
demo() {
	# The demo uses the broker on KAFKA_PORT when one answers (this suite's).
	DEMO_SECONDS=10 DEMO_TOPIC=$topic KAFKA_PORT=${KT_BROKERS##*:} \
		make -s -C "$KT_REPO" demo >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/err"; fail "make demo failed"; }
	expect_grep "^window .* \.\. " "$WORK/out"
	expect_grep "^records [1-9][0-9]* \|" "$WORK/out"
	expect_grep "^category +count +price.mean" "$WORK/out"
	expect_grep "generator: produced [1-9][0-9]*, delivered [1-9][0-9]*, failed 0" "$WORK/out"
	if pgrep -f -- "-t $topic" >/dev/null; then
		pgrep -af -- "-t $topic" >&2
		fail "the demo left processes behind"
	fi
}
test_case "make demo: windows with records on screen, nothing left running" demo
