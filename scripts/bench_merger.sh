#!/usr/bin/env bash
# bench_merger.sh BIN BROKERS WORK [SCALE]: the scale-out merger's rows for
# make bench (scripts/bench.sh), as "figure|ours|peer|ratio" lines:
#  - its peak RSS over 300 windows against 100 (flat: ratio about 1; the first
#    few dozen windows warm the heap and librdkafka up);
#  - how long after a window's last seal (the seal record's timestamp) the
#    merger wrote it, p50 / p99, live: generator at 2,000/s, one member,
#    1 s windows (target 200 ms at p99).
# SCALE (1, or 10 for BENCH_QUICK) shortens the live run. Runnable alone
# against a running broker: scripts/bench_merger.sh build/bin 127.0.0.1:29192 /tmp/x
set -euo pipefail
bin=$1 brokers=$2 work=$3 scale=${4:-1}
repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work"
export KT_BROKERS=$brokers
ktpy() { "$repo/.cache/venv/bin/python3" "$repo/tests/integration/ktpy.py" "$@"; }
topic() { printf 'bench-%s-%s-%s' "$1" "$$" "$RANDOM"; }
maxrss_mb() { awk -F': ' '/Maximum resident/ {printf "%.1f", $2 / 1024}' "$1"; }
pct() { sort -g | awk -v q="$1" '{v[NR]=$1} END {i = int(NR * q + 0.999); if (i < 1) i = 1; print (NR ? v[i] : "-")}'; }
member_opts=(--event-time ts --window 1s --allowed-lateness 0s --group-by category
	--stats price,quantity --distinct user)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# ---- RSS over 100 and 300 windows: 1,000 events a window (1 ms apart) ----
# Stamped an hour back: the broker's retention would delete records of 1970.
st=$((($(date +%s) - 3600) * 1000))
for n in 100 300; do
	in=$(topic merge-in) parts=$(topic merge-parts)
	ktpy create "$in" 3
	ktpy create "$parts" 1
	"$bin/generator" -b "$brokers" -t "$in" --rate 0 --count "$((n * 1000))" --start-time "$st" \
		-q >/dev/null 2>&1
	"$bin/consumer" -b "$brokers" -t "$in" -g "bench-member-$$-$n" --from-beginning -e \
		"${member_opts[@]}" --partials-to "$parts" -q
	/usr/bin/time -v -o "$work/merge$n" "$bin/consumer" -b "$brokers" --merge "$parts" \
		-g "bench-merger-$$-$n" -e --format json -q >"$work/merged$n.json"
	ktpy delete "$in" 2>/dev/null
	ktpy delete "$parts" 2>/dev/null
done
small=$(maxrss_mb "$work/merge100")
large=$(maxrss_mb "$work/merge300")
echo "merger peak RSS, MB: 300 windows ($(wc -l <"$work/merged300.json") written) vs 100|$large|$small|$(awk -v a="$large" -v b="$small" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')"

# ---- write latency after the last seal, live ----------------------------
secs=$((30 / scale))
in=$(topic merge-live) parts=$(topic merge-live-parts)
ktpy create "$in" 3
ktpy create "$parts" 1
"$bin/consumer" -b "$brokers" -t "$in" -g "bench-live-member-$$" "${member_opts[@]}" \
	--partials-to "$parts" -v >/dev/null 2>"$work/member.err" &
pids+=($!)
"$bin/consumer" -b "$brokers" --merge "$parts" -g "bench-live-merger-$$" --format json -v \
	>/dev/null 2>"$work/merger.err" &
pids+=($!)
for _ in $(seq 600); do
	grep -q "assigned [1-9]" "$work/member.err" && grep -q "assigned [1-9]" "$work/merger.err" && break
	sleep 0.1
done
"$bin/generator" -b "$brokers" -t "$in" --rate 2000 --duration "${secs}s" -q >/dev/null 2>&1
# The last windows close once the watermark passes them: a few more events.
"$bin/generator" -b "$brokers" -t "$in" --rate 100 --duration 3s -q >/dev/null 2>&1
kill -INT "${pids[@]}" 2>/dev/null || true
wait "${pids[@]}" 2>/dev/null || true
pids=()
sed -n 's/.* written \([0-9]*\) ms after its last seal.*/\1/p' "$work/merger.err" >"$work/lat"
p50=$(pct 0.50 <"$work/lat")
p99=$(pct 0.99 <"$work/lat")
echo "merger: window written after its last seal p50 / p99, ms ($(wc -l <"$work/lat") windows)|$p50 / $p99|target 200 (p99)|$(awk -v a=200 -v b="$p99" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')"
ktpy delete "$in" 2>/dev/null
ktpy delete "$parts" 2>/dev/null
