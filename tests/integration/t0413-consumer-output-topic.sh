#!/usr/bin/env bash
# --output-topic (issue 15): a plain consumer and a merger also produce each
# window they write to a Kafka topic, as the JSON object --format json
# prints, keyed by the window's start. The topic, read back with
# confluent-kafka (ktpy dump), holds exactly what stdout printed, in order.
# A missing output topic is refused before anything is read (exit 2); a window the
# broker refuses (larger than the topic's max.message.bytes) fails the run
# (exit 1) and its offsets are not committed.
. "$(dirname "$0")/lib.sh"

T0=1767225600000
"$KT_PY" "$KT_REPO/tests/integration/evmodel.py" dataset 21 3 3000 $T0 5000 2000 >"$WORK/data"
input=$(new_topic out-in)
ktpy create "$input" 3
ktpy produce "$input" <"$WORK/data"
settings=(--event-time ts --window 5s --allowed-lateness 2s --group-by cat --stats price)

# The output topic $1 holds stdout's JSON lines ($2): same values, same
# order (one partition), each keyed by its window_start.
same_as_stdout() { # TOPIC JSONFILE
	ktpy dump "$1" >"$WORK/dump"
	"$KT_PY" - "$WORK/dump" "$2" <<'PY'
import json, sys
records = [json.loads(l) for l in open(sys.argv[1])]
lines = [l.rstrip("\n") for l in open(sys.argv[2])]
if len(records) != len(lines):
    raise SystemExit(f"{len(records)} records in the output topic, {len(lines)} windows printed")
for i, (r, l) in enumerate(zip(records, lines)):
    if r["v"] != l:
        raise SystemExit(f"record {i}: value differs from the printed window:\n{r['v']}\n{l}")
    if r["k"] != json.loads(l)["window_start"]:
        raise SystemExit(f"record {i}: key {r['k']}, window_start {json.loads(l)['window_start']}")
print(len(records))
PY
}

plain() {
	local out
	out=$(new_topic out-plain)
	ktpy create "$out" 1
	expect_status 0 "$KT_BIN/consumer" -t "$input" -g "plain-$$" --from-beginning -e \
		"${settings[@]}" --format json --output-topic "$out"
	cp "$WORK/out" "$WORK/plain.json"
	[ -s "$WORK/plain.json" ] || fail "no window written"
	n=$(same_as_stdout "$out" "$WORK/plain.json") || fail "$n"
	say "plain consumer: $n windows printed and in '$out'"
}
test_case "a plain consumer: the output topic holds what stdout printed" plain

merged() {
	local parts out
	parts=$(new_topic out-parts)
	out=$(new_topic out-merged)
	ktpy create "$parts" 2
	ktpy create "$out" 1
	expect_status 0 "$KT_BIN/consumer" -t "$input" -g "members-$$" --from-beginning -e \
		"${settings[@]}" --partials-to "$parts"
	expect_status 0 "$KT_BIN/consumer" --merge "$parts" -g "merger-$$" -e --format json \
		--output-topic "$out"
	cp "$WORK/out" "$WORK/merged.json"
	[ -s "$WORK/merged.json" ] || fail "no window merged"
	n=$(same_as_stdout "$out" "$WORK/merged.json") || fail "$n"
	say "merger: $n windows printed and in '$out'"
	expect_eq "windows merged" "$(wc -l <"$WORK/plain.json")" "$n"
}
test_case "a merger: the output topic holds what stdout printed" merged

# The local broker has auto.create.topics.enable=false; a broker with it
# on would not create the topic either: the consumer asks for the metadata
# of all topics (never a creating request) and refuses before producing.
missing() {
	local parts
	parts=$(new_topic out-missing-parts)
	ktpy create "$parts" 1
	expect_status 2 "$KT_BIN/consumer" -t "$input" -g "missing-$$" --from-beginning -e \
		"${settings[@]}" --output-topic "kt-none-$$"
	expect_grep "output topic 'kt-none-$$' does not exist" "$WORK/err"
	[ ! -s "$WORK/out" ] || fail "windows written despite the missing output topic"
	ktpy committed "missing-$$" "$input" >"$WORK/committed"
	! grep -Eq ' [0-9]+$' "$WORK/committed" || fail "offsets committed: $(cat "$WORK/committed")"
	expect_status 2 "$KT_BIN/consumer" --merge "$parts" -e --output-topic "kt-none-$$"
	expect_grep "output topic 'kt-none-$$' does not exist" "$WORK/err"
	! ktpy watermarks "kt-none-$$" >/dev/null 2>&1 || fail "the missing output topic was created"
}
test_case "a missing output topic is refused, nothing read, nothing created" missing

refused() {
	local out
	out=$(new_topic out-small)
	ktpy create "$out" 1 max.message.bytes=300
	expect_status 1 "$KT_BIN/consumer" -t "$input" -g "small-$$" --from-beginning -e \
		"${settings[@]}" --format json --output-topic "$out"
	expect_grep "cannot deliver window .* to '$out': Broker: Message size too large" "$WORK/err"
	[ "$(wc -l <"$WORK/out")" = 1 ] || fail "$(wc -l <"$WORK/out") windows written, expected the first alone"
	ktpy committed "small-$$" "$input" >"$WORK/committed"
	! grep -Eq ' [0-9]+$' "$WORK/committed" || fail "offsets committed: $(cat "$WORK/committed")"
}
test_case "a window the output topic refuses: exit 1, said, its offsets not committed" refused
