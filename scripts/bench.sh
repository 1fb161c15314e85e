#!/usr/bin/env bash
# npm run bench: builds, installs the tools the comparisons need (the aws CLI for P1's raw script, pgBackRest for
# P3), sets up a container engine when it can (for the native vs testcontainers comparison), runs the benchmarks
# (all, or the parts named as arguments) and writes bench-results/results.json and README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/prereqs.sh
ensure_runtime
# /usr/bin/aws, not `aws`: a pyenv shim on PATH may shadow the Debian package's CLI.
ensure_optional /usr/bin/aws:awscli pgbackrest:pgbackrest
ensure_container_engine
node dist/bench/index.js "$@"
