#!/usr/bin/env bash
# `cmake --install --prefix /usr` into a DESTDIR puts every file in its FHS
# place, and the daemon runs from there with only the installed files: the
# installed config, rules and model, a token made with the installed CLI, and
# a comment posted over HTTP.
#
# Usage: install_test.sh BUILD_DIR
set -euo pipefail

build_dir="$1"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/moderated-install-XXXXXX")"
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

root="$tmp/root"
DESTDIR="$root" cmake --install "$build_dir" --prefix /usr >/dev/null

for f in usr/bin/moderated \
         usr/lib/systemd/system/moderated.service \
         usr/lib/systemd/system/moderated.socket \
         usr/lib/sysusers.d/moderated.conf \
         etc/moderated/moderated.yaml \
         usr/share/moderated/rules/default.yaml \
         usr/share/moderated/models/default.ftz \
         usr/share/doc/moderated/README.md \
         usr/share/doc/moderated/operations.md \
         usr/share/doc/moderated/configuration.md \
         usr/share/doc/moderated/copyright \
         usr/share/doc/moderated/changelog.gz \
         usr/share/man/man8/moderated.8.gz; do
  [ -f "$root/$f" ] || fail "not installed: /$f"
done
[ -x "$root/usr/bin/moderated" ] || fail "/usr/bin/moderated is not executable"
# Nothing outside the FHS places above.
unexpected="$(cd "$root" && find . -type f | sed 's|^\./||' |
  grep -v -E '^(usr/bin/moderated|usr/lib/systemd/system/moderated\.(service|socket)|usr/lib/sysusers\.d/moderated\.conf|etc/moderated/moderated\.yaml|usr/share/moderated/(rules|models)/[^/]+|usr/share/doc/moderated/([^/]+\.md|copyright|changelog\.gz)|usr/share/man/man8/moderated\.8\.gz)$' || true)"
[ -z "$unexpected" ] || fail "unexpected installed files: $unexpected"

bin="$root/usr/bin/moderated"
rules="$root/usr/share/moderated/rules/default.yaml"
model="$root/usr/share/moderated/models/default.ftz"
config="$root/etc/moderated/moderated.yaml"
"$bin" rules check "$rules" >/dev/null || fail "installed rules do not compile"

# Run from an empty directory so nothing of the source or build tree is found.
mkdir -p "$tmp/cwd"
cd "$tmp/cwd"
mkdir -p "$tmp/data"
token="$("$bin" token create --data-dir "$tmp/data" --role admin 2>/dev/null)"
[ -n "$token" ] || fail "token create printed nothing"
"$bin" serve --listen 127.0.0.1:0 --socket "" --data-dir "$tmp/data" --threads 2 \
  --rules "$rules" --model "$model" --config "$config" 2>"$tmp/log" &
pid=$!
port=""
for _ in $(seq 1 600); do
  port="$(sed -n -E 's/.*event=listening transport=tcp addr=127\.0\.0\.1:([0-9]+).*/\1/p' "$tmp/log")"
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || fail "the daemon exited during start-up"
  sleep 0.05
done
[ -n "$port" ] || fail "the daemon did not start listening"
grep -q "rules_source=$rules" "$tmp/log" || fail "not running the installed rules"
grep -q "model_source=$model" "$tmp/log" || fail "not running the installed model"

code="$(curl -s -o "$tmp/readyz" -w '%{http_code}' --max-time 30 "http://127.0.0.1:$port/readyz")"
[ "$code" = 200 ] || fail "GET /readyz: $code $(cat "$tmp/readyz")"
code="$(curl -s -o "$tmp/post" -w '%{http_code}' --max-time 30 \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"site":"ru.news.example","id":"install-1","content":"Кто знает хорошее казино? Пишите в телеграм","lang":"ru"}' \
  "http://127.0.0.1:$port/v1/comments")"
[ "$code" = 201 ] || fail "POST /v1/comments: $code $(cat "$tmp/post")"
grep -q '"external_id":"install-1"' "$tmp/post" || fail "unexpected answer: $(cat "$tmp/post")"

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
[ "$status" = 0 ] || fail "exit status $status after SIGTERM"
grep -q "event=stopped committed=1" "$tmp/log" || fail "no 'stopped committed=1' line"
echo "PASS"
