#!/usr/bin/env bash
# Unusual records through a real broker, read two ways: with --stats named
# (only the members a query names are decoded, found again by their tags,
# the others checked and skipped) and with the stats found automatically
# (every member decoded). Both must give what README promises, as
# recmodel.py computes it from the same bytes: names escaped or holding a
# NUL, given twice, long or alike in their first 16 bytes; integers around
# 2^53, 2^63 and 2^64, 1e400, -0, decimals; control bytes, bad UTF-8 and
# deep nesting in skipped values; whitespace, trailing NULs, {} and arrays.
. "$(dirname "$0")/lib.sh"

T0=1700000000000 # a multiple of the 10 s windows: every record in one

# records NAME < PYTHON: the records PYTHON puts in R (bytes) into topic
# NAME (one partition, Kafka timestamp T0); sets $topic.
records() {
	topic=$(new_topic "named-$1")
	ktpy create "$topic" 1
	"$KT_PY" "$KT_REPO/tests/integration/recmodel.py" lines "$T0" >"$WORK/$1.records"
	ktpy produce "$topic" <"$WORK/$1.records"
}

# both NAME GROUP_BY STATS [ARGS...]: read $topic with --stats STATS and
# again with the stats found, each checked against the model.
both() {
	local name=$1 group_by=$2 stats=$3
	shift 3
	for how in named found; do
		local args=(--group-by "$group_by")
		[ $how = found ] || args+=(--stats "$stats")
		expect_status 0 "$KT_BIN/consumer" -t "$topic" -g "named-$$-$RANDOM" --from-beginning \
			--exit-at-end --event-time kafka --window 10s --format json -q "${args[@]}" "$@"
		"$KT_PY" "$KT_REPO/tests/integration/recmodel.py" check "$WORK/$name.records" \
			"$WORK/out" "${args[@]}" >"$WORK/diff" ||
			fail "$how: $(head -n 3 "$WORK/diff" | tr '\n' ';')"
	done
}

records names <<'PY'
K300 = "k" * 300
R = [s.encode() for s in [
    # escapes that decode to a named field; a NUL ends a name
    '{"categ\\u006fry":"a","\\u0070rice":5,"quantity":1}',
    '{"category":"a","pri\\u0000ce":5,"price":2,"quantity\\u0000":4}',
    '{"category":"a","price":3,"quantity":1,"quantity\\u0000x":4}',
    # twice: named or not, first or last, and in the record that finds it
    '{"category":"b","price":5,"price":6,"quantity":1,"other":1,"other":2}',
    '{"category":"b","price":"x","price":6,"late":"x","late":5}',
    '{"category":"b","category":"b","price":1}',
    # long names, alike in their first 16 bytes; names of 8, 15, 16, 17 bytes
    '{"category":"c","%s":1,"abcdefghijklmnopXYZ":2,"abcdefghijklmnopqrst":3}' % K300,
    '{"category":"c","%sx":10,"%s":11,"abcdefghijklmnopqrsu":5}' % (K300, K300[:-1]),
    '{"category":"c","abcdefgh":1,"abcdefghijklmno":2,"abcdefghijklmnop":3,"abcdefghijklmnopq":4}',
    '{"category":"c","abcdefghX":1,"abcdefghijklmnoX":2,"abcdefghijklmnopX":3}',
    '{"category":"c","abcdefgh\\u0000":6,"abcdefghijklmnop\\u0000zzzzzzzzzzzz":7}',
]]
PY

names_both_ways() {
	both names category \
		"price,quantity,late,$(printf 'k%.0s' $(seq 300)),abcdefghijklmnopqrst,abcdefgh,abcdefghijklmno,abcdefghijklmnop,abcdefghijklmnopq" \
		--threads 3
}
test_case "consumer: names escaped, with a NUL, twice, 300 bytes, alike for 16 bytes, of 8-17 bytes: --stats and found stats as README says" names_both_ways

records numbers <<'PY'
R = [s.encode() for s in [
    '{"category":"a","price":9007199254740993,"quantity":-9223372036854775808}',
    '{"category":"a","price":-9007199254740992,"quantity":9223372036854775807}',
    '{"category":"a","price":1e400,"quantity":-0}',
    '{"category":"a","price":-0,"quantity":-1e400}',
    '{"category":"b","price":0.1,"quantity":18446744073709551617}',
    '{"category":"b","price":0.2,"quantity":-18446744073709551616}',
    '{"category":"b","price":-0.3,"quantity":1e-320}',
    '{"category":9007199254740993,"price":1}',
    '{"category":9007199254740992,"price":2}',
    '{"category":-0,"price":3}',
    '{"category":0.0,"price":4}',
    '{"category":1e400,"price":5}',
    # 0 and -0 in either order: the figures are 0 whichever came first
    '{"category":"z","price":-0.0,"quantity":0}',
    '{"category":"z","price":0,"quantity":-0}',
    '{"category":"zz","price":-0.0}',
]]
PY

numbers_both_ways() {
	both numbers category price,quantity
}
test_case "consumer: 2^53+1, -2^63, 2^64+1, 1e400, 0.1+0.2-0.3 summed exactly, -0 and 0 alike in either order, --stats and found" numbers_both_ways

records syntax <<'PY'
deep = lambda n: "[" * n + "]" * n
R = [s if isinstance(s, bytes) else s.encode() for s in [
    '{"category":"a","note":"\\t\\u0001\\u001f\\ud83d\\ude00","price":1}',
    b'{"category":"a","note":"raw\x01","price":2}',
    b'{"category":"a","note":"bad\xff","price":3}',
    b'{"category":"a","note":"surrogate\xed\xa0\x80","price":3}',
    '{"category":"a","note":"\\ud83d","price":4}',
    '{"category":"a","note":[1,{"a":"\\u0000"}],"price":5}',
    '{"category":"a","note":01,"price":5}',
    '{"category":"a","note":[1,],"price":5}',
    '{"category":"a","note":tru,"price":5}',
    '{"category":"a","note":%s,"price":6}' % deep(999),
    '{"category":"a","note":%s,"price":7}' % deep(1000),
    '{"category":"a\\u0000b","price":1}',
    '{"category":"a\\u0000c","price":2}',
    '{"category":"a\\n\\u001f","price":3}',
    b'{"category":"a\x01","price":2}',
    ' \t\n\r{ \t\n\r"category" \t\n\r: \t\n\r"w" \t\n\r, \t\n\r"price"\t:\n-1.5e1\r,"x"\t:\t[\t1\t,\t{\t"q"\t:\tnull\t}\t]\t}\t\n\r ',
    '\x0c{"category":"w","price":3}',
    b'{"category":"w","price":8}\0',
    b'{"category":"w","price":9}' + b'\0' * 20,
    b'{"category":"w","price":9}\0 ',
    b'\0',
    '{}',
    '[{"category":"w","price":1}]',
    '{"category":"w","price":1}{}',
    # refused, yet its fields are found, also those after the second copy
    '{"category":"w","category":"w","found":1}',
]]
PY

syntax_both_ways() {
	both syntax category price
}
test_case "consumer: control bytes, bad UTF-8, deep nesting in skipped and group values, whitespace, trailing NULs, {} and arrays; a refused record's fields found" syntax_both_ways

records longname <<'PY'
F = "a_group_field_whose_name_is_long_enough_0123456789"
R = [s.encode() for s in [
    '{"%s":"x","price":1}' % F,
    '{"%s":"x","price":2,"%sZ":"y"}' % (F, F),
    '{"%s":"y","price":3}' % F[:-1],
    '{"%s\\u0000tail":"z","price":4}' % F,
    '{"%s":"z","price":5,"%s":"z"}' % (F, F[:16]),
    '{"%s\\u0039":"u","price":6}' % F[:-1],
]]
PY

long_group_by_name() {
	both longname a_group_field_whose_name_is_long_enough_0123456789 price
}
test_case "consumer: --group-by a 50-byte field among names alike, with a NUL or an escape" long_group_by_name
