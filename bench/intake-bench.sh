#!/usr/bin/env bash
# Intake throughput side by side with a peer: araldod (Release, PostgreSQL with fsync on,
# each alert to all four channels of the emulator, rate limits lifted) and Prometheus
# Alertmanager (Debian's, in memory, one webhook receiver), under the same wrk load with
# one distinct alert per request, in one run. Prints a table; not part of the test suite.
#   ./bench/intake-bench.sh [seconds per run, default 15]
# Environment: CONNECTIONS (default "1 16 64"); PEER=0 skips Alertmanager; PROFILE=1
# records araldod with perf during each run (perf-araldod-<connections>.data); PG_STATS=1
# loads pg_stat_statements and prints araldod's costliest statements at the end; JSON names
# the results file (default intake-bench.json). The "cores" columns are each process's CPU
# time over the run's length: 2.00 busy cores is this whole machine.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
./deploy/install-deps.sh
for p in wrk prometheus-alertmanager; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$p" </dev/null
done
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DARALDO_BUILD_TESTS=ON \
  -DARALDO_BUILD_BENCH=ON >/dev/null
cmake --build build-bench --target araldod araldo-emulator >/dev/null

pg_port=${ARALDO_BENCH_PG_PORT:-55434}
pgdir=/tmp/araldo-bench-pg-$pg_port
work=$(mktemp -d)
./deploy/pg-cluster.sh start "$pgdir" "$pg_port" >/dev/null
if [ "${PG_STATS:-0}" = 1 ]; then
  psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -c \
    "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" postgres
  ./deploy/pg-cluster.sh stop "$pgdir" >/dev/null
  ./deploy/pg-cluster.sh start "$pgdir" "$pg_port" >/dev/null
  psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -c \
    "ALTER SYSTEM SET pg_stat_statements.track_planning = on" -c "SELECT pg_reload_conf()" \
    postgres >/dev/null
fi
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  ./deploy/pg-cluster.sh stop "$pgdir" >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -c "DROP DATABASE IF EXISTS intake_bench" \
  -c "CREATE DATABASE intake_bench" postgres

export TELEGRAM_TOKEN=7000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawX
build-bench/tests/emulator/araldo-emulator --port 18081 --no-rate-limits \
  --telegram-token "$TELEGRAM_TOKEN" --x-consumer-key ck --x-consumer-secret cs \
  --x-access-token 1-at --x-access-token-secret ats --facebook-page-id 104857600 \
  --facebook-page-token EAAPage --whatsapp-phone-number-id 1055555 --whatsapp-token EAAWa \
  --whatsapp-template allerta_comune:it,en_US:4 >"$work/emulator.log" 2>&1 &
emulator_pid=$!
pids+=($emulator_pid)
lifted="rate_limit: {per_minute: 6000000, burst: 1000}"
cat >"$work/araldo.yaml" <<YAML
listen: 127.0.0.1:18080
log_level: warn
http: {threads: 64}
database: {url: 'host=127.0.0.1 port=$pg_port user=postgres dbname=intake_bench', pool_size: 16}
audit: {signing_key: '$(openssl rand -hex 32)'}
privacy: {pseudonym_key: '$(openssl rand -hex 16)'}
channels:
  telegram: {type: telegram, base_url: 'http://127.0.0.1:18081', bot_token: '\${TELEGRAM_TOKEN}',
             chats: ['@allerta_comune'], $lifted}
  x: {type: x, base_url: 'http://127.0.0.1:18081', account: '@ProtCiv', consumer_key: ck,
      consumer_secret: cs, access_token: 1-at, access_token_secret: ats, $lifted}
  facebook: {type: facebook, base_url: 'http://127.0.0.1:18081', page_id: '104857600',
             page_access_token: EAAPage, $lifted}
  whatsapp: {type: whatsapp, base_url: 'http://127.0.0.1:18081', phone_number_id: '1055555',
             access_token: EAAWa, $lifted,
             template: {name: allerta_comune, parameters: 4, languages: {it: it, en: en_US}}}
YAML
build-bench/araldod -c "$work/araldo.yaml" migrate >/dev/null
psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -d intake_bench -c \
  "INSERT INTO subscribers (channel, address, language, consent_at, created_by)
   VALUES ('whatsapp', '393330000001', 'it', now(), 'bench')"
if [ "${PG_STATS:-0}" = 1 ]; then
  psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -d intake_bench \
    -c "CREATE EXTENSION pg_stat_statements" -c "SELECT pg_stat_statements_reset()" >/dev/null
fi
ARALDO_KEY=$(build-bench/araldod -c "$work/araldo.yaml" keys create --role operator bench 2>/dev/null)
export ARALDO_KEY
build-bench/araldod -c "$work/araldo.yaml" serve >"$work/araldod.log" 2>&1 &
araldod_pid=$!
pids+=($araldod_pid)

cat >"$work/alertmanager.yml" <<YAML
route: {receiver: webhook, group_wait: 1s, group_interval: 5m, repeat_interval: 4h}
receivers:
  - name: webhook
    webhook_configs: [{url: 'http://127.0.0.1:18081/alertmanager-webhook'}]
YAML
prometheus-alertmanager --config.file="$work/alertmanager.yml" --storage.path="$work/am" \
  --web.listen-address=127.0.0.1:19093 --cluster.listen-address= >"$work/am.log" 2>&1 &
am_pid=$!
pids+=($am_pid)
for url in http://127.0.0.1:18080/readyz http://127.0.0.1:19093/-/ready; do
  for _ in $(seq 100); do curl -fs "$url" >/dev/null && break; sleep 0.2; done
done

rss_mib() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
# CPU time (clock ticks) of a process and of its children processes (PostgreSQL's backends).
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
tree_ticks() {
  local t
  t=$(ticks "$1")
  for c in $(pgrep -P "$1"); do t=$((t + $(ticks "$c"))); done
  echo "$t"
}
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
pg_pid=$(head -n 1 "$pgdir/postmaster.pid")
to_ms() {  # wrk's "1.67ms", "850.00us", "1.02s" → milliseconds
  awk '{v = $1 + 0; if ($1 ~ /us$/) v /= 1000; else if ($1 ~ /[0-9]s$/) v *= 1000; print v}' <<<"$1"
}
json_rows=()
ratios=()
run() {  # name url script connections server-pid
  local out before after
  before="$(ticks "$5") $(tree_ticks "$pg_pid") $(ticks "$emulator_pid") $(busy_ticks)"
  out=$(wrk -t"$(($4 < 2 ? 1 : 2))" -c"$4" -d"${secs}s" --latency -s "$3" "$2")
  after="$(ticks "$5") $(tree_ticks "$pg_pid") $(ticks "$emulator_pid") $(busy_ticks)"
  local rps p50 p99 errors cpu
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  # Each process's share of the run in cores (1.00 = one core busy throughout).
  cpu=$(awk -v b="$before" -v a="$after" -v s="$secs" -v hz="$(getconf CLK_TCK)" 'BEGIN {
    split(b, x); split(a, y)
    for (i = 1; i <= 4; i++) printf "%.2f ", (y[i] - x[i]) / hz / s }')
  read -r cpu_server cpu_pg cpu_emulator cpu_machine <<<"$cpu"
  last_rps=$rps
  echo "| $1 | $4 | ${rps} | ${p50} | ${p99} | ${errors:-0} | $cpu_server | $cpu_pg | $cpu_emulator | $cpu_machine |"
  json_rows+=("{\"server\": \"$1\", \"connections\": $4, \"alerts_per_s\": $rps, \"p50_ms\": $(to_ms "$p50"), \"p99_ms\": $(to_ms "$p99"), \"non_2xx\": ${errors:-0}, \"cores\": {\"server\": $cpu_server, \"postgresql\": $cpu_pg, \"emulator\": $cpu_emulator, \"machine\": $cpu_machine}}")
}
echo "| server | connections | alerts/s | p50 | p99 | non-2xx | server cores | PostgreSQL cores | emulator cores | machine busy cores |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for c in ${CONNECTIONS:-1 16 64}; do
  if [ "${PROFILE:-0}" = 1 ]; then
    perf record -g -o "perf-araldod-$c.data" -p "$araldod_pid" -- sleep "$secs" >/dev/null 2>&1 &
    perf_pid=$!
  fi
  run araldod http://127.0.0.1:18080 bench/wrk/araldo_alert.lua "$c" "$araldod_pid"
  araldod_rps=$last_rps
  if [ "${PROFILE:-0}" = 1 ]; then wait "$perf_pid" || true; fi
  if [ "${PEER:-1}" = 1 ]; then
    run alertmanager http://127.0.0.1:19093 bench/wrk/alertmanager_alert.lua "$c" "$am_pid"
    ratios+=("at $c connections: araldod $araldod_rps / Alertmanager $last_rps alerts/s = $(
      awk -v a="$araldod_rps" -v b="$last_rps" 'BEGIN {printf "%.2f", a / b}')×")
  fi
done
echo
for r in "${ratios[@]}"; do echo "ratio $r"; done
echo "peak RSS: araldod $(rss_mib $araldod_pid) MiB, alertmanager $(rss_mib $am_pid) MiB"
accepted=$(psql -X -qAt -h 127.0.0.1 -p "$pg_port" -U postgres -d intake_bench -c \
  "SELECT count(*) FROM alerts")
echo "alerts accepted by araldod (in the database): $accepted"
json=${JSON:-intake-bench.json}
rows=$(IFS=,; echo "${json_rows[*]}")
result="{\"benchmark\": \"intake\", \"seconds_per_run\": $secs, \"accepted_in_database\": $accepted, \"peak_rss_mib\": {\"araldod\": $(rss_mib $araldod_pid), \"alertmanager\": $(rss_mib $am_pid)}, \"runs\": [$rows]}"
echo "$result" >"$json"
# One line in the JSON Lines file of bench/run-bench.sh, when it runs this.
if [ -n "${ARALDO_BENCH_JSON:-}" ]; then echo "$result" >>"$ARALDO_BENCH_JSON"; fi
echo "JSON: $json"
if [ "${PG_STATS:-0}" = 1 ]; then
  psql -X -h 127.0.0.1 -p "$pg_port" -U postgres -d intake_bench -c \
    "SELECT calls, plans, round(total_exec_time::numeric, 0) AS total_ms,
            round(mean_exec_time::numeric, 3) AS mean_ms, round(mean_plan_time::numeric, 3) AS plan_ms,
            rows, left(regexp_replace(query, '\s+', ' ', 'g'), 90) AS query
       FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 15"
fi
