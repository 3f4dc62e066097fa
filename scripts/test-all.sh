#!/usr/bin/env bash
# Every test Spoke has: unit and integration tests (the real server on port
# 0 with a temporary database), the shared storage suite, then the official
# SDK conformance suites against the binary those tests just built.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --all-targets
conformance/run.sh target/debug/spoke
