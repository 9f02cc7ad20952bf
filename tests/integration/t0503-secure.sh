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

app_generator() {
	expect_status 0 "$KT_BIN/generator" -F "$run/app.properties" -t "$topic" -p 0 --count 1000 --rate 0 -v
	keep
	expect_grep "produced 1000, delivered 1000, failed 0" "$WORK/err"
}
test_case "generator: with the app user's credentials in a -F file" app_generator

app_consumer() {
	expect_status 0 "$KT_BIN/consumer" -F "$run/app.properties" -t "$topic" -g "app-$$" \
		--from-beginning --exit-at-end --format json -v
	keep
	expect_eq "app consumer count" 1000 "$(python3 -c '
import json, sys
print(sum(json.loads(l)["records"] for l in open(sys.argv[1])))' "$WORK/out")"
}
test_case "consumer: with the app user's credentials in a -F file" app_consumer

reader_consumer() {
	expect_status 0 "$KT_BIN/consumer" -F "$run/reader.properties" -t "$topic" -g "reader-$$" \
		--from-beginning --exit-at-end --format json
	keep
}
test_case "consumer: the reader user may read" reader_consumer

# reader may read but not delete: refused by the broker per partition.
reader_delete() {
	before=$(KT_PY_CONF=$run/admin.properties ktpy watermarks "$topic")
	# (the generator wrote everything to partition 0)
	expect_status 1 "$KT_BIN/delete-records" -F "$run/reader.properties" -t "$topic" -p 0 --before-offset 10 --yes -v
	keep
	expect_grep "TOPIC_AUTHORIZATION_FAILED" "$WORK/out"
	expect_grep "hint: .*DELETE" "$WORK/out"
	expect_grep "result: 0 records deleted, 1 of 1 partitions failed" "$WORK/out"
	expect_eq "nothing deleted by reader" "$before" "$(KT_PY_CONF=$run/admin.properties ktpy watermarks "$topic")"
}
test_case "delete-records: the reader user is refused per partition (TOPIC_AUTHORIZATION_FAILED), nothing deleted, exit 1" reader_delete

# app may delete.
app_delete() {
	expect_status 0 "$KT_BIN/delete-records" -F "$run/app.properties" -t "$topic" -p 0 --before-offset 10 --yes
	keep
	expect_grep "result: 10 records deleted, 0 of 1 partitions failed" "$WORK/out"
}
test_case "delete-records: the app user may delete" app_delete

# A wrong password: a clear authentication error, exit 1.
declare -A extra=([generator]="--count 1" [consumer]="--exit-at-end" [delete-records]="--before-offset 1 --yes")
wrong_password() { # P
	local p=$1
	# shellcheck disable=SC2086
	expect_status 1 "$KT_BIN/$p" -F "$run/app.properties" -X sasl.password=not-the-password \
		-t "$topic" --connect-timeout 5s -v ${extra[$p]}
	keep
	expect_grep "authentication failed" "$WORK/err"
}
for p in generator consumer delete-records; do
	test_case "$p: a wrong password is a clear authentication error, exit 1" wrong_password "$p"
done

no_secret() {
	# No secret anywhere in what the programs printed.
	for secret in app-secret reader-secret admin-secret not-the-password; do
		if grep -q -- "$secret" "$all_out"; then
			grep -n -- "$secret" "$all_out" | head -3 >&2
			fail "a password was printed"
		fi
	done
	expect_grep "sasl.password=\*\*\*\*\*\*\*\*" "$all_out"
}
test_case "all programs: no password in anything they printed, even with -v" no_secret
