#!/usr/bin/env bash
# Give this machine a working Docker Engine with BuildKit + the buildx plugin,
# and the local base images the tests need (see deploy/images.sh).
#
# Run as root. Idempotent: a second run only checks that everything is there
# (seconds). Nothing is installed system-wide except mmdebstrap (apt) and the
# buildx plugin symlinks; the engine lives under ${SCRATCHKIT_PREFIX}.
#
# Why Debian .debs unpacked by hand: no container registry and no vendor
# download site is reachable, only Debian's archive. bookworm's docker.io is
# too old for recent buildx, so Engine/CLI/buildx/containerd come from sid,
# unpacked with dpkg-deb into a private prefix (no dpkg database changes).
# sid's runc needs a newer glibc than bookworm has, so runc comes from bookworm.
#
# Env knobs: SCRATCHKIT_PREFIX (/opt/scratchkit), SCRATCHKIT_ENGINE_SUITE (sid),
# SCRATCHKIT_SKIP_IMAGES=1, SCRATCHKIT_DOCKERD_LOG, SCRATCHKIT_REBUILD_IMAGES=1.
set -euo pipefail

DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/lib.sh
. "${DEPLOY_DIR}/lib.sh"
# shellcheck source=deploy/binfmt.sh
. "${DEPLOY_DIR}/binfmt.sh"
# shellcheck source=deploy/registry.sh
. "${DEPLOY_DIR}/registry.sh"

ENGINE_SUITE="${SCRATCHKIT_ENGINE_SUITE:-sid}"
# "pkg/suite" pins the suite a package is taken from.
ENGINE_PKGS=(
  "docker.io/${ENGINE_SUITE}"      # dockerd, docker-proxy, docker-init -> tini-static
  "docker-cli/${ENGINE_SUITE}"     # docker CLI matching the engine
  "docker-buildx/${ENGINE_SUITE}"  # buildx CLI plugin
  "containerd/${ENGINE_SUITE}"     # containerd + containerd-shim-runc-v2
  "tini-static/${ENGINE_SUITE}"    # static, any glibc: docker-init
  "runc/bookworm"                  # sid's runc needs glibc >= 2.38
)
STAMP_FILE="${ENGINE_ROOT}/.scratchkit-installed"
# The containerd image store: only with it does the default `docker` driver do
# multi-platform --load, OCI/docker tar outputs, attestations and cache export.
DAEMON_JSON="${SCRATCHKIT_PREFIX}/daemon.json"
DAEMON_CONFIG='{"features": {"containerd-snapshotter": true}}'

DOCKERD_FLAGS=(
  --host="unix://${DOCKER_SOCK}"
  --pidfile="${DOCKERD_PIDFILE}"
  # No iptables binary on the host, and containers only need host networking
  # (builds use --network=host) or no network at all.
  --iptables=false
  --ip6tables=false
  --ip-masq=false
  # The containerd image store (daemon.json below) picks its own snapshotter
  # (overlayfs); --storage-driver would select the classic store's graphdriver.
  --config-file="${DAEMON_JSON}"
)
ENGINE_PATH="${ENGINE_ROOT}/usr/sbin:${ENGINE_ROOT}/usr/bin"

[[ "$(id -u)" == 0 ]] || die "run as root"

# --- 1. An engine that already works (ours from a previous run, or another) ----
engine_ok() { # $1 = docker CLI
  [[ -x "$1" ]] || return 1
  "$1" buildx version >/dev/null 2>&1 && "$1" info >/dev/null 2>&1 || return 1
  local problem="" fix=""
  if ! uses_containerd_store "$1"; then
    problem="uses the classic image store"
    fix="add {\"features\": {\"containerd-snapshotter\": true}} to its daemon.json and restart it"
  elif ! default_bridge_present "$1"; then
    problem="has lost its default bridge's network device, so every build container fails"
    fix="restart it (dockerd re-creates the bridge when it starts)"
  fi
  [[ -z "${problem}" ]] && return 0
  # Ours (an older engine.sh's classic store, or a bridge another dockerd removed): restart it.
  if [[ "$1" == "${ENGINE_CLI}" ]]; then
    log "our dockerd ${problem}: restarting it"
    stop_our_dockerd
    return 1
  fi
  die "the running Docker Engine ($1) ${problem}; scratchkit needs it fixed: ${fix}"
}

# A second dockerd on this host once deleted docker0 under the running engine; dockerd does
# not notice, but every build container then fails to get its network.
default_bridge_present() { # $1 = docker CLI
  local dev
  dev="$("$1" network inspect bridge --format '{{index .Options "com.docker.network.bridge.name"}}' 2>/dev/null || true)"
  # No default bridge network (dockerd --bridge=none): nothing to lose.
  [[ -z "${dev}" || "${dev}" == "<no value>" ]] && return 0
  [[ -e "/sys/class/net/${dev}" ]]
}

uses_containerd_store() { # $1 = docker CLI
  "$1" info --format '{{json .DriverStatus}}' 2>/dev/null | grep -q 'io.containerd.snapshotter'
}

stop_our_dockerd() {
  local pid i
  pid="$(cat "${DOCKERD_PIDFILE}" 2>/dev/null || true)"
  pid_alive_as "${pid}" dockerd || return 0
  log "stopping dockerd (pid ${pid}); it is started again below"
  kill "${pid}"
  for ((i = 0; i < 120; i++)); do
    pid_alive_as "${pid}" dockerd || return 0
    sleep 0.5
  done
  die "dockerd (pid ${pid}) did not stop within 60s"
}

find_working_engine() {
  local c
  for c in "${SCRATCHKIT_DOCKER:-}" "${ENGINE_CLI}" "$(command -v docker || true)"; do
    [[ -n "${c}" ]] || continue
    if engine_ok "${c}"; then
      DOCKER_CLI="${c}"
      return 0
    fi
  done
  return 1
}

# --- 2. Fetch and unpack the .debs into ${ENGINE_ROOT} ------------------------
# A private apt config (own sources list, lists and cache), so the host's apt
# configuration and state are never touched.
private_apt() {
  apt-get \
    -o Dir::Etc::sourcelist="${APT_DIR}/sources.list" \
    -o Dir::Etc::sourceparts="${APT_DIR}/sources.list.d" \
    -o Dir::State::Lists="${APT_DIR}/lists" \
    -o Dir::Cache="${APT_DIR}/cache" \
    -o Dir::Etc::preferences="${APT_DIR}/preferences" \
    -o Dir::Etc::preferencesparts="${APT_DIR}/preferences.d" \
    -o APT::Sandbox::User=root \
    -o Debug::NoLocking=1 \
    "$@"
}

install_engine() {
  local want mirror
  want="$(printf '%s\n' "${ENGINE_PKGS[@]}")"
  if [[ -f "${STAMP_FILE}" && "$(cat "${STAMP_FILE}")" == "${want}" ]]; then
    log "engine already unpacked in ${ENGINE_ROOT}"
    return 0
  fi
  mirror="$(host_mirror_uri)"
  [[ -n "${mirror}" ]] || die "no URIs: line in ${HOST_SOURCES}"
  log "fetching ${ENGINE_PKGS[*]} from the host's Debian mirror"
  mkdir -p "${APT_DIR}/lists/partial" "${APT_DIR}/cache/archives/partial" \
    "${APT_DIR}/sources.list.d" "${APT_DIR}/preferences.d" "${APT_DIR}/debs"
  : >"${APT_DIR}/preferences"
  {
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror} ${ENGINE_SUITE} main"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror} bookworm main"
  } >"${APT_DIR}/sources.list"
  private_apt -qq update >/dev/null
  rm -f "${APT_DIR}/debs/"*.deb
  (cd "${APT_DIR}/debs" && private_apt -qq download "${ENGINE_PKGS[@]}" >/dev/null)

  # Unpack into a fresh dir, then swap it in: a half-unpacked tree never
  # looks installed.
  rm -rf "${ENGINE_ROOT}.new"
  mkdir -p "${ENGINE_ROOT}.new"
  local deb
  for deb in "${APT_DIR}/debs/"*.deb; do
    dpkg-deb -x "${deb}" "${ENGINE_ROOT}.new"
  done
  # Docs and man pages are not needed (~20 MB).
  rm -rf "${ENGINE_ROOT}.new/usr/share/doc" "${ENGINE_ROOT}.new/usr/share/man"
  (cd "${APT_DIR}/debs" && ls -1 ./*.deb) >"${ENGINE_ROOT}.new/.scratchkit-debs"
  printf '%s\n' "${want}" >"${ENGINE_ROOT}.new/.scratchkit-installed"
  rm -rf "${ENGINE_ROOT}"
  mv "${ENGINE_ROOT}.new" "${ENGINE_ROOT}"
  rm -f "${APT_DIR}/debs/"*.deb
  log "engine unpacked: $(tr '\n' ' ' <"${ENGINE_ROOT}/.scratchkit-debs")"
}

# dockerd and runc link a few shared libraries that a minimal host may lack.
ensure_host_libs() {
  local missing
  missing="$(ldd "${ENGINE_ROOT}/usr/sbin/dockerd" "${ENGINE_ROOT}/usr/sbin/runc" 2>/dev/null | grep 'not found' || true)"
  [[ -z "${missing}" ]] && return 0
  log "missing libraries: ${missing}"
  system_apt_install libseccomp2 libsystemd0 libcap2
  missing="$(ldd "${ENGINE_ROOT}/usr/sbin/dockerd" "${ENGINE_ROOT}/usr/sbin/runc" 2>/dev/null | grep 'not found' || true)"
  [[ -z "${missing}" ]] || die "still missing libraries: ${missing}"
}

# The CLI looks for plugins in ~/.docker/cli-plugins (per user) and
# /usr/local/lib/docker/cli-plugins (any HOME, e.g. a test with another HOME).
install_buildx_plugin() {
  local src="${ENGINE_ROOT}/usr/libexec/docker/cli-plugins/docker-buildx" dir
  [[ -x "${src}" ]] || die "buildx plugin missing at ${src}"
  for dir in "${DOCKER_CONFIG:-${HOME:-/root}/.docker}/cli-plugins" /usr/local/lib/docker/cli-plugins; do
    mkdir -p "${dir}"
    ln -sfn "${src}" "${dir}/docker-buildx"
  done
}

# --- 3. Start dockerd ---------------------------------------------------------
pid_alive_as() { # $1 = pid, $2 = process name
  [[ -n "$1" ]] && [[ "$(cat "/proc/$1/comm" 2>/dev/null || true)" == "$2" ]]
}

start_dockerd() {
  local pid=""
  [[ -f "${DOCKERD_PIDFILE}" ]] && pid="$(cat "${DOCKERD_PIDFILE}" 2>/dev/null || true)"
  if pid_alive_as "${pid}" dockerd; then
    # Running but not answering yet (still starting?): just wait for it below.
    log "dockerd (pid ${pid}) is running; waiting for it to answer"
  else
    # Leftovers of a dockerd that is gone (killed, or machine rebooted
    # without /var/run being a tmpfs) would make the new one refuse to start.
    rm -f "${DOCKERD_PIDFILE}" "${DOCKER_SOCK}"
    local cpid=""
    cpid="$(cat /var/run/docker/containerd/containerd.pid 2>/dev/null || true)"
    pid_alive_as "${cpid}" containerd || rm -f /var/run/docker/containerd/containerd.pid

    mkdir -p "$(dirname "${DOCKERD_LOG}")" "$(dirname "${DAEMON_JSON}")"
    printf '%s\n' "${DAEMON_CONFIG}" >"${DAEMON_JSON}"
    printf '\n==== %s scratchkit: starting dockerd %s\n' "$(date -Is)" "${DOCKERD_FLAGS[*]}" >>"${DOCKERD_LOG}"
    # setsid+nohup: dockerd must outlive this script and its session.
    # PATH: dockerd finds containerd, containerd-shim-runc-v2, runc,
    # docker-init and docker-proxy there.
    PATH="${ENGINE_PATH}:${PATH}" setsid nohup \
      "${ENGINE_ROOT}/usr/sbin/dockerd" "${DOCKERD_FLAGS[@]}" \
      </dev/null >>"${DOCKERD_LOG}" 2>&1 &
    pid=$!
    log "started dockerd (pid ${pid}), log: ${DOCKERD_LOG}"
  fi

  local i
  for ((i = 0; i < 120; i++)); do
    if "${ENGINE_CLI}" info >/dev/null 2>&1; then
      return 0
    fi
    if [[ -n "${pid}" ]] && ! kill -0 "${pid}" 2>/dev/null; then
      log "dockerd exited; last lines of ${DOCKERD_LOG}:"
      tail -n 30 "${DOCKERD_LOG}" >&2
      die "dockerd failed to start"
    fi
    sleep 0.5
  done
  log "dockerd did not answer within 60s; last lines of ${DOCKERD_LOG}:"
  tail -n 30 "${DOCKERD_LOG}" >&2
  die "dockerd not answering on ${DOCKER_SOCK}"
}

verify_engine() {
  "${DOCKER_CLI}" buildx version >/dev/null 2>&1 || die "'${DOCKER_CLI} buildx version' fails"
  # BuildKit is the default builder for the engine since 23.0; make sure.
  "${DOCKER_CLI}" buildx inspect >/dev/null 2>&1 || die "'${DOCKER_CLI} buildx inspect' fails"
}

# --- main ----------------------------------------------------------------------
T0="$(date +%s%N)"
DOCKER_CLI=""
REUSED=0
if timed "check running engine" find_working_engine; then
  REUSED=1
  log "reusing the running engine via ${DOCKER_CLI}"
else
  timed "fetch+unpack engine" install_engine
  ensure_host_libs
  install_buildx_plugin
  timed "start dockerd" start_dockerd
  DOCKER_CLI="${ENGINE_CLI}"
fi
verify_engine
# qemu's binfmt handlers: the engine then builds and runs linux/arm64 & co.
timed "qemu binfmt handlers" register_binfmt
# A registry on 127.0.0.1 for tests (cache import/export, standalone buildkitd, pushes).
timed "local registry" start_registry
mkdir -p "${SCRATCHKIT_PREFIX}"
printf '%s\n' "${DOCKER_CLI}" >"${CLI_PATH_FILE}"
export SCRATCHKIT_DOCKER="${DOCKER_CLI}"

if [[ "${SCRATCHKIT_SKIP_IMAGES:-0}" != 1 ]]; then
  # shellcheck source=deploy/images.sh
  . "${DEPLOY_DIR}/images.sh"
  build_all_images
fi

TOTAL_MS=$(( ($(date +%s%N) - T0) / 1000000 ))
cat <<EOM

scratchkit engine ready$([[ "${REUSED}" == 1 ]] && echo " (reused a running engine)").
  docker CLI:   ${DOCKER_CLI}   (also in ${CLI_PATH_FILE})
  DOCKER_HOST:  ${DOCKER_HOST:-unix://${DOCKER_SOCK}}
  dockerd log:  ${DOCKERD_LOG}   (frontend container stderr lands here)
  registry:     ${REGISTRY_ADDR} (log: ${REGISTRY_LOG})
  platforms:    $("${DOCKER_CLI}" buildx inspect 2>/dev/null | awk -F': *' '/^Platforms/ { print $2; exit }')
  engine:       $("${DOCKER_CLI}" version --format 'Engine {{.Server.Version}}, API {{.Server.APIVersion}}' 2>/dev/null || echo '?'); $("${DOCKER_CLI}" buildx version 2>/dev/null | head -n1)
  shell setup:  . ${DEPLOY_DIR}/env.sh    # puts this docker first on PATH, exports SCRATCHKIT_DOCKER
Times:
$(print_timings)
  $(fmt_ms "total" "${TOTAL_MS}")
EOM
