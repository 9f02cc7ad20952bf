#!/usr/bin/env bash
# make soak: generator at 20,000 events/s and a consumer with 1 s windows for
# SOAK_SECONDS (default 600) on a local broker. Passes when nothing is lost
# (generator delivered == produced == records in the topic == records the
# consumer counted, and the topic holds every seq 0..produced-1 of the run
# exactly once), the consumer's RSS is flat (mean of the last minute within
# 10 % of the second minute) and its open file descriptors do not grow.
set -euo pipefail

build=${1:-build}
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bin="$repo/$build/bin"
seconds=${SOAK_SECONDS:-600}
rate=${SOAK_RATE:-20000}
export KAFKA_PORT=${KAFKA_PORT:-29292}
brokers="127.0.0.1:$KAFKA_PORT"
topic="soak-$$"
work=$(mktemp -d "${TMPDIR:-/tmp}/ktrio-soak.XXXXXX")
started=0 gen= con=
cleanup() {
	[ -n "$gen" ] && kill -9 "$gen" 2>/dev/null
	[ -n "$con" ] && kill -9 "$con" 2>/dev/null
	[ $started = 1 ] && scripts/kafka-local.sh stop >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if ! scripts/kafka-local.sh status >/dev/null 2>&1; then
	scripts/kafka-local.sh start
	started=1
fi
"$bin/generator" -b "$brokers" -t "$topic" --create-topic --partitions 3 --count 1 --rate 0 -q
"$bin/consumer" -b "$brokers" -t "$topic" -g "$topic" --from-beginning --window 1s --format json \
	--group-by category --stats price,quantity >"$work/windows" 2>"$work/consumer.err" &
con=$!
"$bin/generator" -b "$brokers" -t "$topic" --rate "$rate" --duration "${seconds}s" \
	>/dev/null 2>"$work/generator.err" &
gen=$!
echo "soak: $seconds s at $rate events/s (consumer pid $con)"
: >"$work/samples"
for ((t = 1; t <= seconds; t++)); do
	sleep 1 # one sample a second of the consumer's RSS and open descriptors
	rss=$(awk '/^VmRSS/ {print $2}' "/proc/$con/status")
	fds=$(ls "/proc/$con/fd" | wc -l)
	echo "$t $rss $fds" >>"$work/samples"
done
wait "$gen" || { cat "$work/generator.err"; echo "soak: FAIL generator"; exit 1; }
gen=
produced=$(sed -nE 's/.*produced ([0-9]+), delivered ([0-9]+), failed 0.*/\1 \2/p' "$work/generator.err")
read -r p d <<<"$produced"
total=$((p + 1))
in_topic=$(for part in 0 1 2; do kcat -b "$brokers" -Q -t "$topic:$part:-1" 2>/dev/null; done |
	awk '{s += $NF} END {print s}')
counted() { python3 -c 'import json,sys; print(sum(json.loads(l)["records"] for l in open(sys.argv[1]) if l.endswith("\n")))' "$work/windows"; }
deadline=$((SECONDS + 60))
while [ "$(counted)" -lt "$total" ] && [ $SECONDS -lt $deadline ]; do sleep 0.5; done
kill -TERM "$con"
wait "$con" || true
con=
c=$(counted)
# Every seq of the run, read back by kcat: none missing, none twice.
# Streamed, not kept: ten minutes at 20,000/s is 2.5 GB of values.
seqs_ok=$(kcat -b "$brokers" -C -t "$topic" -e -o beginning -q -f '%s\n' | python3 -c '
import collections, re, sys
pat = re.compile(r"\"run\":\"([^\"]*)\",\"seq\":(\d+)")
runs = collections.defaultdict(list)
for line in sys.stdin:
    m = pat.search(line)
    if m:
        runs[m.group(1)].append(int(m.group(2)))
seqs = max(runs.values(), key=len)  # the soak run, not the set-up record
n = int(sys.argv[1])
print(1 if len(seqs) == n and len(set(seqs)) == n and max(seqs) == n - 1 else 0)' "$p")
python3 - "$work/samples" "$p" "$d" "$total" "${in_topic:-0}" "$c" "$seqs_ok" <<'PY'
import statistics, sys
rows = [tuple(map(int, l.split())) for l in open(sys.argv[1])]
p, d, total, in_topic, counted, seqs_ok = map(int, sys.argv[2:])
def mean_rss(a, b):
    v = [r[1] for r in rows if a < r[0] <= b]
    return statistics.mean(v) / 1024 if v else float("nan")
end = rows[-1][0]
second = mean_rss(60, 120) if end >= 120 else mean_rss(end // 5, 2 * end // 5)
last = mean_rss(end - 60, end) if end >= 120 else mean_rss(4 * end // 5, end)
fd_early = rows[min(len(rows) - 1, 60)][2]
fd_end = rows[-1][2]
ok = (d == p and in_topic == total and counted == total and seqs_ok and
      abs(last - second) <= 0.1 * second and fd_end <= fd_early)
print(f"soak: produced {p}, delivered {d}, in topic {in_topic - 1} (+1 set-up record), consumer counted {counted - 1}")
print(f"soak: consumer RSS second minute {second:.1f} MB, last minute {last:.1f} MB ({(last / second - 1) * 100:+.1f} %)")
print(f"soak: open descriptors {fd_early} -> {fd_end}")
print(f"soak: every seq 0..{p - 1} in the topic exactly once: {'yes' if seqs_ok else 'NO'}")
print("soak:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
