#!/usr/bin/env bash
# GET contact by id versus GET /health on a fresh Spoke seeded with
# 100,000 contacts, 64 connections; with --database-url (a PostgreSQL
# server), the same GETs on a Spoke running on PostgreSQL, in the same
# rounds. Extra arguments go to spoke-bench.
#
#   bench/get-by-id.sh [--database-url postgres://...] [--seconds 10 --rounds 5 ...]
set -euo pipefail
source "$(dirname "$0")/start-spoke.sh"
start_spoke SQLITE sqlite
postgres=()
if [ -n "$DATABASE_URL" ]; then
  start_spoke PG postgres
  postgres=(--postgres-addr "$PG_ADDR" --postgres-token "$PG_TOKEN" --postgres-pid "$PG_PID")
fi
"$root/target/release/spoke-bench" get-by-id \
  --addr "$SQLITE_ADDR" --token "$SQLITE_TOKEN" --server-pid "$SQLITE_PID" \
  "${postgres[@]}" "${ARGS[@]}"
