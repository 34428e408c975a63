#!/usr/bin/env bash
# The test command (`npm test`): installs what the tests need (dependencies, the engine,
# base images, the frontend image), then runs lint (biome, import cycles), types, unit and end-to-end tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -d node_modules ]] || npm ci --no-audit --no-fund
# The ELF tests compile fixtures on the host, musl ones included: install the toolchains they need.
if ! command -v gcc >/dev/null || ! command -v musl-gcc >/dev/null || ! command -v readelf >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc libc6-dev musl-tools binutils >/dev/null
fi
npm run --silent build
npx biome ci .
# No import cycle between files or between folders (.dependency-cruiser.cjs).
npm run --silent cycles
bash deploy/engine.sh
bash deploy/frontend-image.sh
# shellcheck source=deploy/env.sh
. deploy/env.sh
report="$(mktemp)"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="${report}" "$@" || status=$?
# One plain closing line with the counts, whatever the runner printed above it.
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "${report}" || true
rm -f "${report}"
exit "${status}"
