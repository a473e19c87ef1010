#!/usr/bin/env bash
# The audit log's sealing lag (araldo_audit_sealing_lag_seconds, the age of the oldest event
# not sealed yet), sampled from /metrics every 250 ms: (1) under full intake load (wrk, one
# distinct alert per request), (2) under the same load while another session holds a
# transaction open for 60 s, and (3) in the 40 s after it ends, with how long sealing took
# to catch up. Release build, PostgreSQL with fsync on.
# Prints p50/p99/max per phase; not part of the test suite.
#   ./bench/sealing-lag-bench.sh [seconds of phase 1, default 20] [connections, default 16]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
conns=${2:-16}
./deploy/install-deps.sh
dpkg-query -W -f='${Status}' wrk 2>/dev/null | grep -q "install ok installed" ||
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wrk </dev/null
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DARALDO_BUILD_TESTS=ON \
  -DARALDO_BUILD_BENCH=ON >/dev/null
cmake --build build-bench --target araldod araldo-emulator >/dev/null
pg_port=${ARALDO_BENCH_PG_PORT:-55434}
pgdir=/tmp/araldo-bench-pg-$pg_port
work=$(mktemp -d)
./deploy/pg-cluster.sh start "$pgdir" "$pg_port" >/dev/null
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  ./deploy/pg-cluster.sh stop "$pgdir" >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -c "DROP DATABASE IF EXISTS sealing_bench" \
  -c "CREATE DATABASE sealing_bench" postgres
export TELEGRAM_TOKEN=7000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawX
build-bench/tests/emulator/araldo-emulator --port 18081 --no-rate-limits \
  --telegram-token "$TELEGRAM_TOKEN" >"$work/emulator.log" 2>&1 &
pids+=($!)
cat >"$work/araldo.yaml" <<YAML
listen: 127.0.0.1:18080
log_level: warn
http: {threads: 64}
database: {url: 'host=127.0.0.1 port=$pg_port user=postgres dbname=sealing_bench', pool_size: 16}
audit: {signing_key: '$(openssl rand -hex 32)'}
privacy: {pseudonym_key: '$(openssl rand -hex 16)'}
channels:
  telegram: {type: telegram, base_url: 'http://127.0.0.1:18081', bot_token: '\${TELEGRAM_TOKEN}',
             chats: ['@allerta_comune'], rate_limit: {per_minute: 6000000, burst: 1000}}
YAML
build-bench/araldod -c "$work/araldo.yaml" migrate >/dev/null
ARALDO_KEY=$(build-bench/araldod -c "$work/araldo.yaml" keys create --role operator bench 2>/dev/null)
export ARALDO_KEY
build-bench/araldod -c "$work/araldo.yaml" serve >"$work/araldod.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fs http://127.0.0.1:18080/readyz >/dev/null && break; sleep 0.2; done

sample() {  # file seconds: one "lag unsealed" line every 250 ms
  local end=$((SECONDS + $2))
  while [ $SECONDS -lt "$end" ]; do
    curl -fs http://127.0.0.1:18080/metrics |
      awk '/^araldo_audit_sealing_lag_seconds / {l = $2} /^araldo_audit_unsealed_events / {u = $2}
           END {print l, u}' >>"$1"
    sleep 0.25
  done
}
summary() {  # name file
  sort -n -k1,1 "$2" | awk -v name="$1" '{v[NR] = $1; u = ($2 > u ? $2 : u)} END {
    if (NR == 0) { print "| " name " | no samples |"; exit }
    printf "| %s | %d | %.3f s | %.3f s | %.3f s | %d |\n", name, NR, v[int(NR * 0.5) + (NR * 0.5 > int(NR * 0.5))],
      v[int(NR * 0.99) + (NR * 0.99 > int(NR * 0.99))], v[NR], u }'
}
load() {  # seconds
  wrk -t2 -c"$conns" -d"${1}s" -s bench/wrk/araldo_alert.lua http://127.0.0.1:18080/v1/alerts |
    awk '/Requests\/sec/ {print "alerts/s:", $2}'
}

echo "| phase | samples | lag p50 | lag p99 | lag max | most unsealed events |"
echo "|---|---|---|---|---|---|"
sample "$work/full-load" "$secs" &
load "$secs" >"$work/rate-1"
wait $!
summary "full intake load ($conns connections, $(cat "$work/rate-1"))" "$work/full-load"
# Another session holds a transaction (with a transaction id) open for 60 s.
psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -d sealing_bench \
  -c "BEGIN" -c "SELECT txid_current()" -c "SELECT pg_sleep(60)" -c "COMMIT" >/dev/null &
holder=$!
sleep 1
sample "$work/held" 58 &
load 58 >"$work/rate-2"
wait $!
summary "same load, a 60 s transaction open elsewhere ($(cat "$work/rate-2"))" "$work/held"
wait "$holder"
sample "$work/after" 40
summary "40 s after it ended, no load" "$work/after"
# How long sealing took to catch up: the first sample with a lag under 1 s.
awk '$1 < 1 {printf "caught up (lag under 1 s) after about %.1f s\n", NR * 40 / NR_total; exit}
     END {}' NR_total="$(wc -l <"$work/after")" "$work/after"
