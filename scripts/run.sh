#!/usr/bin/env bash
# Quick start: installs what is missing, builds Release and runs the daemon in
# the foreground with the embedded defaults (rules, model), database under
# ./var, HTTP on 127.0.0.1:8080 and the Unix socket ./var/moderated.sock.
# Extra arguments go to `moderated serve` (see `moderated serve --help`).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cmake --build "$BUILD_DIR" --target moderated -j"$(nproc)"
cd "$MODERATED_ROOT"
exec "$BUILD_DIR/daemon/moderated" serve "$@"
