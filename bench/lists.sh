#!/usr/bin/env bash
# Lists: contacts written through batch/create into a portal with 50
# DYNAMIC lists of varied filters, beside the same ingest into a portal
# without lists on the same server, rounds interleaved; then membership
# page reads beside GET /health, and a new DYNAMIC list evaluated over
# every contact of the portal.
#
#   bench/lists.sh [--database-url postgres://...] [--contacts 1000000 --rounds 2 --lists 50]
set -euo pipefail
source "$(dirname "$0")/start-spoke.sh"
bench="$root/target/release/spoke-bench"
if [ -n "$DATABASE_URL" ]; then
  start_spoke PG postgres
  "$bench" lists --addr "$PG_ADDR" --admin-token "$PG_ADMIN" "${ARGS[@]}"
else
  start_spoke SQLITE sqlite
  "$bench" lists --addr "$SQLITE_ADDR" --admin-token "$SQLITE_ADMIN" "${ARGS[@]}"
fi
