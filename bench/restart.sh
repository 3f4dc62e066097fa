#!/usr/bin/env bash
# Start-up on a large portal: ingest contacts, stop Spoke, start it again on
# the same data and time until it listens, and (on SQLite) until its
# search index is built in the background, beside a raw scan of the same
# rows with their JSON parsed. With --database-url the same on PostgreSQL
# (nothing to build). Extra arguments go to the ingest step.
#
#   bench/restart.sh [--database-url postgres://...] [--contacts 1000000 ...]
set -euo pipefail
source "$(dirname "$0")/start-spoke.sh"
bench="$root/target/release/spoke-bench"
if [ -n "$DATABASE_URL" ]; then
  start_spoke S postgres
  database=(--database-url "$S_URL")
else
  start_spoke S sqlite
  database=()
fi
"$bench" ingest --addr "$S_ADDR" --token "$S_TOKEN" --server-pid "$S_PID" \
  --reference-rows 0 "${ARGS[@]}"
kill -TERM "$S_PID"
wait "$S_PID" || true
sleep 2
for round in 1 2 3; do
  started=$(date +%s%N)
  SPOKE_BOOTSTRAP_TOKEN=$S_TOKEN "$root/target/release/spoke" serve --listen 127.0.0.1:0 \
    --data-dir "$S_DATA" "${database[@]}" >"$S_DATA/stdout" 2>"$S_DATA/stderr" &
  pid=$!
  bench_pids+=("$pid")
  until grep -q '127.0.0.1:' "$S_DATA/stdout" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { cat "$S_DATA/stderr" >&2; exit 1; }
    sleep 0.01
  done
  listening_ms=$((($(date +%s%N) - started) / 1000000))
  ready=""
  if [ ${#database[@]} -eq 0 ]; then
    until grep -q 'search index built' "$S_DATA/stderr" 2>/dev/null; do
      kill -0 "$pid" 2>/dev/null || { cat "$S_DATA/stderr" >&2; exit 1; }
      sleep 0.05
    done
    ready_ms=$((($(date +%s%N) - started) / 1000000))
    ready="; search ready after $ready_ms ms (index built in $(grep -o 'millis=[0-9]*' "$S_DATA/stderr" | head -n 1 | cut -d= -f2) ms, in the background)"
  fi
  rss=$(awk '/VmRSS/{print int($2/1024)}' "/proc/$pid/status")
  echo "restart $round: listening after $listening_ms ms$ready; RSS $rss MiB"
  kill -TERM "$pid"
  wait "$pid" || true
  sleep 2
  if [ ${#database[@]} -eq 0 ]; then
    "$bench" scan-reference --db "$S_DATA/spoke.db"
  fi
done
