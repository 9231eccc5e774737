#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL 15 cluster, e.g.
#   scripts/with-postgres.sh cargo test -p server --test storage
# The cluster lives in a fresh temp dir, listens on a free loopback port with trust auth, and is stopped
# and removed when the command ends; the command's exit code is this script's. The command gets
# STACKPRINT_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:PORT/postgres.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$PG_BIN/initdb" ]; then
    echo "$0: PostgreSQL 15 not found in $PG_BIN (apt-get install postgresql-15)" >&2
    exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/stackprint-pg.XXXXXX")
# initdb refuses to run as root: run the server as the `postgres` system user then.
if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$dir"
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi

started=""
cleanup() {
    if [ -n "$started" ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }

# A port is free when nothing answers on it; if another process takes it before the server binds,
# pg_ctl fails and the next candidate is tried.
port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + RANDOM % 40000))
    port_is_free "$port" || continue
    if as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300" >/dev/null; then
        started=1
        break
    fi
done
if [ -z "$started" ]; then
    echo "$0: PostgreSQL did not start" >&2
    cat "$dir/server.log" >&2 || true
    exit 1
fi

export STACKPRINT_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
set +e
"$@"
status=$?
set -e
exit "$status"
