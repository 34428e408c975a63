#!/usr/bin/env bash
# Builds the frontend image scratchkit/frontend:dev from the top-level Dockerfile.
# Offline, both stages use the local Node images deploy/engine.sh assembles; `npm ci`
# inside needs the npm registry, hence --network=host (the bridge has no NAT here).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=deploy/env.sh
. deploy/env.sh
TAG="${SCRATCHKIT_FRONTEND_IMAGE:-scratchkit/frontend:dev}"
start=$(date +%s%N)
"${SCRATCHKIT_DOCKER}" buildx build \
  --network=host \
  --build-arg "BUILD_IMAGE=${SCRATCHKIT_NODE_IMAGE:-scratchkit/node:20}" \
  --build-arg "RUNTIME_IMAGE=${SCRATCHKIT_NODE_RUNTIME_IMAGE:-scratchkit/node-runtime:20}" \
  --progress="${SCRATCHKIT_PROGRESS:-plain}" \
  --load -t "${TAG}" -f Dockerfile . >&2
ms=$(( ($(date +%s%N) - start) / 1000000 ))
size=$("${SCRATCHKIT_DOCKER}" image inspect -f '{{.Size}}' "${TAG}")
echo "frontend image ${TAG}: ${size} bytes, built in ${ms} ms" >&2
