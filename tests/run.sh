#!/bin/bash
# Runs every test suite and ends with the line "N passed, N failed".
#   suites: unit (cmocka, build/tests), api (node:test against build/ipcity),
#   both on SQLite; pg-unit and pg-api, the same on PostgreSQL (below; in a
#   full run they run beside the sanitizer suites);
#   browser (the web console in Debian's chromium driven by playwright-core,
#   tests/browser, against build/ipcity; screenshots in build/screenshots),
#   and unit and api against the AddressSanitizer+UBSan build (build/asan),
#   then a short run of every libFuzzer target (build/fuzz/bin, see
#   tests/fuzz/README.md): FUZZ_TEST_SECONDS (10) each from the seeds, one
#   test per target.
# PostgreSQL: pg-api is the whole API suite and pg-unit every unit test that
# uses a database (those including tests/unit/support_db.h, but for
# PG_UNIT_SQLITE_ONLY below), each test on a new database of the server
# IPCITY_TEST_PG names (a URL, e.g. postgresql://ipcity@127.0.0.1:55432/postgres,
# whose role may create databases); without IPCITY_TEST_PG, on the private
# cluster of scripts/pg.sh, started here if it is not running (and then
# stopped again at the end).  make test starts and stops it itself.
# IPCITY_SUITES selects a subset: "asan" runs only the sanitizer suites,
# "fuzz" only the fuzz targets, "lint" only the static analysis and format
# checks (tests/lint/run.sh: cppcheck, clang-tidy, clang-format; one test each),
# "pg" only pg-unit and pg-api.
set -u
cd "$(dirname "$0")/.."

# The PostgreSQL server for the pg suites, never for the others.
pg_given=${IPCITY_TEST_PG:-}
unset IPCITY_TEST_PG
# Unit tests that include support_db.h but test SQLite itself, so they run
# on SQLite only: test_backup (the SQLite online backup API and file
# replacement; PostgreSQL's pg_dump backups are covered by pg-api's
# backup.test.mjs and backup_formats.test.mjs).  (test_search does run in
# pg-unit: its FTS5 checks use their own SQLite file, and with
# IPCITY_TEST_PG it also checks PostgreSQL's tsvector matching.)
PG_UNIT_SQLITE_ONLY="test_backup"
passed=0
failed=0
failures=()
logdir=build/test-logs
mkdir -p "$logdir"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}

# run_unit DIR LABEL [PGURL NAME...]: every cmocka binary in DIR, or with
# PGURL the binaries NAME... on PostgreSQL (IPCITY_TEST_PG=PGURL)
run_unit() {
  local dir=$1 label=$2 pg=${3:-}
  local tests=() n
  if [ -n "$pg" ]; then
    shift 3
    for n in "$@"; do tests+=("$dir/$n"); done
  else
    tests=("$dir"/test_*)
  fi
  for t in "${tests[@]}"; do
    [ -x "$t" ] || continue
    local name log out p f
    name=$(basename "$t")
    log="$logdir/$label-$name.log"
    IPCITY_TEST_PG=$pg "$t" >"$log" 2>&1 # empty: SQLite
    local rc=$?
    p=$(grep -oE '\[  PASSED  \] [0-9]+' "$log" | awk '{s+=$4} END {print s+0}')
    f=$(grep -oE '\[  FAILED  \] [0-9]+ test' "$log" | awk '{s+=$4} END {print s+0}')
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" != 0 ]; then failures+=("$label/$name (see $log)"); tail -30 "$log"; fi
    printf '%-10s %-28s %4d passed %4d failed\n' "$label" "$name" "$p" "$f"
  done
}

# tally_tap LOG RC LABEL NAME FAILURE: counts a node:test TAP log (exit
# status RC) into passed/failed; a failure is listed as FAILURE, its tests shown
tally_tap() {
  local log=$1 rc=$2 label=$3 name=$4 failure=$5 p f
  p=$(grep -E '^# pass ' "$log" | awk '{print $3}' | tail -1)
  f=$(grep -E '^# fail ' "$log" | awk '{print $3}' | tail -1)
  p=${p:-0}; f=${f:-0}
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f))
  if [ "$f" != 0 ]; then
    failures+=("$failure")
    grep -B2 -A25 '^\s*not ok' "$log" | head -150
  fi
  printf '%-10s %-28s %4d passed %4d failed\n' "$label" "$name" "$p" "$f"
}

# run_api BIN LABEL [PGURL]: the node API suite against BIN, with PGURL on
# PostgreSQL (IPCITY_TEST_PG=PGURL; empty: SQLite)
run_api() {
  local bin=$1 label=$2 pg=${3:-}
  local log="$logdir/$label-api.log"
  [ -d tests/api ] || return 0
  IPCITY_TEST_PG=$pg IPCITY_BIN=$bin node --test --test-concurrency=2 --test-reporter=tap tests/api/ >"$log" 2>&1
  tally_tap "$log" $? "$label" api "$label/api (see $log)"
}

# run_fuzz: each libFuzzer target for FUZZ_TEST_SECONDS, fresh from its seeds
run_fuzz() {
  local b t line
  for b in build/fuzz/bin/fuzz_*; do
    [ -x "$b" ] || continue
    t=$(basename "$b")
    if line=$(tests/fuzz/run.sh -f -t "${FUZZ_TEST_SECONDS:-10}" "$t" 2>&1); then
      passed=$((passed + 1))
      printf '%-10s %-28s %4d passed %4d failed  (%s)\n' fuzz "$t" 1 0 "$(echo "$line" | awk 'NR==1 {print $2, $3}')"
    else
      failed=$((failed + 1))
      failures+=("fuzz/$t (see build/fuzz/logs/$t.log)")
      echo "$line"
      printf '%-10s %-28s %4d passed %4d failed\n' fuzz "$t" 0 1
    fi
  done
}

# run_browser BIN LABEL: the console's browser suite (tests/browser) against BIN
run_browser() {
  local bin=$1 label=$2
  local log="$logdir/$label.log"
  [ -d tests/browser ] || return 0
  IPCITY_BIN=$bin node --test --test-concurrency=1 --test-reporter=tap tests/browser/ >"$log" 2>&1
  tally_tap "$log" $? "$label" browser "$label (see $log; screenshots in build/screenshots)"
}

# run_lint: cppcheck, clang-tidy and clang-format (tests/lint/run.sh), one test each
run_lint() {
  local t out
  for t in cppcheck clang-tidy clang-format; do
    if out=$(tests/lint/run.sh "$t" 2>&1); then
      passed=$((passed + 1))
      printf '%-10s %-28s %4d passed %4d failed  (%s)\n' lint "$t" 1 0 "$(echo "$out" | tail -1 | sed 's/.*(\(.*\))/\1/')"
    else
      failed=$((failed + 1))
      failures+=("lint/$t (see $logdir/lint-$t.log)")
      echo "$out"
      printf '%-10s %-28s %4d passed %4d failed\n' lint "$t" 0 1
    fi
  done
}

# pg_url: the server for the pg suites (IPCITY_TEST_PG, or the private
# cluster, started when needed); false when there is none.
pg_url=""
pg_started=0
pg_ready() {
  [ -n "$pg_url" ] && return 0
  if [ -n "$pg_given" ]; then
    pg_url=$pg_given
    return 0
  fi
  if ! scripts/pg.sh status >/dev/null 2>&1; then
    if ! scripts/pg.sh start >"$logdir/pg-start.log" 2>&1; then
      cat "$logdir/pg-start.log"
      return 1
    fi
    pg_started=1
  fi
  pg_url=$(scripts/pg.sh url)
}
trap 'if [ "$pg_started" = 1 ]; then scripts/pg.sh stop >/dev/null; fi' EXIT

# run_pg: pg-unit and pg-api; without a server each counts as one failure.
run_pg() {
  local t names=()
  for t in tests/unit/test_*.c; do
    grep -q 'support_db\.h' "$t" || continue
    t=$(basename "$t" .c)
    case " $PG_UNIT_SQLITE_ONLY " in *" $t "*) continue ;; esac
    names+=("$t")
  done
  if ! pg_ready; then
    local label
    for label in pg-unit pg-api; do
      failed=$((failed + 1))
      failures+=("$label (no PostgreSQL: the test cluster did not start, see $logdir/pg-start.log)")
      printf '%-10s %-28s %4d passed %4d failed\n' "$label" "(no server)" 0 1
    done
    return
  fi
  run_unit build/tests pg-unit "$pg_url" "${names[@]}"
  run_api build/ipcity pg-api "$pg_url"
}

suites=${IPCITY_SUITES:-all}
if [ "$suites" = all ] || [ "$suites" = lint ]; then
  run_lint
fi
if [ "$suites" = all ]; then
  run_unit build/tests unit
  run_api build/ipcity api
fi
if [ "$suites" = pg ]; then
  run_pg
fi
if [ "$suites" = all ]; then
  run_browser build/ipcity browser
  # the PostgreSQL suites wait on the server more than they compute: they run
  # beside the sanitizer suites, their lines printed when both are done
  pg_ready >/dev/null 2>&1 || true
  pg_out=$logdir/pg-suites.out
  ( passed=0; failed=0; failures=()
    run_pg
    echo "$passed $failed" >"$pg_out.counts"
    printf '%s\n' "${failures[@]}" >"$pg_out.failures" ) >"$pg_out" 2>&1 &
  pg_pid=$!
fi
if [ "$suites" = all ] || [ "$suites" = asan ]; then
  run_unit build/asan/tests asan-unit
  run_api build/asan/ipcity asan-api
fi
if [ "$suites" = all ]; then
  wait "$pg_pid"
  cat "$pg_out"
  if read -r p f <"$pg_out.counts" 2>/dev/null; then
    passed=$((passed + p)); failed=$((failed + f))
    while IFS= read -r l; do [ -n "$l" ] && failures+=("$l"); done <"$pg_out.failures"
  else
    failed=$((failed + 1)); failures+=("pg suites (no result; see $pg_out)")
  fi
fi
if [ "$suites" = all ] || [ "$suites" = fuzz ]; then
  run_fuzz
fi

if [ ${#failures[@]} -gt 0 ]; then
  echo "failed suites:"; printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
