#!/usr/bin/env bash
# Multi-platform figures on the real engine (one run each, not a timed test):
#   qemu set-up (binfmt registration as engine.sh runs it, first foreign container start),
#   each platform's cold build of examples/hello (--no-cache, emulated arm64),
#   the go preset for linux/arm64: cross (default) vs emulated (build.cross: false), cold
#   (--no-cache and a GOCACHE outside the shared cache mount).
# Usage: SCRATCHKIT_FRONTEND_IMAGE=scratchkit/frontend:<tag> bash bench/multi-platform.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=deploy/env.sh
. "${ROOT}/deploy/env.sh"
FRONTEND="${SCRATCHKIT_FRONTEND_IMAGE:-scratchkit/frontend:dev}"
TOOLCHAIN="${SCRATCHKIT_TOOLCHAIN_IMAGE:-scratchkit/toolchain:bookworm}"
GO_IMAGE="${SCRATCHKIT_GO_IMAGE:-scratchkit/go:bookworm}"
D="${SCRATCHKIT_DOCKER}"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# ms NAME cmd...: runs cmd (output to a log), prints NAME and its wall time.
ms() {
  local name="$1" t0 rc=0
  shift
  t0="$(now_ms)"
  "$@" >>"${LOG}" 2>&1 || rc=$?
  printf '%-52s %7d ms%s\n' "${name}" $(( $(now_ms) - t0 )) "$([[ ${rc} == 0 ]] || echo "  (FAILED, see ${LOG})")"
}
LOG="$(mktemp)"
build() { # context platform extra args...
  local ctx="$1" platform="$2"
  shift 2
  "${D}" buildx build --progress=plain --no-cache --build-arg "BUILDKIT_SYNTAX=${FRONTEND}" \
    --platform "${platform}" -f "${ctx}/scratchkit.yaml" --output type=cacheonly "$@" "${ctx}"
}

echo "frontend ${FRONTEND}; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck source=deploy/binfmt.sh
ms "qemu: register binfmt handlers (engine.sh step)" bash -c ". '${ROOT}/deploy/binfmt.sh' && register_binfmt"
ms "qemu: first linux/arm64 container (true)" "${D}" run --rm --platform linux/arm64 "${TOOLCHAIN}" true
ms "native: linux/amd64 container (true)" "${D}" run --rm --platform linux/amd64 "${TOOLCHAIN}" true

HELLO="${ROOT}/examples/hello"
ms "hello linux/amd64 (cold)" build "${HELLO}" linux/amd64
ms "hello linux/arm64 (cold, emulated)" build "${HELLO}" linux/arm64
ms "hello linux/amd64,linux/arm64 (cold)" build "${HELLO}" linux/amd64,linux/arm64

GO_CTX="$(mktemp -d)"
printf 'module hello\n\ngo 1.19\n' >"${GO_CTX}/go.mod"
printf 'package main\n\nimport (\n\t"fmt"\n\t"net/http"\n)\n\nfunc main() { fmt.Println("hello from go", http.StatusOK) }\n' >"${GO_CTX}/main.go"
go_manifest() { # cross: true|false
  printf '# syntax=%s\nname: hello\npreset: go\nbuild:\n  image: %s\n  package-manager: none\n  cross: %s\n  env:\n    GOCACHE: /tmp/gocache\n' \
    "${FRONTEND}" "${GO_IMAGE}" "$1" >"${GO_CTX}/scratchkit.yaml"
}
go_manifest true
ms "go linux/arm64 cross (cold)" build "${GO_CTX}" linux/arm64
go_manifest false
ms "go linux/arm64 emulated (cold)" build "${GO_CTX}" linux/arm64
go_manifest true
ms "go linux/amd64 native (cold)" build "${GO_CTX}" linux/amd64
rm -rf "${GO_CTX}"
echo "build log: ${LOG}"
