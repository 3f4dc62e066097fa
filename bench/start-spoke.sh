# Sourced by the bench scripts. Builds the release binaries and takes
# `--database-url URL` (a PostgreSQL server) out of the script's arguments
# into DATABASE_URL, leaving the others in ARGS.
#
#   start_spoke NAME sqlite|postgres
#
# starts a fresh Spoke on a free port (embedded SQLite in a temporary
# directory, or a fresh database on DATABASE_URL's server, made with psql)
# and sets NAME_ADDR, NAME_TOKEN, NAME_ADMIN (the run's admin token), NAME_PID,
# NAME_DATA and, on PostgreSQL, NAME_URL. Every Spoke is stopped, and every directory and database it
# used removed, when the script exits.
#
# SPOKE_BENCH_PROFILE=debug builds and runs the debug binaries instead (for
# short runs in CI, which has built them already); bench_bin is the
# directory of the binaries.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${SPOKE_BENCH_PROFILE:-release}" = debug ]; then
  cargo build --manifest-path "$root/Cargo.toml" -p spoke -p spoke-bench
  bench_bin="$root/target/debug"
else
  cargo build --release --manifest-path "$root/Cargo.toml" -p spoke -p spoke-bench
  bench_bin="$root/target/release"
fi
DATABASE_URL=""
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --database-url) DATABASE_URL=$2; shift 2 ;;
    --database-url=*) DATABASE_URL=${1#*=}; shift ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
if [ -n "$DATABASE_URL" ] && ! command -v psql >/dev/null; then
  echo "--database-url needs psql to make a fresh database" >&2
  exit 1
fi
# One admin token for every Spoke of a run.
bench_admin="bench-admin-$(date +%s)-$$"
bench_pids=()
bench_dirs=()
bench_databases=()
stop_all() {
  for pid in "${bench_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${bench_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for dir in "${bench_dirs[@]}"; do rm -rf "$dir"; done
  for db in "${bench_databases[@]}"; do
    psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  done
}
trap stop_all EXIT

# Starts (or, with a fourth argument, restarts on the same data) a Spoke.
start_spoke() {
  local name=$1 backend=$2 data token pid addr extra=()
  data=$(mktemp -d)
  bench_dirs+=("$data")
  token="bench-token-$(date +%s)-$$-$name"
  if [ "$backend" = postgres ]; then
    local db="spoke_bench_${name,,}_$$"
    psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $db" >/dev/null
    psql "$DATABASE_URL" -qc "CREATE DATABASE $db" >/dev/null
    bench_databases+=("$db")
    printf -v "${name}_URL" '%s' "${DATABASE_URL%/*}/$db"
    extra=(--database-url "${DATABASE_URL%/*}/$db")
  fi
  SPOKE_BOOTSTRAP_TOKEN=$token SPOKE_ADMIN_TOKEN="$bench_admin" "$bench_bin/spoke" serve \
    --listen 127.0.0.1:0 --data-dir "$data" "${extra[@]}" >"$data/stdout" 2>"$data/stderr" &
  pid=$!
  bench_pids+=("$pid")
  for _ in $(seq 1 300); do
    addr=$(grep -o '127.0.0.1:[0-9]*' "$data/stdout" 2>/dev/null | head -n 1 || true)
    [ -n "$addr" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$addr" ] || { cat "$data/stderr" >&2; exit 1; }
  printf -v "${name}_ADDR" '%s' "$addr"
  printf -v "${name}_TOKEN" '%s' "$token"
  printf -v "${name}_ADMIN" '%s' "$bench_admin"
  printf -v "${name}_PID" '%s' "$pid"
  printf -v "${name}_DATA" '%s' "$data"
  echo "spoke $name on $backend at $addr (pid $pid)"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "binaries: $bench_bin; Spoke defaults: SQLite synchronous=full, log level info"
if [ -n "$DATABASE_URL" ]; then
  echo "PostgreSQL: $(psql "$DATABASE_URL" -Atc 'select version()' | cut -d, -f1);" \
    "fsync=$(psql "$DATABASE_URL" -Atc 'show fsync')" \
    "synchronous_commit=$(psql "$DATABASE_URL" -Atc 'show synchronous_commit')" \
    "shared_buffers=$(psql "$DATABASE_URL" -Atc 'show shared_buffers')"
fi
