#!/usr/bin/env bash
# The test command (npm test): sets up what the tests need, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/prereqs.sh

ensure_runtime
ensure_test_tools
# After npm ci: the local S3 image bundles s3rver with esbuild.
ensure_container_engine
# Not exec: the EXIT trap stops the podman service this script may have started.
npx vitest run "$@"
