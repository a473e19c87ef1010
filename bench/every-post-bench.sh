#!/usr/bin/env bash
# Every post on time (issue 23): a steady rate of alerts to all four platforms, limits
# lifted, and the time from each POST to each of its posts. Release build, a private
# PostgreSQL with fsync on.
#   ./bench/every-post-bench.sh [alerts per second, default 10] [seconds, default 30]
# Under the platforms' published limits instead, with each post's gap to the earliest slot
# those limits allowed:
#   ARALDO_BENCH_REAL_LIMITS=1 ./bench/every-post-bench.sh 1 20
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DARALDO_BUILD_TESTS=ON -DARALDO_BUILD_BENCH=ON >/dev/null
cmake --build build-bench --target every_post_bench araldod araldo-emulator >/dev/null
port=${ARALDO_BENCH_PG_PORT:-55434}
dir=/tmp/araldo-bench-pg-$port
./deploy/pg-cluster.sh start "$dir" "$port"
trap './deploy/pg-cluster.sh stop "$dir"' EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
ARALDO_TEST_PG="host=127.0.0.1 port=$port user=postgres dbname=postgres" \
ARALDOD=build-bench/araldod ARALDO_EMULATOR=build-bench/tests/emulator/araldo-emulator \
  build-bench/bench/every_post_bench "${1:-10}" "${2:-30}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
