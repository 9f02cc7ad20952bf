#!/usr/bin/env bash
# Every kind of bad command line, for each program: one line on stderr that
# names the flag or value, exit status 2, and no connection attempted (the
# broker address is a port where a listener records any connection).
. "$(dirname "$0")/lib.sh"

# A listener that notes any connection: nothing may reach it.
port_file="$WORK/port"
python3 - "$port_file" "$WORK/connected" <<'PY' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.settimeout(600)
try:
    c, _ = s.accept()
    open(sys.argv[2], "w").write("connected\n")
except Exception:
    pass
PY
listener=$!
at_exit "kill $listener"
wait_for 10 test -s "$port_file" || fail "listener did not start"
trap_broker="127.0.0.1:$(cat "$port_file")"

# check_bad PROGRAM EXPECTED-TEXT ARGS...
check_bad() {
	local prog=$1 want=$2
	shift 2
	local rc=0
	"$KT_BIN/$prog" -b "$trap_broker" "$@" >"$WORK/out" 2>"$WORK/err" </dev/null || rc=$?
	[ "$rc" = 2 ] || { cat "$WORK/err"; fail "$prog $*: exit $rc, expected 2"; }
	[ "$(wc -l <"$WORK/err")" = 1 ] || { cat "$WORK/err"; fail "$prog $*: not one line"; }
	grep -qF -- "$want" "$WORK/err" || { cat "$WORK/err"; fail "$prog $*: no '$want'"; }
	grep -q "^$prog: " "$WORK/err" || fail "$prog $*: message lacks the program name"
}
# case_ PROGRAM EXPECTED-TEXT ARGS...: one named case per bad command line.
case_() {
	local prog=$1 want=$2
	shift 2
	local args="$*"
	# Names stay the same from run to run: no work folder in them.
	test_case "$prog: '${args//"$WORK/"/}' exits 2 with one line: ${want//"$WORK/"/}" \
		check_bad "$prog" "$want" "$@"
}

# delete-records needs a topic and a mode before other checks apply.
base_generator=()
base_consumer=()
base_delete_records=(-t x --before-offset 1)
for p in generator consumer delete-records; do
	b="base_${p//-/_}[@]"
	set -- "${!b}"
	case_ $p "unknown option '--nope'" "$@" --nope
	case_ $p "unknown option '-Z'" "$@" -Z
	case_ $p "option '--topic' requires a value" "$@" --topic
	case_ $p "option '-t' requires a value" "$@" -t
	case_ $p "invalid value '' for --topic: empty topic name" "$@" -t ''
	case_ $p "invalid value 'a/b' for --topic" "$@" -t 'a/b'
	case_ $p "invalid value 'bad topic' for --topic" "$@" -t 'bad topic'
	case_ $p "invalid value '5x' for --connect-timeout" "$@" --connect-timeout 5x
	case_ $p "invalid property 'no.such.property'" "$@" -X no.such.property=1
	case_ $p "invalid property 'acks'" "$@" -X acks=maybe
	case_ $p "invalid property 'junk' for -X" "$@" -X junk
	case_ $p "cannot open '$WORK/missing.properties'" "$@" -F "$WORK/missing.properties"
	# The generator writes events, not a report: it has no --format.
	if [ $p = generator ]; then
		case_ $p "unknown option '--format'" "$@" --format xml
	else
		case_ $p "invalid value 'xml' for --format" "$@" --format xml
	fi
	case_ $p "unexpected argument 'extra'" "$@" extra
done

case_ generator "invalid value '-5' for --count" --count -5
case_ generator "invalid value '99999999999999999999' for --count" --count 99999999999999999999
case_ generator "invalid value '-1' for --rate" --rate -1
case_ generator "invalid value '1e99' for --rate" --rate 1e99
case_ generator "invalid value 'fast' for --rate" --rate fast
case_ generator "invalid value '10' for --duration: missing unit" --duration 10
case_ generator "invalid value '3 days' for --duration" --duration '3 days'
case_ generator "invalid value 'yesterday' for --start-time" --start-time yesterday
case_ generator "option '--create-topic' conflicts with '--dry-run'" --create-topic --dry-run
case_ generator "option '--schema' conflicts" --template orders --schema x.json
case_ generator "invalid value '0' for --partitions" --partitions 0
case_ generator "option '--topic' given twice" -t a -t b
case_ generator "invalid value 'a' for --topic: given twice" -t a -t a

case_ consumer "missing closing parenthesis at offset 3" --filter 'name~a(b'
case_ consumer "filter 'price>abc'" --filter 'price>abc'
case_ consumer "filter 'nooperator'" --filter nooperator
case_ consumer "invalid value '0s' for --window" --window 0s
case_ consumer "invalid value '-3' for --top" --top -3
case_ consumer "invalid value 'median' for --columns: expected mean, min, max" --columns mean,median
case_ consumer "invalid value 'x.p99' for --columns: 'x' is not a --stats field" --stats price --columns x.p99
case_ consumer "invalid value 'p99' for --columns: named twice" --columns p99 --columns mean,p99
case_ consumer "invalid value 'mean,' for --columns: empty item" --columns mean,
case_ consumer "option '--columns' is for the table" --columns mean --format csv
case_ consumer "invalid value '' for --group-by: empty field name" --group-by ''
case_ consumer "invalid value 'a,,b' for --group-by" --group-by 'a,,b'
case_ consumer "invalid value '' for --group: empty group name" -g ''
case_ consumer "option '--idle-timeout' needs '--event-time'" --idle-timeout 3s
case_ consumer "option '--allowed-lateness' needs '--event-time'" --allowed-lateness 3s
case_ consumer "invalid value 'a' for --topic: given twice" -t a -t b -t a
case_ consumer "invalid value '99999999999999999999' for --top" --top 99999999999999999999
case_ consumer "invalid value '1e400s' for --window" --window 1e400s
case_ consumer "invalid value '-1' for --max-groups" --max-groups -1
case_ consumer "invalid value '0' for --threads" --threads 0
case_ delete-records "invalid value '99999999999999999999' for --before-offset" -t x --before-offset 99999999999999999999

case_ delete-records "nothing to delete: give --before-offset" -t x
case_ delete-records "option '--topic' is required" --before-offset 5
case_ delete-records "invalid value '-1' for --before-offset" -t x --before-offset -1
case_ delete-records "invalid value 'soon' for --before-offset" -t x --before-offset soon
case_ delete-records "option '--older-than' conflicts with '--before-offset'" -t x --before-offset 5 --older-than 1h
case_ delete-records "invalid value '4-2' for --partition" -t x -p 4-2 --before-offset 1
case_ delete-records "invalid value '2026-01-01T00:00:00' for --before-time: time zone missing" -t x --before-time 2026-01-01T00:00:00
case_ delete-records "invalid value 'k(' for --key-regex" -t x --key-regex 'k('
case_ delete-records "option '--partition' conflicts with '--key'" -t x --key a -p 1
case_ delete-records "option '--topic' conflicts with '--offset-json-file'" -t x --offset-json-file f.json
case_ delete-records "invalid value 'csv' for --format" -t x --before-offset 1 --format csv
# The offset file is read before any connection.
printf '{"partitions":[{"topic":"t","partition":0,"offset":1},' >"$WORK/truncated.json"
printf '{"partitions":[{"topic":"t","partition":0,"offset":1},{"topic":"t","partition":0,"offset":2}]}' >"$WORK/twice.json"
case_ delete-records "invalid offset file '$WORK/truncated.json': not valid JSON" --offset-json-file "$WORK/truncated.json"
case_ delete-records "invalid offset file '$WORK/twice.json'" --offset-json-file "$WORK/twice.json"
case_ delete-records "cannot open '$WORK/missing.json'" --offset-json-file "$WORK/missing.json"

nothing_connected() {
	[ ! -e "$WORK/connected" ] || fail "a program connected to the broker despite bad input"
}
test_case "all programs: no bad command line made a connection" nothing_connected
