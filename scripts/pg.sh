#!/bin/sh
# A private PostgreSQL cluster for the tests, under build/pg:
#   build/pg/data        the cluster (initdb -E UTF8 --locale=C.UTF-8 -A trust)
#   build/pg             its Unix socket directory
#   build/pg/server.log  the server's log
#   build/pg/port        the port it was started on
# It listens on 127.0.0.1:${IPCITY_PG_PORT:-55432} only, trusts every local
# connection, and has a role "ipcity" (LOGIN SUPERUSER: the tests create a
# database per test and extensions in it).
#
#   scripts/pg.sh start    initdb when needed, start (already running: ok),
#                          create the role ipcity when missing, drop the test
#                          databases a killed run left behind
#   scripts/pg.sh stop     stop it (fast mode: open sessions are ended)
#   scripts/pg.sh status   "running on port N" (exit 0) or "not running" (exit 3)
#   scripts/pg.sh url      postgresql://ipcity@127.0.0.1:PORT/postgres
#
# The server binaries are Debian's (postgresql package, newest of
# /usr/lib/postgresql/*/bin).  initdb and postgres refuse to run as root, so
# as root they run as the "postgres" system user (made by that package) via
# runuser, and build/pg belongs to that user; any other user runs them as
# itself.  Only this cluster is ever started or stopped (pg_ctl -D).
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
PGDIR=$ROOT/build/pg
DATA=$PGDIR/data
LOG=$PGDIR/server.log
PORT=${IPCITY_PG_PORT:-55432}
SUPERUSER=postgres

die() {
  echo "pg.sh: $*" >&2
  exit 1
}

# The port of a started cluster (recorded at start), else the configured one.
current_port() {
  if [ -s "$PGDIR/port" ]; then cat "$PGDIR/port"; else echo "$PORT"; fi
}

is_root() { [ "$(id -u)" = 0 ]; }

# locate_bin: sets BIN to the newest server's bin directory; false if none.
locate_bin() {
  BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$BIN" ] && [ -x "$BIN/initdb" ] && [ -x "$BIN/pg_ctl" ]
}

# find_bin: locate_bin, installing the packages first when root.
find_bin() {
  if ! locate_bin && is_root && [ -x scripts/deps.sh ]; then
    scripts/deps.sh >&2 || die "installing the PostgreSQL server packages failed"
  fi
  if ! locate_bin; then
    die "the PostgreSQL server is not installed (no /usr/lib/postgresql/*/bin/initdb).
  As root:  apt-get update && apt-get install -y postgresql postgresql-contrib
  (or run make test as root, which installs the missing packages)."
  fi
  command -v psql >/dev/null 2>&1 || die "psql is missing: apt-get install -y postgresql-client"
}

# as_server CMD ARGS...: runs a server binary as the user that owns the cluster.
as_server() {
  if is_root; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# running: true when this cluster's server is up (pg_ctl status).
running() {
  locate_bin || return 1
  as_server "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

psql_admin() {
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$(current_port)" -U "$SUPERUSER" -d postgres "$@"
}

cmd_start() {
  find_bin
  if is_root; then
    getent passwd postgres >/dev/null || die "no \"postgres\" system user (it comes with Debian's postgresql package)"
    # the postgres user must reach build/pg: every parent directory traversable
    d=$ROOT
    while [ "$d" != / ]; do
      [ "$(stat -c %A "$d" | cut -c10)" = x ] || [ "$(stat -c %A "$d" | cut -c10)" = t ] ||
        die "$d is not traversable by other users (chmod o+x $d), so the postgres user cannot reach build/pg"
      d=$(dirname "$d")
    done
  fi
  mkdir -p "$PGDIR"
  if is_root; then
    chown postgres: "$PGDIR"
  elif [ -e "$DATA" ] && [ ! -O "$DATA" ]; then
    die "$DATA belongs to $(stat -c %U "$DATA"); run as root, or remove build/pg"
  fi
  if running; then
    echo "pg.sh: already running on port $(current_port) ($DATA)"
    ensure_role
    return 0
  fi
  major=$(basename "$(dirname "$BIN")")
  if [ -f "$DATA/PG_VERSION" ] && [ "$(cat "$DATA/PG_VERSION")" != "$major" ]; then
    echo "pg.sh: $DATA is a PostgreSQL $(cat "$DATA/PG_VERSION") cluster; making a new one for $major"
    rm -rf "$DATA"
  fi
  if [ ! -f "$DATA/PG_VERSION" ]; then
    rm -rf "$DATA"
    mkdir -p "$DATA"
    chmod 700 "$DATA"
    if is_root; then chown postgres: "$DATA"; fi
    as_server "$BIN/initdb" -D "$DATA" -U "$SUPERUSER" -E UTF8 --locale=C.UTF-8 -A trust >"$PGDIR/initdb.log" 2>&1 ||
      { cat "$PGDIR/initdb.log" >&2; die "initdb failed (log: $PGDIR/initdb.log)"; }
    # settings for a throw-away test cluster; the port is given at start
    cat >>"$DATA/postgresql.conf" <<EOF

# ---- ipcity test cluster (scripts/pg.sh) ----
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PGDIR'
# the API suite runs two test files at a time, each with server pools
max_connections = 300
shared_buffers = 128MB
# throw-away data: no fsync, no full-page images, commits not waited for (a machine crash may corrupt the
# cluster: remove build/pg and start again); CREATE DATABASE per test and many small commits are much cheaper
fsync = off
synchronous_commit = off
full_page_writes = off
log_destination = 'stderr'
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
log_checkpoints = off
EOF
  fi
  rm -f "$PGDIR/port"
  touch "$LOG"
  if is_root; then chown postgres: "$LOG"; fi
  if ! as_server "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 -o "-p $PORT" start >/dev/null; then
    tail -20 "$LOG" >&2
    die "the server did not start (log: $LOG); is port $PORT in use? (IPCITY_PG_PORT picks another)"
  fi
  echo "$PORT" >"$PGDIR/port"
  ensure_role
  drop_leftovers
  echo "pg.sh: running on port $PORT ($DATA)"
}

# The tests' databases (ipct_* from tests/api/harness.mjs, ipcu_* from
# tests/unit/support_db.h) are dropped by the tests; those of a run that was
# killed are dropped here, when the server has just started and no test can
# be using them.
drop_leftovers() {
  psql_admin -tA -c "SELECT datname FROM pg_database WHERE datname ~ '^ipc[tu]_'" | while read -r db; do
    psql_admin -c "DROP DATABASE IF EXISTS \"$db\"" || true
  done
}

ensure_role() {
  exists=$(psql_admin -tA -c "SELECT 1 FROM pg_roles WHERE rolname = 'ipcity'") ||
    die "cannot connect to the cluster on port $(current_port) (log: $LOG)"
  [ "$exists" = 1 ] || psql_admin -c "CREATE ROLE ipcity LOGIN SUPERUSER"
}

cmd_stop() {
  if ! running; then
    echo "pg.sh: not running"
    return 0
  fi
  as_server "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null || die "pg_ctl stop failed (log: $LOG)"
  rm -f "$PGDIR/port"
  echo "pg.sh: stopped"
}

cmd_status() {
  if running; then
    echo "pg.sh: running on port $(current_port) ($DATA)"
  else
    echo "pg.sh: not running"
    return 3
  fi
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  url) echo "postgresql://ipcity@127.0.0.1:$(current_port)/postgres" ;;
  *)
    echo "usage: scripts/pg.sh start|stop|status|url" >&2
    exit 2
    ;;
esac
