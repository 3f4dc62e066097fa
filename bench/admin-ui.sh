#!/usr/bin/env bash
# The admin page on a portal of a million contacts: the contacts table's
# first page, a free-text search and a sorted filter from it, and a
# contact's page, as a signed-in browser asks for them, beside GET /health
# in the same interleaved rounds. Extra arguments go to spoke-bench.
#
#   bench/admin-ui.sh [--database-url postgres://...] [--contacts 1000000 --rounds 7 --calls 20]
set -euo pipefail
source "$(dirname "$0")/start-spoke.sh"
if [ -n "$DATABASE_URL" ]; then
  start_spoke UI postgres
else
  start_spoke UI sqlite
fi
"$bench_bin/spoke-bench" admin-ui --addr "$UI_ADDR" --token "$UI_TOKEN" \
  --server-pid "$UI_PID" --admin-token "$UI_ADMIN" "${ARGS[@]}"
