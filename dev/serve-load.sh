#!/usr/bin/env bash
# Starts `jmoe serve` on MODEL (loopback), runs dev/ServeLoad.java at 1, 4, 8 and 16 concurrent streams, stops it.
#   dev/serve-load.sh MODEL.gguf [extra ServeLoad options]      env: THREADS (default: nproc), PORT (18080), CTX (512)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODEL=$1; shift
PORT=${PORT:-18080}
LOG=$(mktemp)
"$ROOT/jmoe" serve -m "$MODEL" --port "$PORT" --parallel 16 --ctx "${CTX:-512}" --threads "${THREADS:-$(nproc)}" 2>"$LOG" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; rm -f "$LOG"' EXIT
for _ in $(seq 600); do grep -q "listening on" "$LOG" && break; kill -0 $PID 2>/dev/null || { cat "$LOG"; exit 1; }; sleep 0.5; done
head -1 "$LOG"
# the launcher's JDK (>= 25) runs the single-file client
"$ROOT/jmoe" java "$ROOT/dev/ServeLoad.java" "http://127.0.0.1:$PORT" "$@" 2> >(grep -v incubator >&2)
