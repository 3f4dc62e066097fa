#!/usr/bin/env bash
# GET contact by id versus GET /health on a fresh Spoke seeded with
# 100,000 contacts, 64 connections; with --database-url (a PostgreSQL
# server), the same GETs on a Spoke running on PostgreSQL, in the same
# rounds. With --limits, each round also measures the same GETs with the
# portal's rate limits on: a custom limit too high to reach (every call
# counted, none refused) and HubSpot's (almost every call refused), beside
# the round's GETs with limits off. Extra arguments go to spoke-bench.
#
#   bench/get-by-id.sh [--database-url postgres://...] [--limits] [--seconds 10 --rounds 5 ...]
set -euo pipefail
source "$(dirname "$0")/start-spoke.sh"
limits=()
rest=()
for arg in "${ARGS[@]}"; do
  if [ "$arg" = --limits ]; then limits=(--admin-token "ADMIN"); else rest+=("$arg"); fi
done
ARGS=("${rest[@]}")
start_spoke SQLITE sqlite
postgres=()
if [ -n "$DATABASE_URL" ]; then
  start_spoke PG postgres
  postgres=(--postgres-addr "$PG_ADDR" --postgres-token "$PG_TOKEN" --postgres-pid "$PG_PID")
fi
"$root/target/release/spoke-bench" get-by-id \
  --addr "$SQLITE_ADDR" --token "$SQLITE_TOKEN" --server-pid "$SQLITE_PID" \
  "${postgres[@]}" "${limits[@]/ADMIN/$SQLITE_ADMIN}" "${ARGS[@]}"
