#!/usr/bin/env bash
# Installs what is missing, builds everything (Release, with tests) and runs
# the whole suite with ctest: unit tests per module and end-to-end tests that
# start the real daemon on loopback and a temporary Unix socket.
#
# In CI (CI=true, as .ci/run is called) it then runs the unit and end-to-end
# tests again against an AddressSanitizer + UndefinedBehaviorSanitizer build
# (scripts/sanitizers.sh asan; MODERATED_CI_SANITIZERS=0 skips it), and every
# libFuzzer target of fuzz/ briefly over its seed corpus in that same build
# (scripts/fuzz.sh --seconds 25; MODERATED_CI_FUZZ=0 skips it), and last the
# unit tests and the daemon's end-to-end tests under ThreadSanitizer, the
# daemon itself instrumented (scripts/sanitizers.sh tsan --targets ...;
# MODERATED_CI_TSAN=0 skips it). A sanitizer report, a crash or a failed test
# fails the run. docs/security.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cmake --build "$BUILD_DIR" -j"$(nproc)"
(cd "$BUILD_DIR" && ctest --output-on-failure --timeout 600 -j"$(nproc)" "$@")
if [ "${CI:-}" = "true" ] && [ "${MODERATED_CI_SANITIZERS:-1}" != "0" ]; then
  bash "$MODERATED_ROOT/scripts/sanitizers.sh" asan
fi
if [ "${CI:-}" = "true" ] && [ "${MODERATED_CI_FUZZ:-1}" != "0" ]; then
  bash "$MODERATED_ROOT/scripts/fuzz.sh" --seconds 25
fi
if [ "${CI:-}" = "true" ] && [ "${MODERATED_CI_TSAN:-1}" != "0" ]; then
  bash "$MODERATED_ROOT/scripts/sanitizers.sh" tsan --targets "base_test rules_test \
    classifiers_test storage_test daemon_test daemon_e2e_test cluster_e2e_test systemd_test"
fi
