#!/usr/bin/env bash
# Processing-time windows are aligned to the clock and emitted at their
# end even when empty; SIGTERM writes the open window and exits 0.
. "$(dirname "$0")/lib.sh"

topic=$(new_topic con-proc)
ktpy create "$topic" 1
windows() {
	"$KT_BIN/consumer" -t "$topic" -g "proc-$$" --window 1s --format json >"$WORK/out" 2>"$WORK/err" &
	pid=$!
	at_exit "kill -9 $pid"
	three_windows() { [ "$(wc -l <"$WORK/out")" -ge 3 ]; }
	wait_for 30 three_windows || fail "fewer than 3 windows in 30 s"
	kill -TERM $pid
	wait $pid || fail "consumer exit status $?"
	python3 - "$WORK/out" <<'PY'
import json, sys
from datetime import datetime, timezone
def ms(iso):
    return round(datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ")
                 .replace(tzinfo=timezone.utc).timestamp() * 1000)
ws = [json.loads(l) for l in open(sys.argv[1])]
assert len(ws) >= 3
for a, b in zip(ws, ws[1:]):
    assert ms(a["window_end"]) == ms(b["window_start"]), (a, b)
for w in ws:
    assert ms(w["window_start"]) % 1000 == 0
    assert ms(w["window_end"]) - ms(w["window_start"]) == 1000
    assert w["records"] == 0 and w["groups"] == []
PY
}
test_case "consumer: processing-time windows aligned to the clock, written empty, SIGTERM exits 0" windows

bad_regex() {
	# Bad input: a bad regex is refused with PCRE2's message, exit 2.
	expect_status 2 "$KT_BIN/consumer" -t "$topic" --filter 'name~a(b'
	expect_grep "missing closing parenthesis at offset 3" "$WORK/err"
}
test_case "consumer: a bad --filter regex exits 2 with PCRE2's message" bad_regex
