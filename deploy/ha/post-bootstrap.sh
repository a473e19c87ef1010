#!/usr/bin/env bash
# Patroni's post_bootstrap: runs once, on the first primary, with a superuser connection
# URL as $1. Creates araldod's role (password from ARALDO_DB_PASSWORD) and database, and
# PostGIS in it (CREATE EXTENSION needs a superuser; araldod's migrations then find it).
set -euo pipefail
url=${1:?post-bootstrap.sh needs the connection URL Patroni passes}
: "${ARALDO_DB_PASSWORD:?set ARALDO_DB_PASSWORD, the password of the araldo role}"
psql "$url" -v ON_ERROR_STOP=1 -q -v pw="$ARALDO_DB_PASSWORD" <<'SQL'
CREATE ROLE araldo LOGIN PASSWORD :'pw';
CREATE DATABASE araldo OWNER araldo ENCODING 'UTF8' TEMPLATE template0;
\c araldo
CREATE EXTENSION IF NOT EXISTS postgis;
SQL
