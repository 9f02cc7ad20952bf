#!/usr/bin/env bash
# Scale-out (issue 15): partitions with no records. A member whose
# partitions are all empty has no window to seal; once they are idle it
# tells the merger they hold nothing through now - the lateness (a through
# marker, processing time standing in for their event time), so the merger
# completes windows without waiting for --merge-timeout. And with -e, a
# partition that never had a record ends with an end marker.
. "$(dirname "$0")/lib.sh"

# paced N RATE: N records at RATE/s to partitions 0 and 1 in turn, event
# time "ts" the wall clock, as ktpy produce lines; each record's ts also
# goes to $WORK/sent (the oracle).
paced() {
	"$KT_PY" - "$1" "$2" "$WORK/sent" <<'PY'
import json, sys, time
n, rate, sent = int(sys.argv[1]), float(sys.argv[2]), open(sys.argv[3], "w")
t0 = time.time()
for i in range(n):
    delay = t0 + i / rate - time.time()
    if delay > 0:
        time.sleep(delay)
    ts = int(time.time() * 1000)
    print(json.dumps({"p": i % 2, "v": json.dumps({"ts": ts, "seq": i, "cat": "abc"[i % 3]})}),
          flush=True)
    sent.write(f"{ts}\n")
    sent.flush()
PY
}

# The merger's windows in $WORK/merged.json (so far) against
# $WORK/expect ("start count" lines): with "wait", only whether every
# window is there.
check() { # [wait]
	"$KT_PY" - "$WORK/merged.json" "$WORK/expect" "${1:-}" <<'PY'
import json, sys
from datetime import datetime
def ms(s):
    return int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000)
got = {}
for line in open(sys.argv[1]):
    if not line.endswith("\n"):
        break  # being written
    w = json.loads(line)
    got[ms(w["window_start"])] = w
want = {int(a): int(b) for a, b in (l.split() for l in open(sys.argv[2]))}
if sys.argv[3] == "wait":
    sys.exit(0 if set(want) <= set(got) else 1)
bad = 0
for start, n in sorted(want.items()):
    w = got.get(start)
    if w is None or w["records"] != n or not w["complete"] or w["partitions"] != 4 \
            or w["missing_partitions"] or w["conflicts"]:
        bad += 1
        print(f"window {start}: sent {n}, merged "
              f"{w and (w['records'], w['complete'], w['partitions'], w['missing_partitions'])}")
extra = [s for s in got if s not in want and got[s]["records"]]
print(f"{len(want)} windows, {sum(want.values())} records: {bad} wrong, {len(extra)} extra")
sys.exit(1 if bad or extra else 0)
PY
}

# Two members over four partitions (range: one takes 0-1, the other 2-3,
# never given a record), a merger, a paced stream of 1,500 records over
# about 6 s into partitions 0 and 1: every window comes out complete (4
# partitions) long before --merge-timeout, its count what was sent in it.
live_empty() {
	local input parts i mpid pids=()
	input=$(new_topic empty-in)
	parts=$(new_topic empty-parts)
	ktpy create "$input" 4
	ktpy create "$parts" 2
	for i in 1 2; do
		"$KT_BIN/consumer" -t "$input" -g "members-$$" --from-beginning --event-time ts --window 1s \
			--allowed-lateness 500ms --group-by cat --partials-to "$parts" -v \
			>"$WORK/m$i.out" 2>"$WORK/m$i.err" &
		pids+=($!)
		at_exit "kill -9 $! 2>/dev/null"
	done
	"$KT_BIN/consumer" --merge "$parts" -g "merger-$$" --merge-timeout 120s --format json \
		>"$WORK/merged.json" 2>"$WORK/merger.err" &
	mpid=$!
	at_exit "kill -9 $mpid 2>/dev/null"
	held() { [ "$(cat "$WORK"/m*.err | grep -Eo 'assigned 2 partition' | wc -l)" = 2 ]; }
	wait_for 60 held || fail "the members were not given two partitions each"
	paced 1500 250 | ktpy produce "$input"
	# Every window a record was sent in, written complete.
	"$KT_PY" -c '
import collections, sys
n = collections.Counter(int(l) // 1000 * 1000 for l in open(sys.argv[1]))
for s in sorted(n):
    print(s, n[s])' "$WORK/sent" >"$WORK/expect"
	wait_for 60 check wait || { cat "$WORK/merged.json" >&2; fail "the merger did not write every window within 60 s"; }
	kill "$mpid"
	wait "$mpid" || true
	for i in "${pids[@]}"; do kill "$i"; done
	check >"$WORK/check" || { cat "$WORK/check" >&2; fail "merged windows differ from what was sent"; }
	say "$(tail -n 1 "$WORK/check")"
}
test_case "a member holding only empty partitions: windows complete without waiting" live_empty

# With -e over a backlog: two members, partitions 2 and 3 never had a
# record; they end with an end marker, every window is complete.
backlog_empty() {
	local input parts i pids=()
	input=$(new_topic empty-bl-in)
	parts=$(new_topic empty-bl-parts)
	ktpy create "$input" 4
	ktpy create "$parts" 1
	"$KT_PY" -c '
import json
for i in range(900):
    print(json.dumps({"p": i % 2, "v": json.dumps({"ts": 1767225600000 + 10 * i, "cat": "ab"[i % 2]})}))' |
		tee "$WORK/bl-data" | ktpy produce "$input"
	"$KT_PY" -c '
import collections, json, sys
n = collections.Counter(json.loads(json.loads(l)["v"])["ts"] // 1000 * 1000 for l in open(sys.argv[1]))
for s in sorted(n):
    print(s, n[s])' "$WORK/bl-data" >"$WORK/expect"
	for i in 1 2; do
		"$KT_BIN/consumer" -t "$input" -g "bl-members-$$" --from-beginning -e --event-time ts \
			--window 1s --group-by cat --partials-to "$parts" >"$WORK/bl-m$i.out" 2>"$WORK/bl-m$i.err" &
		pids+=($!)
		at_exit "kill -9 $! 2>/dev/null"
	done
	for i in "${pids[@]}"; do wait "$i" || fail "a member failed"; done
	expect_status 0 "$KT_BIN/consumer" --merge "$parts" -g "bl-merger-$$" -e --format json
	cp "$WORK/out" "$WORK/merged.json"
	check >"$WORK/check" || { cat "$WORK/check" >&2; fail "merged windows differ from what was produced"; }
	say "$(tail -n 1 "$WORK/check")"
}
test_case "with -e, partitions that never had a record end: every window complete" backlog_empty
