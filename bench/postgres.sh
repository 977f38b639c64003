#!/usr/bin/env bash
# A throwaway PostgreSQL 15 + PostGIS for the benchmark: on loopback only, in a
# temporary directory, configured from PostgreSQL's documentation
# (shared_buffers = 25% of RAM, JIT off). Installs the Debian packages when
# they are missing.
#
#   bench/postgres.sh start [DIR]   starts it; prints the connection URL and DIR
#   bench/postgres.sh stop DIR      stops it and removes DIR
#
# PGPORT picks the port (default 55432). Runs as root (the server runs as the
# `postgres` user the package creates).
set -euo pipefail

BIN=/usr/lib/postgresql/15/bin
PORT="${PGPORT:-55432}"

ensure_packages() {
    if [[ ! -x "$BIN/initdb" ]] || ! ls /usr/share/postgresql/15/extension/postgis.control >/dev/null 2>&1; then
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-15 postgresql-15-postgis-3
    fi
}

as_postgres() {
    runuser -u postgres -- "$@"
}

start() {
    ensure_packages
    local dir="${1:-$(mktemp -d /tmp/hearth-pg.XXXXXX)}"
    mkdir -p "$dir"
    chown postgres:postgres "$dir"
    local ram_mb
    ram_mb=$(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo)
    as_postgres "$BIN/initdb" -D "$dir/data" -U bench --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$dir'
shared_buffers = $((ram_mb / 4))MB
effective_cache_size = $((ram_mb / 2))MB
maintenance_work_mem = 1GB
jit = off
max_wal_size = 4GB
CONF
    as_postgres "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
    as_postgres "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U bench bench
    psql -q -h 127.0.0.1 -p "$PORT" -U bench -d bench -c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
    echo "postgres://bench@127.0.0.1:$PORT/bench"
    echo "$dir"
}

stop() {
    local dir="${1:?give the directory start printed}"
    if [[ -f "$dir/data/postmaster.pid" ]]; then
        as_postgres "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    rm -rf "$dir"
}

case "${1:-}" in
    start) start "${2:-}" ;;
    stop) stop "${2:-}" ;;
    *) echo "usage: $0 start [DIR] | stop DIR" >&2; exit 2 ;;
esac
