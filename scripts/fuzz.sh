#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang (ASan + UBSan, coverage on
# the libraries they reach) and runs each for a while. docs/security.md,
# "Fuzzing".
#
#   scripts/fuzz.sh                    every target, 60 s each
#   scripts/fuzz.sh --seconds 25       CI's short mode (scripts/test.sh, CI=true)
#   scripts/fuzz.sh --seconds 3600     the long mode: an hour each
#   scripts/fuzz.sh --seconds 600 fuzz_rules fuzz_spamc
#
# Corpora grow in build-asan/corpus/<target> (seeded from fuzz/corpus/); a
# crash, leak or sanitizer report is saved as build-asan/crashes/<target>-*
# and fails the run. Reproduce one with: build-asan/fuzz/<target> <file>.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_EACH=60
TARGETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_EACH="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
[ "${#TARGETS[@]}" -gt 0 ] || TARGETS=(fuzz_http_request fuzz_comment_json fuzz_rules
                                       fuzz_normalize fuzz_akismet_form fuzz_spamc fuzz_config)

source "$ROOT/scripts/setup.sh"   # packages (clang-14, libclang-rt-14-dev among them)
# The ASan + UBSan build of scripts/sanitizers.sh, with coverage for
# libFuzzer on every library (one build serves both).
BUILD="${FUZZ_BUILD_DIR:-$ROOT/build-asan}"
export CCACHE_BASEDIR="$ROOT"
# These builds carry debug info, whose working directory ccache would hash:
# leave it out so that another checkout (CI's clean clone) reuses the cache.
export CCACHE_NOHASHDIR=true
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DMODERATED_SANITIZE=address,undefined -DMODERATED_FUZZ=ON \
    -DMODERATED_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$BUILD" -j"$(nproc)" --target "${TARGETS[@]}"

mkdir -p "$BUILD/crashes"
failed=()
for t in "${TARGETS[@]}"; do
  mkdir -p "$BUILD/corpus/$t"
  echo "fuzz: $t for ${SECONDS_EACH}s" >&2
  # New inputs go to the first directory; the seeds are read, never written.
  if ! "$BUILD/fuzz/$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix="$BUILD/crashes/$t-" \
      "$BUILD/corpus/$t" "$ROOT/fuzz/corpus/$t" >"$BUILD/$t.log" 2>&1; then
    failed+=("$t")
    tail -n 60 "$BUILD/$t.log" >&2
  fi
  grep -E '^stat::(number_of_executed_units|new_units_added)|cov: ' "$BUILD/$t.log" | tail -n 3 >&2 || true
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (inputs in $BUILD/crashes/)" >&2
  exit 1
fi
echo "fuzz: ${#TARGETS[@]} targets, ${SECONDS_EACH}s each, no crash" >&2
