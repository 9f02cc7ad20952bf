#!/usr/bin/env bash
# make fuzz: build the libFuzzer targets (clang, ASan + UBSan) and run each
# for FUZZ_SECONDS (default 60). Inputs that crash are kept under
# tests/fuzz/regress/<target>/; the unit tests replay them
# (tests/unit/test_fuzz_regress.c), so keep each one with its fix.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-record json schema parse filter number summary}
out=build/fuzz
mkdir -p "$out"
command -v clang >/dev/null || { echo "fuzz: clang is missing (scripts/setup.sh)" >&2; exit 1; }

flags=(-g -O1 -std=c11 -D_GNU_SOURCE -Iinclude -Isrc $(pkg-config --cflags libcjson)
	-fsanitize=address,undefined -fno-sanitize-recover=undefined)
libs=($(pkg-config --libs rdkafka libcjson libpcre2-8) -lm -lpthread)
# The library is built once, instrumented for coverage.
objs=()
# An object older than a header is made again: a struct that grew in a
# header left stale objects that overflowed it (a false crash).
newest_header=$(ls -t $(find include src tests/fuzz -name '*.h') | head -n 1)
# Every module but the mains: the targets reach into all three programs.
for src in src/lib/*.c src/consumer/*.c src/generator/*.c src/delete-records/*.c tests/fuzz/targets.c; do
	case "$src" in */main.c) continue ;; esac
	obj="$out/$(echo "${src%.c}" | tr / _).o"
	if [ ! "$obj" -nt "$src" ] || [ "$newest_header" -nt "$obj" ]; then
		clang "${flags[@]}" -fsanitize=fuzzer-no-link -DKT_VERSION='"fuzz"' \
			-DKT_DATADIR='"."' -c "$src" -o "$obj"
	fi
	objs+=("$obj")
done

failed=0
for t in $targets; do
	clang "${flags[@]}" -fsanitize=fuzzer "tests/fuzz/fuzz_$t.c" "${objs[@]}" "${libs[@]}" -o "$out/fuzz_$t"
	corpus="$out/corpus-$t"
	crashes="tests/fuzz/regress/$t"
	mkdir -p "$corpus" "$crashes"
	echo "fuzz: $t for $seconds s"
	if ! "$out/fuzz_$t" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$crashes/" -print_final_stats=1 "$corpus" "tests/fuzz/corpus/$t" \
		>"$out/fuzz_$t.log" 2>&1; then
		echo "fuzz: $t found a failure; input kept in $crashes/ (log: $out/fuzz_$t.log)"
		tail -n 30 "$out/fuzz_$t.log"
		failed=1
	else
		grep -E "stat::number_of_executed_units|cov:" "$out/fuzz_$t.log" | tail -n 2
	fi
done
exit $failed
