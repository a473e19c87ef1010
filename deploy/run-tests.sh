#!/usr/bin/env bash
# Installs what is needed, builds everything with AddressSanitizer and UBSan, and runs
# the whole suite: unit tests, integration tests on a private PostgreSQL cluster that
# ctest starts and stops, and end-to-end tests of araldod against the platform emulator.
set -euo pipefail
cd "$(dirname "$0")/.."

./deploy/install-deps.sh
build=${ARALDO_TEST_BUILD_DIR:-build-test}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DARALDO_SANITIZE=ON \
  -DARALDO_BUILD_TESTS=ON >/dev/null
cmake --build "$build"
# The fuzz targets (clang-14, their own project) are built here too, so that the suite's
# fuzz_parsers test only fuzzes.
ARALDO_FUZZ_BUILD_DIR="$build/fuzz" ./deploy/run-fuzz.sh --build-only
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build" --output-on-failure --parallel "$(nproc)" --timeout 300
