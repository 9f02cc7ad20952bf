# lib.sh: shared helpers for the integration tests (sourced by each tNNNN).
# Each test runs against the broker at $KT_BROKERS, with the programs in
# $KT_BIN, and cleans up after itself through at_exit, also on failure.
set -euo pipefail

: "${KT_BIN:?run through scripts/run-tests.sh}"
: "${KT_BROKERS:?run through scripts/run-tests.sh}"
KT_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KT_PY=${KT_PY:-$KT_REPO/.cache/venv/bin/python3}
TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/$TEST_NAME.XXXXXX")
export KAFKA_BOOTSTRAP_SERVERS=$KT_BROKERS

_at_exit=()
at_exit() { _at_exit+=("$*"); }
_cleanup() {
	local rc=$? i
	for ((i = ${#_at_exit[@]} - 1; i >= 0; i--)); do
		eval "${_at_exit[$i]}" >/dev/null 2>&1 || true
	done
	if [ "${KT_KEEP:-0}" = 1 ] && [ $rc != 0 ]; then
		echo "$TEST_NAME: work files kept in $WORK" >&2
	else
		rm -rf "$WORK"
	fi
	exit $rc
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s: %s\n' "$TEST_NAME" "$*"; }
fail() {
	printf '%s: FAIL: %s\n' "$TEST_NAME" "$*" >&2
	exit 1
}

# A topic name no other test (or run) uses; deleted when the test ends.
new_topic() {
	local t="kt-$1-$$-$RANDOM"
	at_exit ktpy delete "$t"
	printf '%s' "$t"
}

ktpy() { "$KT_PY" "$KT_REPO/tests/integration/ktpy.py" "$@"; }

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
