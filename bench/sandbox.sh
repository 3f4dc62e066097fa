#!/usr/bin/env bash
# Sandbox controls: the time to create a portal and to reset one holding
# 1,000, 10,000 and 100,000 contacts, beside GET /health in the same run.
#
#   bench/sandbox.sh [--database-url postgres://...] [--sizes 1000,10000 --rounds 5]
set -euo pipefail
source "$(dirname "$0")/start-spoke.sh"
bench="$root/target/release/spoke-bench"
if [ -n "$DATABASE_URL" ]; then
  start_spoke PG postgres
  "$bench" sandbox --addr "$PG_ADDR" --admin-token "$PG_ADMIN" "${ARGS[@]}"
else
  start_spoke SQLITE sqlite
  "$bench" sandbox --addr "$SQLITE_ADDR" --admin-token "$SQLITE_ADMIN" "${ARGS[@]}"
fi
