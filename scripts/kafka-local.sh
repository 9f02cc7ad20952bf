#!/usr/bin/env bash
# A real single-node Apache Kafka 4.3.1 (KRaft, broker and controller in one
# JVM) on 127.0.0.1, from Maven Central jars and the machine's JDK; Docker
# Compose (docker-compose.yml) instead when a Docker engine answers and the
# default plain broker on port 9092 is asked for.
#
#   scripts/kafka-local.sh fetch              download the jars (once)
#   scripts/kafka-local.sh start [--secure] [--tls]
#                                             fresh data; returns when it answers
#   scripts/kafka-local.sh stop               SIGTERM, SIGKILL after 20 s
#   scripts/kafka-local.sh status             exit 0 when running and answering, else 3
#   scripts/kafka-local.sh logs [-f]          the tail of server.log
#   scripts/kafka-local.sh kill               SIGKILL the broker (fault tests)
#   scripts/kafka-local.sh resume             start again on the same data
#
# KAFKA_PORT (9092) is the client port; the controller listens on
# KAFKA_CONTROLLER_PORT (KAFKA_PORT + 10000, or + 1 when that would reach the
# ephemeral port range). KAFKA_HEAP (-Xms256m -Xmx768m); KTRIO_CACHE
# (.cache/kafka) holds lib/ and run-$KAFKA_PORT/ (data, server.properties,
# server.log, broker.pid); KTRIO_NO_DOCKER=1 never uses Docker.
# --secure (or KAFKA_SECURE=1): SASL/PLAIN users admin, app and reader with
# ACLs (passwords admin-secret, app-secret, reader-secret); their client
# properties are run-$KAFKA_PORT/{admin,app,reader}.properties (librdkafka,
# kcat -F) and {admin,app,reader}-java.properties (Kafka's Java tools).
# --tls (or KAFKA_TLS=1): the client listener speaks TLS (SSL, or SASL_SSL
# with --secure) with a certificate for 127.0.0.1 from a throwaway CA made
# by openssl in run-$KAFKA_PORT/tls/ (ca.pem is what clients trust);
# run-$KAFKA_PORT/client.properties holds the client settings for plain
# TLS, and the users' properties files get them with --secure.
set -euo pipefail

kafka_version=4.3.1
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
tls=${KAFKA_TLS:-0}
heap=${KAFKA_HEAP:--Xms256m -Xmx768m}
log4j=$repo/scripts/log4j2.properties
ready_timeout=90

say() { printf 'kafka-local: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 1
}

case "$port$cport" in *[!0-9]*) die "KAFKA_PORT and KAFKA_CONTROLLER_PORT must be numbers" ;; esac
[ "$port" != "$cport" ] || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT are both $port"

use_docker() { # only for the plain broker on the compose file's port
	[ "${KTRIO_NO_DOCKER:-0}" != 1 ] && [ "$secure" != 1 ] && [ "$tls" != 1 ] && [ "$port" = 9092 ] &&
		command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1
}
compose() { docker compose -f "$repo/docker-compose.yml" "$@"; }

# The jars, resolved once into $lib; the stamp records the pom they came
# from, so a changed pom fetches again. A lock keeps concurrent first runs
# from downloading into the same folder.
fetch() {
	local pom=$repo/scripts/kafka-pom.xml stamp=$lib/.complete sum
	sum=$(cksum <"$pom")
	[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && return 0
	mkdir -p "$cache"
	exec 8>"$cache/.fetch.lock"
	flock 8
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
		exec 8>&-
		return 0
	fi
	command -v mvn >/dev/null || die "Maven is missing (run scripts/setup.sh)"
	say "downloading Apache Kafka $kafka_version (kafka_2.13, kafka-tools), log4j2 and" \
		"their dependencies (about 55 MB) from Maven Central into $lib"
	# Into a new folder, swapped in at the end: a broker or tool running on
	# the old jars keeps working meanwhile.
	local new=$cache/lib.new.$$ old=$cache/lib.old.$$
	rm -rf "$new"
	mkdir -p "$new"
	if ! mvn -q -B -Dstyle.color=never -f "$pom" \
		org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
		-DincludeScope=runtime -DoutputDirectory="$new" >"$cache/fetch.log" 2>&1 ||
		! [ -f "$new/kafka_2.13-$kafka_version.jar" ]; then
		cat "$cache/fetch.log" >&2
		rm -rf "$new"
		die "Maven could not resolve the Kafka jars (is Maven Central reachable?)"
	fi
	printf '%s\n' "$sum" >"$new/.complete"
	[ ! -d "$lib" ] || mv "$lib" "$old"
	mv "$new" "$lib"
	rm -rf "$old"
	exec 8>&-
	say "$(find "$lib" -name '*.jar' | wc -l) jars in $lib"
}

tool() { # CLASS ARGS...: a short-lived Kafka tool (quick start-up, small heap)
	java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$lib/*" \
		-Dlog4j2.configurationFile="$log4j" -Dkafka.logs.dir="$run" -Dkafka.log.file=tools.log "$@"
}

# Whether PID is the broker of this very run folder (its command line ends
# with kafka.Kafka $run/server.properties).
ours() {
	local args=()
	{ mapfile -d '' args <"/proc/$1/cmdline"; } 2>/dev/null || return 1
	local n=${#args[@]}
	[ "$n" -ge 2 ] && [ "${args[n - 2]}" = kafka.Kafka ] &&
		[ "${args[n - 1]}" = "$run/server.properties" ]
}

# The broker's PID: the pid file's when that is ours, else found by its
# command line (pid file lost).
running_pid() {
	local pid p
	if [ -f "$pidfile" ]; then
		pid=$(<"$pidfile")
		if [ -n "$pid" ] && ours "$pid"; then
			printf '%s' "$pid"
			return 0
		fi
	fi
	for p in /proc/[0-9]*; do
		if ours "${p#/proc/}"; then
			printf '%s' "${p#/proc/}"
			return 0
		fi
	done
	return 1
}

kcat_auth=()
set_auth() { # the client settings that the broker in $run asks for (admin's)
	[ ! -f "$run/secure" ] || secure=1
	[ ! -f "$run/tls/ca.pem" ] || tls=1
	kcat_auth=(-X "security.protocol=$(client_protocol)")
	[ "$secure" != 1 ] || kcat_auth+=(-X sasl.mechanism=PLAIN -X sasl.username=admin -X sasl.password=admin-secret)
	[ "$tls" != 1 ] || kcat_auth+=(-X "ssl.ca.location=$run/tls/ca.pem")
}

client_protocol() {
	case "$secure$tls" in
	00) echo PLAINTEXT ;;
	10) echo SASL_PLAINTEXT ;;
	01) echo SSL ;;
	11) echo SASL_SSL ;;
	esac
}

running_protocol() { # what the broker whose files are in $run was started with
	local secure=0 tls=0
	[ ! -f "$run/secure" ] || secure=1
	[ ! -f "$run/tls/ca.pem" ] || tls=1
	client_protocol
}

# A throwaway CA and a server certificate for 127.0.0.1 signed by it (the
# name clients check: librdkafka verifies the host by default). Kafka reads
# the PEM files directly, so no Java key store is needed.
make_certificates() {
	command -v openssl >/dev/null || die "openssl is missing (run scripts/setup.sh)"
	local d=$run/tls
	mkdir -p "$d"
	(
		cd "$d"
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=ktrio test CA" \
			-keyout ca.key -out ca.pem
		openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server.key -out server.csr
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >server.ext
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
			-extfile server.ext -out server.crt
		cat server.key server.crt >server.pem
	) >"$run/openssl.log" 2>&1 || { cat "$run/openssl.log" >&2; die "cannot make the TLS certificates"; }
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The client listener opens only once the broker is ready; a metadata
# request that succeeds is the proof.
answers() {
	port_open "$port" &&
		timeout 10 kcat -b "127.0.0.1:$port" "${kcat_auth[@]}" -m 5 -L >/dev/null 2>&1
}

who_listens() { # a hint at the program holding a port, when ss can tell
	command -v ss >/dev/null || return 0
	ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\("[^"]*"\),pid=\([0-9]*\).*/ (held by \1, pid \2)/p' | head -n 1
}

check_ports() {
	local p
	for p in "$port" "$cport"; do
		if port_open "$p"; then
			die "port $p on 127.0.0.1 is already in use by another program$(who_listens "$p");" \
				"pick free ports with KAFKA_PORT (and KAFKA_CONTROLLER_PORT)"
		fi
	done
}

write_properties() {
	local proto cproto=PLAINTEXT jaas
	proto=$(client_protocol)
	if [ "$secure" = 1 ]; then
		cproto=SASL_PLAINTEXT
		jaas='org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_app="app-secret" user_reader="reader-secret";'
	fi
	cat >"$run/server.properties" <<PROPS
# Written by scripts/kafka-local.sh: a single-node test broker.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=$proto://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=$proto://127.0.0.1:$port
inter.broker.listener.name=$proto
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:$cproto,$proto:$proto
log.dirs=$run/data
num.partitions=1
default.replication.factor=1
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
server.max.startup.time.ms=60000
# After a SIGKILL the restarted controller keeps the old registration until
# its session expires (9 s by default); shorter, 'resume' is quicker.
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=1000
PROPS
	rm -rf "$run/secure" "$run/tls"
	local client_tls=
	if [ "$tls" = 1 ]; then
		make_certificates
		cat >>"$run/server.properties" <<PROPS
ssl.keystore.type=PEM
ssl.keystore.location=$run/tls/server.pem
ssl.truststore.type=PEM
ssl.truststore.location=$run/tls/ca.pem
PROPS
		client_tls="ssl.ca.location=$run/tls/ca.pem"
		[ "$secure" = 1 ] || printf 'security.protocol=SSL\n%s\n' "$client_tls" >"$run/client.properties"
	fi
	[ "$secure" = 1 ] || return 0
	local lname
	lname=$(echo "$proto" | tr 'A-Z' 'a-z')
	cat >>"$run/server.properties" <<PROPS
sasl.enabled.mechanisms=PLAIN
sasl.mechanism.inter.broker.protocol=PLAIN
sasl.mechanism.controller.protocol=PLAIN
listener.name.$lname.plain.sasl.jaas.config=$jaas
listener.name.controller.plain.sasl.jaas.config=$jaas
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin
allow.everyone.if.no.acl.found=false
PROPS
	touch "$run/secure"
	local u
	for u in admin app reader; do
		printf 'security.protocol=%s\nsasl.mechanism=PLAIN\nsasl.username=%s\nsasl.password=%s-secret\n%s\n' \
			"$proto" "$u" "$u" "$client_tls" >"$run/$u.properties"
	done
	# The same for Kafka's Java tools (scripts/kafka-tool.sh ... --command-config).
	for u in admin app reader; do
		printf 'security.protocol=%s\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="%s" password="%s-secret";\n' \
			"$proto" "$u" "$u" >"$run/$u-java.properties"
		[ "$tls" != 1 ] ||
			printf 'ssl.truststore.type=PEM\nssl.truststore.location=%s\n' "$run/tls/ca.pem" >>"$run/$u-java.properties"
	done
}

# Start the JVM on the data in $run, then wait until it answers.
launch() {
	set_auth
	local t0=$SECONDS
	# shellcheck disable=SC2086
	nohup java $heap -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
		-XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
		-Djava.awt.headless=true -Dlog4j2.configurationFile="$log4j" -Dkafka.logs.dir="$run" \
		-cp "$lib/*" kafka.Kafka "$run/server.properties" </dev/null >>"$run/stdout.log" 2>&1 &
	local pid=$!
	echo "$pid" >"$pidfile"
	until answers; do
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -n 40 "$run/server.log" "$run/stdout.log" >&2 2>/dev/null || true
			die "the broker exited during start-up (log above; $run/server.log)"
		fi
		if [ $((SECONDS - t0)) -ge $ready_timeout ]; then
			tail -n 40 "$run/server.log" "$run/stdout.log" >&2 2>/dev/null || true
			kill -9 "$pid" 2>/dev/null || true
			rm -f "$pidfile"
			die "the broker did not answer on 127.0.0.1:$port within $ready_timeout s (log above)"
		fi
		sleep 0.1
	done
}

# app: everything on topics and groups; reader: read, describe and
# describe-configs on topics and groups, no delete. Two AclCommand calls at
# once, as each costs a JVM start.
grant_acls() {
	local acl=(org.apache.kafka.tools.AclCommand --bootstrap-server "127.0.0.1:$port"
		--command-config "$run/admin-java.properties" --add --topic '*' --group '*')
	tool "${acl[@]}" --allow-principal User:app --operation All >"$run/acls-app.log" 2>&1 &
	local app=$!
	tool "${acl[@]}" --allow-principal User:reader --operation Read --operation Describe \
		--operation DescribeConfigs >"$run/acls-reader.log" 2>&1 &
	local reader=$!
	wait "$app" || { cat "$run/acls-app.log" >&2; die "cannot create the ACLs for app"; }
	wait "$reader" || { cat "$run/acls-reader.log" >&2; die "cannot create the ACLs for reader"; }
}

start() {
	if use_docker; then
		say "a Docker engine answers: starting docker-compose.yml (KTRIO_NO_DOCKER=1 to use the JVM)"
		compose up -d --wait
		return
	fi
	local pid
	if pid=$(running_pid); then
		local want mode
		want=$(client_protocol)
		mode=$(running_protocol)
		[ "$mode" = "$want" ] ||
			die "a $mode broker already runs on port $port (pid $pid); 'stop' it first for a $want one"
		set_auth
		if answers; then
			say "already running on 127.0.0.1:$port (pid $pid, $mode); nothing to do"
			return 0
		fi
		die "a broker for port $port (pid $pid) runs but does not answer; 'stop' it first"
	fi
	check_ports
	command -v java >/dev/null || die "java is missing (run scripts/setup.sh)"
	command -v kcat >/dev/null || die "kcat is missing (run scripts/setup.sh)"
	fetch
	local t0=$SECONDS
	rm -rf "$run"
	mkdir -p "$run/data"
	write_properties
	# A cluster id is 16 random bytes in URL-safe base64 (no padding) that
	# does not start with '-'; made here rather than by a JVM.
	local id=-
	while [ "${id:0:1}" = - ]; do
		id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
	done
	tool kafka.tools.StorageTool format -t "$id" -c "$run/server.properties" >"$run/format.log" 2>&1 ||
		{ cat "$run/format.log" >&2; die "cannot format the storage in $run/data"; }
	launch
	[ "$secure" != 1 ] || grant_acls
	say "broker running on 127.0.0.1:$port ($(client_protocol)$([ "$secure" = 1 ] && echo ', ACLs'))" \
		"(pid $(cat "$pidfile"), ready in $((SECONDS - t0)) s; data in $run)"
}

wait_gone() { # PID SECONDS: wait for PID to exit, at most SECONDS
	local deadline=$((SECONDS + $2))
	while kill -0 "$1" 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}

stop() {
	if use_docker; then
		compose down
		return
	fi
	local pid
	if ! pid=$(running_pid); then
		rm -f "$pidfile"
		say "not running on port $port"
		return 0
	fi
	kill -TERM "$pid" 2>/dev/null || true
	if ! wait_gone "$pid" 20; then
		say "no clean shutdown within 20 s: SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
		wait_gone "$pid" 10 || die "pid $pid survives SIGKILL"
	fi
	rm -f "$pidfile"
	say "stopped (pid $pid)"
}

status() {
	local pid
	if use_docker; then
		compose ps
		answers && return 0
		return 3
	fi
	if pid=$(running_pid); then
		set_auth
		if answers; then
			echo "running on 127.0.0.1:$port (pid $pid, $(client_protocol))"
			return 0
		fi
		echo "pid $pid is alive but does not answer on 127.0.0.1:$port"
		return 3
	fi
	echo "not running on port $port"
	return 3
}

kill9() {
	local pid
	if use_docker; then
		compose kill -s SIGKILL
		return
	fi
	pid=$(running_pid) || die "not running on port $port"
	kill -KILL "$pid"
	wait_gone "$pid" 10 || die "pid $pid survives SIGKILL"
	say "killed (SIGKILL, pid $pid); 'resume' restarts it on the same data"
}

resume() {
	if use_docker; then
		compose start
		return
	fi
	local pid
	if pid=$(running_pid); then
		die "already running on port $port (pid $pid)"
	fi
	[ -f "$run/server.properties" ] && [ -d "$run/data" ] ||
		die "nothing to resume in $run: 'start' first"
	check_ports
	fetch
	[ -f "$run/secure" ] && secure=1
	local t0=$SECONDS
	launch
	say "broker resumed on 127.0.0.1:$port (pid $(cat "$pidfile"), ready in $((SECONDS - t0)) s)"
}

usage() { sed -n '2,/^set /{/^#/s/^# \{0,1\}//p}' "$0"; }

cmd=${1:-}
[ $# -eq 0 ] || shift
for arg in "$@"; do
	case "$arg" in
	--secure) secure=1 ;;
	--tls) tls=1 ;;
	-f) ;;
	*) die "unknown argument '$arg'" ;;
	esac
done

case "$cmd" in
fetch) fetch ;;
start) start ;;
stop) stop ;;
status) status ;;
logs)
	if use_docker; then
		compose logs --tail 100 "$@"
	elif [ "${1:-}" = -f ]; then
		tail -n 100 -F "$run/server.log"
	else
		tail -n 100 "$run/server.log"
	fi
	;;
kill) kill9 ;;
resume) resume ;;
-h | --help | help) usage ;;
*)
	usage >&2
	exit 2
	;;
esac
