#!/bin/bash
# tests/lint/run.sh [cppcheck] [clang-tidy] [clang-format] - static analysis and formatting checks
# (all three when none is named).  tests/run.sh runs each as one test of `make test`.
#
#   cppcheck      cppcheck 2.10 over src/: warning, style, performance and portability checks;
#                 suppressions, each with its reason, in tests/lint/cppcheck.supp
#   clang-tidy    clang-tidy 14 over src/*/*.c with .clang-tidy (which says what is on and off, and
#                 why); the compile flags are the Makefile's (CFLAGS_ALL), written to
#                 build/lint/compile_commands.json.  Clean files are remembered in build/lint/tidy-ok
#                 by a hash of their preprocessed text and the configuration, so a re-run only
#                 analyses what changed (LINT_NO_CACHE=1 analyses everything).
#   clang-format  clang-format 14 --dry-run --Werror over src/ and tests/unit/ with .clang-format,
#                 except the files listed in tests/lint/format-exclude
#
# Exit status 0 when every selected tool is clean.  Findings go to stdout and to
# build/test-logs/lint-TOOL.log.  LINT_JOBS sets the parallelism (default: the number of CPUs).
set -u
cd "$(dirname "$0")/../.."
L=build/lint
LOGS=build/test-logs
mkdir -p "$L" "$LOGS"
JOBS=${LINT_JOBS:-$(nproc)}
CPPCHECK=${CPPCHECK:-cppcheck}
TIDY=${CLANG_TIDY:-$(command -v clang-tidy-14 || command -v clang-tidy)}
FORMAT=${CLANG_FORMAT:-$(command -v clang-format-14 || command -v clang-format)}

run_cppcheck() {
  # no system include paths (see cppcheck.supp); the libraries describe those APIs instead
  "$CPPCHECK" -q -j "$JOBS" --std=c11 -D_GNU_SOURCE -Isrc \
    --enable=warning,style,performance,portability \
    --library=posix,gnu,sqlite3,tests/lint/jansson.cfg \
    --suppressions-list=tests/lint/cppcheck.supp --inline-suppr \
    --cppcheck-build-dir="$L/cppcheck" --error-exitcode=1 \
    --template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
    src/
}

# compile_commands.json from the Makefile's own flags (-Werror and optimisation dropped: the
# findings are clang-tidy's to report); every file but err.c and buf.c gets tests/lint/analyzer.h first
compile_db() {
  local flags f inc first=1
  flags=$(make -s --no-print-directory -f Makefile -f <(printf 'lint-cflags:\n\t@echo $(CFLAGS_ALL)\n') lint-cflags |
    sed -e 's/-Werror//' -e 's/-O[0-3s]//' -e 's/ -g / /')
  {
    echo '['
    for f in src/*/*.c; do
      inc="-include tests/lint/analyzer.h"
      case $f in src/base/err.c | src/base/buf.c) inc="" ;; esac
      [ $first = 1 ] || echo ','
      first=0
      printf '{"directory":"%s","file":"%s","command":"clang %s %s -c %s"}' "$PWD" "$f" "$flags" "$inc" "$f"
    done
    echo ']'
  } > "$L/compile_commands.json"
}

# one file: prints its findings; exit 0 when clean (and remembers it)
tidy_one() {
  local f=$1 key out rc
  key=$( { jq -r --arg f "$f" '.[] | select(.file == $f) | .command' "$L/compile_commands.json" |
           sed -e 's/^clang //' -e 's/-include tests\/lint\/analyzer.h//' | xargs clang -E -w 2>/dev/null
         cat .clang-tidy tests/lint/analyzer.h; "$TIDY" --version; echo "$ANALYZER_ARGS"; } | sha256sum | cut -c1-32)
  if [ -z "${LINT_NO_CACHE:-}" ] && [ -e "$L/tidy-ok/$key" ]; then return 0; fi
  out=$("$TIDY" -p "$L" --quiet $ANALYZER_ARGS "$f" 2>&1)
  rc=$?
  out=$(echo "$out" | grep -v -E '^[0-9]+ (warnings?|errors?) (generated|and)|^Suppressed [0-9]+ warnings|^Use -header-filter|^Error while processing')
  if [ $rc = 0 ] && ! echo "$out" | grep -q -E '(warning|error): '; then
    touch "$L/tidy-ok/$key"
    return 0
  fi
  echo "$out"
  return 1
}

run_clang_tidy() {
  compile_db
  mkdir -p "$L/tidy-ok"
  # the analyzer's "shallow" mode (less inlining across calls, a smaller path budget): about 3 times
  # faster, which keeps the lint well under two minutes on two cores; LINT_DEEP=1 runs the full one
  ANALYZER_ARGS="--extra-arg=-Xclang --extra-arg=-analyzer-config --extra-arg=-Xclang --extra-arg=mode=shallow"
  [ -n "${LINT_DEEP:-}" ] && ANALYZER_ARGS=""
  export -f tidy_one
  export L TIDY ANALYZER_ARGS
  # the biggest files first, so that the parallel runs end together
  ls -S src/*/*.c | xargs -P "$JOBS" -I{} bash -c 'tidy_one {}'
}

run_clang_format() {
  local files f pat excluded
  files=()
  for f in src/*/*.c src/*/*.h tests/unit/*.c tests/unit/*.h; do
    excluded=0
    while read -r pat; do
      case $pat in '' | '#'*) continue ;; esac
      # shellcheck disable=SC2053
      [[ $f == $pat ]] && excluded=1
    done < tests/lint/format-exclude
    [ $excluded = 1 ] || files+=("$f")
  done
  "$FORMAT" --dry-run --Werror "${files[@]}"
}

tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(cppcheck clang-tidy clang-format)
status=0
for t in "${tools[@]}"; do
  case $t in
    cppcheck) fn=run_cppcheck ;;
    clang-tidy) fn=run_clang_tidy ;;
    clang-format) fn=run_clang_format ;;
    *) echo "lint: unknown tool $t (cppcheck, clang-tidy, clang-format)" >&2; exit 2 ;;
  esac
  log=$LOGS/lint-$t.log
  start=$(date +%s)
  $fn > "$log" 2>&1
  rc=$?
  if [ $rc = 0 ]; then
    echo "lint $t: clean ($(($(date +%s) - start)) s)" | tee -a "$log"
  else
    status=1
    grep -E '(warning|error|style|performance|portability): |^[^ ].*:[0-9]+:[0-9]+: ' "$log" | sort -u | head -100
    echo "lint $t: FINDINGS ($(($(date +%s) - start)) s, see $log)" | tee -a "$log"
  fi
done
exit $status
