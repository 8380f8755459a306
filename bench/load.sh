#!/bin/bash
# bench/load.sh - the load section of `make bench` (bench/run.sh calls it last; it also runs alone after
# `make`).  Appends to build/bench/results.md.
#
# The server runs on the demo dataset that `make run` creates (synthetic patents, events, trademarks,
# entities; BENCH_LOAD_PATENTS, default 20000), with its default settings (4 worker threads, access log
# on).  wrk (-t2 -c64, BENCH_LOAD_SECONDS each, default 30) against the main read endpoints and one write
# endpoint: PATCH of entities with If-Match, driven by bench/patch.lua so that every request is a real,
# successful write (each record is owned by one wrk thread and never in flight twice; its version comes
# from the previous answer).  Errors must be zero: the section fails otherwise.
# BENCH_LOAD_DB: the database to run on (default a SQLite file build/bench/load.db; a postgresql:// URL runs
# the same section on PostgreSQL: the database is dropped and created afresh).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "bench: installing wrk"; apt-get install -y -qq wrk >/dev/null; }
B=build/bench
mkdir -p "$B"
BIN=${IPCITY_BIN:-build/ipcity}
DB=${BENCH_LOAD_DB:-$B/load.db}
if [[ $DB == postgres* ]]; then
  DBNAME=${DB##*/}; DBNAME=${DBNAME%%\?*}
  KIND="PostgreSQL $(psql -X -At -d "${DB%/*}/postgres" -c 'SHOW server_version' | cut -d' ' -f1)"
  psql -X -q -d "${DB%/*}/postgres" -c "DROP DATABASE IF EXISTS \"$DBNAME\"" >/dev/null
  q() { psql -X -At -d "$DB" -c "$1"; }
  AGG="string_agg(id || ':' || version, ',')"
else
  KIND="SQLite (WAL, synchronous=FULL)"
  rm -f "$DB" "$DB-wal" "$DB-shm"
  q() { sqlite3 "$DB" "$1"; }
  AGG="group_concat(id || ':' || version, ',')"
fi
rm -rf "$B/demo"
NP=${BENCH_LOAD_PATENTS:-20000}
DUR=${BENCH_LOAD_SECONDS:-30}
CONN=64
THREADS=2
export IPCITY_CONFIG=/dev/null

IPCITY_DEMO_PATENTS=$NP $BIN --db "$DB" serve --init-demo --listen 127.0.0.1:0 > "$B/load-serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1200); do grep -q 'listening on' "$B/load-serve.log" && break; sleep 0.1; done
PORT=$(grep -o 'http://127.0.0.1:[0-9]*' "$B/load-serve.log" | head -1 | sed 's/.*://')
[ -n "$PORT" ] || { echo "bench: the server did not start"; cat "$B/load-serve.log"; exit 1; }
URL=http://127.0.0.1:$PORT
TOKEN=$($BIN --db "$DB" token create admin --label load-bench 2>/dev/null)
AUTH="Authorization: Bearer $TOKEN"

ENTITY=$(q "SELECT MIN(id) FROM entities WHERE deleted_at IS NULL")
PATENT=$(q "SELECT MIN(id) FROM patents WHERE deleted_at IS NULL")
NENT=$(q "SELECT COUNT(*) FROM entities WHERE deleted_at IS NULL")
# the PATCH records: 256 entities other than the one the GET reads, with their current versions
RECORDS=$(q "SELECT $AGG FROM
  (SELECT id, version FROM entities WHERE deleted_at IS NULL AND id <> $ENTITY ORDER BY id DESC LIMIT 256) r")
Q=$(printf '芯片' | od -An -tx1 | tr -d ' \n' | sed 's/../%&/g')
HITS=$(curl -s -H "$AUTH" "$URL/api/v1/search?q=$Q&count=true&limit=20" | grep -o '"total":[0-9]*' | head -1 | cut -d: -f2)
size() { curl -s -H "$AUTH" "$URL$1" | wc -c; }

ERRS=$B/load-errors
: > "$ERRS"
# run LABEL PATH [wrk args...]: one table row; errors = socket errors + non-2xx answers (+ for PATCH, any
# answer patch.lua did not count as a successful write); SHOW, when set, is the path shown
run() {
  local label=$1 path=$2
  shift 2
  local out rps p99 errs extra=""
  out=$(wrk -t$THREADS -c$CONN -d"${DUR}s" --latency -H "$AUTH" "$@" "$URL$path" 2>&1)
  echo "$out" > "$B/load-$(echo "$label" | tr -c 'a-zA-Z0-9' _).log"
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  errs=$(echo "$out" | awk '/Socket errors/ {gsub(",", ""); n += $4 + $6 + $8 + $10} /Non-2xx/ {n += $5} END {print n + 0}')
  if echo "$out" | grep -q '^patch.lua:'; then
    local s ok
    s=$(echo "$out" | grep '^patch.lua:')
    ok=$(echo "$s" | sed 's/.*ok=\([0-9]*\).*/\1/')
    extra=" (${s#patch.lua: }; $(awk -v n="$ok" -v d="$DUR" 'BEGIN {printf "%.0f", n / d}') successful writes/s)"
    echo "$s" | grep -q 'conflict=0 other=0 resync=0' || errs=$((errs + 1))
  fi
  echo "$label: $errs" >> "$ERRS"
  printf '| %s | `%s` | %s | %s | %s%s |\n' "$label" "${SHOW:-$path}" "${rps:-?}" "${p99:-?}" "$errs" "$extra"
}

{
  echo
  echo "## Load: wrk -t$THREADS -c$CONN -d${DUR}s per endpoint ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
  echo
  echo "Demo dataset as \`make run\` creates it: $NP synthetic patents, $NENT entities; $KIND;"
  echo "server defaults (4 worker threads = 4 database connections, access log on); bearer token auth."
  echo "PATCH: bench/patch.lua, 256 entities dealt out to the wrk threads, each PATCH with If-Match of the"
  echo "version from the previous answer and a new note (every request a real write: row, audit entry, commit)."
  echo
  echo "| what | path | requests/s | p99 | errors |"
  echo "|---|---|---|---|---|"
  run "GET one entity ($(size "/api/v1/entities/$ENTITY") bytes)" "/api/v1/entities/$ENTITY"
  run "GET list of 50 entities ($(size "/api/v1/entities?limit=50") bytes)" "/api/v1/entities?limit=50"
  run "search 芯片 (${HITS:-?} hits, first 20; $(size "/api/v1/search?q=$Q") bytes)" "/api/v1/search?q=$Q"
  run "GET one patent ($(size "/api/v1/patents/$PATENT") bytes)" "/api/v1/patents/$PATENT"
  run "GET OpenAPI description ($(size /api/v1/openapi.json) bytes)" "/api/v1/openapi.json"
  SHOW="PATCH /api/v1/entities/{id}" PATCH_RECORDS=$RECORDS WRK_THREADS=$THREADS TOKEN=$TOKEN \
    run "PATCH one entity with If-Match" "/api/v1/entities/" -s bench/patch.lua
} | tee -a "$B/results.md"
kill -TERM $PID
wait $PID || true
trap - EXIT
if grep -qv ': 0$' "$ERRS"; then
  echo "bench: load errors (see $B/load-*.log):"
  grep -v ': 0$' "$ERRS"
  exit 1
fi
