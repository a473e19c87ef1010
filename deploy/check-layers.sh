#!/usr/bin/env bash
# Fails when code outside daemon/store names libpqxx: the API, intake, dispatch, audit
# and the command lines reach PostgreSQL only through the store's functions.
set -euo pipefail
cd "$(dirname "$0")/.."
leaks=$(grep -rlE 'pqxx|store/pq\.hpp' daemon channels --include='*.cpp' --include='*.hpp' |
  grep -v '^daemon/store/' || true)
if [[ -n "$leaks" ]]; then
  echo "these files use libpqxx outside daemon/store:" >&2
  echo "$leaks" >&2
  exit 1
fi
