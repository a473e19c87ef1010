#!/usr/bin/env bash
# Issue 22, from outside: araldod (Release) with 1,000,000 WhatsApp subscribers in 200 zones.
# Two alerts over the same subscribers, each on a freshly started daemon: one with no area,
# one whose polygon covers 80 of the zones (40 %). Both are Extreme and held for approval
# (the two-person rule), so the 202 waits for every delivery to be written and nothing is
# sent: the figures are intake's alone. Prints the time to the 202 and araldod's peak RSS
# (VmHWM) for each. Not part of the test suite: the figures depend on the machine.
#   bench/zone-rss-bench.sh [subscribers, default 1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
./deploy/install-deps.sh >/dev/null
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DARALDO_BUILD_TESTS=ON \
  -DARALDO_BUILD_BENCH=ON >/dev/null
cmake --build build-bench --target araldod araldo-emulator >/dev/null
port=${ARALDO_BENCH_PG_PORT:-55434}
dir=/tmp/araldo-bench-pg-$port
work=$(mktemp -d /tmp/araldo-zone-rss.XXXXXX)
./deploy/pg-cluster.sh start "$dir" "$port" >/dev/null
emulator_pid=
cleanup() {
  [[ -n "$emulator_pid" ]] && kill "$emulator_pid" 2>/dev/null || true
  ./deploy/pg-cluster.sh stop "$dir" >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
psql_admin() { psql -q -v ON_ERROR_STOP=1 "host=127.0.0.1 port=$port user=postgres dbname=$1" "${@:2}"; }
psql_admin postgres -c "DROP DATABASE IF EXISTS zone_rss" -c "CREATE DATABASE zone_rss"
dsn="host=127.0.0.1 port=$port user=postgres dbname=zone_rss"

build-bench/tests/emulator/araldo-emulator --whatsapp-phone-number-id 1055555 \
  --whatsapp-token EAAWaToken --whatsapp-app-secret wa-app-s3cret-0123 \
  --whatsapp-template allerta_comune:it,en_US:4 --no-rate-limits >"$work/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 50); do grep -q "listening on" "$work/emulator.log" && break; sleep 0.1; done
emulator=$(grep -o 'http://[0-9.:]*' "$work/emulator.log" | head -1)

cat >"$work/araldo.yaml" <<EOF
listen: 127.0.0.1:0
log_level: info
audit: {unsigned: true}
privacy: {pseudonym_key: bench-pseudonym-key-0123}
database: {url: '$dsn', pool_size: 4}
alerts: {approval: {severities: [Extreme], timeout_seconds: 3600}}
channels:
  wa:
    type: whatsapp
    base_url: $emulator
    phone_number_id: '1055555'
    access_token: EAAWaToken
    app_secret: wa-app-s3cret-0123
    template: {name: allerta_comune, parameters: 4, languages: {it: it, en: en_US}}
EOF
build-bench/araldod -c "$work/araldo.yaml" migrate >/dev/null
# The same grid as bench/zone_fanout_bench: 20 x 10 squares of 0.01 degrees near Milan,
# n / 200 subscribers in each.
psql_admin zone_rss -v n="$n" <<'SQL'
INSERT INTO zones (name, label, geom, updated_by)
SELECT format('z%s%s', lpad(x::text, 2, '0'), lpad(y::text, 2, '0')), format('Zona %s-%s', x, y),
       ST_Multi(ST_MakeEnvelope(9.05 + x * 0.01, 45.40 + y * 0.01,
                                9.05 + (x + 1) * 0.01, 45.40 + (y + 1) * 0.01, 4326)), 'bench'
  FROM generate_series(0, 19) x, generate_series(0, 9) y;
INSERT INTO subscribers (channel, address, language, consent_at, created_by)
SELECT 'wa', (393300000000 + g)::text, 'it', now(), 'bench' FROM generate_series(1, :n) g;
INSERT INTO subscriber_zones (subscriber_id, zone)
SELECT s.id, format('z%s%s', lpad(((s.id % 200) / 10)::text, 2, '0'), lpad((s.id % 10)::text, 2, '0'))
  FROM subscribers s;
ANALYZE;
SQL
key=$(build-bench/araldod -c "$work/araldo.yaml" keys create --role operator bench | grep '^araldo_')

alert() {  # $1: extra JSON members
  echo "{\"headline\":\"Allerta rossa\",\"event\":\"Flood\",\"category\":\"Met\",\"severity\":\"Extreme\",\"urgency\":\"Immediate\",\"certainty\":\"Observed\",\"area\":\"Milano ovest\",\"channels\":[\"wa\"]$1}"
}
# The western 80 zones: x from 0 to 7, every y; kept clear of the 9th column's border.
polygon=',"polygons":["45.401,9.051 45.499,9.051 45.499,9.129 45.401,9.129 45.401,9.051"]'
echo "| alert | deliveries | to the 202 | araldod RSS before | araldod peak RSS (VmHWM) |"
echo "|---|---|---|---|---|"
for kind in none area; do
  build-bench/araldod -c "$work/araldo.yaml" serve >"$work/daemon.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do grep -q "event=http.listening" "$work/daemon.log" && break; sleep 0.1; done
  url=$(grep -o 'url=http://[0-9.:]*' "$work/daemon.log" | head -1 | cut -d= -f2)
  before=$(awk '/VmRSS/ {print int($2 / 1024)}' /proc/$pid/status)
  body=$(alert "$([[ $kind == area ]] && echo "$polygon" || true)")
  start=$(date +%s.%N)
  status=$(curl -s -o "$work/answer.json" -w '%{http_code}' -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' --max-time 600 -d "$body" "$url/v1/alerts")
  end=$(date +%s.%N)
  peak=$(awk '/VmHWM/ {print int($2 / 1024)}' /proc/$pid/status)
  [[ "$status" == 202 ]] || { echo "the alert was answered $status: $(cat "$work/answer.json")" >&2; exit 1; }
  id=$(grep -o '"id":"[^"]*"' "$work/answer.json" | head -1 | cut -d'"' -f4)
  deliveries=$(psql -At "$dsn" -c "SELECT count(*) FROM deliveries WHERE alert_id = '$id'")
  printf '| %s | %s | %.1f s | %s MiB | %s MiB |\n' "$([[ $kind == area ]] && echo 'polygon over 80 of 200 zones' || echo 'no area')" \
    "$deliveries" "$(echo "$end - $start" | bc)" "$before" "$peak"
  kill "$pid"
  wait "$pid" || true
done
