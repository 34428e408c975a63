# shellcheck shell=bash
# Shared settings and helpers for deploy/engine.sh and deploy/images.sh.
# shellcheck disable=SC2034 # the variables are used by the scripts sourcing this
# Sourced, not executed. Every path can be overridden from the environment.

# Sourced by both scripts (images.sh also via engine.sh): load once, so the
# step timings collected so far are kept.
[[ -n "${SCRATCHKIT_LIB_LOADED:-}" ]] && return 0
SCRATCHKIT_LIB_LOADED=1

SCRATCHKIT_PREFIX="${SCRATCHKIT_PREFIX:-/opt/scratchkit}"
ENGINE_ROOT="${SCRATCHKIT_ENGINE_ROOT:-${SCRATCHKIT_PREFIX}/engine}"   # unpacked .debs
CACHE_DIR="${SCRATCHKIT_CACHE_DIR:-${SCRATCHKIT_PREFIX}/cache}"        # rootfs tarballs
APT_DIR="${SCRATCHKIT_PREFIX}/apt"                                     # private apt state
CLI_PATH_FILE="${SCRATCHKIT_PREFIX}/docker-cli-path"                   # one line: the docker CLI to use
DOCKERD_LOG="${SCRATCHKIT_DOCKERD_LOG:-/var/log/scratchkit-dockerd.log}"
DOCKER_SOCK="/var/run/docker.sock"
DOCKERD_PIDFILE="/var/run/docker.pid"
ENGINE_CLI="${ENGINE_ROOT}/usr/bin/docker"
# The host's own apt sources: we reuse its mirror (never name a host here).
HOST_SOURCES="${SCRATCHKIT_HOST_SOURCES:-/etc/apt/sources.list.d/debian.sources}"

log() { printf '[scratchkit %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Step timing: `timed NAME cmd...` runs cmd and records how long it took.
# cmd is deliberately not run under `||`: that would switch off `set -e`
# inside it. So a failing step still aborts the script (unless timed itself
# is used as a condition, as in `if timed ...`).
TIMINGS=()
timed() {
  local name="$1" start end rc
  shift
  start="$(date +%s%N)"
  "$@"
  rc=$?
  end="$(date +%s%N)"
  TIMINGS+=("$(fmt_ms "${name}" $(( (end - start) / 1000000 )))")
  return "${rc}"
}
fmt_ms() { printf '%-36s %4d.%01ds' "$1" $(( $2 / 1000 )) $(( ($2 % 1000) / 100 )); }
print_timings() {
  local t
  for t in "${TIMINGS[@]}"; do printf '  %s\n' "${t}"; done
}

# First "URIs:" value of the host's deb822 sources (the Debian mirror).
host_mirror_uri() {
  [[ -r "${HOST_SOURCES}" ]] || die "cannot read ${HOST_SOURCES} to find the Debian mirror"
  awk '/^URIs:/ { print $2; exit }' "${HOST_SOURCES}"
}

# `apt-get update` on the host at most once per script run.
SYSTEM_APT_UPDATED=0
system_apt_install() {
  if [[ "${SYSTEM_APT_UPDATED}" == 0 ]]; then
    log "apt-get update (host)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    SYSTEM_APT_UPDATED=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes apt-get install -y -qq "$@" >/dev/null
}

# Resolve the docker CLI recorded by engine.sh (fallbacks as the tests do).
resolve_docker_cli() {
  if [[ -n "${SCRATCHKIT_DOCKER:-}" ]]; then
    printf '%s\n' "${SCRATCHKIT_DOCKER}"
  elif [[ -s "${CLI_PATH_FILE}" ]]; then
    head -n1 "${CLI_PATH_FILE}"
  elif [[ -x "${ENGINE_CLI}" ]]; then
    printf '%s\n' "${ENGINE_CLI}"
  else
    command -v docker || die "no docker CLI found; run deploy/engine.sh first"
  fi
}
