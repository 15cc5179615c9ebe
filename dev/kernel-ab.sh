#!/usr/bin/env bash
# Compares two builds of the kernels side by side in one JVM (dev/KernelAB.java): matvec GB/s per weight type.
# Usage: dev/kernel-ab.sh OLD.jar NEW.jar THREADS TYPES REPS [COLS] [MB]
#   e.g. git stash; ./jmoe --version; cp cli/target/jmoe.jar /tmp/old.jar; git stash pop; ./jmoe --version
#        dev/kernel-ab.sh /tmp/old.jar cli/target/jmoe.jar 2 Q4_K,Q6_K 6          (256 MB: from DRAM)
#        dev/kernel-ab.sh /tmp/old.jar cli/target/jmoe.jar 1 Q4_K 6 4096 2        (2 MB: from cache)
# Run it on an otherwise idle machine; the same jar twice shows the noise.
set -euo pipefail
[[ $# -ge 5 ]] || { sed -n 3,6p "$0" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# the launcher's JDK and flags (./jmoe java), so the kernels compile as they do in the product
exec "$ROOT/jmoe" java "$ROOT/dev/KernelAB.java" "$@" 2> >(grep -v incubator >&2)
