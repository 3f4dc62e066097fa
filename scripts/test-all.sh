#!/usr/bin/env bash
# Every test Spoke has: unit and integration tests (the real server on port
# 0 with a temporary database), the shared storage suite, then the official
# SDK conformance suites against the binary those tests just built.
#
# With SPOKE_TEST_DATABASE_URL (a PostgreSQL server: each test makes its
# own schema or database there and drops it), everything that runs on
# SQLite runs on PostgreSQL too. Without it, the PostgreSQL runs are
# skipped, and say so.
set -euo pipefail
cd "$(dirname "$0")/.."

banner() { printf '\n==== %s ====\n' "$*"; }

banner "unit, storage and integration tests"
cargo test --workspace --all-targets

if [ -n "${SPOKE_TEST_DATABASE_URL:-}" ]; then
  banner "the API integration suite again, on PostgreSQL"
  SPOKE_TEST_BACKEND=postgres cargo test -p spoke --test api
else
  banner "SKIPPED: every PostgreSQL run (set SPOKE_TEST_DATABASE_URL=postgres://... to include them)"
fi

banner "conformance: official SDKs against Spoke on SQLite"
conformance/run.sh target/debug/spoke

banner "conformance: the same with HubSpot's rate limits on and the SDKs' retries"
SPOKE_CONFORMANCE_RATE_LIMITS=hubspot conformance/run.sh target/debug/spoke

if [ -n "${SPOKE_TEST_DATABASE_URL:-}" ]; then
  banner "conformance: official SDKs against Spoke on PostgreSQL"
  SPOKE_CONFORMANCE_DATABASE_URL="$SPOKE_TEST_DATABASE_URL" conformance/run.sh target/debug/spoke
fi

banner "soak, short: a minute of mixed load with webhooks on SQLite (bench/soak.sh runs an hour)"
SPOKE_BENCH_PROFILE=debug bench/soak.sh --seconds 60 --window 10 --seed 2000

if [ -n "${SPOKE_TEST_DATABASE_URL:-}" ]; then
  banner "soak, short: the same on PostgreSQL"
  SPOKE_BENCH_PROFILE=debug bench/soak.sh --database-url "$SPOKE_TEST_DATABASE_URL" --seconds 60 --window 10 --seed 2000
fi

if docker info >/dev/null 2>&1; then
  banner "container: the image builds and serves"
  docker build -q -t spoke-ci .
  cid=$(docker run -d -p 127.0.0.1::8080 spoke-ci)
  trap 'docker rm -f "$cid" >/dev/null 2>&1 || true' EXIT
  port=$(docker port "$cid" 8080 | head -1 | sed 's/.*://')
  for _ in $(seq 1 50); do
    if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then break; fi
    sleep 0.2
  done
  curl -fsS "http://127.0.0.1:$port/health"
  docker exec "$cid" id -u | grep -qv '^0$'
else
  banner "SKIPPED: the container image (no container engine answers on this machine)"
fi
