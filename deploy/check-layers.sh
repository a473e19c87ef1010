#!/usr/bin/env bash
# Enforces the layers. 1. Only daemon/store names libpqxx: the API, intake, dispatch,
# audit and the command lines reach PostgreSQL only through the store's functions.
# 2. Includes point down: a folder includes only folders below it in this order (and
# app.cpp, app_config, main.cpp at daemon/'s root may include anything).
set -euo pipefail
cd "$(dirname "$0")/.."
leaks=$(grep -rlE 'pqxx|store/pq\.hpp' daemon channels --include='*.cpp' --include='*.hpp' |
  grep -v '^daemon/store/' || true)
if [[ -n "$leaks" ]]; then
  echo "these files use libpqxx outside daemon/store:" >&2
  echo "$leaks" >&2
  exit 1
fi

# Lowest first.
order=(text http config model privacy channels delivery store audit render cap dispatch intake
  schedule retention metrics api inbound console ctl)
declare -A rank
for i in "${!order[@]}"; do rank[${order[$i]}]=$i; done
status=0
while IFS=: read -r file _ include; do
  case "$file" in
    channels/*) from=channels ;;
    daemon/*/*) from=$(cut -d/ -f2 <<<"$file") ;;
    *) continue ;;  # the application's root wires everything
  esac
  to=$(sed -E 's/#include "//; s#^daemon/##; s#/$##' <<<"$include")
  [[ "$from" == "$to" ]] && continue
  if [[ -z "${rank[$from]:-}" || -z "${rank[$to]:-}" ]]; then
    echo "check-layers: $file: folder '$from' or '$to' has no place in the order" >&2
    status=1
  elif ((rank[$to] > rank[$from])); then
    echo "check-layers: $file includes $to, which is above $from" >&2
    status=1
  fi
done < <(grep -rnoE '#include "(daemon/[a-z_]+|channels)/' daemon channels \
  --include='*.cpp' --include='*.hpp')
exit $status
