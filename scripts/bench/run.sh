#!/usr/bin/env bash
# `npm run bench`: go-slim-image against the alternatives on the local stack, results in
# bench/results/bench-<date>.md and .json. Arguments go to scripts/bench/bench.mjs
# (--reps N | --reps hello=3,node_exporter=1, --workloads, --scenarios, --smoke, --out DIR).
# The run prunes BuildKit's local state before every cold and fresh-runner build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

bash scripts/ensure-deps.sh
eval "$(bash scripts/stack.sh up)"
[ -f dist/main/index.js ] || npm run -s build
exec node scripts/bench/bench.mjs "$@"
