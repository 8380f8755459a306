#!/bin/sh
# Installs the Debian packages ipcity needs to build, run and test, when they
# are missing.  Needs root for apt-get; otherwise prints the command to run.
# chromium (/usr/bin/chromium) runs the console's browser tests
# (tests/browser, driven by playwright-core, which never downloads a browser).
# libclang-rt-14-dev: clang 14's runtimes (ASan, UBSan, libFuzzer), only
# recommended by clang-14, so not installed with --no-install-recommends.
# cppcheck, clang-tidy, clang-format, jq: the lint tests (tests/lint/run.sh).
# postgresql, postgresql-contrib: the private test cluster (scripts/pg.sh) the
# unit and API suites also run against; psql comes with them (postgresql-client).
# `deps.sh run` (make run) leaves them out: the server runs on SQLite and
# needs no PostgreSQL.
set -e
PKGS="build-essential pkg-config clang libclang-rt-14-dev libmicrohttpd-dev libjansson-dev libsqlite3-dev sqlite3
libsodium-dev libxml2-dev libzip-dev libxlsxwriter-dev libpq-dev libcairo2-dev libpango1.0-dev
fonts-noto-cjk libcmocka-dev curl wrk chromium cppcheck clang-tidy clang-format jq"
[ "${1:-}" = run ] || PKGS="$PKGS postgresql postgresql-contrib"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
# Node.js may come from Debian (nodejs + npm) or be preinstalled elsewhere
# (e.g. NodeSource's nodejs, which bundles npm and conflicts with Debian's npm).
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
[ -z "$missing" ] && exit 0
echo "ipcity: installing missing Debian packages:$missing"
if [ "$(id -u)" != 0 ]; then
  echo "ipcity: not root - run as root:  apt-get update && apt-get install -y$missing" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
