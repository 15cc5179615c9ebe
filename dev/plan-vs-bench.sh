#!/usr/bin/env bash
# Compares `jmoe plan`'s prediction for this machine with `jmoe bench` measurements (the planner issue's check).
# Needs a calibration (`./jmoe calibrate`); models default to the shared tiny DeepSeek files plus any given.
# Usage: dev/plan-vs-bench.sh [MODEL.gguf ...]     (run on an otherwise idle machine)
set -euo pipefail
cd "$(dirname "$0")/.."
models=("$@")
if [[ ${#models[@]} -eq 0 ]]; then
  models=(../shared/models/dsv3-tiny-Q8_0.gguf ../shared/models/dsv3-tiny-Q4_K_M.gguf ../shared/models/dsv2-tiny-Q8_0.gguf)
fi
[[ -f "${XDG_CONFIG_HOME:-$HOME/.config}/jmoe/hardware.json" ]] || ./jmoe calibrate
csv=$(./jmoe bench -m "$(IFS=,; echo "${models[*]}")" -p 128 -n 32 -r 3 -t 1,2 -o csv 2>/dev/null)
echo "$csv" | python3 -c '
import csv, sys, statistics
rows = list(csv.DictReader(sys.stdin))
errs = []
print(f"{\"model\":40} {\"threads\":>7} {\"test\":>6} {\"measured t/s\":>13} {\"predicted t/s\":>14} {\"error\":>8}")
for r in rows:
    test = f"pp{r[\"n_prompt\"]}" if int(r["n_prompt"]) > 0 else f"tg{r[\"n_gen\"]}"
    m, p = float(r["avg_ts"]), float(r["predicted_ts"])
    e = (p - m) / m
    errs.append(abs(e))
    print(f"{r[\"model_filename\"].split(\"/\")[-1]:40} {r[\"n_threads\"]:>7} {test:>6} {m:13.1f} {p:14.1f} {100*e:+7.1f}%")
print(f"median |error| over {len(errs)} configurations: {100*statistics.median(errs):.1f}%")
'
