#!/usr/bin/env bash
# Quiet means quiet, a configuration librdkafka refuses is a usage error,
# and the small surprises of issue 17 (items 9, 10) are gone: -q silences
# the generator's summary; -X ssl.ca.location=/nonexistent exits 2 with a
# hint in all three programs (1 and an OpenSSL code before); --count 0 is
# refused instead of running forever; delete-records' output that cannot
# be written (/dev/full) is a failure; a field named twice in --group-by
# or --stats (duplicate JSON keys and CSV columns) is refused; auto stats
# leaving numeric fields out (more than 16) say so, on stderr and in JSON;
# an offset file with trailing text or a key twice is refused, and so is a
# schema nested deeper than cJSON parses, naming its depth; zipf(10000000)
# fields need no 160 MB table each; a group whose committed offset was
# deleted is told where it resumes.
. "$(dirname "$0")/lib.sh"

topic=$(new_topic quiet)
ktpy create "$topic" 1

quiet_generator() {
	expect_status 0 "$KT_BIN/generator" -t "$topic" --count 5 -q
	expect_eq "stderr with -q" "" "$(cat "$WORK/err")"
	expect_eq "records in the topic" 5 "$(ktpy dump "$topic" | wc -l)"
}
test_case "generator: -q prints no summary when producing" quiet_generator

bad_ca() { # PROGRAM ARGS...
	expect_status 2 "$KT_BIN/$1" -t "$topic" -X security.protocol=SSL \
		-X ssl.ca.location=/nonexistent "${@:2}"
	expect_grep "^$1: invalid configuration: ssl.ca.location .*\(check the file that property names" \
		"$WORK/err"
}
test_case "consumer: a CA file that cannot be read exits 2" bad_ca consumer
test_case "generator: a CA file that cannot be read exits 2" bad_ca generator
test_case "delete-records: a CA file that cannot be read exits 2" bad_ca delete-records \
	--before-offset 1 --dry-run

count_zero() {
	expect_status 2 "$KT_BIN/generator" -t "$topic" --count 0
	expect_grep "invalid value '0' for --count" "$WORK/err"
}
test_case "generator: --count 0 is refused" count_zero

full_stdout() {
	local rc=0
	"$KT_BIN/delete-records" -t "$topic" --before-offset 1 --dry-run >/dev/full 2>"$WORK/err" || rc=$?
	expect_eq "exit status" 1 "$rc"
	expect_grep "^delete-records: cannot write to stdout: No space left on device" "$WORK/err"
}
test_case "delete-records: --dry-run into /dev/full fails" full_stdout

twice() { # FLAG... : exit 2 naming the field
	expect_status 2 "$KT_BIN/consumer" -t "$topic" "$@"
	expect_grep "^consumer: invalid value '.*' for --(group-by|stats): field 'g' named twice$" \
		"$WORK/err"
}
test_case "consumer: --group-by g,g is refused" twice --group-by g,g
test_case "consumer: --stats g --stats g is refused" twice --stats g --stats g

start_zero() {
	# ts 0 was written, but librdkafka stamped that message with the clock.
	expect_status 2 "$KT_BIN/generator" -t "$topic" --start-time 0 --count 1
	expect_grep "invalid value '0' for --start-time: must be after 1970-01-01T00:00:00Z" "$WORK/err"
	expect_status 0 "$KT_BIN/generator" --dry-run --start-time 1 --count 1
	expect_grep '"ts":1,' "$WORK/out"
}
test_case "generator: --start-time 0 is refused" start_zero

auto_skipped() {
	# Records of 20 numeric fields n00..n19, two of them in two records:
	# 4 fields are beyond the 16 the stats take (the oracle: the fields'
	# order in the records, in Python).
	local t
	t=$(new_topic wide)
	ktpy create "$t" 1
	python3 - >"$WORK/wide.jsonl" <<'PY'
import json
for i in range(3):
    print(json.dumps({"v": json.dumps({f"n{j:02d}": i + j for j in range(20)})}))
PY
	ktpy produce "$t" <"$WORK/wide.jsonl"
	python3 -c 'import json,sys; r=json.loads(json.loads(open(sys.argv[1]).readline())["v"]); print(len(r)-16)' \
		"$WORK/wide.jsonl" >"$WORK/want"
	expect_status 0 "$KT_BIN/consumer" -t "$t" -g "$t" --from-beginning -e --format json
	expect_eq "warning lines" 1 "$(grep -c 'warning: more than 16 numeric fields' "$WORK/err")"
	expect_grep "not 'n16' nor any found later \(name the fields with --stats\)" "$WORK/err"
	python3 - "$WORK/out" "$(cat "$WORK/want")" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
rows = [r for r in rows if r["records"]]
assert rows and all(r.get("auto_skipped") == int(sys.argv[2]) for r in rows), rows
assert all(len(r["groups"][0]["stats"]) == 16 for r in rows), rows
PY
}
test_case "consumer: more than 16 numeric fields: said once on stderr, auto_skipped in the JSON" auto_skipped

offset_file() { # TEXT MESSAGE: the file is refused before any connection
	printf '%s' "$1" >"$WORK/offsets.json"
	expect_status 2 "$KT_BIN/delete-records" -b 127.0.0.1:9 --offset-json-file "$WORK/offsets.json" --yes
	expect_eq "stderr" "delete-records: invalid offset file '$WORK/offsets.json': $2" "$(cat "$WORK/err")"
}
one='{"topic":"t","partition":0,"offset":1}'
test_case "delete-records: an offset file with text after its object is refused" \
	offset_file "{\"partitions\":[$one]}}" "text after the JSON object (line 1)"
test_case "delete-records: an offset file with a key twice is refused" \
	offset_file "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":1,\"offset\":5}]}" \
	"partitions[0]: key 'offset' given twice"
test_case "delete-records: an offset file with 'partitions' twice is refused" \
	offset_file "{\"partitions\":[$one],\"partitions\":[]}" "key 'partitions' given twice"

deep_const() {
	python3 -c 'n = 999; print("{\"fields\":[{\"name\":\"c\",\"type\":\"const\",\"value\":" + "[" * n + "0" + "]" * n + "}]}")' \
		>"$WORK/deep.json"
	expect_status 2 "$KT_BIN/generator" -s "$WORK/deep.json" -n -c 1
	expect_eq "stderr" "generator: schema '$WORK/deep.json': nested 1002 levels deep (line 1), more than the 1000 levels a schema may have (a const value starts at level 4)" \
		"$(cat "$WORK/err")"
}
test_case "generator: a const nested 999 deep is refused naming the depth" deep_const

big_zipf() {
	# Four fields of 10 million ranks: a table each took 160 MB (and 0.4 CPU
	# s) before the first event, 513 MB in all; now well under 100 MB.
	printf '{"fields":[%s]}' \
		'{"name":"a","type":"int","dist":"zipf(10000000, 1.1)"},{"name":"b","type":"int","dist":"zipf(10000000, 0.8)"},{"name":"c","type":"int","dist":"zipf(10000000, 1.0)"},{"name":"d","type":"int","dist":"zipf(10000000, 2.0)"}' \
		>"$WORK/zipf.json"
	python3 - "$KT_BIN/generator" "$WORK/zipf.json" >"$WORK/rss" <<'PY'
import resource, subprocess, sys
out = subprocess.run([sys.argv[1], "-s", sys.argv[2], "-n", "-c", "1000", "--rate", "0", "-q"],
                     stdout=subprocess.PIPE, check=True).stdout
assert out.count(b"\n") == 1000, out[:200]
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
PY
	[ "$(cat "$WORK/rss")" -lt 100 ] || fail "peak RSS $(cat "$WORK/rss") MB"
}
test_case "generator: zipf(10000000) fields start without a table each" big_zipf

lost_commit() {
	# Group g commits 100 (read to the end); 50 more are written and all
	# 150 deleted, then 10 more: g's commit is below the log's start.
	local t g=$1 policy=$2
	t=$(new_topic lost)
	ktpy create "$t" 1
	recs() { python3 -c 'import json,sys; [print(json.dumps({"v": json.dumps({"x": i}), "p": 0})) for i in range(int(sys.argv[1]))]' "$1"; }
	recs 100 | ktpy produce "$t"
	expect_status 0 "$KT_BIN/consumer" -t "$t" -g "$t-$g" --from-beginning -e --format json
	recs 50 | ktpy produce "$t"
	expect_status 0 "$KT_BIN/delete-records" -t "$t" --before-offset end --yes
	recs 10 | ktpy produce "$t"
	local committed low high
	committed=$(ktpy committed "$t-$g" "$t" | awk '{print $2}')
	read -r _ low high < <(ktpy watermarks "$t")
	expect_eq "committed, low, high" "100 150 160" "$committed $low $high"
	expect_status 0 "$KT_BIN/consumer" -t "$t" -g "$t-$g" -e --format json "${@:3}"
	local at=$high tail=", skipping the records before it"
	[ "$policy" = earliest ] && at=$low tail=""
	expect_eq "warnings" "consumer: warning: '$t' [0]: committed offset $committed is no longer in the log (it starts at $low: deleted, or past retention); auto.offset.reset=$policy resumed at $at$tail" \
		"$(grep warning "$WORK/err")"
	python3 - "$WORK/out" $((high - at)) <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert sum(r["records"] for r in rows) == int(sys.argv[2]), rows
PY
}
test_case "consumer: a committed offset deleted since is said, resuming at the end (latest)" \
	lost_commit a latest
test_case "consumer: ... and at the first record with --from-beginning (earliest)" \
	lost_commit b earliest --from-beginning
