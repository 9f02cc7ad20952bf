#!/usr/bin/env bash
# make demo: start a local broker, run the generator (200 events/s) in the
# background and the consumer in the foreground for DEMO_SECONDS (default
# 60), then stop everything this script started, also on Ctrl-C.
set -euo pipefail

build=${1:-build}
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bin="$repo/$build/bin"
seconds=${DEMO_SECONDS:-60}
export KAFKA_PORT=${KAFKA_PORT:-9092}
brokers="127.0.0.1:$KAFKA_PORT"
topic=${DEMO_TOPIC:-events}
log_dir=$(mktemp -d "${TMPDIR:-/tmp}/ktrio-demo.XXXXXX")

started_broker=0
gen_pid=
con_pid=
cleanup() {
	trap - EXIT INT TERM
	[ -n "$con_pid" ] && kill -TERM "$con_pid" 2>/dev/null && wait "$con_pid" 2>/dev/null
	[ -n "$gen_pid" ] && kill -TERM "$gen_pid" 2>/dev/null && wait "$gen_pid" 2>/dev/null
	[ -s "$log_dir/generator.log" ] && tail -n 1 "$log_dir/generator.log"
	if [ $started_broker = 1 ]; then
		echo "demo: stopping the local broker"
		scripts/kafka-local.sh stop >/dev/null 2>&1 || true
	fi
	rm -rf "$log_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if scripts/kafka-local.sh status >/dev/null 2>&1; then
	echo "demo: using the broker already running on $brokers"
else
	echo "demo: starting a local Kafka broker on $brokers"
	scripts/kafka-local.sh start
	started_broker=1
fi

echo "demo: generator -> topic '$topic' (3 partitions) at 200 events/s"
"$bin/generator" -b "$brokers" -t "$topic" --create-topic --partitions 3 --rate 200 \
	>/dev/null 2>"$log_dir/generator.log" &
gen_pid=$!
# The generator creates the topic; the consumer starts once it exists.
deadline=$((SECONDS + 30))
until kcat -b "$brokers" -m 5 -L -t "$topic" 2>/dev/null | grep -q "partition 0"; do
	kill -0 "$gen_pid" 2>/dev/null || { tail -n 5 "$log_dir/generator.log"; exit 1; }
	[ $SECONDS -lt $deadline ] || { echo "demo: topic '$topic' did not appear" >&2; exit 1; }
	sleep 0.2
done

echo "demo: consumer, 2 s windows grouped by category, for $seconds s (Ctrl-C stops)"
"$bin/consumer" -b "$brokers" -t "$topic" -g "ktrio-demo-$$" --window 2s \
	--group-by category --stats price,quantity --top 5 &
con_pid=$!
# The consumer runs in the foreground of the terminal; stop it after the
# demo's time, or earlier if it exits by itself.
deadline=$((SECONDS + seconds))
while [ $SECONDS -lt $deadline ] && kill -0 "$con_pid" 2>/dev/null; do
	sleep 0.2
done
