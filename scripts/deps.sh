#!/bin/sh
# Installs the Debian packages ipcity needs to build, run and test, when they
# are missing.  Needs root for apt-get; otherwise prints the command to run.
set -e
PKGS="build-essential pkg-config clang libmicrohttpd-dev libjansson-dev libsqlite3-dev sqlite3
libsodium-dev libxml2-dev libzip-dev libxlsxwriter-dev libpq-dev libcairo2-dev libpango1.0-dev
fonts-noto-cjk libcmocka-dev nodejs npm curl"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "ipcity: installing missing Debian packages:$missing"
if [ "$(id -u)" != 0 ]; then
  echo "ipcity: not root - run as root:  apt-get update && apt-get install -y$missing" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
