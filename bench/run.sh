#!/bin/bash
# make bench: measured figures, never pass/fail.  Writes build/bench/results.md.
#   1. wrk (2 threads, 64 connections, 10 s) against GET of one entity, a list of 50 entities, and a
#      static file of the same size as the list response served by the same server.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "bench: installing wrk"; apt-get install -y -qq wrk >/dev/null; }
B=build/bench
rm -rf "$B/web" "$B"/*.md; mkdir -p "$B/web"
BIN=build/ipcity
DB=$B/bench.db
rm -f "$DB" "$DB-wal" "$DB-shm"
command -v bc >/dev/null || apt-get install -y -qq bc >/dev/null
N=${BENCH_ENTITIES:-2000}
DUR=${BENCH_SECONDS:-10}

$BIN --db "$DB" init >/dev/null
{ echo "名称,主体类型,地址,所在区划"; for i in $(seq 1 "$N"); do echo "合成测试企业${i}号（synthetic）,企业,上海市徐汇区漕宝路${i}号,310104"; done; } > "$B/entities.csv"
$BIN --db "$DB" import --type entities "$B/entities.csv" >/dev/null
TOKEN=$($BIN --db "$DB" token create admin --label bench)

IPCITY_ACCESS_LOG=0 $BIN --db "$DB" serve --listen 127.0.0.1:0 --threads 2 --web "$B/web" > "$B/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q listening "$B/serve.log" && break; sleep 0.1; done
PORT=$(grep -o 'http://127.0.0.1:[0-9]*' "$B/serve.log" | head -1 | sed 's/.*://')
URL=http://127.0.0.1:$PORT
AUTH="Authorization: Bearer $TOKEN"
curl -s -H "$AUTH" "$URL/api/v1/entities?limit=50" > "$B/web/list50.json"
SIZE=$(stat -c %s "$B/web/list50.json")
cp "$B/web/list50.json" "$B/web/static.json"
ONE=$(curl -s -H "$AUTH" "$URL/api/v1/entities/1" | wc -c)

run() { # label path
  local out
  out=$(wrk -t2 -c64 -d"${DUR}s" --latency -H "$AUTH" "$URL$2")
  local rps p99 errs
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  errs=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
  printf '| %s | `%s` | %s | %s | %s |\n' "$1" "$2" "$rps" "$p99" "${errs:-none}"
}
{
  echo "# Benchmark results ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $N entities, SQLite)"
  echo
  echo "wrk -t2 -c64 -d${DUR}s; bearer token auth; server with 2 worker threads; access log off."
  echo
  echo "| what | path | requests/s | p99 | errors |"
  echo "|---|---|---|---|---|"
  run "GET one entity ($ONE bytes)" "/api/v1/entities/1"
  run "GET list of 50 ($SIZE bytes)" "/api/v1/entities?limit=50"
  run "static file, same size as the list ($SIZE bytes)" "/static.json"
} | tee "$B/results.md"
kill -TERM $PID; wait $PID || true
trap - EXIT

# 2. import of N generated patents (CSV template) and the raw sqlite3 .import
#    of the same file as the baseline; peak memory (streaming, not slurping);
#    3. search latency over the loaded database.
NP=${BENCH_PATENTS:-1000000}
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
G=$B/gen
t0=$(date +%s.%N)
$BIN gen --patents "$NP" --seed 42 --out "$G" >/dev/null
t1=$(date +%s.%N)
ROWS=$(($(wc -l < "$G/patents.csv") - 1))
SIZE_MB=$(du -m "$G/patents.csv" | cut -f1)
DB2=$B/registry.db
rm -f "$DB2"*
$BIN --db "$DB2" init >/dev/null
/usr/bin/time -f "%e %M" -o "$B/import.time" $BIN --db "$DB2" import "$G/patents.csv" > "$B/import.log" 2>&1
read -r IMP_S IMP_KB < "$B/import.time"
/usr/bin/time -f "%e %M" -o "$B/events.time" $BIN --db "$DB2" import "$G/events.csv" > "$B/events.log" 2>&1
read -r EV_S EV_KB < "$B/events.time"
NEV=$(($(wc -l < "$G/events.csv") - 1))
rm -f "$B/raw.db"
/usr/bin/time -f "%e %M" -o "$B/raw.time" sqlite3 "$B/raw.db" ".mode csv" ".import $G/patents.csv raw"
read -r RAW_S RAW_KB < "$B/raw.time"
$BIN --db "$DB2" import "$G/patents.csv" > "$B/reimport.log" 2>&1
REIMP=$(grep -o '[0-9.]* s,' "$B/reimport.log" | head -1)
{
  echo
  echo "## Import of $ROWS generated patents ($SIZE_MB MB CSV) into SQLite"
  echo
  echo "| what | seconds | rows/s | peak RSS |"
  echo "|---|---|---|---|"
  awk -v r="$ROWS" -v s="$(echo "$t1 - $t0" | bc)" 'BEGIN {printf "| ipcity gen (writing the files) | %.1f | %.0f | |\n", s, r / s}'
  awk -v r="$ROWS" -v s="$IMP_S" -v m="$IMP_KB" 'BEGIN {printf "| ipcity import patents.csv (validation, parties, IPC index, regions, full-text index, one transaction) | %.1f | %.0f | %.0f MB |\n", s, r / s, m / 1024}'
  awk -v r="$NEV" -v s="$EV_S" -v m="$EV_KB" 'BEGIN {printf "| ipcity import events.csv (%d legal events) | %.1f | %.0f | %.0f MB |\n", r, s, r / s, m / 1024}'
  awk -v r="$ROWS" -v s="$RAW_S" -v m="$RAW_KB" 'BEGIN {printf "| baseline: sqlite3 .import of the same CSV into one plain table | %.1f | %.0f | %.0f MB |\n", s, r / s, m / 1024}'
  echo "| re-import of the same file (all rows unchanged) | ${REIMP%,} | | |"
  echo
  echo "## Search over $ROWS patents (first 20 results, ranked, with snippets)"
  echo
  build/bench/search_bench "$DB2" "${BENCH_ROUNDS:-5}"
} | tee -a "$B/results.md"

# 4. indicators: generate BENCH_INDICATOR_PATENTS patents (default 5,000,000) with an annual-fee
#    event per maintained year (about four legal events per patent), import them without indexing,
#    then time the index step, every indicator of a district on one day (from the index, and the
#    plain SQL and direct computations as baselines), and the monthly series of every indicator for
#    every district over ten years.  5M patents take a long time to generate and import (tens of
#    minutes); BENCH_INDICATOR_PATENTS=500000 gives a quick run.
NI=${BENCH_INDICATOR_PATENTS:-5000000}
make --no-print-directory build/bench/indicators_bench >/dev/null
GI=$B/gen-ind
DB3=$B/indicators.db
rm -rf "$GI"; rm -f "$DB3" "$DB3-wal" "$DB3-shm"
$BIN gen --patents "$NI" --seed 7 --out "$GI" --fee-events >/dev/null
$BIN --db "$DB3" init >/dev/null
/usr/bin/time -f "%e" -o "$B/ind-import.time" $BIN --db "$DB3" import --no-index "$GI/patents.csv" "$GI/events.csv" "$GI/trademarks.csv" > "$B/ind-import.log" 2>&1
/usr/bin/time -f "%e %M" -o "$B/ind-index.time" $BIN --db "$DB3" index > "$B/ind-index.log" 2>&1
read -r IDX_S IDX_KB < "$B/ind-index.time"
{
  echo
  echo "## Indicator engine ($NI generated patents with annual-fee events; import $(cat "$B/ind-import.time") s)"
  echo
  echo "\`ipcity index\`: ${IDX_S} s, peak RSS $((IDX_KB / 1024)) MB. $(grep -o 'indicator index rebuilt:.*' "$B/ind-index.log")"
  build/bench/indicators_bench "$DB3" 2024-12-31 "${BENCH_ROUNDS:-20}" --no-build
} | tee -a "$B/results.md"

# 5. PostgreSQL: the patents and events generated for section 2 imported with `ipcity import` into a
#    fresh PostgreSQL database (new rows go in with COPY), against a plain psql \copy of patents.csv into
#    one table of text columns as the baseline; the search benchmark over that database; then the
#    indicator data of section 4 (BENCH_PG_INDICATOR_PATENTS, default the same count) imported, indexed
#    and benchmarked on PostgreSQL.  The server: BENCH_PG_URL (a URL whose role may create databases,
#    e.g. postgresql://ipcity@127.0.0.1:5432/postgres), else the private test cluster of scripts/pg.sh
#    (started and stopped again here when it was not running and PostgreSQL is installed).  Without a
#    server, or with BENCH_PG=0, the section is skipped with a note.  Its databases (ipcity_bench,
#    ipcity_bench_ind) are dropped at the end unless BENCH_PG_KEEP=1.
PG_BASE="" PG_STARTED=0 PG_SKIP=""
if [ "${BENCH_PG:-1}" = 0 ]; then
  PG_SKIP="BENCH_PG=0"
elif [ -n "${BENCH_PG_URL:-}" ]; then
  PG_BASE=$BENCH_PG_URL
elif scripts/pg.sh status >/dev/null 2>&1; then
  PG_BASE=$(scripts/pg.sh url)
elif ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v psql >/dev/null; then
  if scripts/pg.sh start >"$B/pg-start.log" 2>&1; then
    PG_BASE=$(scripts/pg.sh url) PG_STARTED=1
  else
    PG_SKIP="the test cluster did not start (build/bench/pg-start.log)"
  fi
else
  PG_SKIP="no server: set BENCH_PG_URL, or install postgresql for scripts/pg.sh"
fi
if [ -n "$PG_BASE" ] && ! psql -X -q -At -d "$PG_BASE" -c 'SELECT 1' >/dev/null 2>"$B/pg-connect.log"; then
  PG_SKIP="cannot connect to $PG_BASE (build/bench/pg-connect.log)" PG_BASE=""
fi
if [ -z "$PG_BASE" ]; then
  { echo; echo "## PostgreSQL: skipped ($PG_SKIP)"; } | tee -a "$B/results.md"
else
  # pg_db NAME: the URL of database NAME on the same server (PG_BASE with its path replaced)
  pg_db() { printf '%s' "$PG_BASE" | sed -E "s#^(postgres(ql)?://[^/?]*)(/[^?]*)?#\\1/$1#"; }
  pg_drop() { psql -X -q -d "$PG_BASE" -c "DROP DATABASE IF EXISTS $1" >/dev/null 2>&1 || true; }
  pg_cleanup() {
    if [ "${BENCH_PG_KEEP:-0}" != 1 ]; then pg_drop ipcity_bench; pg_drop ipcity_bench_ind; fi
    if [ "$PG_STARTED" = 1 ]; then scripts/pg.sh stop >/dev/null 2>&1 || true; fi
  }
  trap pg_cleanup EXIT
  export PGCLIENTENCODING=UTF8
  PGV=$(psql -X -At -d "$PG_BASE" -c 'SHOW server_version' | cut -d' ' -f1)
  PDB=$(pg_db ipcity_bench)
  pg_drop ipcity_bench
  $BIN --db "$PDB" init >/dev/null 2>"$B/pg-init.log"
  /usr/bin/time -f "%e %M" -o "$B/pg-import.time" $BIN --db "$PDB" import "$G/patents.csv" > "$B/pg-import.log" 2>&1
  read -r PIMP_S PIMP_KB < "$B/pg-import.time"
  /usr/bin/time -f "%e %M" -o "$B/pg-events.time" $BIN --db "$PDB" import "$G/events.csv" > "$B/pg-events.log" 2>&1
  read -r PEV_S PEV_KB < "$B/pg-events.time"
  $BIN --db "$PDB" import "$G/patents.csv" > "$B/pg-reimport.log" 2>&1
  PREIMP=$(grep -o '[0-9.]* s,' "$B/pg-reimport.log" | head -1)
  # the baseline: one table with a text column per CSV column, no keys, no indexes
  NCOL=$(head -1 "$G/patents.csv" | awk -F, '{print NF}')
  COLS=$(seq 1 "$NCOL" | sed 's/^/c/; s/$/ text/' | paste -sd, -)
  psql -X -q -d "$PDB" -c "DROP TABLE IF EXISTS raw" -c "CREATE TABLE raw ($COLS)" >/dev/null
  /usr/bin/time -f "%e %M" -o "$B/pg-raw.time" psql -X -q -v ON_ERROR_STOP=1 -d "$PDB" \
    -c "\\copy raw FROM '$G/patents.csv' CSV HEADER" > "$B/pg-raw.log" 2>&1
  read -r PRAW_S PRAW_KB < "$B/pg-raw.time"
  PRAW_N=$(psql -X -At -d "$PDB" -c "SELECT count(*) FROM raw")
  psql -X -q -d "$PDB" -c "DROP TABLE raw" >/dev/null
  {
    echo
    echo "## Import of $ROWS generated patents ($SIZE_MB MB CSV) into PostgreSQL $PGV"
    echo
    echo "The same files as the SQLite import above; one client connection; new rows go in with COPY. Peak RSS is"
    echo "the client's (ipcity or psql), the server's memory is not counted."
    echo
    echo "| what | seconds | rows/s | peak RSS |"
    echo "|---|---|---|---|"
    awk -v r="$ROWS" -v s="$PIMP_S" -v m="$PIMP_KB" 'BEGIN {printf "| ipcity import patents.csv (validation, parties, IPC index, regions, full-text index, one transaction) | %.1f | %.0f | %.0f MB |\n", s, r / s, m / 1024}'
    awk -v r="$NEV" -v s="$PEV_S" -v m="$PEV_KB" 'BEGIN {printf "| ipcity import events.csv (%d legal events) | %.1f | %.0f | %.0f MB |\n", r, s, r / s, m / 1024}'
    awk -v r="$PRAW_N" -v s="$PRAW_S" -v m="$PRAW_KB" 'BEGIN {printf "| baseline: psql \\copy of the same CSV into one plain table of text columns (%d rows) | %.1f | %.0f | %.0f MB |\n", r, s, r / s, m / 1024}'
    echo "| re-import of the same file (all rows unchanged) | ${PREIMP%,} | | |"
    echo
    awk -v r="$ROWS" -v p="$PIMP_S" -v s="$IMP_S" -v c="$PRAW_S" 'BEGIN {printf "PostgreSQL imports at %.0f%% of the SQLite rate above (%.0f vs %.0f patents/s) and at %.1f%% of its own \\copy baseline.\n", 100 * s / p, r / p, r / s, 100 * c / p}'
    echo
    echo "## Search over $ROWS patents on PostgreSQL (first 20 results, ranked, with snippets)"
    echo
    build/bench/search_bench "$PDB" "${BENCH_ROUNDS:-5}"
  } | tee -a "$B/results.md"
  pg_drop ipcity_bench
  # the indicator data of section 4 (the same files when the count is the same)
  NPI=${BENCH_PG_INDICATOR_PATENTS:-$NI}
  GPI=$GI
  if [ "$NPI" != "$NI" ]; then
    GPI=$B/gen-ind-pg
    rm -rf "$GPI"
    $BIN gen --patents "$NPI" --seed 7 --out "$GPI" --fee-events >/dev/null
  fi
  PDB3=$(pg_db ipcity_bench_ind)
  pg_drop ipcity_bench_ind
  $BIN --db "$PDB3" init >/dev/null 2>>"$B/pg-init.log"
  /usr/bin/time -f "%e" -o "$B/pg-ind-import.time" $BIN --db "$PDB3" import --no-index "$GPI/patents.csv" "$GPI/events.csv" "$GPI/trademarks.csv" > "$B/pg-ind-import.log" 2>&1
  /usr/bin/time -f "%e %M" -o "$B/pg-ind-index.time" $BIN --db "$PDB3" index > "$B/pg-ind-index.log" 2>&1
  read -r PIDX_S PIDX_KB < "$B/pg-ind-index.time"
  {
    echo
    echo "## Indicator engine on PostgreSQL $PGV ($NPI generated patents with annual-fee events; import $(cat "$B/pg-ind-import.time") s)"
    echo
    echo "\`ipcity index\`: ${PIDX_S} s, peak RSS $((PIDX_KB / 1024)) MB. $(grep -o 'indicator index rebuilt:.*' "$B/pg-ind-index.log")"
    build/bench/indicators_bench "$PDB3" 2024-12-31 "${BENCH_ROUNDS:-20}" --no-build
  } | tee -a "$B/results.md"
  if [ "$GPI" != "$GI" ]; then rm -rf "$GPI"; fi
  trap - EXIT
  pg_cleanup
fi

# 6. load: wrk (-t2 -c64, BENCH_LOAD_SECONDS = 30 s each) against the main read endpoints and PATCH
#    with If-Match on the `make run` demo dataset; errors must be zero.  See bench/load.sh.
bench/load.sh
