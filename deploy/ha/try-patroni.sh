#!/usr/bin/env bash
# Tries the high-availability recipe on one machine: one etcd, two Patroni nodes
# (PostgreSQL 15 on 127.0.0.1:5441 and :5442, synchronous replication), then a power cut
# of the leader (SIGKILL of its Patroni and every PostgreSQL process) and the time until
# the other node is promoted and takes writes through araldod's multi-host URL.
#   deploy/ha/try-patroni.sh [BASEDIR]      BASEDIR (wiped first): /var/tmp/araldo-ha
# Installs what it needs first: Debian's patroni, python3-etcd, etcd-server (install-deps.sh --ha).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
base=${1:-/var/tmp/araldo-ha}
PATH=/usr/lib/postgresql/15/bin:$PATH
"$here/../install-deps.sh" --ha

# Made-up passwords for this trial only; real ones come from a secret store.
export PATRONI_SUPERUSER_PASSWORD=try-super-pw PATRONI_REPLICATION_PASSWORD=try-repl-pw
export ARALDO_DB_PASSWORD=try-araldo-pw
araldo_url="host=127.0.0.1,127.0.0.1 port=5441,5442 dbname=araldo user=araldo"
araldo_url="$araldo_url password=$ARALDO_DB_PASSWORD target_session_attrs=read-write connect_timeout=3"

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  pkill -f "patroni $base/" 2>/dev/null || true
  for n in 1 2; do
    [ -f "$base/db$n/postmaster.pid" ] && as_pg pg_ctl -D "$base/db$n" -m immediate stop >/dev/null 2>&1 || true
  done
  wait 2>/dev/null || true
}
trap cleanup EXIT

rm -rf "$base"
mkdir -p "$base"
cp "$here"/patroni-db1.yml "$here"/patroni-db2.yml "$here"/post-bootstrap.sh "$base"/
[ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$base"

(set -a && . "$here/etcd.env" && exec etcd --data-dir "$base/etcd") >"$base/etcd.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do curl -fs http://127.0.0.1:2479/health >/dev/null && break; sleep 0.2; done

start_node() {  # start_node N
  (cd "$base" && exec env PATRONI_POSTGRESQL_DATA_DIR="$base/db$1" runuser -u postgres -- \
    patroni "$base/patroni-db$1.yml") >"$base/db$1.log" 2>&1 &
  pids+=($!)
  disown  # its death at the power cut is the point, not news
}
members() { as_pg patronictl -c "$base/patroni-db1.yml" list -f json 2>/dev/null || echo '[]'; }
wait_for() {  # wait_for SECONDS PYTHON-CONDITION-ON-members
  local deadline=$((SECONDS + $1))
  while [ $SECONDS -lt $deadline ]; do
    if members | /usr/bin/python3 -c "import json,sys; m=json.load(sys.stdin); sys.exit(0 if ($2) else 1)"; then
      return 0
    fi
    sleep 0.5
  done
  echo "try-patroni: timed out waiting for: $2" >&2
  members >&2
  return 1
}

start_node 1
wait_for 120 "any(x['Role'] == 'Leader' and x['State'] == 'running' for x in m)"
start_node 2
wait_for 180 "any(x['Role'] == 'Sync Standby' and x['State'] in ('running', 'streaming') for x in m)"
echo "try-patroni: two nodes up, one synchronous standby:"
as_pg patronictl -c "$base/patroni-db1.yml" list

psql "$araldo_url" -qAt -v ON_ERROR_STOP=1 -c "CREATE TABLE IF NOT EXISTS trial(at timestamptz)" \
  -c "INSERT INTO trial VALUES (now())" -c "SELECT postgis_version()" >/dev/null
leader=$(members | /usr/bin/python3 -c "import json,sys; print([x['Member'] for x in json.load(sys.stdin) if x['Role'] == 'Leader'][0])")
echo "try-patroni: power cut of the leader, $leader"
start=$(date +%s.%N)
pkill -KILL -f "patroni $base/patroni-$leader.yml"
pm=$(head -n 1 "$base/$leader/postmaster.pid")
kill -KILL "$pm" $(pgrep -P "$pm") 2>/dev/null || true
# Writes through araldod's URL, as araldod would, until one commits.
until psql "$araldo_url" -qAt -c "INSERT INTO trial VALUES (now())" >/dev/null 2>&1; do sleep 0.2; done
end=$(date +%s.%N)
rows=$(psql "$araldo_url" -qAt -c "SELECT count(*) FROM trial")
printf 'try-patroni: the other node took writes %.1f s after the power cut; rows kept: %s of 2\n' \
  "$(echo "$end - $start" | bc)" "$rows"
as_pg patronictl -c "$base/patroni-db1.yml" list
[ "$rows" = 2 ]
