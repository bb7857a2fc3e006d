#!/usr/bin/env bash
# Installs what is missing, builds everything (Release, with tests) and runs
# the whole suite with ctest: unit tests per module and end-to-end tests that
# start the real daemon on loopback and a temporary Unix socket.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cmake --build "$BUILD_DIR" -j"$(nproc)"
cd "$BUILD_DIR"
ctest --output-on-failure --timeout 600 -j"$(nproc)" "$@"
