#!/usr/bin/env bash
# Authentication and authorization on a SASL/PLAIN broker with ACLs: with
# the right credentials in a -F file all three programs work; a wrong
# password is a clear authentication error and exit 1; 'reader' running
# delete-records gets TOPIC_AUTHORIZATION_FAILED per partition, nothing is
# deleted, exit 1; no password appears in any output, even with -v.
. "$(dirname "$0")/lib.sh"

private_broker --secure
run=$KT_REPO/.cache/kafka/run-$PRIVATE_PORT
export KT_BROKERS=$PRIVATE_BROKERS KAFKA_BOOTSTRAP_SERVERS=$PRIVATE_BROKERS
topic=kt-secure-$$
KT_PY_CONF=$run/admin.properties ktpy create "$topic" 2
all_out="$WORK/all-output"
: >"$all_out"
keep() { cat "$WORK/out" "$WORK/err" >>"$all_out"; }

expect_status 0 "$KT_BIN/generator" -F "$run/app.properties" -t "$topic" -p 0 --count 1000 --rate 0 -v
keep
expect_grep "produced 1000, delivered 1000, failed 0" "$WORK/err"
expect_status 0 "$KT_BIN/consumer" -F "$run/app.properties" -t "$topic" -g "app-$$" \
	--from-beginning --exit-at-end --format json -v
keep
expect_eq "app consumer count" 1000 "$(python3 -c '
import json, sys
print(sum(json.loads(l)["records"] for l in open(sys.argv[1])))' "$WORK/out")"
expect_status 0 "$KT_BIN/consumer" -F "$run/reader.properties" -t "$topic" -g "reader-$$" \
	--from-beginning --exit-at-end --format json
keep

# reader may read but not delete: refused by the broker per partition.
before=$(KT_PY_CONF=$run/admin.properties ktpy watermarks "$topic")
# (the generator wrote everything to partition 0)
expect_status 1 "$KT_BIN/delete-records" -F "$run/reader.properties" -t "$topic" -p 0 --before-offset 10 --yes -v
keep
expect_grep "TOPIC_AUTHORIZATION_FAILED" "$WORK/out"
expect_grep "hint: .*DELETE" "$WORK/out"
expect_grep "result: 0 records deleted, 1 of 1 partitions failed" "$WORK/out"
expect_eq "nothing deleted by reader" "$before" "$(KT_PY_CONF=$run/admin.properties ktpy watermarks "$topic")"

# app may delete.
expect_status 0 "$KT_BIN/delete-records" -F "$run/app.properties" -t "$topic" -p 0 --before-offset 10 --yes
keep
expect_grep "result: 10 records deleted, 0 of 1 partitions failed" "$WORK/out"

# A wrong password: a clear authentication error, exit 1.
declare -A extra=([generator]="--count 1" [consumer]="--exit-at-end" [delete-records]="--before-offset 1 --yes")
for p in generator consumer delete-records; do
	# shellcheck disable=SC2086
	expect_status 1 "$KT_BIN/$p" -F "$run/app.properties" -X sasl.password=not-the-password \
		-t "$topic" --connect-timeout 5s -v ${extra[$p]}
	keep
	expect_grep "authentication failed" "$WORK/err"
done

# No secret anywhere in what the programs printed.
for secret in app-secret reader-secret admin-secret not-the-password; do
	if grep -q -- "$secret" "$all_out"; then
		grep -n -- "$secret" "$all_out" | head -3 >&2
		fail "a password was printed"
	fi
done
expect_grep "sasl.password=\*\*\*\*\*\*\*\*" "$all_out"
say "ok"
