#!/usr/bin/env bash
# Runs the test suites: unit (cmocka binaries), integration (shell tests
# against a real local broker) or both, and ends with "N passed, N failed",
# counting cmocka tests and the integration tests' named cases.
#   scripts/run-tests.sh BUILD_DIR unit|integration|cluster|all|valgrind
set -uo pipefail

build=${1:?usage: run-tests.sh BUILD_DIR unit|integration|cluster|all|valgrind}
mode=${2:-all}
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1

passed=0
failed=0
failures=()

run_unit() {
	local wrap=("$@") t out rc p f
	local name
	# tests/unit/{lib,<program>}/test_<module>.c build to $build/tests/<dir>/.
	for t in $(find "$build/tests" -type f -name 'test_*' ! -name '*.[od]' | sort); do
		[ -x "$t" ] || continue
		name=${t#"$build"/tests/}
		# A binary left from a test file since removed is not run.
		[ -f "tests/unit/$name.c" ] || continue
		out=$("${wrap[@]}" "$t" 2>&1)
		rc=$?
		p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
		f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
		passed=$((passed + ${p:-0}))
		if [ "$rc" -ne 0 ]; then
			# A crash or a valgrind error counts even if cmocka said PASSED.
			failed=$((failed + ${f:-1}))
			failures+=("$name")
			printf '%s\n' "$out" | tail -n 40
			echo "FAIL unit $name (exit $rc)"
		else
			echo "ok   unit $name (${p:-0} tests)"
		fi
	done
}

# integration: every tNNNN but the cluster ones (t07xx-cluster-*, each
# starting a three-broker cluster of its own: 'cluster' mode, or named in
# KT_ONLY), against one shared broker; cluster: only those, no shared broker.
run_integration() {
	local which=${1:-single}
	export KT_BIN="$repo/$build/bin"
	export KAFKA_PORT=${KAFKA_PORT:-29092} # below the ephemeral port range
	export KT_BROKERS="127.0.0.1:$KAFKA_PORT"
	export KT_PY="$repo/.cache/venv/bin/python3"
	broker_started=0
	if [ "$which" = cluster ]; then
		echo "cluster tests: each starts its own three-broker cluster"
	elif ! scripts/kafka-local.sh status >/dev/null 2>&1; then
		local t0=$SECONDS
		scripts/kafka-local.sh start || { failed=$((failed + 1)); failures+=("broker start"); return; }
		broker_started=1
		echo "broker started on $KT_BROKERS in $((SECONDS - t0)) s"
	else
		echo "using the broker already running on $KT_BROKERS"
	fi
	# Stop what we started, whatever happens to the tests.
	trap '[ "$broker_started" = 1 ] && scripts/kafka-local.sh stop >/dev/null 2>&1' EXIT
	trap 'exit 130' INT TERM
	local t rc t0 log name ok notok line
	for t in tests/integration/t[0-9]*.sh; do
		[ -f "$t" ] || continue
		if [ -n "${KT_ONLY:-}" ] && [[ "$t" != *"$KT_ONLY"* ]]; then continue; fi
		case "$which:$t" in
		cluster:*-cluster-*) ;;
		cluster:*) continue ;;
		*-cluster-*) [ -n "${KT_ONLY:-}" ] || continue ;;
		esac
		name=$(basename "$t")
		t0=$SECONDS
		log=$(mktemp)
		# Each named case's verdict ("ok 3 - ...", "not ok 3 - ...: why")
		# is shown as it comes; the whole output is kept for a failure.
		bash "$t" 2>&1 | tee "$log" | grep --line-buffered -E '^(not )?ok [0-9]+ - ' | sed -u 's/^/     /'
		rc=${PIPESTATUS[0]}
		ok=$(grep -cE '^ok [0-9]+ - ' "$log")
		notok=$(grep -cE '^not ok [0-9]+ - ' "$log")
		passed=$((passed + ok))
		failed=$((failed + notok))
		if [ $rc -eq 0 ] && [ "$notok" = 0 ]; then
			if [ "$ok" = 0 ]; then
				# A test without named cases counts as one.
				passed=$((passed + 1))
				echo "ok   $name (no named cases, $((SECONDS - t0)) s)"
			else
				echo "ok   $name ($ok case$([ "$ok" = 1 ] || echo s), $((SECONDS - t0)) s)"
			fi
		else
			echo "---- $name: the last 60 lines of its output"
			tail -n 60 "$log"
			echo "----"
			while IFS= read -r line; do
				failures+=("$name: $line")
			done < <(grep -E '^not ok [0-9]+ - ' "$log")
			if [ "$notok" = 0 ]; then
				# Stopped outside any case (set-up, or a crash of the shell).
				failed=$((failed + 1))
				failures+=("$name: outside a case")
			fi
			echo "FAIL $name ($notok of $((ok + notok)) cases failed, exit $rc, $((SECONDS - t0)) s)"
		fi
		rm -f "$log"
	done
}

case "$mode" in
unit) run_unit ;;
valgrind) run_unit valgrind -q --suppressions=tests/unit/valgrind.supp --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible ;;
integration) run_integration ;;
cluster) run_integration cluster ;;
all)
	run_unit
	run_integration
	;;
*)
	echo "run-tests.sh: unknown mode '$mode'" >&2
	exit 2
	;;
esac

if [ ${#failures[@]} -gt 0 ]; then
	echo "failed:"
	printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
