#!/usr/bin/env bash
# Compares `jmoe plan`'s prediction for this machine with `jmoe bench` measurements (the planner issue's check).
# Needs a calibration (`./jmoe calibrate`, run first if missing or with CALIBRATE=1). Models default to the shared tiny DeepSeek files.
# Usage: dev/plan-vs-bench.sh [MODEL.gguf ...]     (run on an otherwise idle machine)
# The raw llama-bench-style CSV is kept in ${OUT:-/tmp/jmoe-plan-vs-bench.csv}.
set -euo pipefail
cd "$(dirname "$0")/.."
models=("$@")
if [[ ${#models[@]} -eq 0 ]]; then
  models=(../shared/models/dsv3-tiny-Q8_0.gguf ../shared/models/dsv3-tiny-Q4_K_M.gguf ../shared/models/dsv2-tiny-Q8_0.gguf)
fi
out=${OUT:-/tmp/jmoe-plan-vs-bench.csv}
# CALIBRATE=1 measures the machine again first: on a shared VM its speed drifts by a third within the hour
if [[ -n "${CALIBRATE:-}" || ! -f "${XDG_CONFIG_HOME:-$HOME/.config}/jmoe/hardware.json" ]]; then ./jmoe calibrate >&2; fi
: > "$out"
for m in "${models[@]}"; do # each model in its own JVM, as a user runs one (see dev/vs-llamacpp.sh)
  ./jmoe bench -m "$m" -p "${PP:-128}" -n "${TG:-32}" -r "${REPS:-3}" -t "${THREADS:-1,2}" -o csv | { [[ -s "$out" ]] && tail -n +2 || cat; } >> "$out"
done
python3 - "$out" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
errs = []
print("%-34s %7s %6s %13s %14s %8s" % ("model", "threads", "test", "measured t/s", "predicted t/s", "error"))
for r in rows:
    test = "pp%s" % r["n_prompt"] if int(r["n_prompt"]) > 0 else "tg%s" % r["n_gen"]
    m, p = float(r["avg_ts"]), float(r["predicted_ts"])
    e = (p - m) / m
    errs.append(abs(e))
    print("%-34s %7s %6s %13.2f %14.2f %+7.1f%%" % (r["model_filename"].split("/")[-1], r["n_threads"], test, m, p, 100 * e))
print("median |error| over %d configurations: %.1f%%" % (len(errs), 100 * statistics.median(errs)))
PY
