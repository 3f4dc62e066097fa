#!/usr/bin/env bash
# Ingest through batch/create (100 inputs of 8 properties per request),
# beside the raw SQLite insert rate; then, on the ingested portal, the five
# search shapes at 8 concurrent clients beside GET /health; peak server
# memory throughout. Extra arguments go to the ingest step.
#
#   bench/ingest-and-search.sh [--contacts 1000000 ...]
set -euo pipefail
source "$(dirname "$0")/start-spoke.sh"
bench="$root/target/release/spoke-bench"
target=(--addr "$SPOKE_ADDR" --token "$SPOKE_TOKEN" --server-pid "$SPOKE_PID")
"$bench" ingest "${target[@]}" "$@"
"$bench" search "${target[@]}" --connections 8 --seconds 10
