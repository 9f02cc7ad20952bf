#!/usr/bin/env bash
# make bench: ktrio against the tools users would pick instead, side by side
# on one local broker, each figure the median of BENCH_RUNS (5) runs.
# BENCH_QUICK=1 runs everything 10x smaller. Writes bench/results.md.
set -euo pipefail

build=${1:-build}
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bin="$repo/$build/bin"
export KAFKA_PORT=${KAFKA_PORT:-29192}
brokers="127.0.0.1:$KAFKA_PORT"
runs=${BENCH_RUNS:-5}
scale=1
[ "${BENCH_QUICK:-0}" = 1 ] && scale=10
produce_n=$((1000000 / scale))
consume_n=$((2000000 / scale))
latency_s=$((30 / (scale > 1 ? 3 : 1)))
mem_small=$((500000 / scale))
mem_large=$((5000000 / scale))
work=$(mktemp -d "${TMPDIR:-/tmp}/ktrio-bench.XXXXXX")
results=()
started=0
cleanup() {
	[ $started = 1 ] && scripts/kafka-local.sh stop >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf 'bench: %s\n' "$*" >&2; }
row() { results+=("| $1 | $2 | $3 | $4 |"); say "$1: ours $2, peer $3, ratio $4"; }
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
fmt() { awk -v x="$1" 'BEGIN {printf "%.0f", x}'; }
# timed OUTFILE CMD...: run CMD under GNU time; OUTFILE gets its -v report.
timed() {
	local out=$1
	shift
	/usr/bin/time -v -o "$out" "$@"
}
elapsed() { awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$1"; }
cpu() { awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {print u + s}' "$1"; }
maxrss_mb() { awk -F': ' '/Maximum resident/ {printf "%.1f", $2 / 1024}' "$1"; }
topic() { printf 'bench-%s-%s-%s' "$1" "$$" "$RANDOM"; }
create() { "$bin/generator" -b "$brokers" -t "$1" --create-topic --partitions 3 --count 1 --rate 0 -q >/dev/null 2>&1 || true; }
tool() { scripts/kafka-tool.sh "$@"; }

if ! scripts/kafka-local.sh status >/dev/null 2>&1; then
	scripts/kafka-local.sh start
	started=1
fi
cores=$(nproc)
model=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)
mem=$(free -g | awk '/^Mem:/ {print $2}')
machine="$cores cores, $model, $mem GiB RAM, Debian $(cat /etc/debian_version)"
say "machine: $machine"

# ---- 1. produce ---------------------------------------------------------
"$bin/generator" --dry-run --rate 0 --count "$produce_n" --seed 1 >"$work/events.jsonl" 2>/dev/null
avg_size=$(awk '{s += length($0)} END {printf "%d", s / NR}' "$work/events.jsonl")
mb=$(awk -v n="$produce_n" -v s="$avg_size" 'BEGIN {print n * s / 1e6}')
ours=() kc=() kj=() gcpu=() grss=() pcpu=()
# Each producer starts with the page cache written back (sync): the 210 MB
# the run before left dirty is otherwise flushed during the next one, and
# ours and kcat's take turns going first, so neither always follows the
# Java tool's run.
produce_ours() {
	local t
	t=$(topic gen); create "$t"; sync
	timed "$work/t" "$bin/generator" -b "$brokers" -t "$t" --rate 0 --count "$produce_n" -q >/dev/null 2>&1
	ours+=("$(elapsed "$work/t")"); gcpu+=("$(cpu "$work/t")"); grss+=("$(maxrss_mb "$work/t")")
}
produce_kcat() {
	local t
	t=$(topic kcat); create "$t"; sync
	timed "$work/t" kcat -b "$brokers" -P -t "$t" -X acks=all -X enable.idempotence=true -l "$work/events.jsonl"
	kc+=("$(elapsed "$work/t")"); pcpu+=("$(cpu "$work/t")")
}
# One untimed run of each first: the broker's JVM, just started, is still
# compiling its produce path, and the first run of the bench was always the
# slowest (per-run ratio 0.59-0.82 in three quiet runs, whoever went first).
produce_ours; produce_kcat
ours=() kc=() gcpu=() grss=() pcpu=()
for i in $(seq "$runs"); do
	if [ $((i % 2)) = 1 ]; then produce_ours; produce_kcat; else produce_kcat; produce_ours; fi
	t=$(topic java); create "$t"; sync
	tool org.apache.kafka.tools.ProducerPerformance --topic "$t" --num-records "$produce_n" \
		--record-size "$avg_size" --throughput -1 \
		--producer-props bootstrap.servers="$brokers" acks=all >"$work/pp" 2>&1
	kj+=("$(awk -F'[(,]' '/records sent/ {gsub(/ records\/sec/, "", $2); print $2; exit}' "$work/pp" | tail -n 1)")
done
say "produce seconds, ours: ${ours[*]}; kcat -P: ${kc[*]}"
g_s=$(printf '%s\n' "${ours[@]}" | median)
k_s=$(printf '%s\n' "${kc[@]}" | median)
j_rate=$(printf '%s\n' "${kj[@]}" | median)
g_rate=$(awk -v n="$produce_n" -v s="$g_s" 'BEGIN {print n / s}')
k_rate=$(awk -v n="$produce_n" -v s="$k_s" 'BEGIN {print n / s}')
row "produce $produce_n events, msgs/s (vs kcat -P)" "$(fmt "$g_rate")" "$(fmt "$k_rate")" "$(ratio "$g_rate" "$k_rate")"
# The target holds the median and every single run: each run's ratio is
# ours against kcat's in the same loop iteration (same topic layout, back to
# back, in turns first), msgs/s over msgs/s, so kcat's time over ours.
per_run=()
for i in "${!ours[@]}"; do per_run+=("$(ratio "${kc[$i]}" "${ours[$i]}")"); done
r_min=$(printf '%s\n' "${per_run[@]}" | sort -g | head -n 1)
row "produce, per-run ratio vs kcat -P (min / each)" "$r_min / $(printf '%s\n' "${per_run[@]}" | paste -sd ' ')" \
	"target 0.9" "$(ratio "$r_min" 0.9)"
row "produce, msgs/s (vs kafka-producer-perf-test)" "$(fmt "$g_rate")" "$(fmt "$j_rate")" "$(ratio "$g_rate" "$j_rate")"
row "produce, MB/s (vs kcat -P; avg $avg_size B)" "$(awk -v m="$mb" -v s="$g_s" 'BEGIN {printf "%.1f", m / s}')" \
	"$(awk -v m="$mb" -v s="$k_s" 'BEGIN {printf "%.1f", m / s}')" "$(ratio "$k_s" "$g_s")"

# ---- 2. consume and aggregate -------------------------------------------
backlog=$(topic backlog); create "$backlog"
"$bin/generator" -b "$brokers" -t "$backlog" --rate 0 --count "$consume_n" -q >/dev/null 2>&1
consume_n=$((consume_n + 1)) # the record create() wrote
ours=() kc=() kj=() ccpu=() kcpu=()
consume_ours() {
	timed "$work/t" "$bin/consumer" -b "$brokers" -t "$backlog" -g "bench-$$-$1" --from-beginning \
		--exit-at-end --group-by category --stats price,quantity --format json -q >"$work/c.out"
	ours+=("$(elapsed "$work/t")"); ccpu+=("$(cpu "$work/t")")
}
consume_kcat() {
	timed "$work/t" kcat -b "$brokers" -C -t "$backlog" -e -o beginning -q >/dev/null
	kc+=("$(elapsed "$work/t")"); kcpu+=("$(cpu "$work/t")")
}
for i in $(seq "$runs"); do
	# in turns first, as for producing
	if [ $((i % 2)) = 1 ]; then consume_ours "$i"; consume_kcat; else consume_kcat; consume_ours "$i"; fi
	# Its own rate (records over the time from its start to the last
	# record, group join included), as for the producer tool: the JVM's
	# start-up is not held against it.
	scripts/kafka-tool.sh org.apache.kafka.tools.ConsumerPerformance \
		--bootstrap-server "$brokers" --topic "$backlog" --num-records "$consume_n" \
		--group "bench-java-$$-$i" >"$work/cp" 2>&1
	kj+=("$(awk -F', ' '/^[0-9][0-9][0-9][0-9]-/ {print $6; exit}' "$work/cp")")
done
counted=$(python3 -c 'import json,sys; print(sum(json.loads(l)["records"] for l in open(sys.argv[1])))' "$work/c.out")
[ "$counted" = "$consume_n" ] || say "warning: the consumer counted $counted of $consume_n"
c_rate=$(awk -v n="$consume_n" -v s="$(printf '%s\n' "${ours[@]}" | median)" 'BEGIN {print n / s}')
k_rate=$(awk -v n="$consume_n" -v s="$(printf '%s\n' "${kc[@]}" | median)" 'BEGIN {print n / s}')
j_rate=$(printf '%s\n' "${kj[@]}" | median)
row "consume+aggregate $consume_n, records/s (vs kcat -C)" "$(fmt "$c_rate")" "$(fmt "$k_rate")" "$(ratio "$c_rate" "$k_rate")"
row "consume+aggregate, records/s (vs kafka-consumer-perf-test)" "$(fmt "$c_rate")" "$(fmt "$j_rate")" "$(ratio "$c_rate" "$j_rate")"

# ---- 2b. start-up --------------------------------------------------------
# From starting the consumer to its first partition assigned and its first
# record counted (its -v lines, timed as they come), on the backlog above.
su=() sf=()
for i in $(seq "$runs"); do
	read -r a f < <(python3 "$repo/scripts/bench_startup.py" "$bin/consumer" "$brokers" \
		"$backlog" "bench-start-$$-$i")
	su+=("$a"); sf+=("$f")
done
row "consumer start to first partition assigned / first record counted, s" \
	"$(printf '%s\n' "${su[@]}" | median) / $(printf '%s\n' "${sf[@]}" | median)" "target 1" \
	"$(ratio 1 "$(printf '%s\n' "${sf[@]}" | median)")"

# ---- 3. latency ---------------------------------------------------------
live=$(topic live); create "$live"
python3 "$repo/scripts/bench_latency.py" "$bin/consumer" "$brokers" "$live" "$latency_s" >"$work/lat" &
lat_pid=$!
"$bin/generator" -b "$brokers" -t "$live" --rate 20000 --duration "${latency_s}s" -q >/dev/null 2>&1
wait $lat_pid
read -r e2e50 e2e99 out50 out99 <"$work/lat"
row "end-to-end latency p50 / p99, ms (20,000/s, 1 s windows)" "$e2e50 / $e2e99" "-" "-"
row "window written after its end p50 / p99, ms" "$out50 / $out99" "target 50 (p99)" "$(ratio 50 "$out99")"

# ---- 4. memory ----------------------------------------------------------
python3 "$repo/scripts/bench_schema.py" 100000 >"$work/users.json"
for n in $mem_small $mem_large; do
	t=$(topic mem); create "$t"
	"$bin/generator" -b "$brokers" -t "$t" --schema "$work/users.json" --rate 0 --count "$n" -q >/dev/null 2>&1
	timed "$work/m$n" "$bin/consumer" -b "$brokers" -t "$t" -g "mem-$$-$n" --from-beginning \
		--exit-at-end --group-by user --stats price,quantity --format json -q >/dev/null
done
small=$(maxrss_mb "$work/m$mem_small")
large=$(maxrss_mb "$work/m$mem_large")
row "consumer peak RSS, MB: $mem_large vs $mem_small records, 100,000 keys" "$large" "$small" "$(ratio "$large" "$small")"
# The same with the load per window held equal: event time 1 ms apart
# (--rate 0 stamps so), one partition, windows of $mem_small records, so
# the larger run consumes 10x the records through 10x the windows.
for n in $mem_small $mem_large; do
	t=$(topic memw)
	"$bin/generator" -b "$brokers" -t "$t" --create-topic --partitions 1 --count 1 --rate 0 \
		--start-time 1 -q >/dev/null 2>&1 || true
	"$bin/generator" -b "$brokers" -t "$t" --schema "$work/users.json" --rate 0 --count "$n" \
		--start-time 1 -q >/dev/null 2>&1
	timed "$work/w$n" "$bin/consumer" -b "$brokers" -t "$t" -g "memw-$$-$n" --from-beginning \
		--exit-at-end --event-time ts --window "$((mem_small / 1000))s" --allowed-lateness 0s \
		--group-by user --stats price,quantity --format json -q >/dev/null
done
small=$(maxrss_mb "$work/w$mem_small")
large=$(maxrss_mb "$work/w$mem_large")
row "consumer peak RSS, MB: same, $mem_small records per window (event time)" "$large" "$small" "$(ratio "$large" "$small")"
row "generator peak RSS, MB" "$(printf '%s\n' "${grss[@]}" | median)" "-" "-"

# ---- 5. CPU per record --------------------------------------------------
gcs=$(printf '%s\n' "${gcpu[@]}" | median)
ccs=$(printf '%s\n' "${ccpu[@]}" | median)
pcs=$(printf '%s\n' "${pcpu[@]}" | median)
row "generator CPU s per million events (user+sys, vs kcat -P in the same runs)" \
	"$(awk -v c="$gcs" -v n="$produce_n" 'BEGIN {printf "%.2f", c / n * 1e6}')" \
	"$(awk -v c="$pcs" -v n="$produce_n" 'BEGIN {printf "%.2f", c / n * 1e6}')" "$(ratio "$gcs" "$pcs")"
kcs=$(printf '%s\n' "${kcpu[@]}" | median)
row "consumer CPU s per million records (user+sys, vs kcat -C in the same runs; target 1.4)" \
	"$(awk -v c="$ccs" -v n="$consume_n" 'BEGIN {printf "%.2f", c / n * 1e6}')" \
	"$(awk -v c="$kcs" -v n="$consume_n" 'BEGIN {printf "%.2f", c / n * 1e6}')" "$(ratio "$ccs" "$kcs")"

# ---- 6. number formatting -------------------------------------------------
# kt_number_format against the printf + sscanf it replaced (no broker needed).
${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -Iinclude bench/bench_number.c src/lib/number.c -lm \
	-o "$work/bench_number"
"$work/bench_number" >"$work/numbers"
while read -r kind ours_ns cjson_ns _; do
	row "ns per number written, $kind (peer: cJSON's %1.15g + sscanf + %1.17g)" \
		"$ours_ns" "$cjson_ns" "$(ratio "$ours_ns" "$cjson_ns")"
done < <(sed -e 1d -e 's/random bits/random_bits/' "$work/numbers")

# ---- 7. writing a large window --------------------------------------------
# One window of 100,000 groups (two stats, a distinct field) written as table,
# JSON and CSV to /dev/null, the median of 5 (no broker needed), wall-clock
# (the target) and the thread's CPU time (less sensitive to the machine's load).
${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -Iinclude -Isrc $(pkg-config --cflags libcjson) \
	bench/bench_report.c "$build/mod/consumer.a" "$build/libktrio.a" \
	$(pkg-config --libs rdkafka libcjson libpcre2-8) -lm -lpthread -o "$work/bench_report"
"$work/bench_report" >"$work/report_ms"
wall=$(awk '{printf "%s%s", (NR > 1 ? " / " : ""), $2}' "$work/report_ms")
cpu=$(awk '{printf "%s%s", (NR > 1 ? " / " : ""), $3}' "$work/report_ms")
worst=$(awk 'BEGIN {m = 0} $2 > m {m = $2} END {print m}' "$work/report_ms")
row "window of 100,000 groups written, ms (table/json/csv)" "$wall" "target 100" "$(ratio 100 "$worst")"
row "same, CPU ms of the writing thread (table/json/csv)" "$cpu" "-" "-"

# ---- 8. scale-out member CPU ----------------------------------------------
# CPU s (user+sys) per million records of a member (--partials-to, event
# time, 5 s windows over a backlog 1 ms apart: 3 partitions' partials and
# seals per window) against a plain consumer with the same settings, runs
# interleaved on the same backlog (target: at most 1.15x). Stamped an hour
# back, not at 1: the broker's retention would delete records of 1970.
so=$(topic so)
so_n=$((1000000 / scale))
st=$(( ($(date +%s) - 3600) * 1000 ))
"$bin/generator" -b "$brokers" -t "$so" --create-topic --partitions 3 --count 1 --rate 0 \
	--start-time "$st" -q >/dev/null 2>&1 || true
"$bin/generator" -b "$brokers" -t "$so" --rate 0 --count "$so_n" --start-time "$st" -q >/dev/null 2>&1
so_n=$((so_n + 1))
so_parts=$(topic so-parts); create "$so_parts"
so_args=(--event-time ts --window 5s --allowed-lateness 1s --group-by category --stats price,quantity)
pc=() pw=() mc=()
for i in $(seq "$runs"); do
	timed "$work/t" "$bin/consumer" -b "$brokers" -t "$so" -g "so-plain-$$-$i" --from-beginning \
		--exit-at-end "${so_args[@]}" --format json -q >"$work/so.json"
	pc+=("$(cpu "$work/t")"); pw+=("$(elapsed "$work/t")")
	timed "$work/t" "$bin/consumer" -b "$brokers" -t "$so" -g "so-member-$$-$i" --from-beginning \
		--exit-at-end "${so_args[@]}" --partials-to "$so_parts" -q >/dev/null 2>&1
	mc+=("$(cpu "$work/t")")
done
p_cpu=$(printf '%s\n' "${pc[@]}" | median | awk -v n="$so_n" '{printf "%.2f", $1 / n * 1e6}')
m_cpu=$(printf '%s\n' "${mc[@]}" | median | awk -v n="$so_n" '{printf "%.2f", $1 / n * 1e6}')
row "scale-out member CPU s per million records (vs plain consumer, same settings)" \
	"$m_cpu" "$p_cpu" "$(ratio "$m_cpu" "$p_cpu")"

# ---- 8b. PySpark (BENCH_SPARK=1) -------------------------------------------
# The plain consumer's query above (so_args) as a PySpark Structured Streaming
# job on the same backlog: scripts/bench_spark.py. Ours: the plain runs'
# records over their wall time, and bench_startup.py with the same query.
# Spark's: its records over the time from the backlog query's start to its
# end (availableNow), and from launching its driver to its first micro-batch
# collected. pyspark and the Kafka source are installed before any timing.
if [ "${BENCH_SPARK:-0}" = 1 ]; then
	spark_py=$repo/.cache/spark-venv/bin/python3
	ivy=$repo/.cache/spark-ivy
	if ! "$spark_py" -c 'import pyspark' 2>/dev/null; then
		say "installing pyspark 4.0.1 (about 430 MB) into .cache/spark-venv"
		python3 -m venv "$repo/.cache/spark-venv"
		"$repo/.cache/spark-venv/bin/pip" install -q pyspark==4.0.1
	fi
	if ! ls "$ivy"/jars/*spark-sql-kafka*.jar >/dev/null 2>&1; then
		say "fetching Spark's Kafka source (about 125 MB with Hadoop's client) into .cache/spark-ivy"
		SPARK_LOCAL_IP=127.0.0.1 "$spark_py" scripts/bench_spark.py fetch "$ivy" >"$work/fetch.log" 2>&1 ||
			{ tail -n 20 "$work/fetch.log" >&2; exit 1; }
	fi
	sa=() su=() sr=() sb=() ss=()
	for i in $(seq "$runs"); do
		read -r a f < <(python3 "$repo/scripts/bench_startup.py" "$bin/consumer" "$brokers" \
			"$so" "so-start-$$-$i" "${so_args[@]}")
		sa+=("$a"); su+=("$f")
		SPARK_LOCAL_IP=127.0.0.1 "$spark_py" scripts/bench_spark.py run "$ivy" "$brokers" "$so" \
			"$(date +%s.%N)" "$work/so.json" >"$work/spark" 2>"$work/spark.log" ||
			{ tail -n 20 "$work/spark.log" >&2; exit 1; }
		read -r n secs ready up checked <"$work/spark"
		[ "$n" = "$so_n" ] || say "warning: Spark counted $n of $so_n"
		sr+=("$(awk -v n="$n" -v s="$secs" 'BEGIN {print n / s}')"); sb+=("$ready"); ss+=("$up")
	done
	say "spark: per-window counts equal ours ($checked windows x categories)"
	o_rate=$(awk -v n="$so_n" -v s="$(printf '%s\n' "${pw[@]}" | median)" 'BEGIN {print n / s}')
	s_rate=$(printf '%s\n' "${sr[@]}" | median)
	row "consume+aggregate $so_n, 5 s event-time windows, records/s (vs PySpark 4.0 Structured Streaming, local[2])" \
		"$(fmt "$o_rate")" "$(fmt "$s_rate")" "$(ratio "$o_rate" "$s_rate")"
	o_up=$(printf '%s\n' "${su[@]}" | median)
	s_up=$(printf '%s\n' "${ss[@]}" | median)
	# Two significant digits: the ratio is far below the 0.01 ratio() shows.
	row "same query, start to first partition assigned / first record counted (vs PySpark: to session built / first micro-batch collected), s" \
		"$(printf '%s\n' "${sa[@]}" | median) / $o_up" "$(printf '%s\n' "${sb[@]}" | median) / $s_up" \
		"$(awk -v a="$o_up" -v b="$s_up" 'BEGIN {printf "%.2g", (b > 0 ? a / b : 0)}')"
fi

# ---- 9. scale-out merger --------------------------------------------------
# Its peak RSS over 300 windows against 100, and how long after a window's
# last seal it writes it (live, one member): scripts/bench_merger.sh.
while IFS='|' read -r figure ours peer r; do
	row "$figure" "$ours" "$peer" "$r"
done < <(scripts/bench_merger.sh "$bin" "$brokers" "$work/merger" "$scale")

mkdir -p bench
{
	echo "Measured $(date -u +%Y-%m-%d) on $machine; Kafka 4.3.1 (local KRaft, one node), librdkafka $(pkg-config --modversion rdkafka); median of $runs runs$([ $scale = 10 ] && echo ', BENCH_QUICK (10x smaller)')."
	echo
	echo "| figure | ours | peer | ratio ours/peer |"
	echo "|---|---|---|---|"
	printf '%s\n' "${results[@]}"
} | tee bench/results.md
