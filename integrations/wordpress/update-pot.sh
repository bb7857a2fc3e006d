#!/usr/bin/env bash
# Extracts the plugin's translatable strings into languages/moderated.pot and
# merges them into every languages/*.po (new strings arrive untranslated and
# fuzzy matches are marked fuzzy: translate them, then run this again).
#
#   integrations/wordpress/update-pot.sh          update the files
#   integrations/wordpress/update-pot.sh --check  fail if the .pot is stale or a
#                                                 .po misses a translation (ctest)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
plugin="$here/moderated"
check=0
[ "${1:-}" = "--check" ] && check=1

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# WordPress's gettext functions, as xgettext keywords.
keywords=(
  --keyword=__ --keyword=_e --keyword=esc_html__ --keyword=esc_html_e
  --keyword=esc_attr__ --keyword=esc_attr_e
  --keyword=_x:1,2c --keyword=_ex:1,2c --keyword=esc_html_x:1,2c --keyword=esc_attr_x:1,2c
  --keyword=_n:1,2 --keyword=_nx:1,2,4c --keyword=_n_noop:1,2 --keyword=_nx_noop:1,2,3c
)
(cd "$plugin" && find . -name '*.php' | LC_ALL=C sort | sed 's|^\./||' > "$tmp/files")
(cd "$plugin" && xgettext --language=PHP --from-code=UTF-8 --add-comments=translators: \
  "${keywords[@]}" --package-name=moderated --package-version=0.1.0 \
  --msgid-bugs-address=- --add-location=file --sort-by-file --no-wrap \
  -f "$tmp/files" -o "$tmp/moderated.pot")
sed -i -e '1s/.*/# Translations of the moderated WordPress plugin./' \
  -e '2s/.*/# Copyright (C) the moderated authors/' -e '4d' "$tmp/moderated.pot"
# The header's creation date changes on every run; compare without it.
strip_date() { grep -v '^"POT-Creation-Date:' "$1"; }

if [ "$check" -eq 1 ]; then
  status=0
  if ! diff -u <(strip_date "$plugin/languages/moderated.pot") <(strip_date "$tmp/moderated.pot") > "$tmp/pot.diff"; then
    echo "languages/moderated.pot is out of date; run integrations/wordpress/update-pot.sh:" >&2
    head -40 "$tmp/pot.diff" >&2
    status=1
  fi
  for po in "$plugin"/languages/*.po; do
    name="$(basename "$po")"
    msgfmt --check -o /dev/null "$po" || status=1
    # Every string of the template translated, none fuzzy, none obsolete.
    if ! msgcmp "$po" "$tmp/moderated.pot" 2> "$tmp/cmp"; then
      echo "$name: strings missing:" >&2; cat "$tmp/cmp" >&2; status=1
    fi
    stats="$(LC_ALL=C msgfmt --statistics -o /dev/null "$po" 2>&1)"
    if echo "$stats" | grep -Eq 'fuzzy|untranslated'; then
      echo "$name: $stats" >&2; status=1
    fi
    if grep -q '^#~' "$po"; then
      echo "$name: has obsolete (#~) entries; remove them" >&2; status=1
    fi
    echo "$name: $stats"
  done
  exit $status
fi

if ! diff -q <(strip_date "$plugin/languages/moderated.pot" 2>/dev/null || true) <(strip_date "$tmp/moderated.pot") >/dev/null; then
  cp "$tmp/moderated.pot" "$plugin/languages/moderated.pot"
fi
for po in "$plugin"/languages/*.po; do
  msgmerge --quiet --update --backup=off --no-wrap --sort-by-file "$po" "$plugin/languages/moderated.pot"
  LC_ALL=C msgfmt --statistics -o /dev/null "$po"
done
