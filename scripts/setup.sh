#!/usr/bin/env bash
# One-command set-up, idempotent: installs only what is missing of the build
# and test dependencies (Debian packages, a JDK 17+, Maven), the Python
# client the integration tests check results with, and the broker's jars.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
say() { printf 'setup: %s\n' "$*"; }

sudo_cmd=()
[ "$(id -u)" = 0 ] || sudo_cmd=(sudo)

# Debian package -> a file or command that shows it is installed.
declare -A probe=(
	[librdkafka-dev]=/usr/include/librdkafka/rdkafka.h
	[libcjson-dev]=/usr/include/cjson/cJSON.h
	[libpcre2-dev]=/usr/include/pcre2.h
	[libcmocka-dev]=/usr/include/cmocka.h
	[pkg-config]=pkg-config
	[kcat]=kcat
	[openssl]=openssl
	[make]=make
	[gcc]=gcc
	[scdoc]=scdoc
	[tmux]=tmux
	[time]=/usr/bin/time
	[valgrind]=valgrind
	[man-db]=man
	[clang]=clang
	[libclang-rt-14-dev]=/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a
)
missing=()
for pkg in "${!probe[@]}"; do
	p=${probe[$pkg]}
	if [[ $p == /* ]]; then [ -e "$p" ] && continue; else command -v "$p" >/dev/null && continue; fi
	missing+=("$pkg")
done
# A venv for the tests' Python client needs ensurepip.
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
java_major() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1; }
if ! command -v java >/dev/null || [ "$(java_major)" -lt 17 ] 2>/dev/null; then
	missing+=(openjdk-17-jdk-headless)
fi
command -v mvn >/dev/null || missing+=(maven)

did=0
if [ ${#missing[@]} -gt 0 ]; then
	did=1
	say "installing ${missing[*]}"
	"${sudo_cmd[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The integration tests check results with an independent client.
venv=$repo/.cache/venv
if ! "$venv/bin/python3" -c 'import confluent_kafka, yaml' 2>/dev/null; then
	did=1
	say "installing the confluent-kafka Python client and PyYAML into $venv"
	python3 -m venv "$venv"
	"$venv/bin/pip" install -q confluent-kafka pyyaml
fi

[ -f "${KTRIO_CACHE:-$repo/.cache/kafka}/lib/.complete" ] || did=1
"$repo/scripts/kafka-local.sh" fetch
[ $did = 1 ] || say "all dependencies present"
