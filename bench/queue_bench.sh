#!/usr/bin/env bash
# bench/queue_bench.sh: the review queue under a spam wave (issue 18). On a
# database of N stored comments of which P are pending, it measures over HTTP
# with a moderator token:
#   1. listings: the first page (limit=50) of each sort, limit=1, filtered first
#      pages (site, rule, language, label, q, email, ip, score) and cursor pages
#      from random points of the queue, REPEAT requests per kind;
#   1b. search over every comment (GET /v1/comments/search): the first page
#      of each of SEARCHES and pages from random cursors, REPEAT requests each;
#   2. a cursor walk: the oldest-first queue followed page by page through
#      next_cursor (every page up to WALK_PAGES; page 1, 1,000 and the last
#      ten are also printed on their own);
#   3. moderators under load: bench/loadgen submits RATE comments/s open loop
#      (unique comments, English/Arabic/Russian, ham and spam) while MODERATORS
#      moderators loop GET /v1/queue → POST /v1/comments/{id}/decision, for
#      LOAD_SECONDS; decision latency and submission throughput in one report.
# Every request kind prints count, p50, p99 and max in milliseconds (curl's
# time_total of each request, nearest-rank percentiles), and `uptime` is
# printed before each phase (the machine may be shared).
#
# Usage: bench/queue_bench.sh [sqlite|postgres] [N [P]]
#   default: sqlite 1000000 100000; LONG=1 makes the default 10000000 1000000.
# Environment:
#   BUILD_DIR       build directory with bench targets (default ./build; built with
#                   MODERATED_BUILD_BENCH=ON, which scripts/setup.sh enables)
#   DB_DIR          where the filled SQLite file is kept for later runs, as
#                   filled-N-P-r.db (default /tmp/moderated-queue-bench); each run
#                   works on a copy, since tokens and phase 3 change the data
#   FILLED          a filled SQLite file to copy instead (e.g. one that an older
#                   fill_db wrote without reasons rows: every rule filter then
#                   matches nothing)
#   REPEAT          requests per listing kind (default 200)
#   WALK_PAGES      at most this many pages in the cursor walk (default 0 = all)
#   FILTERS         the filtered listings, space-separated query parameters
#                   (default: site, rule, language, label, min_score, q, email, ip)
#   SEARCHES        the searches, space-separated query strings (default: none,
#                   q=casino, Arabic and Russian text, status=rejected,
#                   status=approved&q=casino, email, ip, thread, language=ru)
#   LOAD=0          skip phase 3
#   RATE            submitted comments per second in phase 3 (default 5000)
#   CONNECTIONS     loadgen connections for them (default 64)
#   MODERATORS      moderators in phase 3 (default 10)
#   LOAD_SECONDS    measured seconds of phase 3 (default 20, after 2 s warm-up)
#   DAEMON_ARGS     extra `moderated serve` arguments
#   SKIP_BUILD=1    use the binaries already in BUILD_DIR
# PostgreSQL: a private server (scripts/pg_test_server.sh, fsync on) is
# started, filled with bench/fill_db (through the Store API, like SQLite),
# vacuumed and analysed, and removed at the end: it is filled on every run.
#
# Cursors from random points: a cursor is base64url("<sort>:<score>:<id>")
# (daemon/api/cursor.h), made here from random pending rows, so a page can start
# anywhere in the queue without walking to it.
set -euo pipefail

cd "$(dirname "$0")/.."
backend=${1:-sqlite}
if [[ -n ${LONG:-} ]]; then
  N=${2:-10000000}
  P=${3:-1000000}
else
  N=${2:-1000000}
  P=${3:-$((N / 10))}
fi
case $backend in sqlite | postgres) ;; *)
  echo "usage: $0 [sqlite|postgres] [N [P]]" >&2
  exit 2
  ;;
esac
BUILD_DIR=${BUILD_DIR:-./build}
DB_DIR=${DB_DIR:-/tmp/moderated-queue-bench}
REPEAT=${REPEAT:-200}
WALK_PAGES=${WALK_PAGES:-0}
MODERATED=$BUILD_DIR/daemon/moderated
LOADGEN=$BUILD_DIR/bench/loadgen
FILL_DB=$BUILD_DIR/bench/fill_db

if [[ -z ${SKIP_BUILD:-} ]]; then
  cmake --build "$BUILD_DIR" --target moderated loadgen fill_db -- -j2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/moderated-queue-bench-XXXXXX")
DAEMON_PID=
cleanup() {
  if [[ -n $DAEMON_PID ]]; then
    kill -TERM "$DAEMON_PID" 2>/dev/null || true
    wait "$DAEMON_PID" 2>/dev/null || true
  fi
  if [[ $backend == postgres ]]; then
    bash scripts/pg_test_server.sh stop "$WORK/pg.state" || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== machine: $(nproc) cores; $(uptime)"
# --- fill -------------------------------------------------------------------
if [[ $backend == postgres ]]; then
  base=$(bash scripts/pg_test_server.sh start "$WORK/pg.state")
  psql -X -q "$base" -c "CREATE DATABASE bench"
  url=${base/\/postgres\?/\/bench?}
  sql() { psql -X -q -A -t -F ' ' "$url" -c "$1"; }
  echo "== filling PostgreSQL with $N comments, $P pending"
  "$FILL_DB" "$url" "$N" "$P"
  sql "VACUUM ANALYZE" >/dev/null
else
  mkdir -p "$DB_DIR"
  # "-r": bench/fill_db writes reasons rows (files without them predate it).
  pristine=${FILLED:-$DB_DIR/filled-$N-$P-r.db}
  if [[ -z ${FILLED:-} && ! -e $pristine.done ]]; then
    rm -f "$pristine" "$pristine-wal" "$pristine-shm"
    echo "== filling $pristine with $N comments, $P pending"
    "$FILL_DB" "$pristine" "$N" "$P"
    sqlite3 "$pristine" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
    touch "$pristine.done"
  fi
  cp "$pristine" "$WORK/moderated.db"
  url="sqlite://$WORK/moderated.db"
  sql() { sqlite3 -separator ' ' "$WORK/moderated.db" "$1"; }
fi
echo "stored $(sql 'SELECT count(*) FROM comments'), pending $(sql \
  "SELECT count(*) FROM comments WHERE status = 'pending'")"

# --- daemon -----------------------------------------------------------------
ADMIN=$("$MODERATED" token create --data-dir "$WORK" --database "$url" --role moderator \
  --name queue-bench 2>/dev/null)
SITE_TOKEN=$("$MODERATED" token create --data-dir "$WORK" --database "$url" --role site \
  --site loadgen --name loadgen 2>/dev/null)
# shellcheck disable=SC2086
"$MODERATED" serve --listen 127.0.0.1:0 --data-dir "$WORK" --socket '' --database "$url" \
  ${DAEMON_ARGS:-} >"$WORK/daemon.log" 2>&1 &
DAEMON_PID=$!
PORT=
for _ in $(seq 1 600); do
  PORT=$(sed -n 's/.*event=listening transport=tcp addr=127\.0\.0\.1:\([0-9]\+\).*/\1/p' \
    "$WORK/daemon.log" | head -n1)
  [[ -n $PORT ]] && break
  if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
    cat "$WORK/daemon.log" >&2
    DAEMON_PID=
    exit 1
  fi
  sleep 0.1
done
[[ -n $PORT ]] || { cat "$WORK/daemon.log" >&2; exit 1; }
BASE=http://127.0.0.1:$PORT

# Prints "count p50 p99 max" (ms) of the seconds on stdin.
stats() {
  sort -g | awk '{v[NR] = $1 * 1000} END {
    if (NR == 0) {print "0 - - -"; exit}
    r50 = int(NR * 0.50); if (r50 < NR * 0.50) r50++; if (r50 < 1) r50 = 1
    r99 = int(NR * 0.99); if (r99 < NR * 0.99) r99++; if (r99 < 1) r99 = 1
    printf "%d %.2f %.2f %.2f\n", NR, v[r50], v[r99], v[NR]}'
}
report() { printf '%-28s %s\n' "$1" "$(stats)"; }

# GETs each path on stdin over one keep-alive connection; prints the
# seconds of each 200 and, on stderr, how many answers were not 200.
get_all() {
  local cfg=$WORK/curl.cfg
  : >"$cfg"
  while read -r path; do
    printf 'url = "%s%s"\noutput = /dev/null\n' "$BASE" "$path" >>"$cfg"
  done
  curl -s -H "Authorization: Bearer $ADMIN" -w '%{http_code} %{time_total}\n' -K "$cfg" |
    awk '$1 != 200 {bad[$1]++; next} {print $2}
      END {for (c in bad) printf "  (%d answers HTTP %s, left out)\n", bad[c], c > "/dev/stderr"}'
}
repeat() { for _ in $(seq 1 "$REPEAT"); do echo "$1"; done; }
b64url() { printf '%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }

# --- 1. listings ------------------------------------------------------------
echo "== listings: $REPEAT requests per kind; $(uptime)"
printf '%-28s %s\n' "kind" "count p50_ms p99_ms max_ms"
for sort in oldest newest score_desc score_asc; do
  repeat "/v1/queue?limit=50&sort=$sort" | get_all | report "first page $sort"
done
repeat "/v1/queue?limit=1" | get_all | report "limit=1 (counts)"
# Random points of the queue, as the page after a random pending comment.
sql "SELECT score, id FROM comments WHERE status = 'pending' ORDER BY random() LIMIT $REPEAT" \
  >"$WORK/points"
for sort in oldest newest score_desc score_asc; do
  while read -r score id; do
    echo "/v1/queue?limit=50&sort=$sort&cursor=$(b64url "$sort:$score:$id")"
  done <"$WORK/points" | get_all | report "cursor page $sort"
done
for filter in ${FILTERS:-site=ar.news.example rule=spam.gambling rule=spam.rare \
  rule=spam.gambling\&sort=score_desc rule=spam.rare\&sort=score_desc rule=link.any \
  rule=no.such.rule language=ru label=spam \
  min_score=5 q=casino q=nothing-matches-this email=reader42%40mail.example ip=10.0.1.2}; do
  repeat "/v1/queue?limit=50&$filter" | get_all | report "filter $filter"
done

# --- 1b. search over every comment ------------------------------------------
echo "== search: $REPEAT requests per kind; $(uptime)"
# كازينو and заработок (text of bench/fill_db's spam), URL-encoded.
ar_casino=%D9%83%D8%A7%D8%B2%D9%8A%D9%86%D9%88
ru_money=%D0%B7%D0%B0%D1%80%D0%B0%D0%B1%D0%BE%D1%82%D0%BE%D0%BA
for search in ${SEARCHES:-"" q=casino q=$ar_casino q=$ru_money status=rejected \
  status=approved\&q=casino q=nothing-matches-this email=reader42%40mail.example ip=10.0.1.2 \
  thread=article-1000 language=ru}; do
  repeat "/v1/comments/search?limit=50${search:+&$search}" | get_all | report "search ${search:-(all)}"
done
sql "SELECT id FROM comments ORDER BY random() LIMIT $REPEAT" >"$WORK/search_points"
for search in "" q=casino; do
  while read -r id; do
    echo "/v1/comments/search?limit=50${search:+&$search}&cursor=$(b64url "search::$id")"
  done <"$WORK/search_points" | get_all | report "search cursor ${search:-(all)}"
done

# --- 2. cursor walk -----------------------------------------------------------
echo "== cursor walk, oldest first, limit=50; $(uptime)"
cursor=
page=0
: >"$WORK/walk"
while :; do
  page=$((page + 1))
  path="/v1/queue?limit=50${cursor:+&cursor=$cursor}"
  t=$(curl -s -H "Authorization: Bearer $ADMIN" -o "$WORK/page.json" -w '%{http_code} %{time_total}' \
    "$BASE$path")
  [[ ${t%% *} == 200 ]] || { echo "page $page: HTTP ${t%% *}" >&2; exit 1; }
  echo "$page ${t#* }" >>"$WORK/walk"
  cursor=$(jq -r '.next_cursor // empty' "$WORK/page.json")
  [[ -z $cursor ]] && break
  [[ $WALK_PAGES -gt 0 && $page -ge $WALK_PAGES ]] && break
done
awk '{print $2}' "$WORK/walk" | report "walk: all $page pages"
awk '$1 > 1 {print $2}' "$WORK/walk" | report "walk: cursor pages"
awk '$1 == 1 || $1 == 1000 {printf "walk: page %d %.2f ms\n", $1, $2 * 1000}' "$WORK/walk"
tail -n 10 "$WORK/walk" | awk '{print $2}' | report "walk: last 10 pages"

# --- 3. moderators under load -----------------------------------------------
if [[ ${LOAD:-1} != 0 ]]; then
  echo "== ${MODERATORS:-10} moderators while ${RATE:-5000} comments/s arrive, ${LOAD_SECONDS:-20} s; $(uptime)"
  pending_before=$(sql "SELECT count(*) FROM comments WHERE status = 'pending'")
  set +e
  "$LOADGEN" --target "127.0.0.1:$PORT" --token "$SITE_TOKEN" --site loadgen \
    --rate "${RATE:-5000}" --connections "${CONNECTIONS:-64}" --duration "${LOAD_SECONDS:-20}" \
    --moderators "${MODERATORS:-10}" --moderator-token "$ADMIN" --queue-limit 20
  rc=$?
  set -e
  echo "pending before $pending_before, after $(sql \
    "SELECT count(*) FROM comments WHERE status = 'pending'"); $(uptime)"
  if [[ $rc -ne 0 ]]; then
    echo "loadgen reported failures (exit $rc); daemon log tail:" >&2
    tail -n 5 "$WORK/daemon.log" >&2
  fi
fi
if [[ -r /proc/$DAEMON_PID/stat ]]; then
  read -r utime stime < <(awk '{print $14, $15}' "/proc/$DAEMON_PID/stat")
  echo "daemon cpu user $((utime * 1000 / $(getconf CLK_TCK))) ms, sys $((stime * 1000 / $(getconf CLK_TCK))) ms"
fi
