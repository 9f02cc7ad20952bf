#!/usr/bin/env bash
# Scale-out (issue 15), live: the generator at 3,000 events/s for 20 s into
# six partitions, three members (1 s event-time windows; a partition is idle
# after 3 s without a record, so a generator stalled on a loaded machine
# does not make the members' partitions idle and its records late) and a
# merger running as it goes; then the same with a third member joining two
# mid-stream. Every window the events fall in is written complete
# from six partitions, its count what an independent read of the topic
# (confluent-kafka) finds in it, and the counts sum to what the generator
# says it delivered.
. "$(dirname "$0")/lib.sh"

RATE=${KT_LIVE_RATE:-3000}
SECS=${KT_LIVE_SECS:-20}

# live JOIN: three members from the start (JOIN 0), or two and a third
# joining once JOIN windows are written (a rebalance mid-stream: the open
# windows are given up and replayed by their new owners).
live() {
	local join=$1 input parts i mpid pids=() delivered gpid
	input=$(new_topic live-in)
	parts=$(new_topic live-parts)
	ktpy create "$input" 6
	ktpy create "$parts" 3
	member() { # N
		"$KT_BIN/consumer" -t "$input" -g "live-members-$$-$join" --from-beginning \
			--event-time ts --window 1s \
			--allowed-lateness 500ms --idle-timeout 3s --group-by category --stats price \
			--partials-to "$parts" -v >"$WORK/m$1.out" 2>"$WORK/m$1.err" &
		pids+=($!)
		at_exit "kill -9 $! 2>/dev/null"
	}
	member 1
	member 2
	[ "$join" != 0 ] || member 3
	"$KT_BIN/consumer" --merge "$parts" -g "live-merger-$$-$join" --merge-timeout 60s --format json \
		>"$WORK/merged.json" 2>"$WORK/merger.err" &
	mpid=$!
	at_exit "kill -9 $mpid 2>/dev/null"
	assigned() { # N M: each of the first N members' last assignment: M partitions
		for i in $(seq "$1"); do
			grep 'assigned [0-9]* partition' "$WORK/m$i.err" | tail -n 1 |
				grep -q "assigned $2 partition" || return 1
		done
	}
	if [ "$join" = 0 ]; then
		wait_for 60 assigned 3 2 || fail "the members were not given two partitions each"
	else
		wait_for 60 assigned 2 3 || fail "the members were not given three partitions each"
	fi
	"$KT_BIN/generator" -t "$input" --rate "$RATE" --duration "${SECS}s" --seed 15 \
		>"$WORK/gen.out" 2>"$WORK/gen.err" &
	gpid=$!
	at_exit "kill -9 $gpid 2>/dev/null"
	if [ "$join" != 0 ]; then
		ran() { [ "$(grep -c '"complete":true' "$WORK/merged.json")" -ge "$join" ]; }
		wait_for 60 ran || fail "no window written from the first two members"
		member 3
		wait_for 60 assigned 3 2 || fail "the third member was not given two partitions"
		say "a third member joined after $(grep -c . "$WORK/merged.json") windows"
	fi
	wait "$gpid" || { cat "$WORK/gen.err" >&2; fail "the generator failed"; }
	cp "$WORK/gen.err" "$WORK/err"
	delivered=$(sed -n 's/.*, delivered \([0-9]*\),.*/\1/p' "$WORK/err")
	[ -n "$delivered" ] || fail "the generator said nothing of what it delivered"
	# The merger's windows, once they hold every delivered event.
	merged_total() {
		"$KT_PY" -c '
import json, sys
print(sum(json.loads(l)["records"] for l in open(sys.argv[1]) if l.endswith("\n")))' \
			"$WORK/merged.json"
	}
	all_in() { [ "$(merged_total)" -ge "$delivered" ]; }
	local slow=
	wait_for 60 all_in || slow="the merger wrote $(merged_total) of $delivered events within 60 s"
	kill "$mpid"
	wait "$mpid" || true
	for i in "${pids[@]}"; do kill "$i"; done
	for i in "${pids[@]}"; do wait "$i" || true; done
	ktpy dump "$input" >"$WORK/dump"
	"$KT_PY" - "$WORK/merged.json" "$WORK/dump" "$delivered" <<'PY' >"$WORK/check" ||
import collections, json, sys
from datetime import datetime
def ms(s):
    return int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000)
merged = [json.loads(l) for l in open(sys.argv[1]) if l.endswith("\n")]
read = collections.Counter(json.loads(json.loads(l)["v"])["ts"] // 1000 * 1000
                           for l in open(sys.argv[2]))
delivered = int(sys.argv[3])
bad = []
got = {}
for w in merged:
    s = ms(w["window_start"])
    if s in got:
        bad.append(f"window {w['window_start']} written twice")
    got[s] = w
    if not w["complete"] or w["partitions"] != 6 or w["missing_partitions"] or w["conflicts"] \
            or w["late"] or w["invalid"]:
        bad.append(f"window {w['window_start']}: complete {w['complete']}, partitions "
                   f"{w['partitions']}, conflicts {w['conflicts']}, late {w['late']}")
for s in sorted(set(read) | set(got)):
    n = got[s]["records"] if s in got else 0
    if n != read.get(s, 0):
        bad.append(f"window {s}: merged {n}, read {read.get(s, 0)}")
total = sum(read.values())
if total != delivered or sum(w["records"] for w in merged) != delivered:
    bad.append(f"delivered {delivered}, read {total}, merged {sum(w['records'] for w in merged)}")
for b in bad[:20]:
    print(b)
print(f"{len(got)} windows, all complete from 6 partitions; {delivered} delivered = {total} read "
      f"= merged (duplicates {sum(w['duplicates'] for w in merged)}): {len(bad)} differences")
sys.exit(1 if bad else 0)
PY
		{
			cat "$WORK/check" >&2
			"$KT_PY" "$KT_REPO/tests/integration/scaleout.py" seals "$parts" >"$WORK/seals" 2>&1 || true
			fail "${slow:-the merged windows differ from the topic}"
		}
	[ -z "$slow" ] || fail "$slow"
	say "$(tail -n 1 "$WORK/check")"
}
test_case "live: 3 members and a merger over a generator at ${RATE}/s for ${SECS} s: every window complete, the counts the topic's" \
	live 0
test_case "live: a third member joins two mid-stream: every window complete, the counts the topic's" \
	live 8
