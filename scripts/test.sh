#!/usr/bin/env bash
# The test command (npm test): sets up what the tests need, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/prereqs.sh

ensure_node
ensure_postgres
# pgBackRest for the pgbackrest backup tests, Chromium for the HTML report test.
ensure_optional pgbackrest:pgbackrest chromium:chromium
ensure_npm_deps
ensure_build
# After npm ci: the local S3 image bundles s3rver with esbuild.
ensure_container_engine
# Not exec: the EXIT trap stops the podman service this script may have started.
npx vitest run "$@"
