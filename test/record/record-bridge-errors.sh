#!/usr/bin/env bash
# Records what the engine's LLBBridge answers to file reads that fail (ReadFile/StatFile of a
# missing path, of a directory, through a file; ReadDir of a missing path or a file) into
# test/unit/fixtures/bridge-file-errors.json, for the unit tests' in-memory FrontendClient.
# Builds a probe frontend (test/record/bridge-probe.ts) as ${SCRATCHKIT_PROBE_IMAGE} and runs
# it through `# syntax=` on a small context. Needs the engine (deploy/engine.sh).
# SCRATCHKIT_PROBE_ENGINE=buildkitd runs it on a standalone buildkitd instead (binaries from
# SCRATCHKIT_BUILDKIT_DIR or ../shared/buildkit, its own root under /tmp, the probe pushed to
# the local registry 127.0.0.1:5000/<branch>/), for when the engine cannot start frontends.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck source=deploy/env.sh
. deploy/env.sh
IMAGE="${SCRATCHKIT_PROBE_IMAGE:-scratchkit/bridge-probe:dev}"
OUT=test/unit/fixtures/bridge-file-errors.json
work=$(mktemp -d)
trap 'rm -rf "${work}"' EXIT

node scripts/gen-proto.mjs
node -e '
  require("esbuild").buildSync({ entryPoints: ["test/record/bridge-probe.ts"], bundle: true, platform: "node",
    target: "node20", format: "cjs", outfile: process.argv[1], logLevel: "warning" });
' "${work}/image/probe.cjs"
printf 'FROM %s\nCOPY probe.cjs /probe.cjs\nENTRYPOINT ["node", "/probe.cjs"]\n' \
  "${SCRATCHKIT_NODE_RUNTIME_IMAGE:-scratchkit/node-runtime:20}" > "${work}/image/Dockerfile"
"${SCRATCHKIT_DOCKER}" buildx build --progress=quiet --load -t "${IMAGE}" "${work}/image" >&2

# `run_on_buildkitd --version|build`: the probe on a buildkitd of our own, stopped afterwards.
run_on_buildkitd() {
  local dir="${SCRATCHKIT_BUILDKIT_DIR:-../shared/buildkit}" branch bk="${work}/bk"
  if [ ! -f "${dir}/buildkitd.xz" ]; then
    echo "record-bridge-errors: no buildkitd.xz in ${dir} (set SCRATCHKIT_BUILDKIT_DIR)" >&2
    return 1
  fi
  mkdir -p "${bk}/bin"
  if [ "$1" = --version ]; then
    xz -dc "${dir}/buildkitd.xz" > "${bk}/bin/buildkitd" && chmod +x "${bk}/bin/buildkitd"
    "${bk}/bin/buildkitd" --version | awk '{print $3}'
    return
  fi
  xz -dc "${dir}/buildctl.xz" > "${bk}/bin/buildctl" && chmod +x "${bk}/bin/buildctl"
  branch=$(git rev-parse --abbrev-ref HEAD)
  local remote="127.0.0.1:5000/${branch}/bridge-probe:latest"
  "${SCRATCHKIT_DOCKER}" tag "${IMAGE}" "${remote}" && "${SCRATCHKIT_DOCKER}" push -q "${remote}" >&2
  printf '[registry."127.0.0.1:5000"]\n  http = true\n' > "${bk}/buildkitd.toml"
  PATH="/opt/scratchkit/engine/usr/sbin:/opt/scratchkit/engine/usr/bin:${PATH}" "${bk}/bin/buildkitd" \
    --root "${bk}/root" --addr "unix://${bk}/bk.sock" --config "${bk}/buildkitd.toml" \
    --oci-worker-net=host --containerd-worker=false 2> "${bk}/log" &
  local pid=$!
  for _ in $(seq 50); do [ -S "${bk}/bk.sock" ] && break; sleep 0.2; done
  "${bk}/bin/buildctl" --addr "unix://${bk}/bk.sock" build --progress=plain \
    --frontend gateway.v0 --opt "source=${remote}" --opt filename=probe.yaml \
    --local "context=${work}/context" --local "dockerfile=${work}/context" 2>&1
  kill "${pid}"; wait "${pid}" 2>/dev/null
  umount -R "${bk}/root" 2>/dev/null || true
}

mkdir -p "${work}/context/sub"
printf 'int main(){}\n' > "${work}/context/hello.c"
printf 'a\n' > "${work}/context/sub/a.txt"
printf '# syntax=%s\n' "${IMAGE}" > "${work}/context/probe.yaml"
set +e
if [ "${SCRATCHKIT_PROBE_ENGINE:-docker}" = buildkitd ]; then
  where="standalone buildkitd $(run_on_buildkitd --version)"
  output=$(run_on_buildkitd build)
else
  where="Docker Engine $("${SCRATCHKIT_DOCKER}" version -f '{{.Server.Version}}') (BuildKit in dockerd)"
  output=$("${SCRATCHKIT_DOCKER}" buildx build --progress=plain -f "${work}/context/probe.yaml" "${work}/context" 2>&1)
fi
set -e
json=$(printf '%s\n' "${output}" | sed -n 's/.*PROBE \([A-Za-z0-9+/=]*\) PROBE.*/\1/p' | head -n 1)
if [ -z "${json}" ]; then
  printf '%s\n' "${output}" >&2
  echo "record-bridge-errors: the probe's answer is not in buildx's output (above)" >&2
  exit 1
fi
node -e '
  const [json, where, out] = process.argv.slice(1);
  const answers = JSON.parse(Buffer.from(json, "base64").toString());
  const recorded = `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${where}: LLBBridge answers on local://context holding hello.c (13 bytes) and sub/a.txt, read by test/record/bridge-probe.ts; details are the Any type URLs only`;
  require("fs").writeFileSync(out, JSON.stringify({ recorded, answers }, null, 2) + "\n");
' "${json}" "${where}" "${OUT}"
echo "recorded ${OUT}" >&2
