#!/usr/bin/env bash
# bench/backtest_bench.sh: fill a database with N synthetic stored comments
# (bench/fill_db.cc, default 1,000,000) and time `moderated rules backtest`
# over all of them with the embedded default ruleset plus one extra rule.
#
# Usage: bench/backtest_bench.sh [N]
# Environment:
#   BUILD_DIR     build directory (default ./build-bench)
#   DB_DIR        where the database goes (default /tmp/moderated-backtest-bench);
#                 an existing database with N rows is reused
#   THREADS       backtest worker threads (default 2)
#   SKIP_BUILD=1  use the binaries already in BUILD_DIR
set -euo pipefail

cd "$(dirname "$0")/.."
N=${1:-1000000}
BUILD_DIR=${BUILD_DIR:-./build-bench}
DB_DIR=${DB_DIR:-/tmp/moderated-backtest-bench}
THREADS=${THREADS:-2}

if [[ -z ${SKIP_BUILD:-} ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMODERATED_BUILD_BENCH=ON \
    >/dev/null
  cmake --build "$BUILD_DIR" --target moderated fill_db -- -j2
fi
MODERATED=$BUILD_DIR/daemon/moderated
mkdir -p "$DB_DIR"
DB=$DB_DIR/moderated.db
MARK=$DB_DIR/filled-$N
if [[ ! -e $MARK ]]; then
  rm -f "$DB" "$DB-wal" "$DB-shm" "$DB_DIR"/filled-*
  "$BUILD_DIR/bench/fill_db" "$DB" "$N"
  touch "$MARK"
fi

# The proposal: the default ruleset plus a rule that holds "bridge" comments.
RULES=$DB_DIR/proposal.yaml
cp rules/default.yaml "$RULES"
cat >>"$RULES" <<'EOF'
  - id: bench.bridge
    description: Comments about the bridge (benchmark rule)
    action: hold
    match: {field: content, words: [bridge, الجسر, моста]}
EOF

echo "backtest of $N comments, $THREADS threads:"
/usr/bin/time -f "wall %e s, user %U s, sys %S s, max RSS %M KiB" \
  "$MODERATED" rules backtest --rules "$RULES" --database "$DB" --limit "$N" \
  --threads "$THREADS" --examples 3
