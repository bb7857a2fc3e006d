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
  postgresql libpqxx-dev  # the PostgreSQL backend (storage/postgres/store.cc) and its private test server
  dpkg-dev systemd  # .deb (dpkg-shlibdeps), systemd-analyze/-socket-activate in tests
)
# The web console's browser test (tests/web): Debian's chromium with a font
# that has Arabic and Cyrillic, and node + npm for playwright-core. A node
# that is already there (any origin) is used; Debian's only when missing.
PACKAGES+=(chromium fonts-dejavu-core)
command -v node >/dev/null || PACKAGES+=(nodejs)
command -v npm >/dev/null || PACKAGES+=(npm)
# clang and its runtimes for the sanitizer builds and the libFuzzer targets
# (scripts/sanitizers.sh, scripts/fuzz.sh).
PACKAGES+=(clang-14 libclang-rt-14-dev)
# The Python site example (examples/python, tests/examples): any python3.
command -v python3 >/dev/null || PACKAGES+=(python3)
# Debian's spamc client for the spamc/spamd listener's tests (tests/daemon/spamc_e2e_test.cc).
PACKAGES+=(spamc)
# promtool (Debian's prometheus package) checks the /metrics exposition
# (tests/daemon/api/metrics_e2e_test.cc, tests/daemon/jobs/webhooks_e2e_test.cc);
# lintian checks the .deb (tests/packaging/deb_test.sh).
PACKAGES+=(prometheus lintian)
# jq: docs/rules.md's rules PUT pipes jq into curl, and tests/docs runs it.
PACKAGES+=(jq)
# The WordPress plugin (integrations/wordpress): msgfmt/xgettext and zip build
# its zip; its end-to-end test (tests/wordpress) runs Debian's WordPress on
# PHP's built-in server with a private MariaDB. The packages' own services
# (apache2, the system MariaDB) are never used; the test starts its own.
PACKAGES+=(gettext zip wordpress wordpress-l10n wordpress-theme-twentytwentythree
           php-cli php-mysql mariadb-server mariadb-client)

missing=()
for p in "${PACKAGES[@]}"; do
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
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

# npm packages of the tests, each pinned by its package-lock.json; `npm ci`
# again when the lock file is newer than node_modules (after a pull).
# playwright-core for the browser test (tests/web).
if [ ! -d "$MODERATED_ROOT/tests/web/node_modules" ] ||
   [ "$MODERATED_ROOT/tests/web/package-lock.json" -nt "$MODERATED_ROOT/tests/web/node_modules" ]; then
  npm ci --prefix "$MODERATED_ROOT/tests/web" --no-audit --no-fund >/dev/null
fi
# akismet-api and akismet (real Akismet clients) for tests/akismet, pinned by its package-lock.json.
if [ ! -d "$MODERATED_ROOT/tests/akismet/node_modules" ] ||
   [ "$MODERATED_ROOT/tests/akismet/package-lock.json" -nt "$MODERATED_ROOT/tests/akismet/node_modules" ]; then
  npm ci --prefix "$MODERATED_ROOT/tests/akismet" --no-audit --no-fund >/dev/null
fi

# The OpenAPI validator, Ajv and yaml for tests/openapi, pinned by its package-lock.json.
if [ ! -d "$MODERATED_ROOT/tests/openapi/node_modules" ] ||
   [ "$MODERATED_ROOT/tests/openapi/package-lock.json" -nt "$MODERATED_ROOT/tests/openapi/node_modules" ]; then
  npm ci --prefix "$MODERATED_ROOT/tests/openapi" --no-audit --no-fund >/dev/null
fi

# Paths under the checkout become relative in ccache's hashes, so a fresh
# clone elsewhere reuses earlier compilations.
export CCACHE_BASEDIR="$MODERATED_ROOT"

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  # ccache makes rebuilds after a fresh clone cheap; the build works without it.
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S "$MODERATED_ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
fi
