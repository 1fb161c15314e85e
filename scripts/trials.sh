#!/usr/bin/env bash
# npm run trials: builds, then interrupts (SIGINT) and kills (SIGKILL) core drills at random moments and checks
# that nothing is left behind. Arguments go to scripts/fault-trials.ts (--interrupts, --kills, --seed, --drills).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/prereqs.sh
ensure_runtime
node dist/scripts/fault-trials.js "$@"
