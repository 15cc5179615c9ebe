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
# a JDK >= 25 as ./jmoe finds one: JAVA_HOME, else Temurin 25 under /usr/lib/jvm, else java on the PATH
JAVA=java
for j in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} /usr/lib/jvm/temurin-2[5-9]*/bin/java; do
  if [[ -x $j ]] && "$j" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then JAVA=$j; break; fi
done
# the launcher's flags (./jmoe), so the kernels compile as they do in the product
exec "$JAVA" --add-modules jdk.incubator.vector -XX:+UseParallelGC -Xmn64m -Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0 \
  --enable-native-access=ALL-UNNAMED "$ROOT/dev/KernelAB.java" "$@" 2> >(grep -v incubator >&2)
