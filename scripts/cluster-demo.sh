#!/usr/bin/env bash
# A vdna cluster on one machine, on loopback (issue 16): PostgreSQL (a throwaway cluster), an S3-compatible
# server (s3rver) holding the input clips and vdna's own files (jobs' results: the workers' data
# directories are their own, as on other machines), two API-only servers and three standalone workers,
# all on one VDNA_DATABASE_URL. bench/cluster-demo.ts then runs saves and searches through both APIs with callbacks,
# SIGKILLs the worker decoding the long save, and checks that every job ended exactly once and that the
# killed worker's job was retried. Everything started here is stopped and removed on exit.
#
#   bash scripts/cluster-demo.sh            (npm run demo:cluster; needs npm run build first)
#   VDNA_MEDIA=/path/to/media               (default ../shared/media; its video/ folder)
#   KEEP=1                                  keeps the logs (the path is printed)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MEDIA="${VDNA_MEDIA:-$ROOT/../shared/media}/video"
WORK="$(mktemp -d /tmp/vdna-cluster-XXXXXX)"
PIDS=()
PG_CTL=""

log() { printf '[cluster-demo] %s\n' "$*" >&2; }

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -n "$PG_CTL" ] && $PG_CTL -D "$WORK/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  if [ "${KEEP:-}" = 1 ]; then log "logs kept in $WORK"; else rm -rf "$WORK"; fi
  exit "$status"
}
trap cleanup EXIT INT TERM

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

# Waits until URL answers, with anything but a server error (up to 30 s).
wait_for() {
  local code
  for _ in $(seq 300); do
    code="$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)"
    [ "$code" != 000 ] && [ "${code:0:1}" != 5 ] && return 0
    sleep 0.1
  done
  log "no answer from $1"; return 1
}

[ -f "$ROOT/dist/bench/cluster-demo.js" ] || { log "build first: npm run build"; exit 1; }
bash "$ROOT/scripts/setup-postgres.sh" 2>/dev/null

# --- PostgreSQL: a throwaway cluster on loopback (as root, it runs as the postgres user)
PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -n "$PGBIN" ] || PGBIN="$(dirname "$(command -v initdb)")"
AS=()
if [ "$(id -u)" -eq 0 ]; then
  PGUSER_OS="$(id -u postgres >/dev/null 2>&1 && echo postgres || echo nobody)"
  AS=(runuser -u "$PGUSER_OS" --)
  chmod 711 "$WORK" # it may pass through to its own directory
  mkdir -p "$WORK/pg" && chown "$PGUSER_OS" "$WORK/pg"
else
  mkdir -p "$WORK/pg"
fi
PG_CTL="${AS[*]} $PGBIN/pg_ctl"
PGPORT="$(free_port)"
"${AS[@]}" "$PGBIN/initdb" -D "$WORK/pg/data" -U vdna --auth=trust --no-sync --no-instructions -E UTF8 --locale=C >/dev/null
$PG_CTL -D "$WORK/pg/data" -l "$WORK/pg/log" -w -t 60 -o "-p $PGPORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
"${AS[@]}" "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U vdna vdna
export VDNA_DATABASE_URL="postgres://vdna@127.0.0.1:$PGPORT/vdna"
log "PostgreSQL on $VDNA_DATABASE_URL"

# --- One setting shared by every process: the master key, an operator key, a short lease for the demo
export VDNA_MASTER_KEY="$(node -e "console.log(require('crypto').randomBytes(32).toString('hex'))")"
export VDNA_ADMIN_KEY="cluster-demo-$(node -e "console.log(require('crypto').randomBytes(16).toString('hex'))")"
export VDNA_LEASE_S=5
export VDNA_LOG_LEVEL=warn

# --- S3-compatible object store: the demo's inputs, and vdna's files (bucket vdna-files)
S3PORT="$(free_port)"
mkdir -p "$WORK/s3"
"$ROOT/node_modules/.bin/s3rver" -d "$WORK/s3" -a 127.0.0.1 -p "$S3PORT" --silent --configure-bucket vdna-files >"$WORK/s3.log" 2>&1 &
PIDS+=($!)
export VDNA_S3_ENDPOINT="http://127.0.0.1:$S3PORT" VDNA_S3_ACCESS_KEY_ID=S3RVER VDNA_S3_SECRET_ACCESS_KEY=S3RVER VDNA_S3_BUCKET=vdna-files
wait_for "$VDNA_S3_ENDPOINT/"
log "s3rver on $VDNA_S3_ENDPOINT"

# --- Two API-only servers (no workers of their own; one after the other: the first start makes the
# callback secret in their shared data directory) and three standalone workers
VDNA="node $ROOT/bin/vdna.js"
APIS=()
for i in 1 2; do
  port="$(free_port)"
  $VDNA --data "$WORK/api" serve --workers 0 --port "$port" --allow-private-urls >"$WORK/api$i.log" 2>&1 &
  PIDS+=($!)
  APIS+=("http://127.0.0.1:$port")
  wait_for "http://127.0.0.1:$port/healthz"
done
WORKERS=()
for i in 1 2 3; do
  $VDNA --data "$WORK/worker$i" worker >"$WORK/worker$i.log" 2>&1 &
  PIDS+=($!)
  WORKERS+=($!)
done
log "APIs ${APIS[*]}; workers ${WORKERS[*]}"

# --- The workload, through both APIs
api_args=()
for url in "${APIS[@]}"; do api_args+=(--api "$url"); done
status=0
NODE_NO_WARNINGS=1 node "$ROOT/dist/bench/cluster-demo.js" "${api_args[@]}" --workers "$(IFS=,; echo "${WORKERS[*]}")" --media "$MEDIA" || status=$?
if [ "$status" -ne 0 ]; then
  for f in "$WORK"/api*.log "$WORK"/worker*.log; do log "--- $(basename "$f")"; tail -n 20 "$f" >&2; done
fi
exit "$status"
