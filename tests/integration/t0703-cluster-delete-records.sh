#!/usr/bin/env bash
# delete-records on a three-broker cluster: the new low watermark survives
# the leader's death (the follower that takes over reports the same log
# start offset and serves exactly the remaining records); a partition
# whose only replica is down fails with its own error while the others are
# deleted (exit 1, the report says which), within --timeout.
. "$(dirname "$0")/lib.sh"

private_cluster
# topic: RF 3. single: partition N on node N+1 alone (so a leader can be
# taken away for good), min.insync.replicas 1 so it takes writes.
topic=$(new_topic cluster-del)
single=$(new_topic cluster-del1)
ktpy create "$topic" 3
ktpy create "$single" 3 replicas=1/2/3 min.insync.replicas=1
seed() {
	python3 -c '
import json
for p in range(3):
    for i in range(1000):
        print(json.dumps({"v": f"p{p}-{i}", "p": p}))' | ktpy produce "$1"
}
seed "$topic"
seed "$single"
watermarks() { ktpy watermarks "$1" | tr '\n' ' '; }

survives_leader() {
	expect_status 0 "$KT_BIN/delete-records" -b "$CLUSTER_BROKERS" -t "$topic" -p 0 --before-offset 400 --yes
	expect_grep "result: 400 records deleted, 0 of 1 partitions failed" "$WORK/out"
	local leader t0
	leader=$(leader_of "$topic" 0)
	t0=$SECONDS
	cluster_do kill "$leader" || fail "cannot kill node $leader"
	moved() { local l; l=$(leader_of "$topic" 0); [ -n "$l" ] && [ "$l" != "$leader" ] && [ "$l" != -1 ]; }
	wait_for 30 moved || fail "partition 0 got no new leader"
	say "partition 0: node $(leader_of "$topic" 0) leads $((SECONDS - t0)) s after node $leader died"
	expect_eq "partition 0's watermarks from the new leader" "0 400 1000" \
		"$(ktpy watermarks "$topic" | awk '$1 == 0')"
	ktpy dump "$topic" >"$WORK/dump"
	python3 - "$WORK/dump" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["p"] == 0]
assert [r["o"] for r in rows] == list(range(400, 1000)), (len(rows), rows[:1])
assert all(r["v"] == f'p0-{r["o"]}' for r in rows)
PY
	cluster_do resume "$leader" || fail "node $leader did not come back"
}
test_case "delete-records: the low watermark survives the leader's death" survives_leader

leader_down() {
	[ "$(leader_of "$single" 1)" = 2 ] || fail "partition 1 is not on node 2: $(ktpy leaders "$single")"
	cluster_do kill 2 || fail "cannot kill node 2"
	gone() { [ "$(leader_of "$single" 1)" = -1 ]; }
	wait_for 30 gone || fail "partition 1 still has a leader: $(ktpy leaders "$single")"
	local t0=$SECONDS
	expect_status 1 "$KT_BIN/delete-records" -b "$CLUSTER_BROKERS" -t "$single" --before-offset 600 \
		--yes --timeout 5s
	local took=$((SECONDS - t0))
	cat "$WORK/out" "$WORK/err"
	say "delete-records with partition 1's leader down: $took s"
	[ "$took" -le 20 ] || fail "--timeout 5s, yet it took $took s"
	expect_grep "^$single +1 +-1 +-1 +0  no leader: its replicas are down or being elected" "$WORK/out"
	expect_grep "result: 1200 records deleted, 1 of 3 partitions failed" "$WORK/out"
	cluster_do resume 2 || fail "node 2 did not come back"
	back() { [ "$(leader_of "$single" 1)" = 2 ]; }
	wait_for 30 back || fail "partition 1 has no leader again"
	expect_eq "watermarks: 0 and 2 deleted, 1 untouched" "0 600 1000 1 0 1000 2 600 1000 " "$(watermarks "$single")"
}
test_case "delete-records: a partition whose leader is down fails on its own, the others are deleted, exit 1" leader_down
