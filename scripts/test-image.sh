#!/usr/bin/env bash
# The drdrill image lane (npm run test:image): builds fixtures/images/drdrill/Dockerfile with podman from a
# locally bootstrapped Debian base (no registry needed) and runs a drill inside it. About ten minutes the first
# time (Debian base, apt, npm), then only when its files change; kept out of npm test for that reason.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/prereqs.sh

ensure_runtime
ensure_container_engine
ensure_optional debootstrap:debootstrap
bash fixtures/images/build-drdrill.sh
DRDRILL_IMAGE_LANE=1 npx vitest run fixtures/images/drdrill/image.test.ts "$@"
