#!/usr/bin/env bash
# Scale-out (issue 15): members of one group send per-(window, partition)
# partials to a topic (--partials-to), a merger (--merge) writes each window
# once every input partition has sealed it. On a seeded backlog of six
# partitions (disorder within and beyond the lateness, invalid records) the
# merged windows of three members equal one plain consumer's: every figure
# identical, sums, means and stddevs too (exact sums: the comparison is
# scaleout.py's, reading both JSON outputs). Then
# refusals: a processing-time member, a missing partials topic, partials of
# different settings.
. "$(dirname "$0")/lib.sh"

T0=1767225600000
PER=${KT_SCALE_PER:-34000} # records per partition: 204,000 in all
scale_backlog 15 "$PER" 7 $T0
input=$(new_topic scale-in)
ktpy create "$input" 6
ktpy produce "$input" <"$WORK/data"
settings=(--event-time ts --window 5s --allowed-lateness 2s --group-by cat --stats price
	--distinct seq)

# The remainder a consumer tells on exit (late, invalid after the last window).
remainder() { # ERRFILE FIELD
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

scale_out() { # NAME MEMBERS
	local name=$1 n=$2 parts pids=() i
	parts=$(new_topic "scale-$name")
	ktpy create "$parts" 3
	for i in $(seq "$n"); do
		"$KT_BIN/consumer" -t "$input" -g "members-$name-$$" --from-beginning -e \
			"${settings[@]}" --partials-to "$parts" -v \
			>"$WORK/$name-m$i.out" 2>"$WORK/$name-m$i.err" &
		pids+=($!)
		at_exit "kill -9 $! 2>/dev/null"
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || { cat "$WORK/$name-m$((i + 1)).err" >&2; fail "member $((i + 1)) failed"; }
	done
	for i in $(seq "$n"); do
		say "$name member $i: $(grep -Eo '[0-9]+ records read' "$WORK/$name-m$i.err" || echo '0 records read')"
	done
	expect_status 0 "$KT_BIN/consumer" --merge "$parts" -g "merger-$name-$$" -e --format json
	cp "$WORK/out" "$WORK/$name.json"
	cp "$WORK/err" "$WORK/$name.err"
	scaleout compare "$WORK/plain.json" "$WORK/$name.json" \
		"$(remainder "$WORK/plain.err" 1)" "$(remainder "$WORK/plain.err" 2)" >"$WORK/$name.cmp" ||
		{ cat "$WORK/$name.cmp" >&2; fail "merged windows differ from the plain consumer's"; }
	say "$(tail -n 1 "$WORK/$name.cmp")"
	# Every window complete, from all six partitions, no conflict.
	"$KT_PY" - "$WORK/$name.json" <<'PY' || fail "a merged window is incomplete or conflicting"
import json, sys
for w in map(json.loads, open(sys.argv[1])):
    if not w["complete"] or w["partitions"] != 6 or w["conflicts"] or w["missing_partitions"]:
        raise SystemExit(f"window {w['window_start']}: {w['partitions']} partitions, "
                         f"complete {w['complete']}, conflicts {w['conflicts']}")
PY
}
test_case "one member and a merger: the plain consumer's figures" scale_out one 1
test_case "three members and a merger: the plain consumer's figures" scale_out three 3

# The partials records in topic $1 so far.
partials_count() {
	ktpy watermarks "$1" | awk '{ n += $3 - $2 } END { print n + 0 }'
}

# Three static members (--instance-id) reading slowly (small fetches);
# the first one given partitions is killed with SIGKILL as it starts on
# them, then started again under its ID: it takes its partitions back and resumes from its
# last commit with the state the commit's metadata holds. The merged
# windows are still the plain consumer's, with no conflict.
scale_out_kill() {
	local parts pids=() i slow=(-X fetch.max.bytes=1000000 -X max.partition.fetch.bytes=4000)
	parts=$(new_topic scale-kill)
	ktpy create "$parts" 3
	member() { # N
		"$KT_BIN/consumer" -t "$input" -g "members-kill-$$" --instance-id "m$1-$$" \
			--from-beginning -e "${settings[@]}" --partials-to "$parts" -v "${slow[@]}" \
			>>"$WORK/kill-m$1.out" 2>>"$WORK/kill-m$1.err" &
		pids[$1]=$!
		at_exit "kill -9 $! 2>/dev/null"
	}
	for i in 1 2 3; do member "$i"; done
	# The first member given partitions is killed as it starts on them.
	local k=
	assigned() {
		for i in 1 2 3; do
			if grep -Eq "assigned [1-9]" "$WORK/kill-m$i.err" 2>/dev/null; then
				k=$i
				return 0
			fi
		done
		return 1
	}
	wait_for 120 assigned || fail "no member was given partitions"
	kill -9 "${pids[$k]}"
	wait "${pids[$k]}" 2>/dev/null || true
	say "member $k killed at $(partials_count "$parts") partials; started again"
	member "$k"
	for i in 1 2 3; do
		wait "${pids[$i]}" || { tail -n 5 "$WORK/kill-m$i.err" >&2; fail "member $i failed"; }
	done
	say "member $k: $(grep -c resuming "$WORK/kill-m$k.err") partition(s) resumed from a commit's state"
	expect_status 0 "$KT_BIN/consumer" --merge "$parts" -g "merger-kill-$$" -e --format json
	cp "$WORK/out" "$WORK/kill.json"
	scaleout compare "$WORK/plain.json" "$WORK/kill.json" \
		"$(remainder "$WORK/plain.err" 1)" "$(remainder "$WORK/plain.err" 2)" >"$WORK/kill.cmp" ||
		{ cat "$WORK/kill.cmp" >&2; fail "merged windows differ from the plain consumer's"; }
	"$KT_PY" - "$WORK/kill.json" <<'PY' || fail "a merged window is incomplete or conflicting"
import json, sys
dup = 0
for w in map(json.loads, open(sys.argv[1])):
    dup += w["duplicates"]
    if not w["complete"] or w["partitions"] != 6 or w["conflicts"]:
        raise SystemExit(f"window {w['window_start']}: {w['partitions']} partitions, "
                         f"complete {w['complete']}, conflicts {w['conflicts']}")
print("duplicates", dup)
PY
	say "$(tail -n 1 "$WORK/kill.cmp")"
}
test_case "a member killed (SIGKILL) mid-run and started again: the same figures, no conflict" \
	scale_out_kill

refusals() {
	local parts
	parts=$(new_topic scale-refuse)
	ktpy create "$parts" 1
	expect_status 2 "$KT_BIN/consumer" -t "$input" --partials-to "$parts" -e
	expect_grep "needs '--event-time'" "$WORK/err"
	[ "$(wc -l <"$WORK/err")" = 1 ] || fail "more than one line for a processing-time member"
	expect_status 2 "$KT_BIN/consumer" --merge "$parts" --group-by cat
	expect_grep "takes its settings from the partials" "$WORK/err"
	expect_status 2 "$KT_BIN/consumer" -t "$input" "${settings[@]}" --partials-to "kt-none-$$" -e
	expect_grep "partials topic 'kt-none-$$' does not exist" "$WORK/err"
	expect_status 2 "$KT_BIN/consumer" --merge "kt-none-$$" -e
	expect_grep "partials topic 'kt-none-$$' does not exist" "$WORK/err"
}
test_case "refused: a processing-time member, --merge with settings, a missing partials topic" refusals

mismatch() {
	local parts
	parts=$(new_topic scale-mismatch)
	ktpy create "$parts" 1
	expect_status 0 "$KT_BIN/consumer" -t "$input" -g "mm-a-$$" --from-beginning -e \
		"${settings[@]}" --partials-to "$parts"
	expect_status 0 "$KT_BIN/consumer" -t "$input" -g "mm-b-$$" --from-beginning -e \
		--event-time ts --window 10s --group-by cat --stats price --distinct seq \
		--partials-to "$parts"
	expect_status 2 "$KT_BIN/consumer" --merge "$parts" -g "mm-merger-$$" -e --format json
	expect_grep "setting 'window' is '10000' there, '5000' in the first partials" "$WORK/err"
}
test_case "partials of other settings are refused, naming the setting" mismatch
