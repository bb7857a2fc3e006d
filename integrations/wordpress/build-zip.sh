#!/usr/bin/env bash
# Builds the WordPress plugin zip that wp-admin's "Add New → Upload Plugin"
# installs: moderated/ with its PHP, assets, the .po sources and the .mo files
# compiled here from them with msgfmt (the .mo files are not in git).
#
#   integrations/wordpress/build-zip.sh OUT.zip
#
# CMake runs it for the target `wordpress_plugin` (build/integrations/wordpress/moderated.zip).
# Needs msgfmt (gettext) and zip; scripts/setup.sh installs both.
set -euo pipefail

out="${1:?usage: build-zip.sh OUT.zip}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/moderated"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/moderated"
# Only the files the plugin ships (no editor or OS leftovers).
(cd "$src" && find . -type f \( -name '*.php' -o -name '*.js' -o -name '*.css' -o -name '*.po' \
  -o -name '*.pot' -o -name 'readme.txt' \) -exec cp --parents {} "$stage/moderated/" \;)
for po in "$src"/languages/*.po; do
  mo="$stage/moderated/languages/$(basename "${po%.po}").mo"
  # --check: format strings (php-format) and headers must be right.
  msgfmt --check -o "$mo" "$po"
done

mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
rm -f "$out"
# Fixed times and order: the same sources give the same zip.
find "$stage/moderated" -exec touch -h -d '2026-01-01 00:00:00 UTC' {} +
(cd "$stage" && find moderated -print | LC_ALL=C sort | zip -q -X "$out" -@)
echo "wordpress plugin: $out"
