#!/usr/bin/env bash
# Run one of Kafka's own tools from the jars kafka-local.sh caches, e.g.
#   scripts/kafka-tool.sh org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9092 --list
#   scripts/kafka-tool.sh org.apache.kafka.tools.ProducerPerformance --topic t --num-records 1000 \
#       --record-size 100 --throughput -1 --producer-props bootstrap.servers=127.0.0.1:9092
# Secure broker: add --command-config (or --producer.config / --consumer.config)
# .cache/kafka/run-$KAFKA_PORT/{admin,app,reader}-java.properties.
# The tool's own log goes to a temporary folder; its output is left as is.
# KAFKA_TOOL_HEAP (-Xmx256m) sets its heap.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 CLASS [ARGS...]" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${KTRIO_CACHE:-$repo/.cache/kafka}
"$repo/scripts/kafka-local.sh" fetch
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
# shellcheck disable=SC2086
java ${KAFKA_TOOL_HEAP:--Xmx256m} -cp "$cache/lib/*" -Dlog4j2.configurationFile="$repo/scripts/log4j2.properties" \
	-Dkafka.logs.dir="$logs" "$@"
