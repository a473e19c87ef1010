#!/usr/bin/env bash
# How many audit events/s writers can append, against the same inserts into a plain
# table: pgbench on a private PostgreSQL (fsync on), one event per transaction and ten
# per transaction (as the dispatcher batches outcomes), 1 and 4 concurrent writers.
# Usage: bench/audit-chain-bench.sh [path to araldod]   (prints a table)
set -euo pipefail
cd "$(dirname "$0")/.."
araldod=${1:-build-bench/araldod}
port=${ARALDO_BENCH_PG_PORT:-55434}
dir=/tmp/araldo-bench-pg-$port
pgbench=$(ls /usr/lib/postgresql/*/bin/pgbench | tail -n 1)
./deploy/pg-cluster.sh start "$dir" "$port" >/dev/null
trap './deploy/pg-cluster.sh stop "$dir" >/dev/null' EXIT
psql=(psql -h 127.0.0.1 -p "$port" -U postgres -qAt)
"${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS audit_bench" -c "CREATE DATABASE audit_bench"
work=$(mktemp -d)
cat >"$work/araldo.yaml" <<YAML
database: {url: 'host=127.0.0.1 port=$port user=postgres dbname=audit_bench'}
audit: {unsigned: true}
privacy: {pseudonym_key: '$(openssl rand -hex 16)'}
channels: {}
YAML
"$araldod" -c "$work/araldo.yaml" migrate >/dev/null
"${psql[@]}" -d audit_bench -c "CREATE TABLE audit_plain (id bigint GENERATED ALWAYS AS IDENTITY
  PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp(), actor text NOT NULL,
  kind text NOT NULL, alert_id uuid, delivery_id bigint, detail jsonb NOT NULL DEFAULT '{}')"
event="(actor, kind, delivery_id, detail) VALUES ('system', 'delivery.attempt', 42,
  '{\"attempt\": 1, \"outcome\": \"delivered\", \"http_status\": 200, \"latency_ms\": 31}')"
printf '| table | events per transaction | writers | events/s |\n|---|---|---|---|\n'
for table in audit_plain audit_events; do
  for per_tx in 1 10; do
    {
      echo "BEGIN;"
      for _ in $(seq "$per_tx"); do echo "INSERT INTO $table $event;"; done
      echo "COMMIT;"
    } >"$work/script.sql"
    for writers in 1 4; do
      tps=$("$pgbench" -h 127.0.0.1 -p "$port" -U postgres -n -f "$work/script.sql" -c "$writers" \
              -j "$writers" -T 10 audit_bench 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
      awk -v t="$table" -v n="$per_tx" -v w="$writers" -v tps="$tps" \
        'BEGIN { printf "| %s | %s | %s | %.0f |\n", t, n, w, tps * n }'
    done
  done
done
"${psql[@]}" -d audit_bench -c "SELECT 'events: ' || count(*) FROM audit_events"
ARALDO_DATABASE_URL="host=127.0.0.1 port=$port user=postgres dbname=audit_bench" \
  "$(dirname "$araldod")/araldoctl" audit verify --no-pinned-key  # the bench's log is unsigned
rm -rf "$work"
