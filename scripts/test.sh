#!/usr/bin/env bash
# The whole suite, from a fresh machine: npm packages, the local stack (registry + BuildKit),
# lint and typecheck, the dist/ freshness check, unit and integration tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/ensure-deps.sh
eval "$(bash scripts/stack.sh up)"

echo "== lint and typecheck"
npm run -s lint
echo "== dist/ matches src/"
node scripts/bundle.mjs --check
echo "== the CA bundle matches its pinned Debian package"
node scripts/ca-bundle.mjs --check

echo "== jest (unit + integration)"
results=$(mktemp)
status=0
NODE_OPTIONS=--experimental-vm-modules npx jest --runInBand --json --outputFile="$results" "$@" || status=$?
# One plain closing line with the counts, for tools that read the end of the log.
node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""))' "$results" || true
rm -f "$results"
exit $status
