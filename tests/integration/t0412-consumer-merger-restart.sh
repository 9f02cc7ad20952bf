#!/usr/bin/env bash
# Scale-out (issue 15): the merger commits its own offsets of the partials
# topic after each window it writes (per partition the first offset an open
# window still needs, with the last window written in the commit's
# metadata). A merger killed with SIGKILL mid-run and started again in the
# same group neither loses nor repeats a window: the windows of its two
# runs, put together, are one plain consumer's over the same records
# (scaleout.py compares them, as in t0411).
. "$(dirname "$0")/lib.sh"

T0=1767225600000
PER=${KT_SCALE_PER:-10000} # records per partition: 60,000 in all
scale_backlog 15 "$PER" 11 $T0
input=$(new_topic mrestart-in)
ktpy create "$input" 6
ktpy produce "$input" <"$WORK/data"
settings=(--event-time ts --window 5s --allowed-lateness 2s --group-by cat --stats price
	--distinct seq)

remainder() { # ERRFILE FIELD: late, invalid told after the last window
	sed -n "s/.*after the last window written: \([0-9]*\) late, \([0-9]*\) invalid.*/\1 \2/p" "$1" |
		awk -v f="$2" '{ print $f } END { if (!NR) print 0 }'
}

plain() {
	expect_status 0 "$KT_BIN/consumer" -t "$input" -g "plain-$$" --from-beginning -e \
		"${settings[@]}" --format json
	cp "$WORK/out" "$WORK/plain.json"
	cp "$WORK/err" "$WORK/plain.err"
	[ -s "$WORK/plain.json" ] || fail "the plain consumer wrote no window"
}
test_case "one plain consumer reads the backlog" plain

# Three members read the backlog slowly (2 KB fetches) while a live merger
# writes windows; the merger is killed (SIGKILL) once it has written some,
# wherever it is (stopped first with SIGSTOP, to see how far it got: a
# window written whose commit is not answered yet is the one the README
# says may come twice, and it is allowed to only then). The members finish;
# the merger started again in its group with -e writes the rest.
# kill_midway: one attempt at that (sets parts, group, pids, mpid, written,
# committed); 1 when the merger had written every window before it could be
# stopped (windows come in bursts as the slowest partition catches up, so a
# burst can hold them all): the restart is then not tested, and the caller
# tries again.
kill_midway() {
	local i slow=(-X fetch.max.bytes=1000000 -X max.partition.fetch.bytes=2000)
	group="merger-restart-$$-$RANDOM"
	pids=()
	parts=$(new_topic mrestart-parts)
	ktpy create "$parts" 3
	: >"$WORK/run1.json"
	"$KT_BIN/consumer" --merge "$parts" -g "$group" --merge-timeout 10m --format json -v \
		>"$WORK/run1.json" 2>"$WORK/run1.err" &
	mpid=$!
	at_exit "kill -9 $mpid 2>/dev/null"
	# The merger is in its group before the members start.
	merger_ready() {
		kill -0 "$mpid" 2>/dev/null || { tail -n 5 "$WORK/run1.err" >&2; fail "the merger died"; }
		grep -q "assigned [1-9]" "$WORK/run1.err"
	}
	wait_for 120 merger_ready || fail "the merger was given no partition"
	for i in 1 2 3; do
		"$KT_BIN/consumer" -t "$input" -g "members-mr-$$" --from-beginning -e \
			"${settings[@]}" --partials-to "$parts" "${slow[@]}" \
			>"$WORK/m$i.out" 2>"$WORK/m$i.err" &
		pids+=($!)
		at_exit "kill -9 $! 2>/dev/null"
	done
	# Some windows written: stop the merger, count, kill it.
	some_written() {
		kill -0 "$mpid" 2>/dev/null || { tail -n 5 "$WORK/run1.err" >&2; fail "the merger died"; }
		[ "$(wc -l <"$WORK/run1.json")" -ge 3 ] || return 1
		kill -STOP "$mpid"
		written=$(wc -l <"$WORK/run1.json")
		committed=$(grep -c 'offsets committed' "$WORK/run1.err" || true)
		kill -9 "$mpid"
	}
	wait_for 300 some_written || { tail -n 5 "$WORK/run1.err" >&2; fail "the merger wrote no window"; }
	wait "$mpid" 2>/dev/null || true
	# A line cut by the kill is a window not written.
	[ -z "$(tail -c 1 "$WORK/run1.json")" ] || sed -i '$d' "$WORK/run1.json"
	local running=0
	for i in "${pids[@]}"; do ! kill -0 "$i" 2>/dev/null || running=$((running + 1)); done
	say "merger killed after $written of $total windows ($committed committed), $running member(s) still reading"
	[ "$written" -lt "$total" ] || {
		for i in "${pids[@]}"; do wait "$i" || true; done
		return 1
	}
}

killed_merger() {
	local parts group pids mpid written committed total attempt i
	total=$(wc -l <"$WORK/plain.json")
	for attempt in 1 2 3; do
		! kill_midway || break
		[ "$attempt" -lt 3 ] || fail "the merger wrote every window before it was killed, 3 times"
		say "attempt $attempt: the merger wrote every window before it was stopped; again"
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || { tail -n 5 "$WORK/m$((i + 1)).err" >&2; fail "member $((i + 1)) failed"; }
	done
	expect_status 0 "$KT_BIN/consumer" --merge "$parts" -g "$group" --merge-timeout 10m -e \
		--format json -v
	cp "$WORK/out" "$WORK/run2.json"
	cp "$WORK/err" "$WORK/run2.err"
	expect_grep "resuming after window" "$WORK/run2.err"
	say "restarted merger: $(wc -l <"$WORK/run2.json") windows; $(grep -o 'resuming after window [^ ]*' "$WORK/run2.err")"
	# The window in flight at the kill (written, its commit unanswered)
	# may come again, as the first of the restart; no other.
	local last first
	last=$("$KT_PY" -c 'import json,sys; print(json.loads(sys.stdin.readlines()[-1])["window_start"])' <"$WORK/run1.json")
	first=$("$KT_PY" -c 'import json,sys; print(json.loads(sys.stdin.readline())["window_start"])' <"$WORK/run2.json")
	if [ "$last" = "$first" ]; then
		[ "$written" -gt "$committed" ] || fail "window $last, written and committed, came again"
		say "window $last, in flight at the kill (its commit unanswered), came again"
		sed -i '$d' "$WORK/run1.json"
	fi
	cat "$WORK/run1.json" "$WORK/run2.json" >"$WORK/both.json"
	scaleout compare "$WORK/plain.json" "$WORK/both.json" \
		"$(remainder "$WORK/plain.err" 1)" "$(remainder "$WORK/plain.err" 2)" >"$WORK/cmp" ||
		{ cat "$WORK/cmp" >&2; fail "the two runs' windows differ from the plain consumer's"; }
	say "$(tail -n 1 "$WORK/cmp")"
	expect_eq "windows written in the two runs" "$total" "$(wc -l <"$WORK/both.json")"
	"$KT_PY" - "$WORK/both.json" <<'PY' || fail "a merged window is incomplete or conflicting"
import json, sys
for w in map(json.loads, open(sys.argv[1])):
    if not w["complete"] or w["partitions"] != 6 or w["conflicts"] or w["duplicates"]:
        raise SystemExit(f"window {w['window_start']}: {w['partitions']} partitions, complete "
                         f"{w['complete']}, duplicates {w['duplicates']}, conflicts {w['conflicts']}")
PY
}
test_case "a merger killed (SIGKILL) mid-run and started again: no window lost, none repeated" \
	killed_merger

# The cap on open windows (--max-windows): partials of one of two input
# partitions alone (copied from a member's partials by key) never complete
# a window; an uncapped merger holds them all to the end, one capped at 3
# writes the oldest incomplete as the fourth opens, each counted in
# windows_overflow and said once, with the same figures.
capped() {
	local in2 parts only0 n
	in2=$(new_topic mcap-in)
	parts=$(new_topic mcap-parts)
	only0=$(new_topic mcap-only0)
	ktpy create "$in2" 2
	ktpy create "$parts" 1
	ktpy create "$only0" 1
	"$KT_PY" "$KT_REPO/tests/integration/evmodel.py" dataset 5 2 3000 $T0 5000 2000 >"$WORK/cap-data"
	ktpy produce "$in2" <"$WORK/cap-data"
	expect_status 0 "$KT_BIN/consumer" -t "$in2" -g "mcap-members-$$" --from-beginning -e \
		"${settings[@]}" --partials-to "$parts"
	n=$(ktpy copy "$parts" "$only0" "/0\$")
	say "$n partials of partition 0 copied"
	expect_status 0 "$KT_BIN/consumer" --merge "$only0" -g "mcap-all-$$" -e --format json
	cp "$WORK/out" "$WORK/uncapped.json"
	expect_status 0 "$KT_BIN/consumer" --merge "$only0" -g "mcap-3-$$" -e --format json \
		--max-windows 3
	cp "$WORK/out" "$WORK/capped.json"
	expect_eq "warnings about the cap" 1 "$(grep -c 'more than 3 windows open (--max-windows)' "$WORK/err")"
	scaleout compare "$WORK/uncapped.json" "$WORK/capped.json" 0 0 >"$WORK/cap.cmp" ||
		{ cat "$WORK/cap.cmp" >&2; fail "capped windows differ from uncapped ones"; }
	"$KT_PY" - "$WORK/uncapped.json" "$WORK/capped.json" "$in2" <<'PY' || fail "windows_overflow is not what the cap implies"
import json, sys
un = [json.loads(l) for l in open(sys.argv[1])]
cap = [json.loads(l) for l in open(sys.argv[2])]
n = len(un)
if n < 6:
    raise SystemExit(f"only {n} windows")
for w in un + cap:
    if w["complete"] or w["missing_partitions"] != [f"{sys.argv[3]}/1"]:
        raise SystemExit(f"window {w['window_start']}: complete {w['complete']}, missing {w['missing_partitions']}")
if any(w["windows_overflow"] for w in un):
    raise SystemExit("uncapped merger counted an overflow")
want = [min(i + 1, n - 3) for i in range(n)]
got = [w["windows_overflow"] for w in cap]
if got != want:
    raise SystemExit(f"windows_overflow {got}, expected {want}")
print(n, "windows;", n - 3, "written early")
PY
	say "$(tail -n 1 "$WORK/cap.cmp")"

	# Then partition 1's partials, after all of partition 0's: those of
	# the windows written early come late (the records those windows
	# lack: late_partials, not duplicates); the three open ones complete.
	local both
	both=$(new_topic mcap-both)
	ktpy create "$both" 1
	ktpy copy "$parts" "$both" "/0\$" >/dev/null
	ktpy copy "$parts" "$both" "/1\$" >/dev/null
	expect_status 0 "$KT_BIN/consumer" --merge "$both" -g "mcap-late-$$" -e --format json \
		--max-windows 3
	"$KT_PY" - "$WORK/uncapped.json" "$WORK/out" <<'PY' || fail "late partials are not counted as such"
import json, sys
n = sum(1 for _ in open(sys.argv[1]))
got = [json.loads(l) for l in open(sys.argv[2])]
complete = [w["complete"] for w in got]
if complete != [False] * (n - 3) + [True] * 3:
    raise SystemExit(f"complete: {complete}, expected {n - 3} early then 3 complete")
late = sum(w["late_partials"] for w in got)
dup = sum(w["duplicates"] for w in got)
if late != n - 3 or dup:
    raise SystemExit(f"late_partials {late}, duplicates {dup}: expected {n - 3} and 0")
print(f"{late} late partials, 0 duplicates")
PY
}
test_case "a merger capped at 3 open windows writes the oldest early, counted; later partials for them counted late" capped
