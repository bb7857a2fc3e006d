#!/usr/bin/env bash
# systemd units as installed: `systemd-analyze verify` must be clean and
# `systemd-analyze security` must rate moderated.service at exposure <= 2.0.
# Also checks that the sysusers.d file creates the system user.
#
# Usage: unit_test.sh BUILD_DIR
# verify needs every ExecStart=/ExecReload= binary and the units the service
# depends on, so it runs against a temporary root: our files from
# `cmake --install` (DESTDIR) plus a copy of the host's unit directory.
set -euo pipefail

build_dir="$1"
max_exposure="2.0"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/moderated-unit-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
root="$tmp/root"

DESTDIR="$root" cmake --install "$build_dir" --prefix /usr >/dev/null
units="$root/usr/lib/systemd/system"
test -f "$units/moderated.service"
test -f "$units/moderated.socket"
# The host's targets and services (sysinit.target, sockets.target, ...).
host_units=/lib/systemd/system
[ -d "$host_units" ] || host_units=/usr/lib/systemd/system
cp -rn "$host_units/." "$units/"
# ExecReload=/bin/kill (procps, a Depends of the .deb): verify only checks
# that it is executable.
mkdir -p "$root/bin"
printf '#!/bin/sh\n' >"$root/bin/kill"
chmod 755 "$root/bin/kill"

echo "== systemd-analyze verify"
out="$(systemd-analyze verify --man=no --recursive-errors=no --root="$root" \
  moderated.service moderated.socket 2>&1)" || {
  echo "$out"
  echo "FAIL: systemd-analyze verify exited non-zero"
  exit 1
}
if [ -n "$out" ]; then
  echo "$out"
  echo "FAIL: systemd-analyze verify printed warnings"
  exit 1
fi
echo "clean"

echo "== systemd-analyze security --offline=yes"
report="$(systemd-analyze security --offline=yes "$units/moderated.service" 2>&1 || true)"
# Show what is still exposed, for the log.
grep '✗' <<<"$report" || true
line="$(grep 'Overall exposure level for moderated.service' <<<"$report" || true)"
if [ -z "$line" ]; then
  echo "$report"
  echo "FAIL: no exposure level in the report"
  exit 1
fi
echo "$line"
exposure="$(sed -E 's/.*moderated\.service: ([0-9]+\.[0-9]+).*/\1/' <<<"$line")"
if ! awk -v e="$exposure" -v max="$max_exposure" 'BEGIN { exit !(e + 0 <= max + 0) }'; then
  echo "FAIL: exposure $exposure > $max_exposure"
  exit 1
fi

echo "== systemd-sysusers"
systemd-sysusers --root="$root" >/dev/null 2>&1 || true
if ! grep -q '^moderated:x:[0-9]*:[0-9]*:moderated comment moderation daemon:/var/lib/moderated:' \
  "$root/etc/passwd"; then
  cat "$root/etc/passwd" 2>/dev/null || true
  echo "FAIL: systemd-sysusers did not create the moderated user"
  exit 1
fi
grep -q '^moderated:x:' "$root/etc/group"
echo "user moderated created"
echo "PASS"
