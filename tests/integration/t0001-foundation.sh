#!/usr/bin/env bash
# The foundation: the local broker answers a metadata request, the compose
# file is valid YAML with the service users need, each program has --help
# (exit 0) and --version, a second `make` rebuilds nothing, and
# `make install DESTDIR=...` installs binaries, man pages, templates and
# completions, each man page rendering with man -l.
. "$(dirname "$0")/lib.sh"

metadata() {
	kcat -b "$KT_BROKERS" -m 5 -L >"$WORK/meta" 2>&1 || fail "kcat -L failed"
	expect_grep "broker 1 at 127.0.0.1:${KT_BROKERS##*:}" "$WORK/meta"
}
test_case "broker: answers a metadata request" metadata

compose() {
	"$KT_PY" - "$KT_REPO/docker-compose.yml" <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
k = doc["services"]["kafka"]
assert k["image"].startswith("apache/kafka:4"), k["image"]
assert "9092:9092" in k["ports"]
assert k["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
assert "kafka-data" in doc["volumes"]
# The "cluster" profile: a controller and brokers 1..3, RF 3, min ISR 2.
c = doc["services"]["kafka-controller"]
assert c["profiles"] == ["cluster"] and c["environment"]["KAFKA_PROCESS_ROLES"] == "controller"
ports = set()
for i in (1, 2, 3):
    b = doc["services"][f"kafka-{i}"]
    env = b["environment"]
    assert b["profiles"] == ["cluster"], b
    assert env["KAFKA_NODE_ID"] == i and env["KAFKA_PROCESS_ROLES"] == "broker", env
    assert env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == 3 and env["KAFKA_MIN_INSYNC_REPLICAS"] == 2
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == c["environment"]["KAFKA_CONTROLLER_QUORUM_VOTERS"]
    assert env["CLUSTER_ID"] == c["environment"]["CLUSTER_ID"]
    ports.update(b["ports"])
assert ports == {"19092:19092", "19093:19093", "19094:19094"}, ports
PY
}
test_case "docker-compose.yml: valid, with the kafka service users need" compose

help_version() { # PROGRAM
	expect_status 0 "$KT_BIN/$1" --help
	expect_grep "^usage: $1" "$WORK/out"
	expect_grep "Exit status" "$WORK/out"
	expect_status 0 "$KT_BIN/$1" --version
	expect_grep "^$1 \(ktrio\) [0-9]+\.[0-9]+\.[0-9]+, librdkafka" "$WORK/out"
}
for p in generator consumer delete-records; do
	test_case "$p: --help (exit 0, exit statuses) and --version" help_version $p
done

nothing_to_rebuild() {
	local goals=all
	[[ $KT_BIN == */asan/* ]] && goals="asan all"
	# shellcheck disable=SC2086
	make -C "$KT_REPO" -q $goals || fail "a second make would rebuild something"
}
test_case "make: nothing to rebuild after a build" nothing_to_rebuild

installs() {
	local dest="$WORK/dest" p page t
	make -C "$KT_REPO" install DESTDIR="$dest" PREFIX=/opt/ktrio >"$WORK/install.log" 2>&1 ||
		{ cat "$WORK/install.log"; fail "make install failed"; }
	for p in generator consumer delete-records; do
		[ -x "$dest/opt/ktrio/bin/$p" ] || fail "$p not installed"
		page="$dest/opt/ktrio/share/man/man1/$p.1"
		[ -s "$page" ] || fail "man page of $p not installed"
		MANWIDTH=80 man -l "$page" >"$WORK/man" 2>/dev/null || fail "man -l $p failed"
		expect_grep "^NAME" "$WORK/man"
		[ -s "$dest/opt/ktrio/share/bash-completion/completions/$p" ] || fail "no completion for $p"
	done
	for t in orders sensors clicks; do
		[ -s "$dest/opt/ktrio/share/ktrio/templates/$t.json" ] || fail "template $t not installed"
	done
}
test_case "make install DESTDIR=: binaries, man pages (rendering), completions, templates" installs

installed_templates() {
	"$WORK/dest/opt/ktrio/bin/generator" --dry-run --count 1 --rate 0 --template sensors \
		>"$WORK/out" 2>/dev/null || fail "installed generator cannot find its templates"
	expect_grep '"temperature"' "$WORK/out"
}
test_case "generator: the installed one finds the templates installed beside it" installed_templates
