#!/bin/bash
# Runs every test suite and ends with the line "N passed, N failed".
#   suites: unit (cmocka, build/tests), api (node:test against build/ipcity),
#   and the same two against the AddressSanitizer+UBSan build (build/asan).
# IPCITY_SUITES selects a subset: "asan" runs only the sanitizer suites.
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

suites=${IPCITY_SUITES:-all}
if [ "$suites" = all ]; then
  run_unit build/tests unit
  run_api build/ipcity api
fi
run_unit build/asan/tests asan-unit
run_api build/asan/ipcity asan-api

if [ ${#failures[@]} -gt 0 ]; then
  echo "failed suites:"; printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
