#!/usr/bin/env bash
# A burst of WhatsApp receipts against the real araldod (Release build, private PostgreSQL
# with fsync on), beside a peer that answers the same signed bodies without doing anything;
# then a burst of answers to an alert that asked for one ("Sto bene" pressed by everyone).
# Not part of the test suite: the figures depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DARALDO_BUILD_TESTS=ON \
  -DARALDO_BUILD_BENCH=ON >/dev/null
cmake --build build-bench --target receipts_bench araldod araldo-emulator
port=${ARALDO_BENCH_PG_PORT:-55434}
dir=/tmp/araldo-bench-pg-$port
./deploy/pg-cluster.sh start "$dir" "$port"
trap './deploy/pg-cluster.sh stop "$dir"' EXIT
export ARALDO_TEST_PG="host=127.0.0.1 port=$port user=postgres dbname=postgres"
export ARALDO_EMULATOR=build-bench/tests/emulator/araldo-emulator ARALDOD=build-bench/araldod
echo "| receipts | peer (answers 200, does nothing) | araldod (checks, stores, answers) | ratio | applied after the burst |"
echo "|---|---|---|---|---|"
for n in 10000 50000; do
  build-bench/bench/receipts_bench "$n"
done
echo
echo "| answers (Sto bene) | peer (answers 200, does nothing) | araldod (checks, stores, answers) | ratio | all recorded, from the first press |"
echo "|---|---|---|---|---|"
for n in 2000 10000; do
  build-bench/bench/receipts_bench "$n" acks
done
