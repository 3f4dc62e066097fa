#!/usr/bin/env bash
# A PostgreSQL server of its own for the benchmarks, tuned as a production
# server would be for this machine (memory and checkpoint spacing; fsync
# and synchronous_commit stay on), on port 5433, in a throwaway directory.
#
#   bench/postgres-cluster.sh start   # prints the URL to give --database-url
#   bench/postgres-cluster.sh stop
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
dir=${SPOKE_BENCH_PG_DIR:-/var/tmp/spoke-bench-postgres}
port=${SPOKE_BENCH_PG_PORT:-5433}
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else su postgres -s /bin/bash -c "$(printf '%q ' "$@")"; fi; }
case "${1:-}" in
  start)
    if [ ! -d "$dir" ]; then
      mkdir -p "$dir" && chown postgres "$dir"
      as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust >/dev/null
      cat >>"$dir/data/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 200
shared_buffers = 4GB
effective_cache_size = 12GB
work_mem = 32MB
maintenance_work_mem = 512MB
wal_buffers = 64MB
max_wal_size = 16GB
checkpoint_timeout = 30min
fsync = on
synchronous_commit = on
CONF
    fi
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
