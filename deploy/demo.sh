#!/usr/bin/env bash
# The main job, like the classic demo.sh: engine up, frontend image built, the hello
# example built through `# syntax=`, then shown (size, layers, files, entrypoint) and run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -d node_modules ]] || npm ci --no-audit --no-fund
bash deploy/engine.sh
npm run --silent build
bash deploy/frontend-image.sh
# shellcheck source=deploy/env.sh
. deploy/env.sh
echo "+ docker buildx build -f examples/hello/scratchkit.yaml -t scratchkit/hello:demo --load examples/hello" >&2
"${SCRATCHKIT_DOCKER}" buildx build --progress=plain \
  -f examples/hello/scratchkit.yaml -t scratchkit/hello:demo --load examples/hello
node dist/cli.cjs show-image scratchkit/hello:demo --run
