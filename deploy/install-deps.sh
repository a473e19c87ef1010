#!/usr/bin/env bash
# Installs Araldo's build and test dependencies from Debian 12 packages, by name.
#   install-deps.sh [--ha]
# Boost comes from the 1.81 packages: the default libboost-dev (1.74) conflicts with them.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libpqxx-dev libcurl4-openssl-dev libyaml-cpp-dev libfmt-dev libspdlog-dev libssl-dev
  libkainjow-mustache-dev libcli11-dev libpugixml-dev libgtest-dev libgmock-dev libicu-dev
  libcsv-dev clang-14 libfuzzer-14-dev
  publicsuffix  # the top-level domains X recognises URLs on
  libical-dev tzdata  # schedules: RFC 5545 recurrence, and the IANA zones libical reads
  libclang-rt-14-dev  # the sanitizer and libFuzzer runtimes: only a Recommends of clang-14
  chromium chromium-driver fonts-dejavu-core  # the console, tested in a real browser (WebDriver)
  prometheus  # promtool checks deploy/prometheus (Debian enables its server: disable it if unwanted)
  postgresql-15 clang-format openssl
  postgresql-15-postgis-3  # alert areas and zones: geometry and spatial indexes in the database
)

# --ha: also what deploy/ha/try-patroni.sh runs (Patroni, its etcd client, etcd itself).
if [ "${1:-}" = "--ha" ]; then
  packages+=(patroni python3-etcd etcd-server bc procps)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
