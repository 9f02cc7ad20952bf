#!/usr/bin/env bash
# Run one of Kafka's own tools from the cached jars, e.g.
#   scripts/kafka-tool.sh org.apache.kafka.tools.DeleteRecordsCommand --bootstrap-server ... 
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${KTRIO_CACHE:-$repo/.cache/kafka}
"$repo/scripts/kafka-local.sh" fetch
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
java -Xmx256m -cp "$cache/lib/*" -Dlog4j2.configurationFile="$repo/scripts/log4j2.properties" \
	-Dkafka.logs.dir="$logs" "$@"
