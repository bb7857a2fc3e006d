#!/usr/bin/env bash
# Socket activation: systemd-socket-activate binds a TCP port and a Unix
# socket, passes them as LISTEN_FDS (names http and unix) and starts
# `moderated serve` on the first connection; the daemon must adopt both
# sockets instead of binding its own, serve requests through them, and leave
# the inherited Unix socket in place at shutdown (it belongs to systemd).
#
# Usage: socket_activation_test.sh MODERATED_BINARY
set -euo pipefail

bin="$1"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/moderated-sa-XXXXXX")"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  echo "--- daemon log"
  cat "$tmp/log" 2>/dev/null || true
  exit 1
}

mkdir -p "$tmp/data"
token="$("$bin" token create --data-dir "$tmp/data" --role admin 2>/dev/null)"
sock="$tmp/api.sock"

# systemd-socket-activate cannot bind port 0: try random high ports.
port=""
for _ in $(seq 1 20); do
  candidate=$((20000 + RANDOM % 40000))
  : >"$tmp/log"
  # The daemon's own defaults (127.0.0.1:8080, <data-dir>/moderated.sock)
  # must be ignored in favour of the inherited sockets.
  systemd-socket-activate -l "127.0.0.1:$candidate" -l "$sock" --fdname=http:unix \
    "$bin" serve --data-dir "$tmp/data" --threads 2 2>>"$tmp/log" &
  pid=$!
  for _ in $(seq 1 100); do
    if grep -q "as 4" "$tmp/log" || ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.05
  done
  if kill -0 "$pid" 2>/dev/null && grep -q "as 4" "$tmp/log"; then
    port="$candidate"
    break
  fi
  wait "$pid" 2>/dev/null || true
  pid=""
done
[ -n "$port" ] || fail "could not bind a port for systemd-socket-activate"

# The first connection starts the daemon; it waits in the backlog meanwhile.
code="$(curl -s -o "$tmp/healthz" -w '%{http_code}' --max-time 60 "http://127.0.0.1:$port/healthz")"
[ "$code" = 200 ] || fail "GET /healthz over TCP: $code"

grep -q "event=listening transport=tcp addr=127.0.0.1:$port activation=systemd fd_name=http" \
  "$tmp/log" || fail "no 'listening ... activation=systemd fd_name=http' line"
grep -q "event=listening transport=unix path=$sock activation=systemd fd_name=unix" \
  "$tmp/log" || fail "no 'listening ... activation=systemd fd_name=unix' line"
if grep -q "8080" "$tmp/log"; then fail "the daemon bound its default port"; fi
[ ! -e "$tmp/data/moderated.sock" ] || fail "the daemon bound its default Unix socket"

# A comment through the activated TCP socket, one through the Unix socket.
code="$(curl -s -o "$tmp/post1" -w '%{http_code}' --max-time 30 \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"site":"ar.news.example","id":"sa-1","content":"مقال رائع، شكرا للكاتب"}' \
  "http://127.0.0.1:$port/v1/comments")"
[ "$code" = 201 ] || fail "POST /v1/comments over TCP: $code $(cat "$tmp/post1")"
code="$(curl -s -o "$tmp/post2" -w '%{http_code}' --max-time 30 --unix-socket "$sock" \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"site":"ru.news.example","id":"sa-2","content":"Спасибо за статью"}' \
  "http://localhost/v1/comments")"
[ "$code" = 201 ] || fail "POST /v1/comments over the Unix socket: $code $(cat "$tmp/post2")"

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
[ "$status" = 0 ] || fail "exit status $status after SIGTERM"
grep -q "event=stopped committed=2" "$tmp/log" || fail "no 'stopped committed=2' line"
[ -S "$sock" ] || fail "the inherited Unix socket was unlinked at shutdown"
echo "PASS"
