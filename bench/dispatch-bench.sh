#!/usr/bin/env bash
# Dispatch throughput: one alert to many WhatsApp subscribers, the real araldod against the
# emulator, on a private PostgreSQL (fsync on). Not part of the test suite: the figures
# depend on the machine, so compare builds in one run:
#   ARALDOD_BASELINE=/path/to/older/araldod ./bench/dispatch-bench.sh
# runs every scenario with that binary first, then with this tree's.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DARALDO_BUILD_TESTS=ON \
  -DARALDO_BUILD_BENCH=ON >/dev/null
cmake --build build-bench --target dispatch_bench araldod araldo-emulator
port=${ARALDO_BENCH_PG_PORT:-55434}
dir=/tmp/araldo-bench-pg-$port
./deploy/pg-cluster.sh start "$dir" "$port"
trap './deploy/pg-cluster.sh stop "$dir"' EXIT
export ARALDO_TEST_PG="host=127.0.0.1 port=$port user=postgres dbname=postgres"
export ARALDO_EMULATOR=build-bench/tests/emulator/araldo-emulator

# recipients, allowed msg/s (0: no limit anywhere), longest measurement in seconds
scenarios=("20000 0 120" "100000 0 90" "4000 200 120" "10000 1000 120")
binaries=()
[ -n "${ARALDOD_BASELINE:-}" ] && binaries+=("$ARALDOD_BASELINE")
binaries+=(build-bench/araldod)
echo "| araldod | recipients | allowed | delivered | time | rate | of allowed | throttled | araldod CPU | intake |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for bin in "${binaries[@]}"; do
  for s in "${scenarios[@]}"; do
    # shellcheck disable=SC2086
    echo "| $bin $(ARALDOD=$bin build-bench/bench/dispatch_bench $s)"
  done
done

# Two daemons on one database when the platform is the bottleneck (every send answered
# after 200 ms): what the second one adds, and that nobody gets a message twice.
echo
echo "| daemons | recipients | each send waits | delivered | time | rate |"
echo "|---|---|---|---|---|---|"
for d in 1 2; do
  row=$(ARALDO_BENCH_DAEMONS=$d ARALDO_BENCH_SEND_LATENCY_MS=200 ARALDOD=build-bench/araldod \
    build-bench/bench/dispatch_bench 8000 0 60 2>/tmp/dispatch-bench-$d.err)
  grep "daemons:" /tmp/dispatch-bench-$d.err
  echo "| $d | $(cut -d'|' -f2 <<<"$row") | 200 ms | $(cut -d'|' -f4-7 <<<"$row") |"
done
