#!/usr/bin/env bash
# The test command (`npm test`): installs what the tests need (dependencies, the engine,
# base images, the frontend image), then runs lint, types, unit and end-to-end tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -d node_modules ]] || npm ci --no-audit --no-fund
npm run --silent build
npx biome ci .
bash deploy/engine.sh
bash deploy/frontend-image.sh
# shellcheck source=deploy/env.sh
. deploy/env.sh
npx vitest run "$@"
