#!/usr/bin/env bash
# bench/peers.sh: moderated beside the self-hosted filters it is measured
# against, in one run, with the same load generator and the same texts:
#
#   moderated         POST /v1/comments, durable (answered after the commit)
#   moderated spamc   the same daemon's spamc listener, CHECK (not stored)
#   rspamd            Rspamd 3.4 from Debian, POST /checkv2, local-only config
#   rspamd + bayes    the same with its Bayes classifier on a private Redis,
#                     trained on 200 spam and 200 ham texts first
#   spamd             SpamAssassin's spamd, CHECK, local tests only (-L)
#
# Every peer runs on loopback with no DNS and no network module (Rspamd:
# RBLs, SPF/DKIM/DMARC, fuzzy, phishing feeds, ASN and the like switched off;
# spamd: -L), two workers each (the machine's two cores; spamd two
# children), and loadgen (bench/loadgen.cc, --protocol) sends each of them
# the same comments as a small mail: author in From, text as a UTF-8 body.
# The texts are the test splits of ../shared/data (en, ru, ar; ham and
# spam; 700 of each language), or loadgen's built-in comments when that directory
# is absent.
#
# Usage: bench/peers.sh
# Environment:
#   BUILD_DIR     build directory (default ./build-bench)
#   SKIP_BUILD=1  use the binaries already in BUILD_DIR
#   DURATION      measured seconds per peer (default 10; 2 s warm-up before)
#   CONNECTIONS   connections per peer (default 32)
#   DATA_DIR      labelled corpora (default ../shared/data)
#   KEEP=1        keep the work directory (logs, configs; its path is printed)
#
# Installs rspamd, spamassassin, spamd, spamc and redis-server from Debian when they
# are missing (as root, or through sudo) and starts none of their system
# services: each peer runs from a private directory and is stopped at the end.
# Prints one table: texts/s, p50/p99 latency, memory (PSS) of all the peer's
# processes after the load, and moderated's durable rate over the peer's.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-./build-bench}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
DATA_DIR=${DATA_DIR:-../shared/data}

need=()
for pkg in rspamd spamassassin spamd spamc redis-server jq; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [[ ${#need[@]} -gt 0 ]]; then
  echo "peers: installing ${need[*]}" >&2
  SUDO=()
  [[ $(id -u) -eq 0 ]] || SUDO=(sudo)
  # policy-rc.d: the packages' own services are not started.
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 \
    apt-get install -y --no-install-recommends "${need[@]}" >&2
fi

if [[ -z ${SKIP_BUILD:-} ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD_DIR" --target moderated loadgen >&2
fi
MODERATED=$(realpath "$BUILD_DIR/daemon/moderated")
LOADGEN=$(realpath "$BUILD_DIR/bench/loadgen")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/moderated-peers-XXXXXX")
PIDS=()
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [[ -n ${KEEP:-} ]]; then echo "peers: work directory kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# free_port VAR: a loopback port nothing listens on and not handed out
# before, into VAR (no command substitution: a subshell would repeat $RANDOM).
USED_PORTS=" "
read -r EPHEMERAL_LOW _ </proc/sys/net/ipv4/ip_local_port_range
free_port() {
  local p
  while :; do
    # Below the ephemeral range, which clients' sockets (and their
    # TIME_WAIT) take from.
    p=$((10000 + RANDOM % (EPHEMERAL_LOW - 10000)))
    [[ $USED_PORTS == *" $p "* ]] && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
    USED_PORTS+="$p "
    printf -v "$1" '%s' "$p"
    return
  done
}

wait_port() {  # port, name, pid
  for _ in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    if ! kill -0 "$3" 2>/dev/null; then
      echo "peers: $2 exited during start-up; its logs are in $WORK" >&2
      KEEP=1
      exit 1
    fi
    sleep 0.1
  done
  echo "peers: $2 did not listen on $1 within 60 s" >&2
  KEEP=1
  exit 1
}

# Memory of a process and its children (Rspamd's and spamd's workers) right
# after the load, in MB: the sum of their proportional set sizes (PSS), so
# that pages the workers share with their parent count once.
pss_mb() {
  local total=0 pid kb
  for pid in $1 $(pgrep -P "$1" 2>/dev/null); do
    kb=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || true)
    total=$((total + ${kb:-0}))
  done
  echo $((total / 1024))
}

# ---- The texts ----------------------------------------------------------------
TEXTS=()
if [[ -d $DATA_DIR ]]; then
  "$MODERATED" train --data-dir "$DATA_DIR" --export-dataset "$WORK/dataset.jsonl" >/dev/null 2>&1
  for lang in en ru ar; do
    jq -r --arg l "$lang" 'select(.split == "test" and .language == $l)
                           | [.label, (.text | gsub("[\r\n\t]+"; " "))] | @tsv' \
      "$WORK/dataset.jsonl" | shuf -n 700 --random-source=<(yes) >>"$WORK/labelled.tsv"
  done
  cut -f2- "$WORK/labelled.tsv" >"$WORK/texts.txt"
  TEXTS=(--texts "$WORK/texts.txt")
  SOURCE="$(wc -l <"$WORK/texts.txt") test-split texts of $DATA_DIR (en, ru, ar)"
else
  SOURCE="loadgen's built-in comments ($DATA_DIR is absent)"
fi

ROWS=()
# run NAME PID PORT PROTOCOL [loadgen args...]: measures one peer, adds a row.
run() {
  local name=$1 pid=$2 port=$3 protocol=$4
  shift 4
  local out=$WORK/$name.json
  "$LOADGEN" --target "127.0.0.1:$port" --protocol "$protocol" --connections "$CONNECTIONS" \
    --duration "$DURATION" "${TEXTS[@]}" --json "$@" >"$out" || true
  local rss
  rss=$(pss_mb "$pid")
  ROWS+=("$(jq -r --arg n "$name" --arg rss "$rss" \
    '[$n, (.comments_per_s | floor), .latency_ms.p50, .latency_ms.p99, $rss,
      .transport_errors + .non_2xx] | @tsv' "$out")")
  echo "peers: $name done" >&2
}

# ---- moderated ----------------------------------------------------------------
mkdir -p "$WORK/moderated"
TOKEN=$("$MODERATED" token create --data-dir "$WORK/moderated" --role site --site loadgen 2>/dev/null)
free_port SPAMC_PORT
"$MODERATED" serve --listen 127.0.0.1:0 --data-dir "$WORK/moderated" --socket '' \
  --spamc-listen "127.0.0.1:$SPAMC_PORT" >"$WORK/moderated.log" 2>&1 &
MOD_PID=$!
PIDS+=("$MOD_PID")
wait_port "$SPAMC_PORT" moderated "$MOD_PID"
MOD_PORT=$(sed -n 's/.*event=listening transport=tcp addr=127\.0\.0\.1:\([0-9]\+\).*/\1/p' \
  "$WORK/moderated.log" | head -n1)
run "moderated" "$MOD_PID" "$MOD_PORT" moderated --token "$TOKEN" --site loadgen
run "moderated spamc" "$MOD_PID" "$SPAMC_PORT" spamc
kill -TERM "$MOD_PID"
wait "$MOD_PID" || true

# ---- Rspamd -------------------------------------------------------------------
# The stock /etc/rspamd/rspamd.conf with this directory as LOCAL_CONFDIR:
# override.d moves the workers to free loopback ports, local.d switches
# every module off that would ask the network.
rspamd_conf() {  # dir, normal port, controller port, proxy port
  local d=$1
  mkdir -p "$d/etc/local.d" "$d/etc/override.d" "$d/db" "$d/run" "$d/log"
  printf 'bind_socket = "127.0.0.1:%s";\ncount = 2;\n' "$2" >"$d/etc/override.d/worker-normal.inc"
  printf 'bind_socket = "127.0.0.1:%s";\n' "$3" >"$d/etc/override.d/worker-controller.inc"
  printf 'bind_socket = "127.0.0.1:%s";\n' "$4" >"$d/etc/override.d/worker-proxy.inc"
  printf 'type = "file";\nlevel = "error";\n' >"$d/etc/override.d/logging.inc"
  # No resolver: every DNS question fails at once.
  printf 'dns { nameserver = ["127.0.0.1:1"]; timeout = 0.1s; retransmits = 0; }\n' \
    >"$d/etc/override.d/options.inc"
  for m in rbl spf dkim dmarc fuzzy_check asn phishing mx_check dcc arc dkim_signing neural \
    reputation url_redirector emails surbl multimap whitelist replies greylist ratelimit \
    history_redis metadata_exporter clickhouse elastic external_services antivirus p0f; do
    echo 'enabled = false;' >"$d/etc/local.d/$m.conf"
  done
}
start_rspamd() {  # dir → RSPAMD_PID
  (cd "$1" && exec rspamd -f -i -u "$(id -un)" -g "$(id -gn)" --var="LOCAL_CONFDIR=$1/etc" --var="DBDIR=$1/db" \
    --var="RUNDIR=$1/run" --var="LOGDIR=$1/log" -c /etc/rspamd/rspamd.conf) \
    >"$1/stdout.log" 2>&1 &
  RSPAMD_PID=$!
  PIDS+=("$RSPAMD_PID")
}

R=$WORK/rspamd
free_port RP
free_port RC
free_port RX
rspamd_conf "$R" "$RP" "$RC" "$RX"
start_rspamd "$R"
wait_port "$RP" rspamd "$RSPAMD_PID"
run "rspamd" "$RSPAMD_PID" "$RP" rspamd
kill -TERM "$RSPAMD_PID"
wait "$RSPAMD_PID" || true

B=$WORK/rspamd-bayes
free_port REDIS_PORT
mkdir -p "$B/redis"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$B/redis" >"$B-redis.log" 2>&1 &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
wait_port "$REDIS_PORT" redis-server "$REDIS_PID"
free_port BP
free_port BC
free_port BX
rspamd_conf "$B" "$BP" "$BC" "$BX"
printf 'servers = "127.0.0.1:%s";\n' "$REDIS_PORT" >"$B/etc/local.d/redis.conf"
printf 'backend = "redis";\nservers = "127.0.0.1:%s";\nmin_learns = 100;\nautolearn = false;\n' \
  "$REDIS_PORT" >"$B/etc/local.d/classifier-bayes.conf"
start_rspamd "$B"
wait_port "$BP" "rspamd + bayes" "$RSPAMD_PID"
wait_port "$BC" "rspamd + bayes (controller)" "$RSPAMD_PID"
# Train Bayes past min_learns through the controller (localhost needs no password).
if [[ -s $WORK/labelled.tsv ]]; then
  for label in spam ham; do
    # spam: spam and abuse; ham: ham (no `head` here: with pipefail its
    # early exit would stop the script).
    awk -F'\t' -v want="$label" '(($1 == "ham") == (want == "ham")) && n < 200 { n++; print $2 }' \
      "$WORK/labelled.tsv" | while IFS= read -r text; do
      printf 'From: trainer <t@example.org>\r\nSubject: comment\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n' "$text" |
        curl -s -o /dev/null --data-binary @- "http://127.0.0.1:$BC/learn$label" || true
    done
  done
fi
run "rspamd + bayes" "$RSPAMD_PID" "$BP" rspamd
kill -TERM "$RSPAMD_PID" "$REDIS_PID"
wait "$RSPAMD_PID" "$REDIS_PID" || true

# ---- SpamAssassin's spamd -----------------------------------------------------
free_port SP
AS_USER=()
[[ $(id -u) -ne 0 ]] || AS_USER=(--username=nobody)
# -L: local tests only (no DNS, no network checks); the rules Debian ships.
spamd -L --listen="127.0.0.1:$SP" --allowed-ips=127.0.0.1 --min-children=2 --max-children=2 \
  "${AS_USER[@]}" --pidfile="$WORK/spamd.pid" --syslog=stderr --nouser-config \
  >"$WORK/spamd.log" 2>&1 &
SPAMD_PID=$!
PIDS+=("$SPAMD_PID")
wait_port "$SP" spamd "$SPAMD_PID"
run "spamd" "$SPAMD_PID" "$SP" spamc

# ---- The table ----------------------------------------------------------------
MOD_RATE=$(cut -f2 <<<"${ROWS[0]}")
echo
echo "$(nproc) cores, $CONNECTIONS connections, ${DURATION} s per peer, $SOURCE"
echo
echo "| peer | texts/s | p50 ms | p99 ms | memory (PSS) MB | errors | moderated durable ÷ peer |"
echo "|---|---|---|---|---|---|---|"
for row in "${ROWS[@]}"; do
  IFS=$'\t' read -r name rate p50 p99 rss errors <<<"$row"
  ratio=$(awk -v a="$MOD_RATE" -v b="$rate" 'BEGIN { printf (b > 0 ? "%.1f×" : "—"), a / b }')
  printf '| %s | %s | %.2f | %.2f | %s | %s | %s |\n' "$name" "$rate" "$p50" "$p99" "$rss" \
    "$errors" "$ratio"
done
