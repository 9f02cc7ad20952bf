#!/usr/bin/env bash
# A real Apache Kafka 4.3.1 on 127.0.0.1 (KRaft), from Maven Central jars and
# the machine's JDK: a single node (broker and controller in one JVM) or, with
# --nodes N, a cluster of N brokers and one controller; Docker Compose
# (docker-compose.yml) instead when a Docker engine answers and the default
# plain single broker on port 9092 is asked for.
#
#   scripts/kafka-local.sh fetch              download the jars (once)
#   scripts/kafka-local.sh start [--secure] [--tls] [--nodes N]
#                                             fresh data; returns when it answers
#   scripts/kafka-local.sh stop               SIGTERM, SIGKILL after 20 s (all nodes)
#   scripts/kafka-local.sh status             exit 0 when running and answering, else 3
#   scripts/kafka-local.sh logs [-f] [ID]     the tail of server.log (node ID's)
#   scripts/kafka-local.sh kill [ID]          SIGKILL the broker (node ID) (fault tests)
#   scripts/kafka-local.sh resume [ID]        start it again on the same data
#
# --nodes N (or KAFKA_NODES=N; 1 to 5, default 1): N broker-only nodes with
# node ids 1..N (the ids Kafka's metadata reports) on client ports
# KAFKA_PORT .. KAFKA_PORT+N-1, and one controller-only node, id 0, on
# KAFKA_CONTROLLER_PORT (KAFKA_PORT + 10000, or + 10 when that would reach
# the ephemeral range). The controller stands apart so that brokers dying
# leave the metadata quorum up: it is what shrinks the in-sync replica sets
# (and so makes NOT_ENOUGH_REPLICAS visible) and elects new leaders. Cluster
# defaults: replication factor min(N,3) for new topics and the internal ones,
# min.insync.replicas min(N,3)-1 (2 with 3 nodes); heaps KAFKA_HEAP
# (-Xms128m -Xmx512m) per broker, -Xms64m -Xmx256m for the controller.
# status lists every node; kill/resume take the node id (kill 0 is the
# controller); the other commands find the cluster by KAFKA_PORT.
#
# Single node: KAFKA_PORT (9092) is the client port; the controller listens on
# KAFKA_CONTROLLER_PORT (KAFKA_PORT + 10000, or + 1 when that would reach the
# ephemeral port range). KAFKA_HEAP (-Xms256m -Xmx768m); KTRIO_CACHE
# (.cache/kafka) holds lib/ and run-$KAFKA_PORT/ (data, server.properties,
# server.log, broker.pid); KTRIO_NO_DOCKER=1 never uses Docker.
# KAFKA_READY_TIMEOUT: how long start and resume wait for an answer (90 s,
# 240 s for a cluster).
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
kafka_version=4.3.1
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${KTRIO_CACHE:-$repo/.cache/kafka}
lib=$cache/lib
port=${KAFKA_PORT:-9092}
run=$cache/run-$port
secure=${KAFKA_SECURE:-0}
tls=${KAFKA_TLS:-0}
nodes=${KAFKA_NODES:-1}
log4j=$repo/scripts/log4j2.properties
ready_timeout=${KAFKA_READY_TIMEOUT:-90}

say() { printf 'kafka-local: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 1
}

# A cluster started earlier on this port decides the mode of every command
# but start: its node count and controller port are in $run/cluster.
[ "${1:-}" = start ] || [ ! -f "$run/cluster" ] || . "$run/cluster"
case "$port$nodes${KAFKA_CONTROLLER_PORT:-0}" in *[!0-9]*) die "KAFKA_PORT, KAFKA_CONTROLLER_PORT and --nodes must be numbers" ;; esac
# The controller's port stays below the kernel's ephemeral range (32768 and
# up), where a client socket could hold it and make the bind fail; a
# cluster's brokers take KAFKA_PORT .. KAFKA_PORT+N-1, hence + 10 there.
if [ "$nodes" = 1 ]; then
	cport=${KAFKA_CONTROLLER_PORT:-$((port + 10000 < 32768 ? port + 10000 : port + 1))}
	heap=${KAFKA_HEAP:--Xms256m -Xmx768m}
else
	cport=${controller_port:-${KAFKA_CONTROLLER_PORT:-$((port + 10000 < 32768 ? port + 10000 : port + 10))}}
	heap=${KAFKA_HEAP:--Xms128m -Xmx512m}
	# Four JVMs starting at once on a small loaded machine take a while.
	ready_timeout=${KAFKA_READY_TIMEOUT:-240}
fi
[ "$port" != "$cport" ] || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT are both $port"

use_docker() { # only for the plain single broker on the compose file's port
	[ "${KTRIO_NO_DOCKER:-0}" != 1 ] && [ "$secure" != 1 ] && [ "$tls" != 1 ] && [ "$port" = 9092 ] &&
		[ "$nodes" = 1 ] && command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1
}
compose() { docker compose -f "$repo/docker-compose.yml" "$@"; }

# Nodes: the single node is $run itself; a cluster's node ID (0 the
# controller, 1..N the brokers) lives in $run/node-ID.
node_ids() { if [ "$nodes" = 1 ]; then echo 1; else seq 0 "$nodes"; fi; }
broker_ids() { if [ "$nodes" = 1 ]; then echo 1; else seq 1 "$nodes"; fi; }
node_dir() { if [ "$nodes" = 1 ]; then printf '%s' "$run"; else printf '%s' "$run/node-$1"; fi; }
node_port() { # the client port of broker ID, the controller port for 0
	if [ "$1" = 0 ]; then printf '%s' "$cport"; else printf '%s' $((port + $1 - 1)); fi
}
check_id() {
	[ "$nodes" != 1 ] || [ -z "$1" ] || [ "$1" = 1 ] || die "a single node has no node '$1'"
	[ "$nodes" = 1 ] || [ -n "$1" ] || die "which node? give its id (1..$nodes, 0 for the controller)"
	case "$1" in '' | *[!0-9]*) [ -z "$1" ] || die "node id '$1' is not a number" ;; esac
	[ "$nodes" = 1 ] || [ "$1" -le "$nodes" ] || die "no node $1 (ids 1..$nodes, 0 for the controller)"
}

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

# Whether PID is the JVM of node folder DIR (its command line ends with
# kafka.Kafka DIR/server.properties).
ours() {
	local args=()
	{ mapfile -d '' args <"/proc/$1/cmdline"; } 2>/dev/null || return 1
	local n=${#args[@]}
	[ "$n" -ge 2 ] && [ "${args[n - 2]}" = kafka.Kafka ] &&
		[ "${args[n - 1]}" = "$2/server.properties" ]
}

# The PID of the JVM of node folder DIR: the pid file's when that is ours,
# else found by its command line (pid file lost).
running_pid() {
	local pid p dir=$1
	if [ -f "$dir/broker.pid" ]; then
		pid=$(<"$dir/broker.pid")
		if [ -n "$pid" ] && ours "$pid" "$dir"; then
			printf '%s' "$pid"
			return 0
		fi
	fi
	for p in /proc/[0-9]*; do
		if ours "${p#/proc/}" "$dir"; then
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
# request that succeeds is the proof. PORT: the broker's (the first one's
# by default).
answers() {
	local p=${1:-$port}
	port_open "$p" &&
		timeout 10 kcat -b "127.0.0.1:$p" "${kcat_auth[@]}" -m 5 -L >/dev/null 2>&1
}

# Whether the metadata that broker PORT serves lists all N brokers.
all_registered() {
	local n
	n=$(timeout 10 kcat -b "127.0.0.1:$port" "${kcat_auth[@]}" -m 5 -L 2>/dev/null |
		sed -n 's/^ \([0-9]*\) brokers:$/\1/p')
	[ "${n:-0}" = "$nodes" ]
}

who_listens() { # a hint at the program holding a port, when ss can tell
	command -v ss >/dev/null || return 0
	ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\("[^"]*"\),pid=\([0-9]*\).*/ (held by \1, pid \2)/p' | head -n 1
}

check_ports() { # PORT...: none of them may be taken
	local p
	for p in "$@"; do
		if port_open "$p"; then
			die "port $p on 127.0.0.1 is already in use by another program$(who_listens "$p");" \
				"pick free ports with KAFKA_PORT (and KAFKA_CONTROLLER_PORT)"
		fi
	done
}
all_ports() { # every port the node(s) listen on
	local id
	if [ "$nodes" = 1 ]; then
		echo "$port" "$cport"
	else
		for id in $(node_ids); do node_port "$id"; echo; done
	fi
}

# server.properties of node ID in its folder. The single node plays both
# roles; in a cluster node 0 is the controller and 1..N are brokers.
write_node_properties() {
	local id=$1 dir proto cproto=PLAINTEXT rf=1 minisr=1 what roles listeners
	dir=$(node_dir "$id")
	mkdir -p "$dir/data"
	proto=$(client_protocol)
	[ "$secure" != 1 ] || cproto=SASL_PLAINTEXT
	if [ "$nodes" = 1 ]; then
		what="a single-node test broker"
		roles=broker,controller
		listeners="$proto://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport"
	else
		rf=$((nodes < 3 ? nodes : 3))
		minisr=$((rf > 1 ? rf - 1 : 1))
		if [ "$id" = 0 ]; then
			what="the controller of a $nodes-broker test cluster"
			roles=controller
			listeners="CONTROLLER://127.0.0.1:$cport"
		else
			what="broker $id of a $nodes-broker test cluster"
			roles=broker
			listeners="$proto://127.0.0.1:$(node_port "$id")"
		fi
	fi
	{
		cat <<PROPS
# Written by scripts/kafka-local.sh: $what.
process.roles=$roles
node.id=$((nodes == 1 ? 1 : id))
controller.quorum.voters=$((nodes == 1 ? 1 : 0))@127.0.0.1:$cport
listeners=$listeners
controller.listener.names=CONTROLLER
PROPS
		if [ "$roles" != controller ]; then
			cat <<PROPS
advertised.listeners=${listeners%%,CONTROLLER*}
inter.broker.listener.name=$proto
listener.security.protocol.map=CONTROLLER:$cproto,$proto:$proto
PROPS
		else
			echo "listener.security.protocol.map=CONTROLLER:$cproto"
		fi
		cat <<PROPS
log.dirs=$dir/data
num.partitions=1
default.replication.factor=$rf
PROPS
		[ "$nodes" = 1 ] || echo "min.insync.replicas=$minisr"
		cat <<PROPS
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$minisr
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$minisr
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.cleaner.dedupe.buffer.size=2097152
server.max.startup.time.ms=60000
# After a SIGKILL the restarted controller keeps the old registration until
# its session expires (9 s by default); shorter, 'resume' is quicker. In a
# cluster it is also how soon a dead broker leaves the in-sync replica sets
# and its partitions get new leaders.
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=1000
PROPS
		if [ "$tls" = 1 ] && [ "$roles" != controller ]; then
			cat <<PROPS
ssl.keystore.type=PEM
ssl.keystore.location=$run/tls/server.pem
ssl.truststore.type=PEM
ssl.truststore.location=$run/tls/ca.pem
PROPS
		fi
		if [ "$secure" = 1 ]; then
			local jaas lname
			jaas='org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_app="app-secret" user_reader="reader-secret";'
			lname=$(echo "$proto" | tr 'A-Z' 'a-z')
			echo "sasl.enabled.mechanisms=PLAIN"
			[ "$roles" = controller ] || echo "sasl.mechanism.inter.broker.protocol=PLAIN"
			echo "sasl.mechanism.controller.protocol=PLAIN"
			[ "$roles" = controller ] || echo "listener.name.$lname.plain.sasl.jaas.config=$jaas"
			cat <<PROPS
listener.name.controller.plain.sasl.jaas.config=$jaas
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin
allow.everyone.if.no.acl.found=false
PROPS
		fi
	} >"$dir/server.properties"
}

# The client side of --tls and --secure: certificates and properties files
# in $run, shared by all nodes.
write_client_files() {
	local proto client_tls=
	proto=$(client_protocol)
	rm -rf "$run/secure" "$run/tls"
	if [ "$tls" = 1 ]; then
		make_certificates
		client_tls="ssl.ca.location=$run/tls/ca.pem"
		[ "$secure" = 1 ] || printf 'security.protocol=SSL\n%s\n' "$client_tls" >"$run/client.properties"
	fi
	[ "$secure" = 1 ] || return 0
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

# Start the JVM of node ID on the data in its folder (not waiting).
spawn() {
	local id=$1 dir h=$heap
	dir=$(node_dir "$id")
	[ "$nodes" = 1 ] || [ "$id" != 0 ] || h=${KAFKA_CONTROLLER_HEAP:--Xms64m -Xmx256m}
	# shellcheck disable=SC2086
	nohup java $h -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
		-XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
		-Djava.awt.headless=true -Dlog4j2.configurationFile="$log4j" -Dkafka.logs.dir="$dir" \
		-cp "$lib/*" kafka.Kafka "$dir/server.properties" </dev/null >>"$dir/stdout.log" 2>&1 &
	echo $! >"$dir/broker.pid"
}

# Wait until node ID answers: a broker a metadata request, the controller
# a connection to its port. T0: when the wait began (SECONDS).
await() {
	local id=$1 t0=$2 dir pid p
	dir=$(node_dir "$id")
	pid=$(<"$dir/broker.pid")
	p=$(node_port "$id")
	[ "$nodes" = 1 ] && p=$port
	until if [ "$nodes" != 1 ] && [ "$id" = 0 ]; then port_open "$p"; else answers "$p"; fi; do
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -n 40 "$dir/server.log" "$dir/stdout.log" >&2 2>/dev/null || true
			die "$(node_name "$id") exited during start-up (log above; $dir/server.log)"
		fi
		if [ $((SECONDS - t0)) -ge $ready_timeout ]; then
			tail -n 40 "$dir/server.log" "$dir/stdout.log" >&2 2>/dev/null || true
			kill -9 "$pid" 2>/dev/null || true
			rm -f "$dir/broker.pid"
			die "$(node_name "$id") did not answer on 127.0.0.1:$p within $ready_timeout s (log above)"
		fi
		sleep 0.1
	done
}
node_name() {
	if [ "$nodes" = 1 ]; then echo "the broker"; elif [ "$1" = 0 ]; then echo "the controller (node 0)"; else echo "broker $1"; fi
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

# Format every node's storage with one new cluster id, in parallel. A
# cluster id is 16 random bytes in URL-safe base64 (no padding) that does
# not start with '-'; made here rather than by a JVM.
format_all() {
	local id=- n pids=() dir
	while [ "${id:0:1}" = - ]; do
		id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
	done
	for n in $(node_ids); do
		dir=$(node_dir "$n")
		tool kafka.tools.StorageTool format -t "$id" -c "$dir/server.properties" >"$dir/format.log" 2>&1 &
		pids+=("$!:$dir")
	done
	local p
	for p in "${pids[@]}"; do
		wait "${p%%:*}" || { cat "${p#*:}/format.log" >&2; die "cannot format the storage in ${p#*:}/data"; }
	done
}

# Any node of this port's run folder alive: its id on stdout.
any_running() {
	local n
	for n in $(node_ids); do
		if running_pid "$(node_dir "$n")" >/dev/null; then
			echo "$n"
			return 0
		fi
	done
	return 1
}

start() {
	if use_docker; then
		say "a Docker engine answers: starting docker-compose.yml (KTRIO_NO_DOCKER=1 to use the JVM)"
		compose up -d --wait
		return
	fi
	case "$nodes" in [1-5]) ;; *) die "--nodes must be 1 to 5, not '$nodes'" ;; esac
	# Whatever ran on this port before (single node or cluster) must be gone.
	local before
	before=$(if [ -f "$run/cluster" ]; then . "$run/cluster"; else nodes=1; fi; any_running >/dev/null && echo "$nodes") || true
	if [ -n "$before" ]; then
		local want mode
		[ "$before" = "$nodes" ] ||
			die "a $([ "$before" = 1 ] && echo single-node broker || echo "$before-broker cluster")" \
				"already runs on port $port; 'stop' it first"
		want=$(client_protocol)
		mode=$(running_protocol)
		[ "$mode" = "$want" ] ||
			die "a $mode broker already runs on port $port; 'stop' it first for a $want one"
		set_auth
		if [ "$nodes" = 1 ] && answers; then
			say "already running on 127.0.0.1:$port (pid $(running_pid "$run"), $mode); nothing to do"
			return 0
		fi
		if [ "$nodes" != 1 ] && status >/dev/null; then
			say "a $nodes-broker cluster already runs on 127.0.0.1:$port ($mode); nothing to do"
			return 0
		fi
		die "a broker for port $port runs but does not answer; 'stop' it first"
	fi
	# shellcheck disable=SC2046
	check_ports $(all_ports)
	command -v java >/dev/null || die "java is missing (run scripts/setup.sh)"
	command -v kcat >/dev/null || die "kcat is missing (run scripts/setup.sh)"
	fetch
	local t0=$SECONDS n
	rm -rf "$run"
	mkdir -p "$run"
	[ "$nodes" = 1 ] || printf 'nodes=%s\ncontroller_port=%s\n' "$nodes" "$cport" >"$run/cluster"
	write_client_files
	for n in $(node_ids); do write_node_properties "$n"; done
	format_all
	set_auth
	if [ "$nodes" = 1 ]; then
		spawn 1
		await 1 "$t0"
	else
		# The controller first: brokers register with it.
		spawn 0
		await 0 "$t0"
		for n in $(broker_ids); do spawn "$n"; done
		for n in $(broker_ids); do await "$n" "$t0"; done
		until all_registered; do
			[ $((SECONDS - t0)) -lt $ready_timeout ] || die "the metadata does not list $nodes brokers within $ready_timeout s"
			sleep 0.1
		done
	fi
	[ "$secure" != 1 ] || grant_acls
	local what="broker running on 127.0.0.1:$port"
	[ "$nodes" = 1 ] || what="$nodes brokers running on 127.0.0.1:$port..$((port + nodes - 1)), controller on :$cport"
	say "$what ($(client_protocol)$([ "$secure" = 1 ] && echo ', ACLs'))" \
		"($([ "$nodes" = 1 ] && echo "pid $(cat "$run/broker.pid"), ")ready in $((SECONDS - t0)) s; data in $run)"
}

wait_gone() { # PID SECONDS: wait for PID to exit, at most SECONDS
	local deadline=$((SECONDS + $2))
	while kill -0 "$1" 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}

# SIGTERM the JVMs of node folders DIR..., SIGKILL what is left after 20 s.
stop_dirs() {
	local dir pid pids=() left=()
	for dir in "$@"; do
		if pid=$(running_pid "$dir"); then
			kill -TERM "$pid" 2>/dev/null || true
			pids+=("$pid")
		fi
		rm -f "$dir/broker.pid"
	done
	for pid in "${pids[@]}"; do
		wait_gone "$pid" 20 || left+=("$pid")
	done
	for pid in "${left[@]}"; do
		say "no clean shutdown of pid $pid within 20 s: SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
		wait_gone "$pid" 10 || die "pid $pid survives SIGKILL"
	done
	printf '%s' "${pids[*]}"
}

stop() {
	if use_docker; then
		compose down
		return
	fi
	local stopped n dirs=()
	if ! any_running >/dev/null; then
		for n in $(node_ids); do rm -f "$(node_dir "$n")/broker.pid"; done
		say "not running on port $port"
		return 0
	fi
	if [ "$nodes" = 1 ]; then
		stopped=$(stop_dirs "$run")
	else
		# Brokers first: their clean shutdown asks the controller.
		for n in $(broker_ids); do dirs+=("$(node_dir "$n")"); done
		stopped=$(stop_dirs "${dirs[@]}")
		stopped="$stopped $(stop_dirs "$(node_dir 0)")"
	fi
	say "stopped (pid ${stopped# })"
}

status() {
	local pid
	if use_docker; then
		compose ps
		answers && return 0
		return 3
	fi
	set_auth
	if [ "$nodes" = 1 ]; then
		if pid=$(running_pid "$run"); then
			if answers; then
				echo "running on 127.0.0.1:$port (pid $pid, $(client_protocol))"
				return 0
			fi
			echo "pid $pid is alive but does not answer on 127.0.0.1:$port"
			return 3
		fi
		echo "not running on port $port"
		return 3
	fi
	local n rc=0 p state
	echo "$nodes-broker cluster on port $port ($(client_protocol)), data in $run"
	for n in $(node_ids); do
		p=$(node_port "$n")
		if ! pid=$(running_pid "$(node_dir "$n")"); then
			state="down"
			rc=3
		elif [ "$n" = 0 ] && port_open "$p"; then
			state="running (pid $pid)"
		elif [ "$n" != 0 ] && answers "$p"; then
			state="running (pid $pid)"
		else
			state="pid $pid, not answering"
			rc=3
		fi
		if [ "$n" = 0 ]; then
			echo "node 0 controller 127.0.0.1:$p $state, the active controller (the quorum's only voter)"
		else
			echo "node $n broker     127.0.0.1:$p $state"
		fi
	done
	return $rc
}

kill9() {
	local pid dir
	if use_docker; then
		compose kill -s SIGKILL
		return
	fi
	check_id "${1:-}"
	dir=$(node_dir "${1:-1}")
	pid=$(running_pid "$dir") || die "$(node_name "${1:-1}") is not running on port $port"
	kill -KILL "$pid"
	wait_gone "$pid" 10 || die "pid $pid survives SIGKILL"
	say "killed $(node_name "${1:-1}") (SIGKILL, pid $pid); 'resume${1:+ $1}' restarts it on the same data"
}

resume() {
	if use_docker; then
		compose start
		return
	fi
	check_id "${1:-}"
	local id=${1:-1} pid dir
	dir=$(node_dir "$id")
	if pid=$(running_pid "$dir"); then
		die "$(node_name "$id") already runs on port $port (pid $pid)"
	fi
	[ -f "$dir/server.properties" ] && [ -d "$dir/data" ] ||
		die "nothing to resume in $dir: 'start' first"
	if [ "$nodes" = 1 ]; then check_ports "$port" "$cport"; else check_ports "$(node_port "$id")"; fi
	fetch
	set_auth
	local t0=$SECONDS
	spawn "$id"
	await "$id" "$t0"
	say "$(node_name "$id") resumed on 127.0.0.1:$(node_port "$id") (pid $(cat "$dir/broker.pid"), ready in $((SECONDS - t0)) s)"
}

logs() {
	local follow=$1 id=$2 f
	if use_docker; then
		compose logs --tail 100
		return
	fi
	check_id "$id"
	f=$(node_dir "${id:-1}")/server.log
	if [ "$follow" = 1 ]; then tail -n 100 -F "$f"; else tail -n 100 "$f"; fi
}

usage() { sed -n '2,/^set /{/^#/s/^# \{0,1\}//p}' "$0"; }

cmd=${1:-}
[ $# -eq 0 ] || shift
follow=0
id=
while [ $# -gt 0 ]; do
	case "$1" in
	--secure) secure=1 ;;
	--tls) tls=1 ;;
	--nodes)
		[ "$cmd" = start ] || die "--nodes is for start"
		[ $# -ge 2 ] || die "--nodes needs a number"
		shift
		nodes=$1
		case "$nodes" in '' | *[!0-9]*) die "--nodes must be a number, not '$nodes'" ;; esac
		[ "$nodes" = 1 ] || cport=${KAFKA_CONTROLLER_PORT:-$((port + 10000 < 32768 ? port + 10000 : port + 10))}
		[ "$nodes" = 1 ] || heap=${KAFKA_HEAP:--Xms128m -Xmx512m}
		[ "$nodes" = 1 ] || ready_timeout=${KAFKA_READY_TIMEOUT:-240}
		;;
	--nodes=*) die "write --nodes N" ;;
	-f) follow=1 ;;
	[0-9]*)
		case "$cmd" in kill | resume | logs) id=$1 ;; *) die "unknown argument '$1'" ;; esac
		;;
	*) die "unknown argument '$1'" ;;
	esac
	shift
done

case "$cmd" in
fetch) fetch ;;
start) start ;;
stop) stop ;;
status) status ;;
logs) logs "$follow" "$id" ;;
kill) kill9 "$id" ;;
resume) resume "$id" ;;
-h | --help | help) usage ;;
*)
	usage >&2
	exit 2
	;;
esac
