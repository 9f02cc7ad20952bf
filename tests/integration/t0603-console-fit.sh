#!/usr/bin/env bash
# The table fits the screen (issue 17, items 1-3). README's example in tmux
# at 80x24 and 120x40: no line of the pane wrapped (captured with -J, which
# joins what the terminal wrapped, so a wrapped line is wider than the
# pane), the window line on screen; a resize redraws the same window laid
# out for the new size at once. Piped with COLUMNS=60, every line fits 60.
# Keys with control characters print escaped on the terminal; CJK and
# combining keys keep the count column aligned. Widths are measured by
# Python's unicodedata (East Asian Width W/F: 2, combining marks: 0).
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null || fail "tmux is missing (scripts/setup.sh installs it)"

cat >"$WORK/width.py" <<'PY'
"""width.py LIMIT FILE: exit 1 naming the first line wider than LIMIT
display columns; `width.py cols FILE PATTERN`: the display column where
each line matching PATTERN ends its count (the number after the key)."""
import re, sys, unicodedata

def width(s):
    return sum(0 if unicodedata.combining(c) or unicodedata.category(c) in ("Mn", "Me", "Cf")
               else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)

lines = [l.rstrip("\n") for l in open(sys.argv[2], encoding="utf-8")]
if sys.argv[1] == "cols":
    for l in lines:
        m = re.match(sys.argv[3], l)
        if m:
            print(width(l[:m.end()]))
    sys.exit(0)
limit = int(sys.argv[1])
for l in lines:
    if width(l.rstrip()) > limit:
        sys.exit(f"{width(l.rstrip())} columns, more than {limit}: {l!r}")
PY
fits() { # WIDTH FILE
	python3 "$WORK/width.py" "$1" "$2" || { cat "$2" >&2; fail "a line wider than $1 columns"; }
}

# A tmux server of its own per case (-L; see t0602): a session started
# right after the last one was killed can reach the old server as it exits.
tmux() { command tmux -L "kt-fit-$$-$_cases" "$@"; }
session=fit

topic=$(new_topic fit)
ktpy create "$topic" 3
"$KT_BIN/generator" -t "$topic" --rate 2000 --duration 120s -q >/dev/null 2>&1 &
at_exit "kill -9 $!"

pane() { # FILE: the pane's text, wrapped lines joined
	tmux capture-pane -p -J -t "$session" >"$1" 2>/dev/null
}
has_table() { # FILE
	pane "$1" && grep -Eq "^records [1-9]" "$1" && grep -Eq "^electronics +[1-9]" "$1"
}
# The window line: one, at the top of the screen.
window_on_top() { # FILE
	expect_eq "windows on screen" 1 "$(grep -c '^window ' "$1")"
	head -n 1 "$1" | grep -q '^window ' || { cat "$1" >&2; fail "the window line is not on top"; }
}

new_screen() {
	at_exit "command tmux -L kt-fit-$$-$_cases kill-server"
	tmux new-session "$@"
}
readme_example() { # COLUMNS LINES WINDOW
	new_screen -d -s "$session" -x "$1" -y "$2" \
		"KAFKA_BOOTSTRAP_SERVERS=$KT_BROKERS '$KT_BIN/consumer' -t '$topic' -g 'fit-$$-$1' --window $3 --group-by category --stats price,quantity --top 5 -q; sleep 60"
	wait_for 40 has_table "$WORK/screen" || { cat "$WORK/screen" >&2; fail "no window with records on screen"; }
}

at_80x24() {
	readme_example 80 24 2s
	fits 80 "$WORK/screen"
	window_on_top "$WORK/screen"
	expect_grep "^records/window " "$WORK/screen"
	expect_grep "^category +count +price.mean +price.p50 " "$WORK/screen"
	expect_grep "^hidden \([0-9]+\): .*price.p99" "$WORK/screen"
	tmux kill-server
}
test_case "consumer: README's example at 80x24: no wrapped line, window, health, sparkline and header on screen, hidden columns named" at_80x24

at_120x40() {
	readme_example 120 40 2s
	fits 120 "$WORK/screen"
	window_on_top "$WORK/screen"
	expect_grep "^category +count +price.mean +price.min +price.p50 +price.p99 " "$WORK/screen"
	tmux kill-server
}
test_case "consumer: README's example at 120x40: no wrapped line, more columns" at_120x40

# Within 3 s, with 20 s windows: the same window drawn again for the new
# size, its header as HEADER says.
resized_to() { # COLUMNS FILE HEADER
	pane "$2" && [ "$(head -n 1 "$2")" = "$(head -n 1 "$WORK/before")" ] &&
		grep -Eq "$3" "$2" && python3 "$WORK/width.py" "$1" "$2" 2>/dev/null
}
resize() {
	readme_example 120 40 20s
	cp "$WORK/screen" "$WORK/before"
	expect_grep "^category.*price.p99" "$WORK/before"
	tmux resize-window -t "$session" -x 60 -y 16
	wait_for 3 resized_to 60 "$WORK/after" "^category +count +price.mean +price.p50 +[a-z.]+\$" ||
		{ cat "$WORK/after" >&2; fail "no redraw at 60x16"; }
	window_on_top "$WORK/after"
	[ "$(wc -l <"$WORK/after")" -le 16 ] || fail "more lines than the pane"
	expect_grep "^hidden \([0-9]+\): .*price.p99" "$WORK/after"
	expect_grep "^records/window " "$WORK/after"
	tmux resize-window -t "$session" -x 100 -y 30
	wait_for 3 resized_to 100 "$WORK/again" "^category +count +price.mean +price.p50 +price.p99 +quantity.mean " ||
		{ cat "$WORK/again" >&2; fail "no redraw at 100x30"; }
	tmux kill-server
}
test_case "consumer: a resize (SIGWINCH) redraws the same window at once, fitted to the new size" resize

piped() {
	COLUMNS=60 timeout 60 "$KT_BIN/consumer" -t "$topic" -g "fit-piped-$$" --from-beginning -e \
		--window 2s --group-by category --stats price,quantity --top 5 -q >"$WORK/piped"
	expect_grep "^category +count +price.mean" "$WORK/piped"
	expect_grep "^hidden " "$WORK/piped"
	fits 60 "$WORK/piped"
	# Without COLUMNS (and not a terminal): no limit, every column.
	env -u COLUMNS timeout 60 "$KT_BIN/consumer" -t "$topic" -g "fit-piped2-$$" --from-beginning -e \
		--window 2s --group-by category --stats price,quantity --top 5 -q >"$WORK/wide"
	expect_grep "quantity.p95 +quantity.p99$" "$WORK/wide"
	if grep -q "^hidden " "$WORK/wide"; then fail "columns hidden without a limit"; fi
}
test_case "consumer: piped with COLUMNS=60, every line fits 60; without COLUMNS, nothing hidden" piped

# Keys from the data: controls escaped (nothing recoloured, no row split),
# CJK (2 columns a character) and combining marks (0) aligned.
keys=$(new_topic fit-keys)
ktpy create "$keys" 1
python3 - >"$WORK/keys.records" <<'PY'
import json
keys = ["r\x1b[31mR", "two\nlines", "csi\u009b2J", "日本語の本", "cafe\u0301", "books"]
for i, k in enumerate(keys):
    for _ in range(len(keys) - i):
        print(json.dumps({"v": json.dumps({"category": k, "price": 1})}))
PY
ktpy produce "$keys" <"$WORK/keys.records"
has_keys() { pane "$1" && grep -q "^books " "$1"; }
keys_on_screen() {
	new_screen -d -s "$session" -x 80 -y 24 \
		"KAFKA_BOOTSTRAP_SERVERS=$KT_BROKERS '$KT_BIN/consumer' -t '$keys' -g 'fit-keys-$$' --from-beginning -e --window 1h --group-by category -q; sleep 60"
	wait_for 30 has_keys "$WORK/keys" || { cat "$WORK/keys" >&2; fail "no table of the keys"; }
	fits 80 "$WORK/keys"
	expect_grep '^"r\\u001b\[31mR" +6 ' "$WORK/keys"
	expect_grep '^"two\\nlines" +5 ' "$WORK/keys"
	expect_grep '^"csi\\u009b2J" +4 ' "$WORK/keys"
	# Nothing recoloured: the pane's attributes hold no red.
	tmux capture-pane -p -e -t "$session" >"$WORK/keys-esc"
	if grep -q $'\033\[31m' "$WORK/keys-esc"; then fail "a key recoloured the terminal"; fi
	# Counts end in one column whatever the keys' characters.
	python3 "$WORK/width.py" cols "$WORK/keys" '^("|日|cafe|books).*? +[0-9]+' >"$WORK/cols"
	expect_eq "rows" 6 "$(wc -l <"$WORK/cols")"
	expect_eq "count columns" 1 "$(sort -u "$WORK/cols" | wc -l)"
	tmux kill-server
}
test_case "consumer: keys with ESC, newline and C1 print escaped on a terminal; CJK and combining keys stay aligned" keys_on_screen
