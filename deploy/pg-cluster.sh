#!/usr/bin/env bash
# A private PostgreSQL 15 cluster on its own data directory and port, for the local
# setup and the tests. Never touches the system's own cluster.
#   pg-cluster.sh start DATADIR PORT [--fast]   init if needed, start, wait until ready
#   pg-cluster.sh stop DATADIR
# As root the server runs as the 'postgres' user (initdb refuses root); DATADIR's parent
# folders must then be traversable by that user. --fast turns off fsync: tests only.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
cmd=${1:?usage: pg-cluster.sh start|stop DATADIR [PORT] [--fast]}
datadir=${2:?usage: pg-cluster.sh start|stop DATADIR [PORT] [--fast]}
port=${3:-5432}
fast=${4:-}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "$cmd" in
  start)
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
    opts="-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$datadir"
    opts="$opts -c max_connections=200"
    if [ "$fast" = "--fast" ]; then
      opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    as_owner "$PGBIN/pg_ctl" -D "$datadir" -o "$opts" -l "$datadir/server.log" -w -t 60 start \
      >/dev/null || {
      tail -n 30 "$datadir/server.log" >&2
      exit 1
    }
    ;;
  stop)
    if [ -f "$datadir/postmaster.pid" ]; then
      as_owner "$PGBIN/pg_ctl" -D "$datadir" -m fast -w stop >/dev/null || true
    fi
    ;;
  *)
    echo "usage: pg-cluster.sh start|stop DATADIR [PORT] [--fast]" >&2
    exit 2
    ;;
esac
