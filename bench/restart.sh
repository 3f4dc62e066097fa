#!/usr/bin/env bash
# Start-up on a large portal: ingest contacts, stop Spoke, start it again on
# the same data and time until it listens (it rebuilds the search index
# from SQLite first), beside a raw scan of the same rows with their JSON
# parsed. Extra arguments go to the ingest step.
#
#   bench/restart.sh [--contacts 1000000 ...]
set -euo pipefail
source "$(dirname "$0")/start-spoke.sh"
bench="$root/target/release/spoke-bench"
"$bench" ingest --addr "$SPOKE_ADDR" --token "$SPOKE_TOKEN" --server-pid "$SPOKE_PID" \
  --reference-rows 0 "$@"
kill -TERM "$SPOKE_PID"
wait "$SPOKE_PID" || true
sleep 2
for round in 1 2 3; do
  started=$(date +%s%N)
  "$root/target/release/spoke" serve --listen 127.0.0.1:0 --data-dir "$SPOKE_DATA" \
    >"$SPOKE_DATA/stdout" 2>"$SPOKE_DATA/stderr" &
  SPOKE_PID=$!
  until grep -q '127.0.0.1:' "$SPOKE_DATA/stdout" 2>/dev/null; do
    kill -0 "$SPOKE_PID" 2>/dev/null || { cat "$SPOKE_DATA/stderr" >&2; exit 1; }
    sleep 0.02
  done
  listening_ms=$((($(date +%s%N) - started) / 1000000))
  rss=$(awk '/VmRSS/{print int($2/1024)}' "/proc/$SPOKE_PID/status")
  index=$(grep -o 'millis=[0-9]*' "$SPOKE_DATA/stderr" | head -n 1)
  echo "restart $round: listening after $listening_ms ms (search index built in ${index#millis=} ms); RSS $rss MiB"
  kill -TERM "$SPOKE_PID"
  wait "$SPOKE_PID" || true
  sleep 2
  "$bench" scan-reference --db "$SPOKE_DATA/spoke.db"
done
