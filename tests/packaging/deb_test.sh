#!/usr/bin/env bash
# `cpack -G DEB` builds moderated_<version>_<arch>.deb; dpkg-deb shows a
# control file with the Depends: computed by dpkg-shlibdeps, the files in
# their FHS places, the conffile and the maintainer scripts. Nothing is
# installed on this machine.
#
# Usage: deb_test.sh BUILD_DIR
set -euo pipefail

build_dir="$1"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/moderated-deb-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "FAIL: $*"
  exit 1
}

cpack -G DEB --config "$build_dir/CPackConfig.cmake" -B "$tmp/out" >"$tmp/cpack.log" 2>&1 || {
  cat "$tmp/cpack.log"
  fail "cpack -G DEB failed"
}
debs=("$tmp"/out/moderated_*.deb)
[ -f "${debs[0]}" ] || { cat "$tmp/cpack.log"; fail "no moderated_*.deb"; }
deb="${debs[0]}"
echo "package: $(basename "$deb") ($(stat -c %s "$deb") bytes)"

dpkg-deb --field "$deb" Package Version Architecture Maintainer Depends
field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = moderated ] || fail "Package: $(field Package)"
[ "$(field Version)" = 0.1.0 ] || fail "Version: $(field Version)"
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] || fail "Architecture: $(field Architecture)"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
# (No `| grep -q` under pipefail: grep exits at the first match, and the
# writer's SIGPIPE then fails the pipeline when it still had output to write.)
description="$(field Description)"
[[ $description == *"comment moderation"* ]] || fail "Description: $description"

# Depends: one entry per shared library the binary links, as dpkg-shlibdeps
# computed it from the Debian 12 packages.
depends="$(field Depends)"
depends_names="$(tr ',' '\n' <<<"$depends" | sed -E 's/^ +//; s/ .*//')"
for pkg in libc6 libstdc++6 libgcc-s1 libre2-9 libfasttext0 libsqlite3-0 libicu72 libcld2-0 \
           libyaml-cpp0.7 libsystemd0 libboost-json1.81.0 libboost-url1.81.0 libssl3 libpsl5 \
           procps adduser; do
  grep -qxF "$pkg" <<<"$depends_names" || fail "Depends lacks $pkg: $depends"
done

# Files: every one at its FHS path, nothing else.
contents="$(dpkg-deb --contents "$deb" | awk '{print $NF}' | grep -v '/$' | sort)"
expected="$(sort <<'LIST'
./etc/moderated/moderated.yaml
./usr/bin/moderated
./usr/lib/systemd/system/moderated.service
./usr/lib/systemd/system/moderated.socket
./usr/lib/sysusers.d/moderated.conf
./usr/share/man/man8/moderated.8.gz
./usr/share/moderated/models/default.ftz
./usr/share/moderated/rules/default.yaml
LIST
)"
got_main="$(grep -v '^./usr/share/doc/moderated/' <<<"$contents")"
[ "$got_main" = "$expected" ] || fail "contents differ:
$(diff <(echo "$expected") <(echo "$got_main") || true)"
grep -qx './usr/share/doc/moderated/operations.md' <<<"$contents" || fail "no operations.md"
grep -qx './usr/share/doc/moderated/README.md' <<<"$contents" || fail "no README.md"
grep -qx './usr/share/doc/moderated/copyright' <<<"$contents" || fail "no copyright"
grep -qx './usr/share/doc/moderated/changelog.gz' <<<"$contents" || fail "no changelog.gz"
listing="$(dpkg-deb --contents "$deb")"
grep -E ' \./usr/bin/moderated$' <<<"$listing" | grep -q '^-rwxr-xr-x root/root' ||
  fail "/usr/bin/moderated is not -rwxr-xr-x root/root"

# Control area: conffiles and maintainer scripts.
dpkg-deb --control "$deb" "$tmp/control"
[ "$(cat "$tmp/control/conffiles")" = "/etc/moderated/moderated.yaml" ] ||
  fail "conffiles: $(cat "$tmp/control/conffiles")"
for script in postinst prerm postrm; do
  [ -x "$tmp/control/$script" ] || fail "no executable $script"
  sh -n "$tmp/control/$script" || fail "$script: syntax error"
done
grep -q 'systemd-sysusers /usr/lib/sysusers.d/moderated.conf' "$tmp/control/postinst" ||
  fail "postinst does not create the system user"
grep -q 'daemon-reload' "$tmp/control/postinst" || fail "postinst does not reload systemd"
grep -q 'deb-systemd-helper enable moderated.service' "$tmp/control/postinst" ||
  fail "postinst does not enable the service"

# The packaged (stripped) binary runs.
dpkg-deb -x "$deb" "$tmp/x"
[ "$("$tmp/x/usr/bin/moderated" version)" = "moderated 0.1.0" ] || fail "packaged binary does not run"

# The man page is the binary's own help: every command's usage line is in it.
man_text="$(zcat "$tmp/x/usr/share/man/man8/moderated.8.gz")"
for usage in "Usage: moderated serve" "Usage: moderated rules" "Usage: moderated purge"; do
  [[ $man_text == *"${usage}"* ]] || fail "moderated.8 lacks '$usage'"
done
[[ $man_text == ".TH MODERATED 8 "* ]] || fail "moderated.8 is not a section 8 page"
[[ "$(field Maintainer)" != *"@localhost"* ]] || fail "Maintainer: $(field Maintainer)"

# Debian's lintian (scripts/setup.sh installs it): no error and no warning.
command -v lintian >/dev/null || fail "lintian is missing: run scripts/setup.sh"
lintian_out="$(lintian --fail-on error,warning --tag-display-limit 0 "$deb" 2>&1)" ||
  fail "lintian:
$lintian_out"
echo "lintian: ${lintian_out:-clean}"
# The binary is built with Debian's hardening: no info tag says otherwise.
hardening="$(lintian --tags hardening-no-fortify-functions,hardening-no-bindnow,hardening-no-relro "$deb" 2>&1 |
             grep -v 'running with root privileges' || true)"
[ -z "$hardening" ] || fail "lintian: $hardening"
echo "PASS"
