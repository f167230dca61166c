#!/usr/bin/env bash
# Runs schemathesis (PyPI) with every check against the whole OpenAPI document of a
# running `pipstack demo`, authenticated by an API key that holds every scope.
# Usage: scripts/schemathesis.sh [PIPSTACK_BINARY] [PORT]. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/debug/pipstack}
port=${2:-18480}
data=$(mktemp -d /tmp/pipstack-schemathesis.XXXXXX)
log="$data/demo.log"

"$bin" demo --data-dir "$data" --port "$port" >"$log" 2>&1 &
demo=$!
trap 'kill "$demo" 2>/dev/null || true; wait "$demo" 2>/dev/null || true' EXIT

for _ in $(seq 1 600); do
  grep -q "listening on" "$log" && break
  kill -0 "$demo" 2>/dev/null || { cat "$log"; echo "the demo stopped before it listened" >&2; exit 1; }
  sleep 0.1
done
grep -q "listening on" "$log" || { cat "$log"; echo "the demo did not listen" >&2; exit 1; }

key=$("$bin" admin api-key --data-dir "$data" --email admin@pipstack.demo --name schemathesis --scopes all)
echo "schemathesis against http://127.0.0.1:$port/api/v1/openapi.json"
python3 -m schemathesis.cli --no-color run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --checks all \
  --header "Authorization: Bearer $key" \
  --max-examples "${PIPSTACK_SCHEMATHESIS_EXAMPLES:-50}" \
  --workers 2 \
  --seed "${PIPSTACK_SCHEMATHESIS_SEED:-1}"
