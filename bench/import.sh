#!/usr/bin/env bash
# `spoke import` of a CSV of N contacts (default 1,000,000) beside the
# batch/create ingest of the same contacts in the same run, then the same
# file again; peak RSS of the server and of the CLI.
#
#   bench/import.sh [--database-url postgres://...] [--rows 1000000]
set -euo pipefail
source "$(dirname "$0")/start-spoke.sh"
bench="$root/target/release/spoke-bench"
if [ -n "$DATABASE_URL" ]; then
  start_spoke PG postgres
  "$bench" import --addr "$PG_ADDR" --token "$PG_TOKEN" --server-pid "$PG_PID" --postgres \
    --admin-token "$PG_ADMIN" --spoke "$root/target/release/spoke" "${ARGS[@]}"
else
  start_spoke SQLITE sqlite
  "$bench" import --addr "$SQLITE_ADDR" --token "$SQLITE_TOKEN" --server-pid "$SQLITE_PID" \
    --admin-token "$SQLITE_ADMIN" --spoke "$root/target/release/spoke" "${ARGS[@]}"
fi
