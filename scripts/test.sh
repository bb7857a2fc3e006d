#!/usr/bin/env bash
# Installs what is missing, builds everything (Release, with tests) and runs
# the whole suite with ctest: unit tests per module and end-to-end tests that
# start the real daemon on loopback and a temporary Unix socket.
#
# In CI (CI=true, as .ci/run is called) it then runs every libFuzzer target
# of fuzz/ briefly over its seed corpus (scripts/fuzz.sh --seconds 25, about
# 3.5 minutes with a warm ccache); a crash or sanitizer report fails the run.
# MODERATED_CI_FUZZ=0 skips that step. docs/security.md, "Fuzzing".
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cmake --build "$BUILD_DIR" -j"$(nproc)"
(cd "$BUILD_DIR" && ctest --output-on-failure --timeout 600 -j"$(nproc)" "$@")
if [ "${CI:-}" = "true" ] && [ "${MODERATED_CI_FUZZ:-1}" != "0" ]; then
  bash "$MODERATED_ROOT/scripts/fuzz.sh" --seconds 25
fi
