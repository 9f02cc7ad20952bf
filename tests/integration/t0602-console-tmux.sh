#!/usr/bin/env bash
# The consumer as a person sees it: in a terminal (tmux), while the
# generator runs, the screen shows the latest window's table with a non-zero
# count, redrawn in place, and a sparkline of records per window.
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null || fail "tmux is missing (scripts/setup.sh installs it)"
topic=$(new_topic console)
ktpy create "$topic" 2
session="kt-console-$$"
# A tmux server of our own per screen (-L): a new session started right
# after the last one was killed can reach the old server while it exits
# ("server exited unexpectedly").
sock="kt-console-$$"
tmux() { command tmux -L "$sock" "$@"; }
at_exit "command tmux -L kt-console-$$ kill-server; command tmux -L kt-console2-$$ kill-server"
"$KT_BIN/generator" -t "$topic" --rate 500 --duration 60s -q >/dev/null 2>&1 &
at_exit "kill -9 $!"

screen_has_counts() {
	tmux capture-pane -p -t "$session" >"$WORK/screen" 2>/dev/null &&
		grep -Eq "^records [1-9]" "$WORK/screen" && grep -Eq "^electronics +[1-9]" "$WORK/screen"
}
colour() {
	tmux new-session -d -s "$session" -x 220 -y 40 \
		"KAFKA_BOOTSTRAP_SERVERS=$KT_BROKERS '$KT_BIN/consumer' -t '$topic' -g 'tmux-$$' --window 1s --group-by category --stats price; sleep 30"
	wait_for 30 screen_has_counts || { cat "$WORK/screen" >&2; fail "no window with records on screen"; }
	expect_grep "^category +count +price.mean" "$WORK/screen"
	expect_grep "^records/window " "$WORK/screen"
	# Redrawn in place: one window on screen, not a scrolling list.
	expect_eq "windows on screen" 1 "$(grep -c '^window ' "$WORK/screen")"
	# Colour on a terminal, and none with NO_COLOR.
	tmux capture-pane -p -e -t "$session" >"$WORK/screen-esc"
	grep -q $'\033\[1m' "$WORK/screen-esc" || fail "no colour on a terminal"
	tmux send-keys -t "$session" C-c
	tmux kill-server
}
test_case "consumer: on a terminal, one window's table redrawn in place, with counts, a sparkline and colour" colour

no_color() {
	sock="kt-console2-$$"
	tmux new-session -d -s "$session" -x 220 -y 40 \
		"NO_COLOR=1 KAFKA_BOOTSTRAP_SERVERS=$KT_BROKERS '$KT_BIN/consumer' -t '$topic' -g 'tmux2-$$' --window 1s --group-by category; sleep 30"
	wait_for 30 screen_has_counts || fail "no window with NO_COLOR"
	tmux capture-pane -p -e -t "$session" >"$WORK/screen-esc"
	if grep -q $'\033\[1m' "$WORK/screen-esc"; then fail "colour despite NO_COLOR"; fi
}
test_case "consumer: NO_COLOR: no colour on a terminal" no_color
