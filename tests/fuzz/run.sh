#!/bin/bash
# Runs the libFuzzer targets built by `make fuzz-build` (build/fuzz/bin).
#
#   tests/fuzz/run.sh [-t SECONDS] [-f] [TARGET...]
#
#   -t SECONDS  fuzzing time per target (default 60)
#   -f          fresh: fuzz from the seeds only, in a temporary work corpus
#               (what `make test` does); without it new inputs accumulate in
#               build/fuzz/corpus/TARGET across runs
#   TARGET      e.g. fuzz_csv or csv; default: every built target
#
# For each target: first the saved regressions (tests/fuzz/regressions/
# TARGET-*) are replayed, then the target fuzzes for SECONDS from its seeds
# (tests/fuzz/corpus/TARGET, read-only) with its dictionary
# (tests/fuzz/TARGET.dict) when there is one.  One line per target:
#   fuzz_csv        412345 execs  10 s  ok
# with the executions from libFuzzer's -print_final_stats=1
# ("stat::number_of_executed_units").  A crash, leak, UB report, oracle
# failure or timeout makes the target FAILED: the reproducer is kept in
# build/fuzz/artifacts/TARGET/ and the log in build/fuzz/logs/TARGET.log.
# Exit status: 0 when every target passed.  FUZZ_SEED (default 1 with -f,
# else random) and FUZZ_ARGS (extra libFuzzer flags) are passed through.
set -u
cd "$(dirname "$0")/../.."
secs=60
fresh=0
while getopts "t:f" o; do
  case $o in
    t) secs=$OPTARG ;;
    f) fresh=1 ;;
    *) sed -n '2,25p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))

bindir=build/fuzz/bin
if [ $# -gt 0 ]; then
  targets=()
  for t in "$@"; do targets+=("fuzz_${t#fuzz_}"); done
else
  targets=()
  for b in "$bindir"/fuzz_*; do [ -x "$b" ] && targets+=("$(basename "$b")"); done
fi
if [ ${#targets[@]} -eq 0 ]; then
  echo "no fuzz targets in $bindir (run make fuzz-build)" >&2
  exit 2
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}

mkdir -p build/fuzz/logs build/fuzz/artifacts build/fuzz/tmp
failed=0
for t in "${targets[@]}"; do
  name=${t#fuzz_}
  bin=$bindir/$t
  log=build/fuzz/logs/$t.log
  art=build/fuzz/artifacts/$t
  if [ ! -x "$bin" ]; then
    printf '%-16s %s\n' "$t" "FAILED (not built: $bin)"
    failed=$((failed + 1))
    continue
  fi
  mkdir -p "$art"
  # the targets' temporary databases go here, and are removed even after a crash
  tmp=$(mktemp -d build/fuzz/tmp/$t.XXXXXX)
  tmp=$(cd "$tmp" && pwd)
  : >"$log"
  ok=1

  # 1. the saved regressions of this target
  regs=()
  for r in tests/fuzz/regressions/"$name"-*; do [ -f "$r" ] && regs+=("$r"); done
  if [ ${#regs[@]} -gt 0 ]; then
    echo "== replaying ${#regs[@]} regression input(s)" >>"$log"
    TMPDIR=$tmp "$bin" -runs=1 "${regs[@]}" >>"$log" 2>&1 || ok=0
  fi

  # 2. fuzzing
  if [ $fresh = 1 ]; then
    work=$tmp/corpus
    seed=${FUZZ_SEED:-1}
  else
    work=build/fuzz/corpus/$t
    seed=${FUZZ_SEED:-0}
  fi
  mkdir -p "$work"
  dict=()
  [ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
  seeds=()
  [ -d "tests/fuzz/corpus/$name" ] && seeds=("tests/fuzz/corpus/$name")
  start=$(date +%s)
  if [ $ok = 1 ]; then
    echo "== fuzzing $secs s" >>"$log"
    # shellcheck disable=SC2086
    TMPDIR=$tmp "$bin" -max_total_time="$secs" -timeout=25 -rss_limit_mb=3072 -print_final_stats=1 \
      -seed="$seed" -artifact_prefix="$art/" "${dict[@]}" ${FUZZ_ARGS:-} "$work" "${seeds[@]}" >>"$log" 2>&1 || ok=0
  fi
  took=$(($(date +%s) - start))
  rm -rf "$tmp"
  execs=$(grep -a 'stat::number_of_executed_units' "$log" | tail -1 | awk '{print $2}')
  execs=${execs:-0}
  if [ $ok = 1 ]; then
    printf '%-16s %10s execs %4d s  ok\n' "$t" "$execs" "$took"
  else
    failed=$((failed + 1))
    printf '%-16s %10s execs %4d s  FAILED (log %s)\n' "$t" "$execs" "$took" "$log"
    grep -a -E 'FUZZ ORACLE|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|SUMMARY|Test unit written|^    #[0-9] ' \
      "$log" | head -25 | sed 's/^/    /'
  fi
done
[ $failed = 0 ]
