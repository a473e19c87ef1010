#!/usr/bin/env bash
# Issue 23, from outside: one alert to a city's WhatsApp subscribers (default 1,000,000,
# imported over HTTP as CSVs of 250,000, as a town hall would), then the same to 20,000
# in the same run, each on a fresh database and a fresh araldod (Release), every limit
# lifted. Prints per import araldod's RSS, the time to the 202, the rate every 10 s and
# from the POST, araldod's peak RSS and the audit log's sealing lag.
# PostgreSQL runs with max_wal_size = 8GB, as docs/scaling.md advises for this load (with
# the default 1GB it checkpoints every 20 s or so). Not part of the test suite.
#   bench/city-fanout-bench.sh [subscribers, default 1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
./deploy/install-deps.sh >/dev/null
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DARALDO_BUILD_TESTS=ON \
  -DARALDO_BUILD_BENCH=ON >/dev/null
cmake --build build-bench --target dispatch_bench araldod araldo-emulator >/dev/null
port=${ARALDO_BENCH_PG_PORT:-55434}
dir=/tmp/araldo-bench-pg-$port
./deploy/pg-cluster.sh start "$dir" "$port" >/dev/null
trap './deploy/pg-cluster.sh stop "$dir" >/dev/null' EXIT
psql -X -q -h 127.0.0.1 -p "$port" -U postgres postgres -c "ALTER SYSTEM SET max_wal_size = '8GB'" \
  -c "SELECT pg_reload_conf()" >/dev/null
export ARALDO_TEST_PG="host=127.0.0.1 port=$port user=postgres dbname=postgres"
export ARALDO_EMULATOR=build-bench/tests/emulator/araldo-emulator ARALDOD=build-bench/araldod
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| recipients | allowed | delivered | time from the first message | rate | of allowed | throttled | araldod CPU | to the 202 |"
echo "|---|---|---|---|---|---|---|---|---|"
ARALDO_BENCH_IMPORT_BATCH=250000 build-bench/bench/dispatch_bench "$n" 0 1800 2> >(grep -v turns= >&2)
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
build-bench/bench/dispatch_bench 20000 0 120 2> >(grep -v turns= >&2)
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
