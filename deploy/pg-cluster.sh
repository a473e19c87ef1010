#!/usr/bin/env bash
# A private PostgreSQL 15 cluster on its own data directory and port, for the local
# setup and the tests. Never touches the system's own cluster.
#   pg-cluster.sh start DATADIR PORT [--fast]   init if needed, start, wait until ready
#   pg-cluster.sh stop DATADIR
# PostgreSQL's own streaming replication, for a failover to try and to test (issue 23):
#   pg-cluster.sh standby DATADIR PORT PRIMARY_PORT   a synchronous standby of the local
#       primary on PRIMARY_PORT: base backup through a replication slot, then the primary
#       waits for it at every commit (synchronous_standby_names), so nothing answered as
#       committed is lost when the primary is
#   pg-cluster.sh promote DATADIR   the standby becomes the primary (what Patroni does)
#   pg-cluster.sh crash DATADIR     SIGKILL the server and all its processes: a power cut
# As root the server runs as the 'postgres' user (initdb refuses root); DATADIR's parent
# folders must then be traversable by that user. --fast turns off fsync: tests only (and
# never for a primary with a standby: it also stops commits waiting for the standby).
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
usage="usage: pg-cluster.sh start|stop|standby|promote|crash DATADIR [PORT] [--fast|PRIMARY_PORT]"
cmd=${1:?$usage}
datadir=${2:?$usage}
port=${3:-5432}
fast=${4:-}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Starts the server in $datadir on $port with the project's options plus "$@".
start_server() {
  local opts="-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$datadir"
  opts="$opts -c max_connections=200 $*"
  as_owner "$PGBIN/pg_ctl" -D "$datadir" -o "$opts" -l "$datadir/server.log" -w -t 60 start \
    >/dev/null || {
    tail -n 30 "$datadir/server.log" >&2
    exit 1
  }
}

own_datadir() {
  mkdir -p "$datadir"
  datadir=$(cd "$datadir" && pwd)
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$datadir"
    chmod 700 "$datadir"
    if ! runuser -u postgres -- test -x "$datadir"; then
      echo "pg-cluster: user 'postgres' cannot reach $datadir (a parent folder is closed);" >&2
      echo "pg-cluster: choose a data directory under /tmp or /var/tmp" >&2
      exit 1
    fi
  fi
}

psql_on() {  # psql_on PORT SQL
  as_owner "$PGBIN/psql" -X -q -h 127.0.0.1 -p "$1" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "$2" >/dev/null
}

case "$cmd" in
  standby)
    primary_port=${4:?usage: pg-cluster.sh standby DATADIR PORT PRIMARY_PORT}
    own_datadir
    # The slot keeps the primary's WAL until this standby has it; the name is also the
    # standby's application_name, which synchronous_standby_names lists.
    name="araldo_standby_$port"
    if [ ! -f "$datadir/PG_VERSION" ]; then
      psql_on "$primary_port" "SELECT pg_drop_replication_slot('$name') FROM pg_replication_slots
                                WHERE slot_name = '$name'"
      as_owner "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres -D "$datadir" \
        -X stream -R -C -S "$name" >"$datadir.basebackup.log" 2>&1 || {
        cat "$datadir.basebackup.log" >&2
        exit 1
      }
    fi
    if ! as_owner "$PGBIN/pg_ctl" -D "$datadir" status >/dev/null 2>&1; then
      start_server -c cluster_name="$name"
    fi
    psql_on "$primary_port" "ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 ($name)'"
    psql_on "$primary_port" "SELECT pg_reload_conf()"
    # Ready when the primary sees it streaming synchronously.
    for _ in $(seq 1 120); do
      state=$(as_owner "$PGBIN/psql" -X -At -h 127.0.0.1 -p "$primary_port" -U postgres \
        -d postgres -c "SELECT sync_state FROM pg_stat_replication
                        WHERE application_name = '$name'" 2>/dev/null || true)
      [ "$state" = "sync" ] && exit 0
      sleep 0.5
    done
    echo "pg-cluster: the standby on port $port is not streaming synchronously" >&2
    tail -n 30 "$datadir/server.log" >&2
    exit 1
    ;;
  promote)
    as_owner "$PGBIN/pg_ctl" -D "$datadir" -w -t 60 promote >/dev/null
    # A new primary alone must not wait at every commit for a standby it no longer has.
    port=$(sed -n 4p "$datadir/postmaster.pid")
    psql_on "$port" "ALTER SYSTEM RESET synchronous_standby_names"
    psql_on "$port" "SELECT pg_reload_conf()"
    ;;
  crash)
    if [ -f "$datadir/postmaster.pid" ]; then
      pid=$(head -n 1 "$datadir/postmaster.pid")
      # The postmaster and its backends (their parent is the postmaster: field 4 of
      # /proc/PID/stat; no procps needed) in one kill: none may go on writing.
      children=$(awk -v p="$pid" '$4 == p {print $1}' /proc/[0-9]*/stat 2>/dev/null || true)
      # shellcheck disable=SC2086
      kill -KILL "$pid" $children 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
    ;;
  start)
    own_datadir
    if [ ! -f "$datadir/PG_VERSION" ]; then
      as_owner "$PGBIN/initdb" -D "$datadir" -U postgres --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 >"$datadir.initdb.log" 2>&1 || {
        cat "$datadir.initdb.log" >&2
        exit 1
      }
    fi
    if as_owner "$PGBIN/pg_ctl" -D "$datadir" status >/dev/null 2>&1; then
      exit 0
    fi
    if [ "$fast" = "--fast" ]; then
      start_server -c fsync=off -c synchronous_commit=off -c full_page_writes=off
    else
      start_server
    fi
    ;;
  stop)
    # (After a crash the pid file stays behind, naming no live server.)
    if [ -f "$datadir/postmaster.pid" ] && kill -0 "$(head -n 1 "$datadir/postmaster.pid")" 2>/dev/null; then
      as_owner "$PGBIN/pg_ctl" -D "$datadir" -m fast -w stop >/dev/null || true
    fi
    ;;
  *)
    echo "$usage" >&2
    exit 2
    ;;
esac
