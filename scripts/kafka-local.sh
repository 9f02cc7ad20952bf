#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft, broker+controller) on 127.0.0.1,
# from Maven Central jars and the machine's JDK; Docker Compose instead when
# a Docker engine answers.
#
#   scripts/kafka-local.sh fetch              download the jars (once)
#   scripts/kafka-local.sh start [--secure]   start; returns when it answers
#   scripts/kafka-local.sh stop               stop; no process left behind
#   scripts/kafka-local.sh status             0 when running and answering
#   scripts/kafka-local.sh logs               the tail of the broker's log
#   scripts/kafka-local.sh kill               SIGKILL the broker (fault tests)
#   scripts/kafka-local.sh resume             start again on the same data
#
# KAFKA_PORT (default 9092) is the client port; the controller listens on
# KAFKA_CONTROLLER_PORT (default KAFKA_PORT + 10000, or + 1 when that would
# reach the ephemeral port range). --secure (or KAFKA_SECURE=1) enables SASL/PLAIN users
# admin, app and reader with ACLs; their client properties are written to
# $KTRIO_CACHE/run-$KAFKA_PORT/{admin,app,reader}.properties.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${KTRIO_CACHE:-$repo/.cache/kafka}
lib=$cache/lib
port=${KAFKA_PORT:-9092}
# The controller's port stays below the kernel's ephemeral range (32768 and
# up), where a client socket could hold it and make the bind fail.
cport=${KAFKA_CONTROLLER_PORT:-$((port + 10000 < 32768 ? port + 10000 : port + 1))}
run=$cache/run-$port
pidfile=$run/broker.pid
secure=${KAFKA_SECURE:-0}
heap=${KAFKA_HEAP:--Xms256m -Xmx768m}

say() { printf 'kafka-local: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 1
}

use_docker() {
	[ "${KTRIO_NO_DOCKER:-0}" != 1 ] && command -v docker >/dev/null 2>&1 &&
		docker info >/dev/null 2>&1
}

fetch() {
	if [ -f "$lib/.complete" ]; then
		return 0
	fi
	command -v mvn >/dev/null || die "Maven is missing (run scripts/setup.sh)"
	say "downloading Apache Kafka 4.3.1 jars from Maven Central into $lib"
	rm -rf "$lib"
	mkdir -p "$lib"
	mvn -q -B -f "$repo/scripts/kafka-pom.xml" \
		org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
		-DincludeScope=runtime -DoutputDirectory="$lib" >&2 ||
		die "Maven could not resolve the Kafka jars"
	touch "$lib/.complete"
}

java_run() { # CLASS ARGS...: run a Kafka class with the cached jars
	java -Xmx256m -cp "$lib/*" -Dlog4j2.configurationFile="$repo/scripts/log4j2.properties" \
		-Dkafka.logs.dir="$run" "$@"
}

running_pid() {
	[ -f "$pidfile" ] || return 1
	local pid
	pid=$(cat "$pidfile")
	kill -0 "$pid" 2>/dev/null && printf '%s' "$pid"
}

client_props() { # the properties a client of this broker needs
	if [ "$secure" = 1 ] || [ -f "$run/secure" ]; then
		printf -- '-X security.protocol=SASL_PLAINTEXT -X sasl.mechanism=PLAIN -X sasl.username=admin -X sasl.password=admin-secret'
	fi
}

answers() {
	# shellcheck disable=SC2046
	timeout 10 kcat -b "127.0.0.1:$port" $(client_props) -m 3 -L >/dev/null 2>&1
}

port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

write_properties() {
	local listeners proto jaas
	if [ "$secure" = 1 ]; then
		proto=SASL_PLAINTEXT
		jaas='org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_app="app-secret" user_reader="reader-secret";'
	else
		proto=PLAINTEXT
	fi
	cat >"$run/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=$proto://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=$proto://127.0.0.1:$port
inter.broker.listener.name=$proto
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:$proto,$proto:$proto
log.dirs=$run/data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.cleaner.dedupe.buffer.size=2097152
log.cleaner.backoff.ms=1000
server.max.startup.time.ms=60000
PROPS
	if [ "$secure" = 1 ]; then
		cat >>"$run/server.properties" <<PROPS
sasl.enabled.mechanisms=PLAIN
sasl.mechanism.inter.broker.protocol=PLAIN
sasl.mechanism.controller.protocol=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=$jaas
listener.name.controller.plain.sasl.jaas.config=$jaas
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin
allow.everyone.if.no.acl.found=false
PROPS
		touch "$run/secure"
		for u in admin app reader; do
			printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.username=%s\nsasl.password=%s-secret\n' \
				"$u" "$u" >"$run/$u.properties"
		done
		# The same for Kafka's Java tools.
		printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret";\n' \
			>"$run/admin-java.properties"
	fi
}

launch() { # start the JVM on the data in $run, then wait until it answers
	nohup java $heap -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
		-Dlog4j2.configurationFile="$repo/scripts/log4j2.properties" -Dkafka.logs.dir="$run" \
		-cp "$lib/*" kafka.Kafka "$run/server.properties" >"$run/stdout.log" 2>&1 &
	echo $! >"$pidfile"
	local pid=$! deadline=$((SECONDS + 90))
	until answers; do
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -n 30 "$run/server.log" "$run/stdout.log" >&2 2>/dev/null || true
			die "the broker exited during start-up (log above)"
		fi
		if [ $SECONDS -ge $deadline ]; then
			tail -n 30 "$run/server.log" >&2 2>/dev/null || true
			kill -9 "$pid" 2>/dev/null || true
			die "the broker did not answer within 90 s (log above)"
		fi
		sleep 0.2
	done
}

grant_acls() { # app: everything on topics and groups; reader: read, no delete
	local acl=(org.apache.kafka.tools.AclCommand --bootstrap-server "127.0.0.1:$port"
		--command-config "$run/admin-java.properties")
	java_run "${acl[@]}" --add --allow-principal User:app --operation All \
		--topic '*' --group '*' >/dev/null
	java_run "${acl[@]}" --add --allow-principal User:app --operation IdempotentWrite \
		--operation Describe --cluster >/dev/null
	java_run "${acl[@]}" --add --allow-principal User:reader --operation Read \
		--operation Describe --operation DescribeConfigs --topic '*' >/dev/null
	java_run "${acl[@]}" --add --allow-principal User:reader --operation Read \
		--operation Describe --group '*' >/dev/null
}

start() {
	if use_docker; then
		docker compose -f "$repo/docker-compose.yml" up -d --wait
		return
	fi
	if running_pid >/dev/null && answers; then
		say "already running on 127.0.0.1:$port"
		return 0
	fi
	if port_busy "$port" || port_busy "$cport"; then
		die "port $port or $cport is in use by another program (set KAFKA_PORT)"
	fi
	command -v java >/dev/null || die "java is missing (run scripts/setup.sh)"
	fetch
	rm -rf "$run"
	mkdir -p "$run/data"
	write_properties
	local id
	id=$(java_run kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
	java_run kafka.tools.StorageTool format -t "$id" -c "$run/server.properties" >"$run/format.log" 2>&1 ||
		{ cat "$run/format.log" >&2; die "cannot format the storage"; }
	local t0=$SECONDS
	launch
	[ "$secure" = 1 ] && grant_acls
	say "broker running on 127.0.0.1:$port (pid $(cat "$pidfile"), up in $((SECONDS - t0)) s)"
}

stop() {
	if use_docker; then
		docker compose -f "$repo/docker-compose.yml" down
		return
	fi
	local pid
	if ! pid=$(running_pid); then
		say "not running"
		rm -f "$pidfile"
		return 0
	fi
	kill -TERM "$pid" 2>/dev/null || true
	local deadline=$((SECONDS + 20))
	while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	rm -f "$pidfile"
	say "stopped"
}

case "${1:-}" in
fetch) fetch ;;
start)
	[ "${2:-}" = --secure ] && secure=1
	start
	;;
stop) stop ;;
status)
	if use_docker; then
		docker compose -f "$repo/docker-compose.yml" ps
	elif running_pid >/dev/null && answers; then
		echo "running on 127.0.0.1:$port (pid $(running_pid))"
	else
		echo "not running"
		exit 3
	fi
	;;
logs) tail -n "${LINES:-100}" "$run/server.log" ;;
kill)
	pid=$(running_pid) || die "not running"
	kill -9 "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	;;
resume)
	running_pid >/dev/null && die "already running"
	[ -f "$run/server.properties" ] || die "nothing to resume: start first"
	[ -f "$run/secure" ] && secure=1
	launch
	;;
*)
	sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac
