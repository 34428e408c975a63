#!/usr/bin/env bash
# A standalone BuildKit daemon (upstream buildkitd, what buildx's remote,
# docker-container and kubernetes drivers run) next to the main Docker Engine,
# for the tests that check scratchkit there too.
#
#   bash deploy/buildkitd.sh start      start it (idempotent); prints KEY=VALUE lines
#   bash deploy/buildkitd.sh stop       stop it (its state stays for the next start)
#   bash deploy/buildkitd.sh purge      stop it and remove its state (root, config, log)
#   bash deploy/buildkitd.sh env        the KEY=VALUE lines without starting anything
#   bash deploy/buildkitd.sh push IMG.. push main-engine images to the local registry
#                                       (prints IMG=REGISTRY_REF lines)
#
# Binaries: ${SCRATCHKIT_BUILDKIT_DIR} (a directory holding buildkitd.xz and
# buildctl.xz), else ../shared/buildkit/ next to the repository (or in a directory
# above it); neither → exit 3
# with a message saying so. They are unpacked once into
# ${SCRATCHKIT_PREFIX}/buildkit/<sha256 of the .xz>/ (outside the repository) and
# checked against the sha256 recorded at unpacking before each start.
#
# The daemon has its own root, socket, pidfile, log and buildkitd.toml under
# ${SCRATCHKIT_PREFIX}/buildkitd/${SCRATCHKIT_BUILDKITD_NAME}/ (default name
# "dev"; the e2e tests use "e2e"); it never touches /var/run/docker.sock
# or the engine's containerd: OCI worker on overlayfs, no containerd worker,
# host network (no bridge, no iptables), runc from the engine's prefix.
#
# buildkitd cannot see the engine's images: its buildkitd.toml marks the local
# registry (deploy/registry.sh) plain HTTP and mirrors docker.io to
# ${BUILDKITD_MIRROR}, so `scratchkit/toolchain:bookworm` in a manifest pulls
# ${BUILDKITD_MIRROR}/scratchkit/toolchain:bookworm once `push` put it there.
#
# Sourced (by tests or scripts) it only defines the functions and variables.
set -euo pipefail

BK_DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/lib.sh
. "${BK_DEPLOY_DIR}/lib.sh"
# shellcheck source=deploy/registry.sh
. "${BK_DEPLOY_DIR}/registry.sh"

BUILDKITD_NAME="${SCRATCHKIT_BUILDKITD_NAME:-dev}"
[[ "${BUILDKITD_NAME}" =~ ^[A-Za-z0-9_.-]+$ ]] || die "SCRATCHKIT_BUILDKITD_NAME must be a plain name, not ${BUILDKITD_NAME}"
BUILDKIT_CACHE="${SCRATCHKIT_PREFIX}/buildkit"
BUILDKITD_STATE="${SCRATCHKIT_PREFIX}/buildkitd/${BUILDKITD_NAME}"
BUILDKITD_ROOT="${BUILDKITD_STATE}/root"
BUILDKITD_CONFIG="${BUILDKITD_STATE}/buildkitd.toml"
BUILDKITD_PIDFILE="${BUILDKITD_STATE}/buildkitd.pid"
BUILDKITD_LOG="${BUILDKITD_STATE}/buildkitd.log"
# A short path: unix socket paths are limited to 107 bytes.
BUILDKITD_SOCK="/run/scratchkit-buildkitd/${BUILDKITD_NAME}.sock"
BUILDKITD_ADDR="unix://${BUILDKITD_SOCK}"
# Where `push` puts images, and the docker.io mirror buildkitd pulls through
# (the registry prefix of the branch that added this script).
BUILDKITD_MIRROR="${SCRATCHKIT_BUILDKITD_MIRROR:-${REGISTRY_ADDR}/buildkitd}"
BUILDKIT_BINARIES=(buildkitd buildctl)
# Exit status when no binaries are found, so callers tell "missing" from "broken".
BUILDKIT_MISSING_STATUS=3

# The directory holding buildkitd.xz and buildctl.xz; exits loudly without one.
buildkit_source_dir() {
  local fallback b d
  # ../shared/buildkit next to the repository; a clone kept deeper (CI's) finds the
  # same directory further up.
  d="$(cd "${BK_DEPLOY_DIR}/../.." && pwd)"
  fallback="${d}/shared/buildkit"
  while [[ ! -f "${d}/shared/buildkit/buildkitd.xz" && "${d}" != "/" ]]; do d="$(dirname "${d}")"; done
  [[ -f "${d}/shared/buildkit/buildkitd.xz" ]] && fallback="${d}/shared/buildkit"
  if [[ -n "${SCRATCHKIT_BUILDKIT_DIR:-}" ]]; then
    for b in "${BUILDKIT_BINARIES[@]}"; do
      [[ -f "${SCRATCHKIT_BUILDKIT_DIR}/${b}.xz" ]] || {
        log "ERROR: SCRATCHKIT_BUILDKIT_DIR=${SCRATCHKIT_BUILDKIT_DIR} has no ${b}.xz"
        exit "${BUILDKIT_MISSING_STATUS}"
      }
    done
    printf '%s\n' "${SCRATCHKIT_BUILDKIT_DIR}"
  elif [[ -f "${fallback}/buildkitd.xz" && -f "${fallback}/buildctl.xz" ]]; then
    printf '%s\n' "${fallback}"
  else
    log "ERROR: no BuildKit binaries: SCRATCHKIT_BUILDKIT_DIR is not set and ${fallback} has no buildkitd.xz/buildctl.xz"
    log "       set SCRATCHKIT_BUILDKIT_DIR to a directory holding buildkitd.xz and buildctl.xz (BuildKit v0.32.2)"
    exit "${BUILDKIT_MISSING_STATUS}"
  fi
}

# Unpacks the binaries (once per .xz content) and checks them; sets BUILDKIT_BIN.
BUILDKIT_BIN=""
buildkit_unpack() {
  local src key dir tmp b
  src="$(buildkit_source_dir)"
  key="$(cat "${src}/buildkitd.xz" "${src}/buildctl.xz" | sha256sum | cut -c1-16)"
  dir="${BUILDKIT_CACHE}/${key}"
  if [[ ! -f "${dir}/SHA256SUMS" ]]; then
    log "unpacking buildkitd and buildctl from ${src} into ${dir}"
    mkdir -p "${BUILDKIT_CACHE}"
    # Unpack beside, then rename: another session never sees a half-written binary.
    tmp="$(mktemp -d "${BUILDKIT_CACHE}/.unpack.XXXXXX")"
    for b in "${BUILDKIT_BINARIES[@]}"; do
      xz -dc "${src}/${b}.xz" >"${tmp}/${b}"
      chmod 0755 "${tmp}/${b}"
    done
    (cd "${tmp}" && sha256sum "${BUILDKIT_BINARIES[@]}" >SHA256SUMS)
    chmod 0755 "${tmp}"
    mv -T "${tmp}" "${dir}" 2>/dev/null || rm -rf "${tmp}" # lost a race: the other copy is the same
  fi
  (cd "${dir}" && sha256sum --quiet -c SHA256SUMS >&2) ||
    die "the unpacked BuildKit binaries in ${dir} do not match their sha256 (remove ${dir} to unpack again)"
  BUILDKIT_BIN="${dir}"
}

buildkitd_config() {
  cat <<EOT
# Written by deploy/buildkitd.sh.
[worker.oci]
  enabled = true
[worker.containerd]
  enabled = false
# The local registry is plain HTTP; docker.io is unreachable, so it is mirrored there.
[registry."${REGISTRY_ADDR}"]
  http = true
[registry."docker.io"]
  mirrors = ["${BUILDKITD_MIRROR}"]
EOT
}

buildkitd_pid() {
  local pid
  pid="$(cat "${BUILDKITD_PIDFILE}" 2>/dev/null || true)"
  [[ -n "${pid}" && "$(cat "/proc/${pid}/comm" 2>/dev/null || true)" == buildkitd ]] || return 1
  printf '%s\n' "${pid}"
}

buildkitd_answers() {
  "${BUILDKIT_BIN}/buildctl" --addr "${BUILDKITD_ADDR}" debug workers >/dev/null 2>&1
}

# Milliseconds from launching buildkitd to its first answer (0 when it was already running).
BUILDKITD_READY_MS=0
buildkitd_start() {
  buildkit_unpack
  local pid i launched="" runc_dir="${ENGINE_ROOT}/usr/sbin"
  if pid="$(buildkitd_pid)"; then
    log "buildkitd ${BUILDKITD_NAME} already running (pid ${pid})"
  else
    [[ -x "${runc_dir}/runc" ]] || die "no runc at ${runc_dir}/runc: run deploy/engine.sh first"
    start_registry
    mkdir -p "${BUILDKITD_ROOT}" "$(dirname "${BUILDKITD_SOCK}")"
    buildkitd_config >"${BUILDKITD_CONFIG}"
    rm -f "${BUILDKITD_SOCK}"
    printf '\n==== %s scratchkit: starting buildkitd %s\n' "$(date -Is)" "${BUILDKITD_NAME}" >>"${BUILDKITD_LOG}"
    launched="$(date +%s%N)"
    # setsid+nohup: the daemon outlives this script; the caller stops it with `stop`.
    PATH="${runc_dir}:${PATH}" setsid nohup "${BUILDKIT_BIN}/buildkitd" \
      --config "${BUILDKITD_CONFIG}" \
      --root "${BUILDKITD_ROOT}" \
      --addr "${BUILDKITD_ADDR}" \
      --oci-worker-snapshotter=overlayfs \
      --containerd-worker=false \
      --oci-worker-net=host \
      --oci-worker-binary="${runc_dir}/runc" \
      </dev/null >>"${BUILDKITD_LOG}" 2>&1 &
    pid=$!
    printf '%s\n' "${pid}" >"${BUILDKITD_PIDFILE}"
    log "started buildkitd ${BUILDKITD_NAME} (pid ${pid}), log: ${BUILDKITD_LOG}"
  fi
  for ((i = 0; i < 400; i++)); do
    if buildkitd_answers; then
      [[ -z "${launched}" ]] || BUILDKITD_READY_MS=$(( ($(date +%s%N) - launched) / 1000000 ))
      return 0
    fi
    if ! kill -0 "${pid}" 2>/dev/null; then
      tail -n 30 "${BUILDKITD_LOG}" >&2
      die "buildkitd exited; log: ${BUILDKITD_LOG}"
    fi
    sleep 0.05
  done
  tail -n 30 "${BUILDKITD_LOG}" >&2
  die "buildkitd did not answer on ${BUILDKITD_ADDR} within 20s"
}

buildkitd_stop() {
  local pid i
  pid="$(buildkitd_pid)" || {
    log "buildkitd ${BUILDKITD_NAME} is not running"
    rm -f "${BUILDKITD_PIDFILE}"
    return 0
  }
  kill "${pid}"
  for ((i = 0; i < 120; i++)); do
    if ! kill -0 "${pid}" 2>/dev/null; then
      rm -f "${BUILDKITD_PIDFILE}" "${BUILDKITD_SOCK}"
      log "stopped buildkitd ${BUILDKITD_NAME} (pid ${pid})"
      return 0
    fi
    sleep 0.25
  done
  die "buildkitd (pid ${pid}) did not stop within 30s"
}

# What callers need, one KEY=VALUE a line.
buildkitd_env() {
  printf 'BUILDKIT_HOST=%s\n' "${BUILDKITD_ADDR}"
  printf 'BUILDCTL=%s\n' "${BUILDKIT_BIN}/buildctl"
  printf 'BUILDKITD_MIRROR=%s\n' "${BUILDKITD_MIRROR}"
  printf 'BUILDKITD_LOG=%s\n' "${BUILDKITD_LOG}"
}

# Pushes each main-engine image to the mirror under the same docker.io path
# (scratchkit/frontend:x → ${BUILDKITD_MIRROR}/scratchkit/frontend:x), where
# buildkitd pulls it for a manifest that names it as the engine knows it.
buildkitd_push() {
  local docker img ref
  docker="$(resolve_docker_cli)"
  start_registry
  for img in "$@"; do
    [[ "${img}" =~ ^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9_.-]+)?$ && "${img}" != */*/* ]] ||
      die "push takes docker.io short names (user/name:tag), not ${img}"
    # docker.io's official images live under library/.
    if [[ "${img}" == */* ]]; then ref="${BUILDKITD_MIRROR}/${img}"; else ref="${BUILDKITD_MIRROR}/library/${img}"; fi
    "${docker}" tag "${img}" "${ref}"
    "${docker}" push --quiet "${ref}" >/dev/null || die "docker push ${ref} failed"
    # The tag was only the push's handle; the main engine keeps its own name.
    "${docker}" image rm "${ref}" >/dev/null
    printf '%s=%s\n' "${img}" "${ref}"
  done
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  [[ "$(id -u)" == 0 ]] || die "run as root"
  case "${1:-}" in
    start)
      start="$(date +%s%N)"
      buildkitd_start
      log "buildkitd ${BUILDKITD_NAME} answers on ${BUILDKITD_ADDR} ($(( ($(date +%s%N) - start) / 1000000 )) ms)"
      buildkitd_env
      printf 'BUILDKITD_READY_MS=%s\n' "${BUILDKITD_READY_MS}"
      ;;
    stop) buildkitd_stop ;;
    purge)
      buildkitd_stop
      rm -rf "${BUILDKITD_STATE:?}"
      ;;
    env)
      buildkit_unpack
      buildkitd_env
      ;;
    push)
      shift
      buildkitd_push "$@"
      ;;
    *) die "usage: $0 start|stop|purge|env|push IMAGE..." ;;
  esac
fi
