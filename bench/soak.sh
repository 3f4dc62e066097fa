#!/usr/bin/env bash
# Soak: a steady mix of GET by id, create, update, search and list pages
# (50 calls/s by default) with every write delivered as webhooks to a
# receiver in the load generator, for an hour by default. Each window
# prints the server's RSS, errors, and p50/p99 beside GET /health measured
# in the same window; the run fails on any error or undelivered event.
#
#   bench/soak.sh [--database-url postgres://...] [--seconds 3600 --rate 50 --window 60]
#
# CI runs it short, on the debug build: SPOKE_BENCH_PROFILE=debug bench/soak.sh --seconds 60 --window 10
set -euo pipefail
source "$(dirname "$0")/start-spoke.sh"
if [ -n "$DATABASE_URL" ]; then
  start_spoke SOAK postgres
else
  start_spoke SOAK sqlite
fi
"$bench_bin/spoke-bench" soak --addr "$SOAK_ADDR" --token "$SOAK_TOKEN" \
  --admin-token "$SOAK_ADMIN" --server-pid "$SOAK_PID" "${ARGS[@]}"
