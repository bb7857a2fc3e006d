#!/usr/bin/env bash
# bench/cluster_bench.sh: durable comments/s of N daemons sharing one
# database, with bench/loadgen driving each daemon (same texts, same
# settings). PostgreSQL is a private server started by
# scripts/pg_test_server.sh (fsync on, default settings); SQLite is one file
# (one daemon only: a SQLite file belongs to one process).
#
# Usage: bench/cluster_bench.sh sqlite|postgres N [loadgen args...]
#   default loadgen args: --connections 16 --duration 10 (per daemon)
# Environment: BUILD_DIR (default ./build), DAEMON_ARGS (extra serve args),
#   CLIENT=ab to drive the daemons with Debian's ApacheBench instead of
#   bench/loadgen (one fixed comment without an id, so every request stores a
#   new row; CONNECTIONS and SECONDS per daemon, default 16 and 10).
#
# Prints one loadgen report per daemon, then a summary line:
#   backend=postgres daemons=2 comments_per_s=... p99_ms=... acknowledged=... stored=...
# and exits 1 if the database holds fewer comments than were acknowledged.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-./build}
backend=${1:?usage: $0 sqlite|postgres N [loadgen args]}
n=${2:?usage: $0 sqlite|postgres N [loadgen args]}
shift 2
if [[ $# -eq 0 ]]; then
  set -- --connections 16 --duration 10
fi
if [[ $backend == sqlite && $n -ne 1 ]]; then
  echo "SQLite serves one daemon per file" >&2
  exit 2
fi
MODERATED=$BUILD_DIR/daemon/moderated
LOADGEN=$BUILD_DIR/bench/loadgen
WORK=$(mktemp -d "${TMPDIR:-/tmp}/moderated-cluster-bench-XXXXXX")
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ $backend == postgres ]]; then
    bash scripts/pg_test_server.sh stop "$WORK/pg.state" || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if [[ $backend == postgres ]]; then
  base=$(bash scripts/pg_test_server.sh start "$WORK/pg.state")
  psql -X -q "$base" -c "CREATE DATABASE bench"
  url=${base/\/postgres\?/\/bench?}
  count() { psql -X -q -A -t "$url" -c "SELECT count(*) FROM comments"; }
else
  url="sqlite://$WORK/moderated.db"
  count() { sqlite3 "$WORK/moderated.db" "SELECT count(*) FROM comments"; }
fi
TOKEN=$("$MODERATED" token create --data-dir "$WORK" --database "$url" --role site \
  --site loadgen 2>/dev/null)

ports=()
for i in $(seq 1 "$n"); do
  mkdir -p "$WORK/d$i"
  # shellcheck disable=SC2086
  "$MODERATED" serve --listen 127.0.0.1:0 --data-dir "$WORK/d$i" --socket '' \
    --database "$url" ${DAEMON_ARGS:-} >"$WORK/d$i/daemon.log" 2>&1 &
  PIDS+=($!)
  port=
  for _ in $(seq 1 300); do
    port=$(sed -n 's/.*event=listening transport=tcp addr=127\.0\.0\.1:\([0-9]\+\).*/\1/p' \
      "$WORK/d$i/daemon.log" | head -n1)
    [[ -n $port ]] && break
    sleep 0.1
  done
  if [[ -z $port ]]; then
    echo "daemon $i did not start:" >&2
    cat "$WORK/d$i/daemon.log" >&2
    exit 1
  fi
  ports+=("$port")
done

lg=()
if [[ ${CLIENT:-loadgen} == ab ]]; then
  printf '%s' '{"site":"loadgen","content":"Great article, thanks! I disagree with the second point though: prices went up 12% last year.","author":{"name":"Reader","email":"reader@example.com","ip":"192.0.2.7"}}' \
    >"$WORK/body.json"
fi
for i in $(seq 1 "$n"); do
  if [[ ${CLIENT:-loadgen} == ab ]]; then
    ab -q -k -c "${CONNECTIONS:-16}" -t "${SECONDS_PER_RUN:-10}" -n 10000000 -p "$WORK/body.json" \
      -T application/json -H "Authorization: Bearer $TOKEN" \
      "http://127.0.0.1:${ports[$((i - 1))]}/v1/comments" >"$WORK/lg$i.out" 2>&1 &
  else
    "$LOADGEN" --target "127.0.0.1:${ports[$((i - 1))]}" --token "$TOKEN" --site loadgen "$@" \
      >"$WORK/lg$i.out" 2>&1 &
  fi
  lg+=($!)
done
rc=0
for pid in "${lg[@]}"; do wait "$pid" || rc=1; done
for i in $(seq 1 "$n"); do
  echo "--- daemon $i"
  cat "$WORK/lg$i.out"
  # The writer's side of the run (warm-up included): how many transactions,
  # how many comments each, how long each took to commit. Commit time far
  # below the request latency means the writer is not what clients wait for.
  curl -s "http://127.0.0.1:${ports[$((i - 1))]}/metrics" | awk -v d="$i" '
    /^moderated_writer_batch_size_sum/ {bs = $2}
    /^moderated_writer_batch_size_count/ {bc = $2}
    /^moderated_writer_commit_duration_seconds_sum/ {cs = $2}
    END {if (bc > 0) printf "writer daemon=%s transactions=%d comments_per_transaction=%.1f commit_ms=%.1f\n", d, bc, bs / bc, 1000 * cs / bc}'
done

for pid in "${PIDS[@]}"; do kill -TERM "$pid"; wait "$pid" || true; done
PIDS=()
stored=$(count)
if [[ ${CLIENT:-loadgen} == ab ]]; then
  # ab: "Requests per second: X", "99%  Y" (ms), "Complete requests: N",
  # "Non-2xx responses: M" (absent when 0).
  cps=$(cat "$WORK"/lg*.out | awk '/^Requests per second/ {s += $4} END {printf "%.0f", s}')
  p99=$(cat "$WORK"/lg*.out | awk '$1 == "99%" {if ($2 > m) m = $2} END {printf "%.2f", m}')
  # (ab's "Failed requests" counts bodies of another length: every verdict
  # has its own id, so that number means nothing here.)
  acked=$(cat "$WORK"/lg*.out | awk '/^Complete requests/ {s += $3} /^Non-2xx/ {s -= $3} \
    END {print s + 0}')
else
  cps=$(cat "$WORK"/lg*.out | awk '/^comments\/s/ {s += $2} END {printf "%.0f", s}')
  p99=$(cat "$WORK"/lg*.out | awk '/^latency ms/ {for (i = 1; i <= NF; i++) if ($i == "p99") \
    {v = $(i + 1); if (v > m) m = v}} END {printf "%.2f", m}')
  acked=$(cat "$WORK"/lg*.out | awk '/^stored/ {s += $2} END {print s + 0}')
fi
echo "backend=$backend daemons=$n comments_per_s=$cps p99_ms=$p99 acknowledged=$acked stored=$stored"
if [[ $stored -lt $acked ]]; then
  echo "LOST: $acked acknowledged, $stored stored" >&2
  exit 1
fi
exit "$rc"
