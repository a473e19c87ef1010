#!/usr/bin/env bash
# The audit export's memory stays flat whatever the log's size: araldod's peak RSS while
# it streams GET /v1/audit/export (CSV and JSON Lines) of 100,000 and then of 1,000,000
# events, each time in a freshly started daemon, against its RSS before the export. The
# peer for time is PostgreSQL's own COPY ... TO STDOUT (CSV) of the same rows, same run.
# Usage: bench/export-bench.sh [path to araldod] [total events, default 1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
araldod=${1:-build-bench/araldod}
total=${2:-1000000}
port=${ARALDO_BENCH_PG_PORT:-55434}
http_port=${ARALDO_BENCH_HTTP_PORT:-18091}
dir=/tmp/araldo-bench-pg-$port
./deploy/pg-cluster.sh start "$dir" "$port" >/dev/null
work=$(mktemp -d)
daemon_pid=
cleanup() {
  [[ -n "$daemon_pid" ]] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
  ./deploy/pg-cluster.sh stop "$dir" >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
psql=(psql -h 127.0.0.1 -p "$port" -U postgres -qAt)
"${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS export_bench" -c "CREATE DATABASE export_bench"
cat >"$work/araldo.yaml" <<YAML
database: {url: 'host=127.0.0.1 port=$port user=postgres dbname=export_bench'}
audit: {unsigned: true}
privacy: {pseudonym_key: '$(openssl rand -hex 16)'}
listen: 127.0.0.1:$http_port
channels: {}
YAML
"$araldod" -c "$work/araldo.yaml" migrate >/dev/null
key=$("$araldod" -c "$work/araldo.yaml" keys create --role auditor bench-auditor 2>/dev/null | tail -n 1)

# Events shaped like the dispatcher's (about 200 bytes of detail each), 100,000 a transaction.
add_events() {
  local n=$1
  while ((n > 0)); do
    local step=$((n < 100000 ? n : 100000))
    "${psql[@]}" -d export_bench -c "INSERT INTO audit_events (actor, kind, alert_id,
      delivery_id, detail) SELECT 'system', 'delivery.attempt', gen_random_uuid(), g,
      jsonb_build_object('attempt', 1, 'outcome', 'delivered', 'http_status', 200,
        'latency_ms', g % 97, 'platform_id', 'msg-' || g, 'channel', 'telegram-comune',
        'target', '@allerte_comune', 'note', 'a \"quoted\", comma, text')
      FROM generate_series(1, $step) g"
    n=$((n - step))
  done
}

start_daemon() {
  "$araldod" -c "$work/araldo.yaml" serve >"$work/daemon.log" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 200); do
    curl -fs "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1 && return
    sleep 0.1
  done
  echo "araldod did not start:" >&2; tail -5 "$work/daemon.log" >&2
  exit 1
}
stop_daemon() {
  kill "$daemon_pid"
  wait "$daemon_pid" 2>/dev/null || true
  daemon_pid=
}
kib() { awk -v f="$2" '$1 == f ":" { print $2 }' "/proc/$1/status"; }

# Seals everything first (the sequencer's own work is not the export's), then measures
# each format in a fresh daemon.
measure() {
  local events=$1
  start_daemon
  until [[ $("${psql[@]}" -d export_bench -c "SELECT count(*) FROM audit_events e WHERE NOT
      EXISTS (SELECT 1 FROM audit_leaves l WHERE l.event_id = e.id)") == 0 ]]; do sleep 1; done
  stop_daemon
  for format in csv jsonl; do
    start_daemon
    sleep 1
    local before
    before=$(kib "$daemon_pid" VmHWM)
    local start end bytes
    start=$(date +%s.%N)
    bytes=$(curl -fsS -H "Authorization: Bearer $key" \
      "http://127.0.0.1:$http_port/v1/audit/export?format=$format" | wc -c)
    end=$(date +%s.%N)
    local peak
    peak=$(kib "$daemon_pid" VmHWM)
    stop_daemon
    local copy_start copy_end
    copy_start=$(date +%s.%N)
    "${psql[@]}" -d export_bench -c "COPY (SELECT e.id, l.seq, e.at, e.actor, e.kind, e.alert_id,
      e.delivery_id, e.detail FROM audit_events e LEFT JOIN audit_leaves l ON l.event_id = e.id
      ORDER BY e.xid, e.id) TO STDOUT (FORMAT csv)" | wc -c >/dev/null
    copy_end=$(date +%s.%N)
    awk -v n="$events" -v f="$format" -v b="$before" -v p="$peak" -v s="$start" -v e="$end" \
      -v bytes="$bytes" -v cs="$copy_start" -v ce="$copy_end" 'BEGIN {
        t = e - s; c = ce - cs
        printf "| %d | %s | %.1f | %.1f | %.0f | %.2f | %.2f | %.2f |\n", n, f, b / 1024,
          p / 1024, bytes / 1048576, t, c, t / c }'
  done
}

printf '| events | format | RSS before (MiB) | peak RSS during export (MiB) | MiB sent | export (s) | COPY (s) | export / COPY |\n'
printf '|---|---|---|---|---|---|---|---|\n'
add_events 100000
measure 100000
add_events $((total - 100000))
measure "$total"
