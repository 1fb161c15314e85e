#!/usr/bin/env bash
# The test command (npm test): sets up what the tests need, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/prereqs.sh

ensure_runtime
ensure_test_tools
# After npm ci: the local S3 image bundles s3rver with esbuild.
ensure_container_engine
# The drdrill image lane (fixtures/images/drdrill/image.test.ts) needs the image: for the whole suite it is built
# here, before the tests share the cores; slow the first time (Debian base, apt, npm), then only when its files
# change. Given paths, the lane builds it itself if it was selected.
if [ "${DRDRILL_REQUIRE_CONTAINERS:-0}" = 1 ] && [ $# -eq 0 ]; then
  ensure_optional debootstrap:debootstrap
  bash fixtures/images/build-drdrill.sh ||
    echo "drdrill: the drdrill image did not build; fixtures/images/drdrill/image.test.ts will say why" >&2
fi
# Not exec: the EXIT trap stops the podman service this script may have started.
npx vitest run "$@"
