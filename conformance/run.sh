#!/usr/bin/env bash
# Drives HubSpot's official SDKs (Python and Node, pinned) against a freshly
# started Spoke, one fresh Spoke per suite; then Schemathesis with HubSpot's
# own spec files (conformance/schemathesis/run.sh).
#
#   conformance/run.sh [path/to/spoke]
#
# Without an argument it uses target/debug/spoke, building it if missing.
# By default each Spoke runs on embedded SQLite in a temporary directory;
# with SPOKE_CONFORMANCE_DATABASE_URL=postgres://... each runs on a fresh
# database created on that server (with psql) and dropped afterwards.
# The Python venv lives in target/conformance-venv and is rebuilt when
# requirements.txt changes; node_modules is installed with `npm ci`.
# With SPOKE_CONFORMANCE_RATE_LIMITS=hubspot each Spoke runs with HubSpot's
# rate limits (--rate-limits hubspot) and the suites turn on the SDKs'
# retries (SPOKE_RATE_LIMITS=hubspot in their environment).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
here="$root/conformance"
spoke=${1:-"$root/target/debug/spoke"}
if [ ! -x "$spoke" ]; then
  cargo build --manifest-path "$root/Cargo.toml" -p spoke
fi

# Python: a venv with the pinned SDK.
venv="$root/target/conformance-venv"
if ! cmp -s "$here/python/requirements.txt" "$venv/requirements.txt" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/python/requirements.txt"
  cp "$here/python/requirements.txt" "$venv/requirements.txt"
fi

# Node: the pinned SDK from package-lock.json.
stamp="$here/node/node_modules/.spoke-installed-lock"
if ! cmp -s "$here/node/package-lock.json" "$stamp" 2>/dev/null; then
  (cd "$here/node" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$here/node/package-lock.json" "$stamp"
fi

token="conformance-token-$(date +%s)-$$"
admin_token="conformance-admin-$(date +%s)-$$"
rate_limits=${SPOKE_CONFORMANCE_RATE_LIMITS:-off}
case "$rate_limits" in
  off|hubspot) ;;
  *) echo "SPOKE_CONFORMANCE_RATE_LIMITS must be off or hubspot, not $rate_limits" >&2; exit 1 ;;
esac
pids=()
dirs=()
databases=()
postgres=${SPOKE_CONFORMANCE_DATABASE_URL:-}
if [ -n "$postgres" ] && ! command -v psql >/dev/null; then
  echo "SPOKE_CONFORMANCE_DATABASE_URL is set but psql is not installed" >&2
  exit 1
fi
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for dir in "${dirs[@]}"; do rm -rf "$dir"; done
  for db in "${databases[@]}"; do
    psql "$postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

# Starts a fresh Spoke on a free port; sets SPOKE_URL.
start_spoke() {
  local name=$1 data log database=()
  data=$(mktemp -d)
  dirs+=("$data")
  log="$data/spoke.log"
  if [ -n "$postgres" ]; then
    local db="spoke_conformance_${name}_$$"
    psql "$postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null
    psql "$postgres" -qc "CREATE DATABASE $db" >/dev/null
    databases+=("$db")
    # The same server, the new database.
    database=(--database-url "${postgres%/*}/$db")
  fi
  SPOKE_BOOTSTRAP_TOKEN="$token" SPOKE_ADMIN_TOKEN="$admin_token" SPOKE_LOG=warn \
    "$spoke" serve --listen 127.0.0.1:0 --data-dir "$data" --rate-limits "$rate_limits" \
    --webhook-retry-scale 0.001 \
    "${database[@]}" "${@:2}" >"$log" 2>&1 &
  pids+=("$!")
  SPOKE_DATA=$data
  for _ in $(seq 1 100); do
    if url=$(grep -o 'https\?://127.0.0.1:[0-9]*' "$log" 2>/dev/null | head -n 1) && [ -n "$url" ]; then
      SPOKE_URL=$url
      echo "== $name suite against $SPOKE_URL (${database[*]:-SQLite}, rate limits $rate_limits)"
      return 0
    fi
    sleep 0.1
  done
  echo "Spoke did not start:" >&2
  cat "$log" >&2
  return 1
}

start_spoke python
export SPOKE_TOKEN=$token SPOKE_ADMIN_TOKEN=$admin_token SPOKE_RATE_LIMITS=$rate_limits
SPOKE_URL=$SPOKE_URL "$venv/bin/pytest" -q -p no:cacheprovider "$here/python" \
  --ignore="$here/python/test_https.py"

start_spoke node
(cd "$here/node" && SPOKE_URL=$SPOKE_URL node --test)

# Without rate limits (Schemathesis does not pace itself): HubSpot's spec
# files for contacts, properties, lists and webhooks, through Schemathesis.
if [ "$rate_limits" = off ]; then
  start_spoke schemathesis
  SPOKE_URL=$SPOKE_URL "$here/schemathesis/run.sh"
fi

# Once (SQLite, no rate limits): the README's snippets as written, then
# both SDKs over HTTPS, trusting the CA of a self-signed Spoke.
if [ -z "$postgres" ] && [ "$rate_limits" = off ]; then
  start_spoke readme
  SPOKE_URL=$SPOKE_URL "$venv/bin/python" "$here/readme_snippets.py"

  start_spoke https --tls-self-signed
  ca="$SPOKE_DATA/tls/ca.pem"
  SPOKE_TLS_URL=$SPOKE_URL SPOKE_TLS_CA=$ca "$venv/bin/pytest" -q -p no:cacheprovider \
    "$here/python/test_https.py"
  (cd "$here/node" && SPOKE_TLS_URL=$SPOKE_URL NODE_EXTRA_CA_CERTS=$ca node --test over-https.mjs)
fi
