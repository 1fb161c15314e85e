#!/usr/bin/env bash
# npm run bench: builds, sets up a container engine when it can (for the native vs testcontainers comparison),
# runs the benchmarks (all, or the parts named as arguments) and writes bench-results/results.json.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/prereqs.sh
ensure_runtime
ensure_container_engine
node dist/bench/index.js "$@"
