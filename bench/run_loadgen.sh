#!/usr/bin/env bash
# bench/run_loadgen.sh: build the daemon and the load generator, start
# `moderated serve` on an ephemeral loopback port with a fresh data directory,
# run bench/loadgen against it, stop the daemon with SIGTERM and check that the
# database holds as many comments as the daemon acknowledged with 201.
#
# Usage: bench/run_loadgen.sh [loadgen args...]
#   default args: --connections 32 --duration 10
# Environment:
#   BUILD_DIR        build directory (default ./build-bench)
#   CMAKE_ARGS       extra configure arguments, e.g. -DMODERATED_EMBED_DIR=/tmp/x
#   DAEMON_ARGS      extra `moderated serve` arguments, e.g. "--threads 1"
#   SKIP_BUILD=1     use the binaries already in BUILD_DIR
#   KEEP_DATA=1      keep the data directory (its path is printed)
#
# Exit status: loadgen's status, or 1 if the stored count does not match.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-./build-bench}
if [[ $# -eq 0 ]]; then
  set -- --connections 32 --duration 10
fi

if [[ -z ${SKIP_BUILD:-} ]]; then
  # shellcheck disable=SC2086
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release ${CMAKE_ARGS:-} >/dev/null
  cmake --build "$BUILD_DIR" --target moderated loadgen
fi
MODERATED=$BUILD_DIR/daemon/moderated
LOADGEN=$BUILD_DIR/bench/loadgen

DATA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/moderated-loadgen-XXXXXX")
LOG=$DATA_DIR/daemon.log
DAEMON_PID=

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  if [[ -n $DAEMON_PID ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill -TERM "$DAEMON_PID" 2>/dev/null || true
    wait "$DAEMON_PID" 2>/dev/null || true
  fi
  if [[ -z ${KEEP_DATA:-} ]]; then
    rm -rf "$DATA_DIR"
  else
    echo "data kept in $DATA_DIR"
  fi
}
trap cleanup EXIT

# A site token for the load, made the way an operator makes one.
TOKEN=$("$MODERATED" token create --data-dir "$DATA_DIR" --role site --site loadgen 2>/dev/null)

# shellcheck disable=SC2086
"$MODERATED" serve --listen 127.0.0.1:0 --data-dir "$DATA_DIR" --socket '' ${DAEMON_ARGS:-} \
  >"$LOG" 2>&1 &
DAEMON_PID=$!

PORT=
for _ in $(seq 1 300); do
  PORT=$(sed -n 's/.*event=listening transport=tcp addr=127\.0\.0\.1:\([0-9]\+\).*/\1/p' "$LOG" |
    head -n1)
  [[ -n $PORT ]] && break
  if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
    echo "moderated exited during start-up:" >&2
    cat "$LOG" >&2
    DAEMON_PID=
    exit 1
  fi
  sleep 0.1
done
if [[ -z $PORT ]]; then
  echo "moderated did not start listening within 30 s:" >&2
  cat "$LOG" >&2
  exit 1
fi
echo "moderated pid $DAEMON_PID listening on 127.0.0.1:$PORT, data in $DATA_DIR"

OUT=$DATA_DIR/loadgen.out
set +e
"$LOADGEN" --target "127.0.0.1:$PORT" --token "$TOKEN" --site loadgen "$@" | tee "$OUT"
LOADGEN_RC=${PIPESTATUS[0]}
set -e

# Daemon CPU time (user+sys, clock ticks) before it exits: shows how busy it was.
if [[ -r /proc/$DAEMON_PID/stat ]]; then
  read -r utime stime < <(awk '{print $14, $15}' "/proc/$DAEMON_PID/stat")
  echo "daemon cpu   user $((utime * 1000 / $(getconf CLK_TCK))) ms, sys $((stime * 1000 / $(getconf CLK_TCK))) ms"
fi

kill -TERM "$DAEMON_PID"
set +e
wait "$DAEMON_PID"
DAEMON_RC=$?
set -e
DAEMON_PID=
echo "daemon exit  $DAEMON_RC"

DB=$DATA_DIR/moderated.db
STORED=$(sqlite3 "$DB" 'select count(*) from comments')
# loadgen's count of comments acknowledged as created (201 or batch items),
# warm-up included; text or --json output.
CREATED=$(sed -n -e 's/.*"created_total":\([0-9]*\).*/\1/p' \
  -e 's/^stored *\([0-9]*\) created.*/\1/p' "$OUT" | head -n1)
echo "db comments  $STORED  (acknowledged as created: ${CREATED:-?})"
if [[ $DAEMON_RC -ne 0 ]]; then
  echo "moderated exited with $DAEMON_RC; log tail:" >&2
  tail -n 20 "$LOG" >&2
  exit 1
fi
if [[ -n $CREATED && $CREATED -ne $STORED ]]; then
  echo "MISMATCH: the daemon acknowledged $CREATED comments but the database holds $STORED" >&2
  exit 1
fi
exit "$LOADGEN_RC"
