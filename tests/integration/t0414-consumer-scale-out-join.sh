#!/usr/bin/env bash
# Scale-out (issue 15): a member joining mid-run. Two members of one group
# read a seeded backlog slowly (small fetches); a third joins once partials
# are out, and the group rebalances (eager: every member gives its
# partitions up, unsealed windows are replayed from the commits by the new
# owners). The merged windows still equal one plain consumer's (compared by
# scaleout.py), every window complete, no conflict.
. "$(dirname "$0")/lib.sh"

T0=1767225600000
PER=${KT_SCALE_PER:-12000} # records per partition: 72,000 in all
scale_backlog 21 "$PER" 5 $T0
input=$(new_topic join-in)
ktpy create "$input" 6
# Small record batches (8 records), read one batch per partition per fetch,
# each fetch held by the broker for fetch.wait.max.ms (fetch.min.bytes is
# never reached): about 2,400 records/s for a member of three partitions,
# long enough over the backlog for a third to join.
printf 'batch.num.messages=8\n' >"$WORK/small-batches.properties"
KT_PY_CONF=$WORK/small-batches.properties ktpy produce "$input" <"$WORK/data"
settings=(--event-time ts --window 5s --allowed-lateness 2s --group-by cat --stats price
	--distinct seq)
slow=(-X max.partition.fetch.bytes=1 -X fetch.min.bytes=1000000 -X fetch.wait.max.ms=10)

remainder() { # ERRFILE FIELD: what a consumer tells on exit (late, invalid)
	sed -n "s/.*after the last window written: \([0-9]*\) late, \([0-9]*\) invalid.*/\1 \2/p" "$1" |
		awk -v f="$2" '{ print $f } END { if (!NR) print 0 }'
}
partials_count() { ktpy watermarks "$1" | awk '{ n += $3 - $2 } END { print n + 0 }'; }

plain() {
	expect_status 0 "$KT_BIN/consumer" -t "$input" -g "plain-$$" --from-beginning -e \
		"${settings[@]}" --format json
	cp "$WORK/out" "$WORK/plain.json"
	cp "$WORK/err" "$WORK/plain.err"
	[ -s "$WORK/plain.json" ] || fail "the plain consumer wrote no window"
}
test_case "one plain consumer reads the backlog" plain

# merged NAME PARTS: merge PARTS with -e, compare with the plain consumer's
# windows; every window complete from six partitions, no conflict.
merged() {
	local name=$1 parts=$2
	expect_status 0 "$KT_BIN/consumer" --merge "$parts" -g "merger-$name-$$" -e --format json
	cp "$WORK/out" "$WORK/$name.json"
	scaleout compare "$WORK/plain.json" "$WORK/$name.json" \
		"$(remainder "$WORK/plain.err" 1)" "$(remainder "$WORK/plain.err" 2)" >"$WORK/$name.cmp" ||
		{ cat "$WORK/$name.cmp" >&2; fail "merged windows differ from the plain consumer's"; }
	"$KT_PY" - "$WORK/$name.json" <<'PY' >"$WORK/$name.health" || fail "a merged window is incomplete or conflicting"
import json, sys
dup = 0
for w in map(json.loads, open(sys.argv[1])):
    dup += w["duplicates"]
    if not w["complete"] or w["partitions"] != 6 or w["conflicts"] or w["missing_partitions"]:
        raise SystemExit(f"window {w['window_start']}: {w['partitions']} partitions, "
                         f"complete {w['complete']}, conflicts {w['conflicts']}")
print(f"duplicates {dup}, conflicts 0")
PY
	say "$name: $(tail -n 1 "$WORK/$name.cmp"); $(cat "$WORK/$name.health")"
}

# join NAME STRATEGY: two members, then a third once 10 partials are out.
join() {
	local name=$1 strategy=$2 parts pids=() i
	parts=$(new_topic "join-$name")
	ktpy create "$parts" 3
	member() { # N
		"$KT_BIN/consumer" -t "$input" -g "members-$name-$$" --from-beginning -e \
			"${settings[@]}" --partials-to "$parts" -v "${slow[@]}" \
			-X partition.assignment.strategy="$strategy" \
			>"$WORK/$name-m$1.out" 2>"$WORK/$name-m$1.err" &
		pids[$1]=$!
		at_exit "kill -9 $! 2>/dev/null"
	}
	member 1
	member 2
	out30() { [ "$(partials_count "$parts")" -ge 10 ]; }
	wait_for 180 out30 || fail "the first two members sent no partials"
	say "$name: a third member joins at $(partials_count "$parts") partials"
	member 3
	for i in 1 2 3; do
		wait "${pids[$i]}" || { tail -n 5 "$WORK/$name-m$i.err" >&2; fail "member $i failed"; }
	done
	grep -Eq "assigned [1-9]" "$WORK/$name-m3.err" &&
		! grep -q "^consumer: 0 records read" "$WORK/$name-m3.err" ||
		fail "the third member read nothing: it joined too late"
	for i in 1 2 3; do
		say "$name member $i: $(grep -Eo '[0-9]+ records read' "$WORK/$name-m$i.err" || echo '0 records read'), $(grep -c revoked "$WORK/$name-m$i.err") revoke(s)"
	done
	merged "$name" "$parts"
}
test_case "a member joins mid-run (eager rebalance): the plain consumer's figures" \
	join eager range,roundrobin
