#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the benchmarks, started the way scripts/run-tests starts its own.
#   bench/pg.sh start [DIR]   -> prints: export DATABASE_URL=postgres://postgres@127.0.0.1:PORT/dudao
#   bench/pg.sh stop  [DIR]   -> stops the cluster and deletes DIR
# DIR defaults to /tmp/dudao-bench-pg. Durability is off (fsync, synchronous_commit): bench data only.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
action=${1:-}
dir=${2:-/tmp/dudao-bench-pg}

pg_bindir=""
if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    pg_bindir=$(dirname "$(readlink -f "$(command -v pg_ctl)")")
else
    for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$candidate/pg_ctl" ] && [ -x "$candidate/initdb" ]; then
            pg_bindir=$candidate
            break
        fi
    done
fi
[ -n "$pg_bindir" ] || { echo "no PostgreSQL server binaries (Debian package 'postgresql')" >&2; exit 2; }

as=()
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "running as root needs a 'postgres' user" >&2; exit 2; }
    as=(runuser -u postgres --)
fi

case "$action" in
start)
    if [ -f "$dir/data/postmaster.pid" ]; then
        echo "export DATABASE_URL=$(cat "$dir/url")"
        exit 0
    fi
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "${as[@]}" "$pg_bindir/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C \
        --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    "${as[@]}" "$pg_bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50 -c shared_buffers=1GB -c work_mem=64MB -c maintenance_work_mem=512MB -c max_wal_size=8GB -c checkpoint_timeout=30min" \
        start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    "$pg_bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres dudao
    url="postgres://postgres@127.0.0.1:$port/dudao"
    echo "$url" | "${as[@]}" tee "$dir/url" >/dev/null
    echo "export DATABASE_URL=$url"
    ;;
stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
        "${as[@]}" "$pg_bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: bench/pg.sh start|stop [DIR]" >&2
    exit 2
    ;;
esac
