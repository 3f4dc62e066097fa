#!/usr/bin/env bash
# GET contact by id versus GET /health on a fresh Spoke seeded with
# 100,000 contacts, 64 connections. Extra arguments go to spoke-bench.
#
#   bench/get-by-id.sh [--seconds 10 --rounds 5 ...]
set -euo pipefail
source "$(dirname "$0")/start-spoke.sh"
"$root/target/release/spoke-bench" get-by-id \
  --addr "$SPOKE_ADDR" --token "$SPOKE_TOKEN" --server-pid "$SPOKE_PID" "$@"
