# lib.sh: shared helpers for the integration tests (sourced by each tNNNN).
# Each test runs against the broker at $KT_BROKERS, with the programs in
# $KT_BIN, and cleans up after itself through at_exit, also on failure.
#
# A test is a list of named cases, as git's test_expect_success:
#
#   topic=$(new_topic del-offset)          # set-up: a failure here stops the test
#   deletes_all() { ...checks... }
#   test_case "delete-records: --before-offset on every partition" deletes_all
#
# Each case prints "ok N - NAME" or "not ok N - NAME: REASON" (the reason is
# what fail said, or the command that failed and its line). A case runs in a
# subshell with `set -e`: it sees the test's variables and functions, but
# what it sets stays inside it; state for later cases lives in the broker or
# in $WORK. A failed case does not stop the test (KT_IMMEDIATE=1 stops at the
# first one); the test's exit status is non-zero when any case failed.
# What a case registers with at_exit runs when the whole test ends.
set -euo pipefail

: "${KT_BIN:?run through scripts/run-tests.sh}"
: "${KT_BROKERS:?run through scripts/run-tests.sh}"
KT_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KT_PY=${KT_PY:-$KT_REPO/.cache/venv/bin/python3}
TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/$TEST_NAME.XXXXXX")
export KAFKA_BOOTSTRAP_SERVERS=$KT_BROKERS
# The tests' Python helpers (oracle.py, evmodel.py) import one another.
export PYTHONPATH="$KT_REPO/tests/integration${PYTHONPATH:+:$PYTHONPATH}"

# The clean-up list is a file, so what a case (a subshell) registers is
# still run when the test ends. One command a line, run last first.
_at_exit_file=$WORK/.at-exit
: >"$_at_exit_file"
at_exit() {
	local cmd="$*"
	printf '%s\n' "${cmd//$'\n'/ }" >>"$_at_exit_file"
}
_cases=0
_cases_failed=0
_last_case=
_cleanup() {
	local rc=$? cmd
	if [ -s "$_at_exit_file" ]; then
		while IFS= read -r cmd; do
			eval "$cmd" >/dev/null 2>&1 || true
		done < <(tac "$_at_exit_file")
	fi
	if [ $rc != 0 ] && [ "$_cases_failed" = 0 ]; then
		echo "# stopped outside a case (exit $rc)${_last_case:+, after case $_cases '$_last_case'}"
	elif [ "$_cases_failed" != 0 ]; then
		echo "# failed $_cases_failed among $_cases case(s)"
		[ $rc != 0 ] || rc=1
	else
		echo "# passed all $_cases case(s)"
	fi
	if [ "${KT_KEEP:-0}" = 1 ] && [ $rc != 0 ]; then
		echo "$TEST_NAME: work files kept in $WORK" >&2
	else
		rm -rf "$WORK"
	fi
	exit $rc
}
trap _cleanup EXIT
trap 'exit 130' INT TERM
# Outside a case, a failing command stops the test: say which one.
set -o errtrace
trap '_on_err $? "$BASH_COMMAND" "${BASH_SOURCE[0]##*/}:$LINENO"' ERR
_on_err() {
	local msg="'$2' exited $1 ($3)"
	if [ -n "${_case_reason:-}" ]; then
		[ -s "$_case_reason" ] || printf '%s\n' "$msg" >"$_case_reason"
	else
		printf '%s: FAIL: %s\n' "$TEST_NAME" "$msg" >&2
	fi
}

# test_case NAME CMD [ARGS...]: run CMD (usually a function holding the
# case's checks) as case NAME and print its verdict line. Call it as a
# plain command, not in an if, || or && (that would switch set -e off).
test_case() {
	local name=$1 rc errexit=0
	shift
	_cases=$((_cases + 1))
	_last_case=$name
	_case_reason=$WORK/.reason
	rm -f "$_case_reason"
	[[ $- == *e* ]] && errexit=1
	set +e
	(
		set -e
		"$@"
	)
	rc=$?
	[ $errexit = 1 ] && set -e
	if [ $rc = 0 ]; then
		echo "ok $_cases - $name"
	else
		_cases_failed=$((_cases_failed + 1))
		local why="exit $rc"
		[ -s "$_case_reason" ] && why=$(head -n 1 "$_case_reason")
		echo "not ok $_cases - $name: $why"
		if [ "${KT_IMMEDIATE:-0}" = 1 ]; then
			_case_reason=
			exit 1
		fi
	fi
	_case_reason=
}

say() { printf '%s: %s\n' "$TEST_NAME" "$*"; }
# fail REASON: the case (or, outside a case, the test) fails with REASON.
fail() {
	printf '%s: FAIL: %s\n' "$TEST_NAME" "$*" >&2
	[ -z "${_case_reason:-}" ] || printf '%s\n' "$*" >"$_case_reason"
	exit 1
}

# A topic name no other test (or run) uses; deleted when the test ends.
new_topic() {
	local t="kt-$1-$$-$RANDOM"
	at_exit ktpy delete "$t"
	printf '%s' "$t"
}

ktpy() { "$KT_PY" "$KT_REPO/tests/integration/ktpy.py" "$@"; }
scaleout() { "$KT_PY" "$KT_REPO/tests/integration/scaleout.py" "$@"; }

# The scale-out tests' seeded backlog: evmodel.py's event-time dataset of
# 6 partitions of PER records from T0 (out of order within 5 s, some late)
# in $WORK/clean, and the same with invalid records mixed in (scaleout.py
# spoil) in $WORK/data.  scale_backlog SEED PER SPOIL_SEED T0
scale_backlog() {
	"$KT_PY" "$KT_REPO/tests/integration/evmodel.py" dataset "$1" 6 "$2" "$4" 5000 2000 >"$WORK/clean"
	scaleout spoil "$WORK/clean" "$3" >"$WORK/data"
}

# Start a background process and make sure it is stopped at exit.
spawn() {
	"$@" &
	local pid=$!
	at_exit "kill -9 $pid"
	printf '%s' "$pid"
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
	[ "$2" == "$3" ] || fail "$1: expected '$2', got '$3'"
}

# expect_status CODE CMD...: run CMD, require exit status CODE; output in
# $WORK/out and $WORK/err.
expect_status() {
	local want=$1 rc=0
	shift
	"$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
	if [ "$rc" != "$want" ]; then
		cat "$WORK/err" >&2
		fail "'$*' exited $rc, expected $want"
	fi
}

# expect_grep PATTERN FILE: FILE has a line matching the extended regex.
expect_grep() {
	grep -Eq -- "$1" "$2" || {
		head -c 3000 "$2" >&2
		fail "no line matching '$1' in $(basename "$2")"
	}
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}

# A broker of this test's own (for fault and security tests that must not
# disturb a shared one): sets PRIVATE_PORT and PRIVATE_BROKERS; stopped at
# exit. Extra arguments go to kafka-local.sh start (e.g. --secure).
private_broker() {
	local port
	# Below the ephemeral range (32768 and up), where a client socket of
	# this very machine could hold the port and make the bind fail.
	for _ in $(seq 50); do
		port=$((20000 + RANDOM % 5000 * 2))
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
		(exec 3<>"/dev/tcp/127.0.0.1/$((port + 1))") 2>/dev/null && continue
		break
	done
	PRIVATE_PORT=$port
	PRIVATE_BROKERS="127.0.0.1:$port"
	at_exit "KAFKA_PORT=$port KAFKA_CONTROLLER_PORT=$((port + 1)) KTRIO_NO_DOCKER=1 $KT_REPO/scripts/kafka-local.sh stop; rm -rf $KT_REPO/.cache/kafka/run-$port"
	KAFKA_PORT=$port KAFKA_CONTROLLER_PORT=$((port + 1)) KTRIO_NO_DOCKER=1 "$KT_REPO/scripts/kafka-local.sh" start "$@" >"$WORK/broker-$port.log" 2>&1 ||
		{ cat "$WORK/broker-$port.log"; fail "private broker did not start"; }
}
private_broker_do() { # kill | resume
	KAFKA_PORT=$PRIVATE_PORT KAFKA_CONTROLLER_PORT=$((PRIVATE_PORT + 1)) KTRIO_NO_DOCKER=1 \
		"$KT_REPO/scripts/kafka-local.sh" "$@"
}

# A three-broker cluster of this test's own (scripts/kafka-local.sh start
# --nodes 3: brokers 1..3 on CLUSTER_PORT..+2, the controller on +3, RF 3,
# min.insync.replicas 2): sets CLUSTER_PORT and CLUSTER_BROKERS, exports
# KT_BROKERS for ktpy; stopped at exit. cluster_do kill|resume|status ID.
# KT_CLUSTER_PORT=P uses the cluster already running on P instead (while
# developing a test; it is left running).
private_cluster() {
	local port p free
	if [ -n "${KT_CLUSTER_PORT:-}" ]; then
		port=$KT_CLUSTER_PORT
		CLUSTER_PORT=$port
		CLUSTER_BROKERS="127.0.0.1:$port,127.0.0.1:$((port + 1)),127.0.0.1:$((port + 2))"
		export KT_BROKERS=$CLUSTER_BROKERS KAFKA_BOOTSTRAP_SERVERS=$CLUSTER_BROKERS
		return 0
	fi
	for _ in $(seq 50); do
		port=$((20000 + RANDOM % 800 * 12))
		free=1
		for p in $port $((port + 1)) $((port + 2)) $((port + 3)); do
			! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || free=0
		done
		[ $free = 0 ] || break
	done
	CLUSTER_PORT=$port
	CLUSTER_BROKERS="127.0.0.1:$port,127.0.0.1:$((port + 1)),127.0.0.1:$((port + 2))"
	export KT_BROKERS=$CLUSTER_BROKERS KAFKA_BOOTSTRAP_SERVERS=$CLUSTER_BROKERS
	at_exit "KAFKA_PORT=$port KTRIO_NO_DOCKER=1 $KT_REPO/scripts/kafka-local.sh stop; rm -rf $KT_REPO/.cache/kafka/run-$port"
	KAFKA_PORT=$port KAFKA_CONTROLLER_PORT=$((port + 3)) KTRIO_NO_DOCKER=1 \
		"$KT_REPO/scripts/kafka-local.sh" start --nodes 3 "$@" >"$WORK/cluster-$port.log" 2>&1 ||
		{ cat "$WORK/cluster-$port.log"; fail "the private cluster did not start"; }
}
cluster_do() {
	KAFKA_PORT=$CLUSTER_PORT KTRIO_NO_DOCKER=1 "$KT_REPO/scripts/kafka-local.sh" "$@" >>"$WORK/cluster-$CLUSTER_PORT.log" 2>&1
}
# leader_of TOPIC PARTITION: the node id of the partition's leader (-1: none)
leader_of() { ktpy leaders "$1" | awk -v p="$2" '$1 == p {print $2}'; }
# isr_of TOPIC PARTITION: its in-sync replicas, e.g. "1,2,3"
isr_of() { ktpy leaders "$1" | awk -v p="$2" '$1 == p {print $3}'; }
