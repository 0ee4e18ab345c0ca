#!/usr/bin/env bash
# Builds examples/hello into the local registry with the bundled CLI, as a developer runs it
# (the terminal reporter's log, no workflow commands), and prints the image reference, digest and size.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/ensure-deps.sh
eval "$(bash scripts/stack.sh up)"
[ -f dist/cli/index.js ] || npm run -s build
node scripts/demo.mjs
