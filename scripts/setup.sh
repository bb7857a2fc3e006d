#!/usr/bin/env bash
# Installs every Debian package the build and the tests need (only the missing
# ones), then configures the build directory. Sourced by run.sh and test.sh.
# Safe to run again: it does nothing when everything is in place.
set -euo pipefail

MODERATED_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$MODERATED_ROOT/build}"

PACKAGES=(
  g++ cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libre2-dev libfasttext-dev libsqlite3-dev libicu-dev libcld2-dev
  libyaml-cpp-dev libsystemd-dev libpsl-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  sqlite3 curl ca-certificates ccache
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  # ccache makes rebuilds after a fresh clone cheap; the build works without it.
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S "$MODERATED_ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
fi
