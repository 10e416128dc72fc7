#!/usr/bin/env bash
# Runs a disposable PostgreSQL server on loopback for shoutout's tests.
#
#   eval "$(scripts/test-postgres.sh start)"   # exports TEST_DATABASE_URL and SHOUTOUT_PG_DIR
#   scripts/test-postgres.sh stop               # stops it and removes its files
#
# Installs Debian's postgresql package when no server is installed. Works as
# root (the server runs as the postgres user) or as a normal user who owns
# the binaries. Set SHOUTOUT_PG_PORT to change the port (default 55439) and
# SHOUTOUT_PG_DURABLE=1 to keep fsync on (for benchmarks of the server).
set -euo pipefail

port=${SHOUTOUT_PG_PORT:-55439}

pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then
    su postgres -s /bin/sh -c "$*"
  else
    sh -c "$*"
  fi
}

start() {
  if [ -z "$(pg_bin)" ]; then
    echo "installing postgresql from Debian's packages..." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  fi
  local bin dir opts
  bin=$(pg_bin)
  dir=$(mktemp -d /tmp/shoutout-pg.XXXXXX)
  chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  as_pg "$bin/initdb -D $dir/data -U postgres -A trust --no-sync -E UTF8" >/dev/null
  opts="-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300"
  if [ "${SHOUTOUT_PG_DURABLE:-0}" != 1 ]; then
    # Tests create and drop many databases; durability is not what they test.
    opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  as_pg "$bin/pg_ctl -D $dir/data -l $dir/server.log -w -o '$opts' start" >/dev/null
  echo "export SHOUTOUT_PG_DIR='$dir'"
  echo "export TEST_DATABASE_URL='postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable'"
}

stop() {
  local dir=${SHOUTOUT_PG_DIR:-}
  if [ -z "$dir" ]; then
    echo "SHOUTOUT_PG_DIR is not set; nothing to stop" >&2
    return 0
  fi
  as_pg "$(pg_bin)/pg_ctl -D $dir/data -m fast stop" >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
