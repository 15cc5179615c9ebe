#!/usr/bin/env bash
# jmoe bench beside llama.cpp's llama-bench: same files, same thread counts, same tests, one run (the engine issue's
# speed check). Both use an F16 KV cache (llama.cpp's default) and no flash attention.
# Needs a llama-bench binary: LLAMA_BENCH=/path/to/llama-bench (how to build one: README, "Development").
# Usage: dev/vs-llamacpp.sh MODEL.gguf [MODEL.gguf ...]   env: PP (512) TG (128) REPS (3) THREADS (1,2) DEPTH (0: -d)
# With a calibration (`jmoe calibrate`) it also compares the planner's prediction with jmoe's measurement (the
# planner issue's check). Run it on an otherwise idle machine. Raw CSVs are kept in ${OUT:-/tmp/jmoe-vs-llamacpp}.{jmoe,llama}.csv
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 1 ]] || { echo "usage: $0 MODEL.gguf [...]" >&2; exit 2; }
lb=${LLAMA_BENCH:-}
[[ -n "$lb" && -x "$lb" ]] || { echo "set LLAMA_BENCH to a llama-bench binary (see README, Development)" >&2; exit 2; }
out=${OUT:-/tmp/jmoe-vs-llamacpp}
: > "$out.jmoe.csv"; : > "$out.llama.csv"; : > "$out.llama.log"
# one model at a time, jmoe then llama.cpp, each jmoe model in its own JVM: the two engines see the same machine state
# minutes apart, and the JIT's profile of one model's kernels does not slow the next model's first repetitions
for m in "$@"; do
  args=(-m "$m" -p "${PP:-512}" -n "${TG:-128}" -d "${DEPTH:-0}" -r "${REPS:-3}" -t "${THREADS:-1,2}" -o csv)
  ./jmoe bench "${args[@]}" --cache-type f16 | { [[ -s "$out.jmoe.csv" ]] && tail -n +2 || cat; } >> "$out.jmoe.csv"
  "$lb" "${args[@]}" -fa 0 2>> "$out.llama.log" | { [[ -s "$out.llama.csv" ]] && tail -n +2 || cat; } >> "$out.llama.csv"
done
python3 - "$out.jmoe.csv" "$out.llama.csv" <<'PY'
import csv, os, sys
def load(path):
    rows = {}
    for r in csv.DictReader(open(path)):
        test = "pp%s" % r["n_prompt"] if int(r["n_prompt"]) > 0 else "tg%s" % r["n_gen"]
        if int(r.get("n_depth") or 0) > 0: test += " @ d%s" % r["n_depth"]
        rows[(os.path.basename(r["model_filename"]), int(r["n_threads"]), test)] = r
    return rows
j, l = load(sys.argv[1]), load(sys.argv[2])
print("| file | threads | test | jmoe t/s | llama.cpp t/s | jmoe ÷ llama.cpp | jmoe weight GB/s | plan t/s | plan error |")
print("|---|---|---|---|---|---|---|---|---|")
errs = []
for key in sorted(j, key=lambda k: (k[0], k[1], k[2][:2] != "pp", k[2])):
    a = j[key]; b = l.get(key)
    jt = float(a["avg_ts"]); lt = float(b["avg_ts"]) if b else float("nan")
    gbs = a.get("read_gbs") or ""
    pred = a.get("predicted_ts") or ""
    err = ""
    if pred:
        e = (float(pred) - jt) / jt
        errs.append(abs(e))
        err = "%+.0f %%" % (100 * e)
    print("| %s | %d | %s | %.2f ± %.2f | %s | %s | %s | %s | %s |" % (key[0], key[1], key[2], jt, float(a["stddev_ts"]),
          "%.2f ± %.2f" % (lt, float(b["stddev_ts"])) if b else "n/a", "%.2f" % (jt / lt) if b else "n/a",
          "%.1f" % float(gbs) if gbs else "", "%.2f" % float(pred) if pred else "", err))
if errs:
    import statistics
    print("\nplanner (jmoe calibrate) vs jmoe measured: median |error| %.1f %% over %d rows" % (100 * statistics.median(errs), len(errs)))
PY
