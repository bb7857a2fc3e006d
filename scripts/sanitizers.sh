#!/usr/bin/env bash
# The test suite under the sanitizers, in builds of their own with clang
# (docs/security.md, "Sanitizers"):
#   build-asan: AddressSanitizer (+ LeakSanitizer) and UndefinedBehaviorSanitizer
#   build-tsan: ThreadSanitizer
# Each runs the unit tests and the end-to-end tests against a daemon built
# with the same sanitizer (a report makes the daemon exit non-zero, and its
# tests fail). The browser and WordPress tests are left to scripts/test.sh:
# they exercise JavaScript and PHP, not more of the daemon.
#
#   scripts/sanitizers.sh              both, every test (the long mode)
#   scripts/sanitizers.sh asan|tsan    one
#   --targets "T1 T2 ..."              build only these test executables (and
#                                      the daemon they start) and run their
#                                      tests: CI's ThreadSanitizer run
#                                      (scripts/test.sh) is the unit tests and
#                                      the daemon's end-to-end tests
#   extra arguments after -- go to ctest, e.g. -- -R Writer
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KINDS=()
CTEST_ARGS=()
TARGETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --) shift; CTEST_ARGS=("$@"); break ;;
    asan|tsan) KINDS+=("$1"); shift ;;
    --targets) read -r -a TARGETS <<<"${2:-}"; shift 2 ;;
    *) echo "usage: $0 [asan] [tsan] [--targets \"T ...\"] [-- ctest arguments]" >&2; exit 2 ;;
  esac
done
[ "${#KINDS[@]}" -gt 0 ] || KINDS=(asan tsan)

source "$ROOT/scripts/setup.sh"
export CCACHE_BASEDIR="$ROOT"
# These builds carry debug info, whose working directory ccache would hash:
# leave it out so that another checkout (CI's clean clone) reuses the cache.
export CCACHE_NOHASHDIR=true
# Tests that are not about the daemon's C++ (browsers, PHP, packaging, the
# benchmark smoke run).
EXCLUDE='^(web_console|wordpress\.|akismet_client_test|packaging\.|systemd\.)'

for kind in "${KINDS[@]}"; do
  # The ASan build also holds the fuzz targets (fuzz/CMakeLists.txt adds
  # libFuzzer's coverage hooks where they reach), so scripts/fuzz.sh reuses it.
  case "$kind" in
    asan) sanitize=address,undefined; fuzz=ON ;;
    tsan) sanitize=thread; fuzz=OFF ;;
  esac
  build="$ROOT/build-$kind"
  if [ ! -f "$build/build.ninja" ]; then
    cmake -S "$ROOT" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
      -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DMODERATED_SANITIZE="$sanitize" \
      -DMODERATED_FUZZ="$fuzz" -DMODERATED_BUILD_BENCH=OFF >/dev/null
  fi
  exclude=$EXCLUDE
  if [ "${#TARGETS[@]}" -gt 0 ]; then
    echo "sanitizers: building $kind ($sanitize): ${TARGETS[*]} moderated" >&2
    cmake --build "$build" -j"$(nproc)" --target "${TARGETS[@]}" moderated
    # gtest_discover_tests lists an executable that was not built as one
    # test, TARGET_NOT_BUILT, which fails: leave those out, run the rest.
    exclude="$EXCLUDE|_NOT_BUILT\$"
  else
    echo "sanitizers: building $kind ($sanitize)" >&2
    cmake --build "$build" -j"$(nproc)"
  fi
  # halt_on_error: the first report fails the test (and a daemon under test
  # exits non-zero, which its test sees). Suppressions, if ever needed, live
  # in scripts/sanitizers/ with a reason for each.
  export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=1:detect_stack_use_after_return=1"
  export LSAN_OPTIONS="suppressions=$ROOT/scripts/sanitizers/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$ROOT/scripts/sanitizers/tsan.supp"
  echo "sanitizers: testing $kind" >&2
  (cd "$build" && ctest --output-on-failure --timeout 900 -j"$(nproc)" -E "$exclude" \
      "${CTEST_ARGS[@]}")
done
echo "sanitizers: ${KINDS[*]} passed" >&2
