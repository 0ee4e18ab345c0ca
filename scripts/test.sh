#!/usr/bin/env bash
# The whole suite, from a fresh machine: npm packages, the local stack (registry + BuildKit),
# lint and typecheck, the dist/ and wasm freshness checks, unit and integration tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/ensure-deps.sh
# Not eval "$(...)" directly: that would go on after a failed `up` and die later on an unset variable.
# stack.sh logs to stderr, so its own error is the last thing shown.
if ! stack_env=$(bash scripts/stack.sh up); then
  echo "scripts/stack.sh up failed (its error is above); the tests need the local stack." >&2
  exit 1
fi
eval "$stack_env"

echo "== lint and typecheck"
npm run -s lint
echo "== dist/ matches src/"
node scripts/bundle.mjs --check
echo "== the libdeflate wasm module matches a build from its pinned source"
bash scripts/wasm/build-libdeflate.sh --check
echo "== the zstd wasm module matches a build from its pinned source"
bash scripts/wasm/build-zstd.sh --check
echo "== the CA bundle matches its pinned Debian package"
node scripts/ca-bundle.mjs --check

# Two runs: the unit suite on the machine's Node (20), then unit + integration on the pinned Node 24,
# the runtime action.yml declares. In the second, jest itself, every spawned bundle (GSI_TEST_NODE)
# and `node` on PATH are Node 24; GSI_NODE20 lets the cross-version test build on both.
node20=$(command -v node)
node24_path="$(dirname "$GSI_NODE24"):$PATH"
results_dir=$(mktemp -d)
status=0
echo "== jest unit on Node $(node --version)"
NODE_OPTIONS=--experimental-vm-modules "$node20" node_modules/jest/bin/jest.js "$@" --passWithNoTests --json --outputFile="$results_dir/node20.json" --selectProjects unit || status=$?
echo "== jest unit + integration on Node $("$GSI_NODE24" --version)"
PATH=$node24_path GSI_TEST_NODE=$GSI_NODE24 GSI_NODE20=$node20 NODE_OPTIONS=--experimental-vm-modules \
  "$GSI_NODE24" node_modules/jest/bin/jest.js --runInBand --json --outputFile="$results_dir/node24.json" "$@" || status=$?
# One plain closing line with the counts of both runs, for tools that read the end of the log.
node -e '
  const fs = require("fs");
  const runs = process.argv.slice(1).filter((f) => fs.existsSync(f)).map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
  const sum = (key) => runs.reduce((n, r) => n + r[key], 0);
  console.log(`jest: ${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed` + (sum("numPendingTests") ? `, ${sum("numPendingTests")} skipped` : ""));
' "$results_dir/node20.json" "$results_dir/node24.json" || true
rm -rf "$results_dir"
exit $status
