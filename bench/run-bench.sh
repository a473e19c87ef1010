#!/usr/bin/env bash
# Builds optimised, starts a private PostgreSQL, runs the benchmarks and prints a table.
# Not part of the test suite: numbers depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DARALDO_BUILD_TESTS=ON -DARALDO_BUILD_BENCH=ON >/dev/null
cmake --build build-bench --target delivery_latency_bench fanout_bench claim_record_bench araldod \
  araldo-emulator
port=${ARALDO_BENCH_PG_PORT:-55434}
dir=/tmp/araldo-bench-pg-$port
./deploy/pg-cluster.sh start "$dir" "$port"
trap './deploy/pg-cluster.sh stop "$dir"' EXIT
ARALDO_TEST_PG="host=127.0.0.1 port=$port user=postgres dbname=postgres" \
ARALDOD=build-bench/araldod ARALDO_EMULATOR=build-bench/tests/emulator/araldo-emulator \
  build-bench/bench/delivery_latency_bench
ARALDO_TEST_PG="host=127.0.0.1 port=$port user=postgres dbname=postgres" build-bench/bench/fanout_bench
echo "| workers | batch | deliveries | time | claim and record | claim per batch | record per batch |"
echo "|---|---|---|---|---|---|---|"
ARALDO_TEST_PG="host=127.0.0.1 port=$port user=postgres dbname=postgres" \
  build-bench/bench/claim_record_bench 100000 256
