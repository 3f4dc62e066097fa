#!/usr/bin/env bash
# Ingest through batch/create (100 inputs of 8 properties per request),
# beside the raw insert rate of the same database engine (SQLite, or with
# --database-url the PostgreSQL server); then, on the ingested portal, the
# five search shapes at 8 concurrent clients beside GET /health; peak
# server memory, and CPU per request of Spoke and of PostgreSQL. Extra
# arguments go to the ingest step.
#
#   bench/ingest-and-search.sh [--database-url postgres://...] [--contacts 1000000 ...]
set -euo pipefail
source "$(dirname "$0")/start-spoke.sh"
bench="$root/target/release/spoke-bench"
if [ -n "$DATABASE_URL" ]; then
  start_spoke PG postgres
  target=(--addr "$PG_ADDR" --token "$PG_TOKEN" --server-pid "$PG_PID" --postgres)
  reference=(--reference-database-url "$PG_URL")
else
  start_spoke SQLITE sqlite
  target=(--addr "$SQLITE_ADDR" --token "$SQLITE_TOKEN" --server-pid "$SQLITE_PID")
  reference=()
fi
"$bench" ingest "${target[@]}" "${reference[@]}" "${ARGS[@]}"
"$bench" search "${target[@]}" --connections 8 --seconds 10
