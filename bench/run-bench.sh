#!/usr/bin/env bash
# Every benchmark in one command: builds optimised, starts a private PostgreSQL (fsync on),
# runs each scenario (end-to-end latency and a burst, the 100k fan-out, claim-and-record,
# dispatch to WhatsApp subscribers at several rates, intake beside Prometheus
# Alertmanager, a burst of WhatsApp receipts beside a do-nothing peer), prints their tables and writes every figure to bench-results.jsonl (one
# JSON object per scenario). Not part of the test suite: numbers depend on the machine.
#   ./bench/run-bench.sh [seconds per intake run, default 15]
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DARALDO_BUILD_TESTS=ON -DARALDO_BUILD_BENCH=ON >/dev/null
cmake --build build-bench --target delivery_latency_bench fanout_bench zone_fanout_bench claim_record_bench araldod \
  araldo-emulator
port=${ARALDO_BENCH_PG_PORT:-55434}
dir=/tmp/araldo-bench-pg-$port
export ARALDO_BENCH_JSON="$PWD/bench-results.jsonl"
: >"$ARALDO_BENCH_JSON"
./deploy/pg-cluster.sh start "$dir" "$port"
trap './deploy/pg-cluster.sh stop "$dir"' EXIT
ARALDO_TEST_PG="host=127.0.0.1 port=$port user=postgres dbname=postgres" \
ARALDOD=build-bench/araldod ARALDO_EMULATOR=build-bench/tests/emulator/araldo-emulator \
  build-bench/bench/delivery_latency_bench
ARALDO_TEST_PG="host=127.0.0.1 port=$port user=postgres dbname=postgres" build-bench/bench/fanout_bench
ARALDO_TEST_PG="host=127.0.0.1 port=$port user=postgres dbname=postgres" build-bench/bench/zone_fanout_bench
echo "| workers | batch | deliveries | time | claim and record | claim per batch | record per batch | peer | ratio |"
echo "|---|---|---|---|---|---|---|---|---|"
ARALDO_TEST_PG="host=127.0.0.1 port=$port user=postgres dbname=postgres" \
  build-bench/bench/claim_record_bench 100000 256
# The next ones start and stop the same private cluster themselves.
./deploy/pg-cluster.sh stop "$dir"
trap - EXIT
./bench/dispatch-bench.sh
./bench/intake-bench.sh "${1:-15}"
./bench/export-bench.sh build-bench/araldod
./bench/receipts-bench.sh
echo
echo "every figure, as JSON Lines: $ARALDO_BENCH_JSON"
