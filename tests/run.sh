#!/bin/bash
# Runs every test suite and ends with the line "N passed, N failed".
#   suites: unit (cmocka, build/tests), api (node:test against build/ipcity),
#   browser (the web console in Debian's chromium driven by playwright-core,
#   tests/browser, against build/ipcity; screenshots in build/screenshots),
#   and unit and api against the AddressSanitizer+UBSan build (build/asan),
#   then a short run of every libFuzzer target (build/fuzz/bin, see
#   tests/fuzz/README.md): FUZZ_TEST_SECONDS (10) each from the seeds, one
#   test per target.
# IPCITY_SUITES selects a subset: "asan" runs only the sanitizer suites,
# "fuzz" only the fuzz targets, "lint" only the static analysis and format
# checks (tests/lint/run.sh: cppcheck, clang-tidy, clang-format; one test each).
set -u
cd "$(dirname "$0")/.."
passed=0
failed=0
failures=()
logdir=build/test-logs
mkdir -p "$logdir"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}

# run_unit DIR LABEL: every cmocka binary in DIR
run_unit() {
  local dir=$1 label=$2
  for t in "$dir"/test_*; do
    [ -x "$t" ] || continue
    local name log out p f
    name=$(basename "$t")
    log="$logdir/$label-$name.log"
    "$t" >"$log" 2>&1
    local rc=$?
    p=$(grep -oE '\[  PASSED  \] [0-9]+' "$log" | awk '{s+=$4} END {print s+0}')
    f=$(grep -oE '\[  FAILED  \] [0-9]+ test' "$log" | awk '{s+=$4} END {print s+0}')
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" != 0 ]; then failures+=("$label/$name (see $log)"); tail -30 "$log"; fi
    printf '%-10s %-28s %4d passed %4d failed\n' "$label" "$name" "$p" "$f"
  done
}

# run_api BIN LABEL: the node API suite against BIN
run_api() {
  local bin=$1 label=$2
  local log="$logdir/$label-api.log"
  [ -d tests/api ] || return 0
  IPCITY_BIN=$bin node --test --test-concurrency=2 --test-reporter=tap tests/api/ >"$log" 2>&1
  local rc=$?
  local p f
  p=$(grep -E '^# pass ' "$log" | awk '{print $3}' | tail -1)
  f=$(grep -E '^# fail ' "$log" | awk '{print $3}' | tail -1)
  p=${p:-0}; f=${f:-0}
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f))
  if [ "$f" != 0 ]; then
    failures+=("$label/api (see $log)")
    grep -B2 -A25 '^not ok' "$log" | head -150
  fi
  printf '%-10s %-28s %4d passed %4d failed\n' "$label" "api" "$p" "$f"
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
  local rc=$?
  local p f
  p=$(grep -E '^# pass ' "$log" | awk '{print $3}' | tail -1)
  f=$(grep -E '^# fail ' "$log" | awk '{print $3}' | tail -1)
  p=${p:-0}; f=${f:-0}
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f))
  if [ "$f" != 0 ]; then
    failures+=("$label (see $log; screenshots in build/screenshots)")
    grep -B2 -A25 '^\s*not ok' "$log" | head -150
  fi
  printf '%-10s %-28s %4d passed %4d failed\n' "$label" "browser" "$p" "$f"
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

suites=${IPCITY_SUITES:-all}
if [ "$suites" = all ] || [ "$suites" = lint ]; then
  run_lint
fi
if [ "$suites" = all ]; then
  run_unit build/tests unit
  run_api build/ipcity api
  run_browser build/ipcity browser
fi
if [ "$suites" = all ] || [ "$suites" = asan ]; then
  run_unit build/asan/tests asan-unit
  run_api build/asan/ipcity asan-api
fi
if [ "$suites" = all ] || [ "$suites" = fuzz ]; then
  run_fuzz
fi

if [ ${#failures[@]} -gt 0 ]; then
  echo "failed suites:"; printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
