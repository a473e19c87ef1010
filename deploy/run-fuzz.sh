#!/usr/bin/env bash
# Builds the fuzz targets with clang-14 (libFuzzer, ASan, UBSan) and runs each for a while
# from its seed corpus (tests/fuzz/corpus/<target>, also the regression inputs: a crash
# found is saved there once fixed). The suite runs it briefly; longer on demand:
#   ./deploy/run-fuzz.sh [seconds per target, default 10] [target ...]
#   ./deploy/run-fuzz.sh --build-only   (run-tests.sh builds them before the suite starts)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${ARALDO_FUZZ_BUILD_DIR:-build-fuzz}
cmake -S tests/fuzz -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$build" >/dev/null
[[ ${1:-} != --build-only ]] || exit 0
seconds=${1:-10}
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(alert_json subscriber_csv query_cursor recurrence cap_xml)
for t in "${targets[@]}"; do
  work=$(mktemp -d)
  cp tests/fuzz/corpus/"$t"/* "$work"/
  echo "fuzzing $t for ${seconds}s"
  # -rss_limit_mb: a parser that balloons on some input is a finding too.
  "$build/${t}_fuzz" -max_total_time="$seconds" -rss_limit_mb=1024 -print_final_stats=1 \
    -artifact_prefix="$build/$t-" "$work" 2>&1 | tail -n 12
  rm -rf "$work"
done
