#!/usr/bin/env bash
# Builds examples/hello into the local registry through the bundled action, as a workflow step
# would run it, and prints the image reference, digest and size.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/ensure-deps.sh
eval "$(bash scripts/stack.sh up)"
[ -f dist/main/index.js ] || npm run -s build
node scripts/demo.mjs
