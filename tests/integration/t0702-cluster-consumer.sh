#!/usr/bin/env bash
# The consumer on a three-broker cluster, event time: a backlog fed in
# three parts with per-window figures this test computes itself, while the
# leader of partition 0 and then the group coordinator's node are
# SIGKILLed. Every window is written once with exact figures, the cluster's
# trouble costs at most a warning line per failover, and the commits reach
# the end of every partition.
. "$(dirname "$0")/lib.sh"

private_cluster
topic=$(new_topic cluster-con)
group="cluster-con-$$"
ktpy create "$topic" 3

# part K (0, 1, 2): windows 10K..10K+9 of 10 s, 150 records per window and
# partition, each partition in event-time order; the oracle is written to
# $WORK/expected as "window_ms|category": [count, sum of price].
part() {
	python3 - "$1" "$WORK/expected" <<'PY'
import json, os, random, sys
k, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(k)
t0 = 1700000000000
exp = json.load(open(path)) if os.path.exists(path) else {}
for w in range(10 * k, 10 * k + 10):
    for p in range(3):
        for ts in sorted(rng.randrange(10000) for _ in range(150)):
            cat, price = rng.choice("ABC"), rng.randint(1, 1000)
            ts += t0 + w * 10000
            key = f"{t0 + w * 10000}|{cat}"
            c, s = exp.get(key, [0, 0])
            exp[key] = [c + 1, s + price]
            print(json.dumps({"p": p, "v": json.dumps({"category": cat, "price": price, "ts": ts})}))
json.dump(exp, open(path, "w"))
PY
}
# windows_written: how many windows the consumer has written so far
windows_written() { awk '/"window_start"/ {n++} END {print n + 0}' "$WORK/cons.out"; }
at_least() { [ "$(windows_written)" -ge "$1" ]; }

part 0 | ktpy produce "$topic"
# A partition whose leader moves may fall silent for a while: a long
# --idle-timeout keeps it holding the windows back (with the default, its
# records could turn late). The cases run in subshells, which cannot wait
# for the consumer: its pid and exit status go to files.
(
	bash -c 'echo $$ >"$0"; exec "$@"' "$WORK/cons.pid" "$KT_BIN/consumer" -b "$CLUSTER_BROKERS" \
		-t "$topic" -g "$group" --from-beginning --event-time ts --window 10s --idle-timeout 600s \
		--group-by category \
		--stats price --format json >"$WORK/cons.out" 2>"$WORK/cons.err"
	echo $? >"$WORK/cons.rc"
) &
wait_for 10 test -s "$WORK/cons.pid" || fail "the consumer did not start"
cons=$(<"$WORK/cons.pid")
at_exit "kill -9 $cons"

leader_dies() {
	wait_for 60 at_least 9 || fail "the consumer wrote $(windows_written) windows of the first part"
	local leader t0
	leader=$(leader_of "$topic" 0)
	t0=$SECONDS
	cluster_do kill "$leader" || fail "cannot kill node $leader"
	part 1 | ktpy produce "$topic"
	wait_for 90 at_least 19 || fail "the consumer wrote $(windows_written) windows after the leader died"
	say "leader $leader of partition 0 killed: windows of the second part written $((SECONDS - t0)) s later"
	cluster_do resume "$leader" || fail "node $leader did not come back"
}
test_case "consumer: the leader of partition 0 killed, the next windows come" leader_dies

coordinator_dies() {
	local coord t0
	coord=$(ktpy coordinator "$group")
	case "$coord" in [1-3]) ;; *) fail "no coordinator for $group: '$coord'" ;; esac
	t0=$SECONDS
	cluster_do kill "$coord" || fail "cannot kill node $coord"
	part 2 | ktpy produce "$topic"
	wait_for 90 at_least 29 || fail "the consumer wrote $(windows_written) windows after the coordinator died"
	say "coordinator $coord killed: windows of the third part written $((SECONDS - t0)) s later"
	cluster_do resume "$coord" || fail "node $coord did not come back"
}
test_case "consumer: the group coordinator's node killed, the next windows come" coordinator_dies

exact() {
	# SIGTERM writes the last window, still open, and commits.
	kill -TERM "$cons"
	wait_for 30 test -s "$WORK/cons.rc" || fail "the consumer did not stop on SIGTERM"
	expect_eq "consumer exit status" 0 "$(<"$WORK/cons.rc")"
	python3 - "$WORK/cons.out" "$WORK/expected" <<'PY'
import json, sys
from datetime import datetime, timezone
def ms(iso):
    return round(datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ")
                 .replace(tzinfo=timezone.utc).timestamp() * 1000)
exp = json.load(open(sys.argv[2]))
got, starts = {}, []
for line in open(sys.argv[1]):
    w = json.loads(line)
    assert w["late"] == 0 and w["invalid"] == 0, w
    starts.append(ms(w["window_start"]))
    for g in w["groups"]:
        key = f'{starts[-1]}|{g["key"]["category"]}'
        assert key not in got, f"window {key} written twice"
        got[key] = [g["count"], g["stats"]["price"]["sum"]]
assert len(starts) == len(set(starts)) == 30, f"{len(starts)} windows, {len(set(starts))} distinct"
bad = {k: (got.get(k), v) for k, v in exp.items() if got.get(k) != v}
assert not bad and set(got) == set(exp), f"{len(bad)} groups differ, e.g. {list(bad.items())[:3]}"
PY
	local hw cm
	hw=$(ktpy watermarks "$topic" | awk '{print $1, $3}' | tr '\n' ' ')
	cm=$(ktpy committed "$group" "$topic" | tr '\n' ' ')
	expect_eq "committed offsets after the failovers" "$hw" "$cm"
	local warnings
	warnings=$(grep -c 'warning' "$WORK/cons.err" || true)
	say "consumer warnings: $warnings"
	grep 'warning' "$WORK/cons.err" | head -5 || true
	[ "$warnings" -le 2 ] || { cat "$WORK/cons.err" >&2; fail "$warnings warning lines for two failovers"; }
	# ... and not none: the user is told a broker went away.
	grep -q 'warning: lost a broker connection, retrying' "$WORK/cons.err" ||
		{ cat "$WORK/cons.err" >&2; fail "no warning line for the failovers"; }
}
test_case "consumer: 30 windows, each once with exact counts and sums; commits at the end" exact
