#!/usr/bin/env bash
# --rate 500 --duration 4s produces 2000 events within 2 %.
. "$(dirname "$0")/lib.sh"

topic=$(new_topic gen-rate)
ktpy create "$topic" 1

rate() {
	expect_status 0 "$KT_BIN/generator" -t "$topic" --rate 500 --duration 4s
	local n
	n=$(ktpy dump "$topic" | wc -l)
	[ "$n" -ge 1960 ] && [ "$n" -le 2040 ] || fail "expected 2000 +- 2%, got $n"
	say "$n events"
}
test_case "generator: --rate 500 --duration 4s produces 2000 events within 2 %" rate
