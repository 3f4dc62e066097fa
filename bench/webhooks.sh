#!/usr/bin/env bash
# Webhook delivery: 100,000 contacts written through batch/create into a
# portal whose installed app has three subscriptions (creation and two
# property changes), delivered to a receiver in the benchmark process;
# beside the same ingest into a portal without subscriptions on the same
# server, rounds interleaved. Reports events delivered per second,
# write-to-delivery latency p50 and p99, and the ingest ratio.
#
#   bench/webhooks.sh [--database-url postgres://...] [--contacts 100000 --rounds 2]
set -euo pipefail
source "$(dirname "$0")/start-spoke.sh"
bench="$root/target/release/spoke-bench"
if [ -n "$DATABASE_URL" ]; then
  start_spoke PG postgres
  "$bench" webhooks --addr "$PG_ADDR" --admin-token "$PG_ADMIN" "${ARGS[@]}"
else
  start_spoke SQLITE sqlite
  "$bench" webhooks --addr "$SQLITE_ADDR" --admin-token "$SQLITE_ADMIN" "${ARGS[@]}"
fi
