#!/usr/bin/env bash
# Schemathesis (pinned, in target/schemathesis-venv) against a running
# Spoke, with HubSpot's own spec files for contacts (v3 and 2026-03),
# properties, lists and webhooks: every generated request must be answered
# without a 5xx, with a status the spec allows, and with a body inside the
# spec's schemas.
#
#   SPOKE_URL=... SPOKE_TOKEN=... SPOKE_ADMIN_TOKEN=... conformance/schemathesis/run.sh
#
# SPOKE_SCHEMATHESIS_EXAMPLES sets the examples per operation and phase
# (default 10; conformance/run.sh runs it so in CI).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

venv="$root/target/schemathesis-venv"
if ! cmp -s "$here/requirements.txt" "$venv/requirements.txt" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/requirements.txt"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
specs=$(cd "$here" && "$venv/bin/python" prepare.py "$root/compat/hubspot-specs" "$work")
examples=${SPOKE_SCHEMATHESIS_EXAMPLES:-10}
failed=()
for spec in $specs; do
  echo "-- schemathesis: $spec"
  options=(--phases examples,coverage,fuzzing,stateful --max-examples "$examples")
  if [ "$spec" = lists-v3-filters-nested ]; then
    # Generating nested filter trees takes seconds per example.
    options=(--phases examples,fuzzing --max-examples 3)
  fi
  # In the work directory: Schemathesis keeps its cache where it runs.
  if ! (cd "$work" && "$venv/bin/schemathesis" --no-color --config-file "$work/schemathesis.toml" run "$work/$spec.json" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    "${options[@]}" --workers 1 --seed 1 > "$work/$spec.log" 2>&1); then
    head -c 30000 "$work/$spec.log"
    failed+=("$spec")
  else
    grep -A1 '^Test cases' "$work/$spec.log" | tail -1
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "schemathesis: failures in ${failed[*]}" >&2
  exit 1
fi
