#!/usr/bin/env bash
# Compares builds of the engine on one model: `jmoe bench` of each jar in turn, ROUNDS times, each in its own JVM with
# the launcher's JDK and flags; prints per jar and test the median t/s of the last half of the samples and the fastest.
# Usage: dev/bench-ab.sh MODEL PP TG REPS THREADS ROUNDS JAR [JAR ...]    env: BENCH_ARGS (extra bench options)
#   e.g. dev/bench-ab.sh ../shared/models/dsv3-tiny-Q8_0.gguf 128 0 100 1,2 2 /tmp/old.jar cli/target/jmoe.jar
# Builds without --warmup-time warm up by one run; with many repetitions the last half is past the JIT's warmup either
# way. Run it on an otherwise idle machine; the same jar twice shows the noise.
set -euo pipefail
[[ $# -ge 7 ]] || { sed -n 4,5p "$0" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
model=$1 pp=$2 tg=$3 reps=$4 threads=$5 rounds=$6
shift 6
for ((round = 1; round <= rounds; round++)); do
  for jar in "$@"; do
    # shellcheck disable=SC2086
    "$ROOT/jmoe" java -jar "$jar" bench -m "$model" -p "$pp" -n "$tg" -r "$reps" -t "$threads" --cache-type f16 -o json \
        ${BENCH_ARGS:-} 2>/dev/null | python3 -c '
import json, statistics, sys
for row in json.load(sys.stdin):
    s = row["samples_ts"]
    test = "pp%d" % row["n_prompt"] if row["n_prompt"] else "tg%d" % row["n_gen"]
    print("%-28s %-6s t=%-2s median of last half %9.1f t/s, fastest %9.1f" % (sys.argv[1], test, row["n_threads"],
          statistics.median(s[len(s) // 2:]), max(s)))
' "$(basename "$jar")"
  done
done
