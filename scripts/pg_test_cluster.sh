#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite, from Debian's packages: unix socket only (no TCP), trust
# authentication, one database "assure_test". initdb refuses to run as root, so as root the cluster belongs to an
# unprivileged system user (assure-pg, created when missing).
#
#   scripts/pg_test_cluster.sh start   start it (idempotent) and print its SQLAlchemy URL
#   scripts/pg_test_cluster.sh url     print the URL of the running cluster
#   scripts/pg_test_cluster.sh stop    stop it and delete its files (idempotent)
#   scripts/pg_test_cluster.sh status  exit 0 when it is running
#
# Settings (environment): PG_TEST_DIR (default: a folder in $TMPDIR named after this checkout), PG_TEST_OS_USER
# (default assure-pg; used only as root), PG_TEST_PORT (default 5432; only names the socket), PG_BINDIR (default:
# the newest /usr/lib/postgresql/<version>/bin). Only the URL goes to stdout; progress goes to stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DB_NAME="assure_test"
DB_SUPERUSER="assure"
OS_USER="${PG_TEST_OS_USER:-assure-pg}"
PORT="${PG_TEST_PORT:-5432}"
BASE="${PG_TEST_DIR:-${TMPDIR:-/tmp}/assure-pg-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)}"
DATA="$BASE/data"
SOCKET="$BASE/socket"
LOG="$BASE/postgres.log"

say() { printf '[pg_test_cluster] %s\n' "$*" >&2; }
fail() { say "ERROR: $*"; exit 1; }

find_bindir() {
  if [[ -n "${PG_BINDIR:-}" ]]; then
    [[ -x "$PG_BINDIR/initdb" ]] || fail "PG_BINDIR=$PG_BINDIR has no initdb"
    printf '%s\n' "$PG_BINDIR"
    return
  fi
  local dir
  dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$dir" && -x "$dir/initdb" ]] \
    || fail "no PostgreSQL server under /usr/lib/postgresql/<version>/bin: apt-get install postgresql"
  printf '%s\n' "$dir"
}

is_root() { [[ "$(id -u)" == 0 ]]; }

# Run a command as the cluster's owner (the unprivileged user when we are root), from / so that the owner never
# needs access to the caller's working directory.
as_owner() {
  if is_root; then
    if command -v runuser >/dev/null; then
      (cd / && runuser -u "$OS_USER" -- "$@")
    else
      (cd / && su -s /bin/sh "$OS_USER" -c "$(printf '%q ' "$@")")
    fi
  else
    (cd / && "$@")
  fi
}

ensure_os_user() {
  is_root || return 0
  if ! id -u "$OS_USER" >/dev/null 2>&1; then
    say "creating system user $OS_USER (initdb refuses to run as root)"
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$OS_USER"
  fi
}

owner_name() { if is_root; then printf '%s\n' "$OS_USER"; else id -un; fi; }

# The base folder is ours alone: created 0700 for the owner, and refused if it is a link or someone else's.
ensure_base() {
  local owner
  owner="$(owner_name)"
  if [[ -L "$BASE" ]]; then
    fail "$BASE is a symbolic link; refusing to use it"
  fi
  if [[ ! -d "$BASE" ]]; then
    mkdir -m 700 "$BASE"
    if is_root; then chown "$OS_USER:" "$BASE"; fi
  fi
  [[ "$(stat -c %U "$BASE")" == "$owner" ]] || fail "$BASE belongs to $(stat -c %U "$BASE"), not $owner"
  as_owner mkdir -p -m 700 "$SOCKET"
}

url() {
  printf 'postgresql+psycopg://%s@/%s?host=%s' "$DB_SUPERUSER" "$DB_NAME" "$SOCKET"
  [[ "$PORT" == 5432 ]] || printf '&port=%s' "$PORT"
  printf '\n'
}

running() {
  local bin="$1"
  [[ -f "$DATA/PG_VERSION" ]] && as_owner "$bin/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

start() {
  local bin
  bin="$(find_bindir)"
  ensure_os_user
  ensure_base
  if [[ ! -f "$DATA/PG_VERSION" ]]; then
    say "initdb $DATA ($("$bin/postgres" --version))"
    as_owner "$bin/initdb" --pgdata="$DATA" --username="$DB_SUPERUSER" --auth=trust --encoding=UTF8 \
      --locale=C.UTF-8 --no-sync >/dev/null
  fi
  if running "$bin"; then
    say "already running on $SOCKET"
  else
    say "starting on the unix socket in $SOCKET (no TCP)"
    # A throwaway cluster: durability settings off for speed.
    if ! as_owner "$bin/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
        -o "-c listen_addresses='' -k $SOCKET -p $PORT -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null; then
      if [[ -f "$LOG" ]]; then tail -n 30 "$LOG" >&2; fi
      fail "PostgreSQL did not start"
    fi
  fi
  local exists
  exists="$(as_owner "$bin/psql" -h "$SOCKET" -p "$PORT" -U "$DB_SUPERUSER" -d postgres -XtAq \
    -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")"
  if [[ "$exists" != 1 ]]; then
    as_owner "$bin/createdb" -h "$SOCKET" -p "$PORT" -U "$DB_SUPERUSER" "$DB_NAME"
    say "created database $DB_NAME"
  fi
  url
}

stop() {
  if [[ ! -d "$BASE" ]]; then
    say "not running (no $BASE)"
    return 0
  fi
  if [[ -L "$BASE" ]]; then fail "$BASE is a symbolic link; refusing to touch it"; fi
  local bin
  bin="$(find_bindir)"
  if running "$bin"; then
    as_owner "$bin/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null
    say "stopped"
  fi
  rm -rf -- "$BASE"
  say "removed $BASE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url)
    running "$(find_bindir)" || fail "not running: scripts/pg_test_cluster.sh start"
    url
    ;;
  status) running "$(find_bindir)" ;;
  *)
    printf 'usage: %s start|stop|url|status\n' "$0" >&2
    exit 2
    ;;
esac
