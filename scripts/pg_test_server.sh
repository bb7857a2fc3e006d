#!/usr/bin/env bash
# A private PostgreSQL for the tests: initdb in a new temporary directory,
# the server run as a non-root user (the Debian `postgres` system user, or
# `nobody`, when this script runs as root), listening on a Unix socket in that
# directory only (no TCP port, so it never meets another server), with trust
# authentication on that socket (the directory is private to its owner).
#
#   pg_test_server.sh start STATE   starts one, records it in STATE, writes the
#                                   URL to STATE.url and prints it
#   pg_test_server.sh stop STATE    stops it and removes its directory
#   pg_test_server.sh pause STATE   stops the server, keeping its data
#   pg_test_server.sh resume STATE  starts a paused server again (same URL)
#
# CTest runs these as the fixture tests pg_server_start / pg_server_stop
# (tests/CMakeLists.txt). A server that cannot start fails loudly, printing
# its logs; the tests that need it then fail too: nothing is skipped.
set -euo pipefail

cmd="${1:-}"
state="${2:-}"
if [ -z "$cmd" ] || [ -z "$state" ]; then
  echo "usage: $0 start|stop|pause|resume STATE_FILE" >&2
  exit 2
fi

pgbin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
  echo "pg_test_server: no PostgreSQL server binaries under /usr/lib/postgresql" \
       "(install Debian's postgresql: bash scripts/setup.sh)" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$(stat -c %U "$dir")" -- "$@"
  else
    "$@"
  fi
}

stop() {
  [ -f "$state" ] || return 0
  dir="$(cat "$state")"
  if [ -d "$dir/data" ]; then
    as_owner "$pgbin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
  case "$dir" in */moderated-pg.*) rm -rf "$dir" ;; esac
  rm -f "$state" "$state.url"
}

# Starts the server of an initialised directory, listening on its socket only.
run_server() {
  # Unix socket only; fsync stays on, so commits are as durable as in
  # production (the kill -9 test relies on the server, not on luck).
  if ! as_owner "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
       -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c max_connections=300" \
       start >/dev/null 2>&1; then
    echo "pg_test_server: the server did not start:" >&2
    cat "$dir/server.log" >&2 || true
    exit 1
  fi
}

case "$cmd" in
  pause)
    dir="$(cat "$state")"
    as_owner "$pgbin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
    ;;
  resume)
    dir="$(cat "$state")"
    run_server
    ;;
  start)
    stop  # a server left over from an interrupted run
    dir="$(mktemp -d "${TMPDIR:-/tmp}/moderated-pg.XXXXXX")"
    chmod 700 "$dir"
    if [ "$(id -u)" -eq 0 ]; then
      # PostgreSQL refuses to run as root: hand the directory to a system user.
      user=postgres
      id "$user" >/dev/null 2>&1 || user=nobody
      chown "$user" "$dir"
    fi
    echo "$dir" > "$state"
    if ! as_owner "$pgbin/initdb" -D "$dir/data" -U moderated --auth=trust -E UTF8 \
         --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
      echo "pg_test_server: initdb failed:" >&2
      cat "$dir/initdb.log" >&2
      exit 1
    fi
    run_server
    url="postgresql:///postgres?host=$dir&user=moderated"
    echo "$url" > "$state.url"
    echo "$url"
    ;;
  stop)
    stop
    ;;
  *)
    echo "usage: $0 start|stop|pause|resume STATE_FILE" >&2
    exit 2
    ;;
esac
