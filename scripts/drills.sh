#!/usr/bin/env bash
# The first README command (npm run drills): sets up what it needs, then runs the core drills on the
# embedded default (native PostgreSQL + embedded S3) and writes the reports.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/prereqs.sh

ensure_node
ensure_postgres
ensure_npm_deps
ensure_build

out=${DRDRILL_OUT:-drdrill-results}
status=0
node bin/drdrill.js run \
  scenarios/accidental-delete.yaml scenarios/corruption.yaml scenarios/disk-full.yaml \
  scenarios/cluster-loss.yaml scenarios/replica-failover.yaml \
  --out "$out" --reporter html,json,md,junit "$@" || status=$?
echo "HTML report: $out/index.html"
exit "$status"
