#!/usr/bin/env bash
# The WordPress plugin without WordPress: every PHP file parses with Debian's
# PHP, and the translations are complete (integrations/wordpress/update-pot.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
plugin="$root/integrations/wordpress/moderated"
status=0
while IFS= read -r -d '' f; do
  php -l "$f" > /dev/null || status=1
done < <(find "$plugin" -name '*.php' -print0)
# Every PHP file refuses to run outside WordPress.
for f in $(find "$plugin" -name '*.php'); do
  grep -Eq "defined\( '(ABSPATH|WP_UNINSTALL_PLUGIN)' \)" "$f" || { echo "$f: no ABSPATH guard" >&2; status=1; }
done
"$root/integrations/wordpress/update-pot.sh" --check || status=1
[ "$status" -eq 0 ] && echo "wordpress static checks: ok"
exit "$status"
