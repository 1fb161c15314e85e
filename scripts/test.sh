#!/usr/bin/env bash
# The test command (npm test): sets up what the tests need, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/prereqs.sh

ensure_runtime
# pgBackRest for the pgbackrest backup tests (and the local PostgreSQL image), Chromium for the HTML and PDF report
# tests, pdftotext (poppler-utils) to read the PDFs back.
ensure_optional pgbackrest:pgbackrest chromium:chromium pdftotext:poppler-utils
# After npm ci: the local S3 image bundles s3rver with esbuild.
ensure_container_engine
# Not exec: the EXIT trap stops the podman service this script may have started.
npx vitest run "$@"
