#!/usr/bin/env bash
# Starts `jmoe serve` on MODEL (loopback, a free port), runs dev/serve-load.mjs against it, stops it.
# Usage: dev/serve-load.sh MODEL.gguf   env: CONC (1,4,8,16) MAX_TOKENS (32) ROUNDS (2) PARALLEL (16) THREADS (all) CTX (256)
# e.g. on `./jmoe synth --shape moonlight-16b-a3b --layers 4 --type Q4_0 --seed 1 -o moonlight-L4-Q4_0.gguf` (1.4 GB, MoE)
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -eq 1 ]] || { echo "usage: $0 MODEL.gguf" >&2; exit 2; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp)
./jmoe serve -m "$1" --port "$port" --parallel "${PARALLEL:-16}" --ctx "${CTX:-256}" ${THREADS:+--threads "$THREADS"} >"$log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
  kill -0 $pid 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.5
done
grep -a 'jmoe serve:' "$log" >&2 || true
node dev/serve-load.mjs "http://127.0.0.1:$port" "${CONC:-1,4,8,16}" "${MAX_TOKENS:-32}" "${ROUNDS:-2}"
