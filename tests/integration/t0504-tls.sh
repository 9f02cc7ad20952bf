#!/usr/bin/env bash
# TLS: on a broker whose client listener speaks SSL (a throwaway CA made by
# openssl), the three programs work with the settings README documents
# (-X security.protocol=SSL -X ssl.ca.location=...), and what they wrote and
# deleted is checked by an independent client over TLS. A client that does
# not trust the CA gets the certificate error and exit 1; a plaintext client
# is told that the listener may want another security.protocol. Then the
# same over SASL_SSL (TLS plus a login) for the 'app' user.
. "$(dirname "$0")/lib.sh"

private_broker --tls
run=$KT_REPO/.cache/kafka/run-$PRIVATE_PORT
export KT_BROKERS=$PRIVATE_BROKERS KAFKA_BOOTSTRAP_SERVERS=$PRIVATE_BROKERS
tls=(-X security.protocol=SSL -X "ssl.ca.location=$run/tls/ca.pem")
topic=kt-tls-$$
export KT_PY_CONF=$run/client.properties
ktpy create "$topic" 2

# Keyed, so both partitions get records (unkeyed, the sticky partitioner
# may put one quick batch on a single partition).
tls_generator() {
	expect_status 0 "$KT_BIN/generator" "${tls[@]}" -t "$topic" --count 3000 --rate 0 --seed 7 --key-field id
	expect_grep "produced 3000, delivered 3000, failed 0" "$WORK/err"
	ktpy dump "$topic" >"$WORK/dump"
	expect_eq "records in the topic (independent client)" 3000 "$(wc -l <"$WORK/dump")"
	expect_eq "distinct seq in the topic" 3000 "$(python3 -c '
import json, sys
print(len({json.loads(json.loads(l)["v"])["seq"] for l in open(sys.argv[1])}))' "$WORK/dump")"
}
test_case "generator: over TLS with the documented -X settings, checked by an independent client" tls_generator

# The consumer with the same settings from a -F file.
tls_consumer() {
	expect_status 0 "$KT_BIN/consumer" -F "$run/client.properties" -t "$topic" -g "tls-$$" \
		--from-beginning --exit-at-end --format json
	expect_eq "consumer count over TLS" 3000 "$(python3 -c '
import json, sys
print(sum(json.loads(l)["records"] for l in open(sys.argv[1])))' "$WORK/out")"
}
test_case "consumer: over TLS with the settings from a -F file" tls_consumer

tls_delete() {
	expect_status 0 "$KT_BIN/delete-records" "${tls[@]}" -t "$topic" --before-offset 100 --yes
	expect_grep "result: 200 records deleted, 0 of 2 partitions failed" "$WORK/out"
	expect_eq "low watermarks after delete (independent client)" "0 100|1 100" \
		"$(ktpy watermarks "$topic" | awk '{print $1, $2}' | paste -sd '|')"
}
test_case "delete-records: over TLS, checked by an independent client" tls_delete

# Not trusting the CA: the certificate error, exit 1, from each program.
declare -A extra=([generator]="--count 1" [consumer]="--exit-at-end" [delete-records]="--before-offset 1 --yes")
untrusted() { # P
	local p=$1
	# shellcheck disable=SC2086
	expect_status 1 "$KT_BIN/$p" -X security.protocol=SSL -t "$topic" --connect-timeout 2s ${extra[$p]}
	expect_grep "certificate verify failed" "$WORK/err"
	# shellcheck disable=SC2086
	expect_status 1 "$KT_BIN/$p" -t "$topic" --connect-timeout 2s ${extra[$p]}
	expect_grep "cannot reach broker.*security.protocol" "$WORK/err"
}
for p in generator consumer delete-records; do
	test_case "$p: not trusting the CA is a certificate error, plaintext a hint at security.protocol; exit 1" untrusted "$p"
done

nothing_deleted() {
	expect_eq "nothing deleted by refused clients" "0 100|1 100" \
		"$(ktpy watermarks "$topic" | awk '{print $1, $2}' | paste -sd '|')"
}
test_case "delete-records: nothing deleted by the refused clients" nothing_deleted

# SASL_SSL: TLS and a login together, as the 'app' user.
private_broker_do stop >/dev/null 2>&1
private_broker --tls --secure
run=$KT_REPO/.cache/kafka/run-$PRIVATE_PORT
export KT_BROKERS=$PRIVATE_BROKERS KAFKA_BOOTSTRAP_SERVERS=$PRIVATE_BROKERS
sasl_ssl() {
	expect_grep "security.protocol=SASL_SSL" "$run/app.properties"
	expect_status 0 "$KT_BIN/generator" -F "$run/app.properties" -t "$topic" --create-topic \
		--count 500 --rate 0
	expect_grep "produced 500, delivered 500, failed 0" "$WORK/err"
	expect_status 0 "$KT_BIN/consumer" -F "$run/app.properties" -t "$topic" -g "sasl-ssl-$$" \
		--from-beginning --exit-at-end --format json
	expect_eq "consumer count over SASL_SSL" 500 "$(python3 -c '
import json, sys
print(sum(json.loads(l)["records"] for l in open(sys.argv[1])))' "$WORK/out")"
}
test_case "generator and consumer: over SASL_SSL as the app user" sasl_ssl

sasl_ssl_wrong() {
	expect_status 1 "$KT_BIN/generator" -F "$run/app.properties" -X sasl.password=wrong \
		-t "$topic" --count 1 --connect-timeout 5s
	expect_grep "authentication failed" "$WORK/err"
}
test_case "generator: over SASL_SSL a wrong password is an authentication error, exit 1" sasl_ssl_wrong
