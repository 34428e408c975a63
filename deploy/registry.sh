# shellcheck shell=bash
# A local image registry (Debian's docker-registry, distribution 2.8) on
# 127.0.0.1 only: the tests push there and import/export caches, and a
# standalone buildkitd pulls the frontend and base images from it.
# Sourced by engine.sh; `start_registry` is idempotent. Plain HTTP: the
# engine treats 127.0.0.0/8 registries as insecure by default.
# shellcheck source=deploy/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REGISTRY_ADDR="${SCRATCHKIT_REGISTRY_ADDR:-127.0.0.1:5000}"
REGISTRY_ROOT="${SCRATCHKIT_PREFIX}/registry"
REGISTRY_CONFIG="${REGISTRY_ROOT}/config.yml"
REGISTRY_PIDFILE="${REGISTRY_ROOT}/registry.pid"
REGISTRY_LOG="${REGISTRY_ROOT}/registry.log"

registry_up() {
  curl -fsS -o /dev/null "http://${REGISTRY_ADDR}/v2/" 2>/dev/null
}

start_registry() {
  command -v docker-registry >/dev/null 2>&1 || system_apt_install docker-registry
  registry_up && return 0
  mkdir -p "${REGISTRY_ROOT}/data"
  # Our own config: the package's default listens on every interface and
  # wants htpasswd auth.
  cat >"${REGISTRY_CONFIG}" <<EOC
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: ${REGISTRY_ROOT}/data
  delete:
    enabled: true
http:
  addr: ${REGISTRY_ADDR}
EOC
  setsid nohup docker-registry serve "${REGISTRY_CONFIG}" </dev/null >>"${REGISTRY_LOG}" 2>&1 &
  echo $! >"${REGISTRY_PIDFILE}"
  local i
  for ((i = 0; i < 60; i++)); do
    registry_up && { log "registry on ${REGISTRY_ADDR} (pid $(cat "${REGISTRY_PIDFILE}"))"; return 0; }
    sleep 0.25
  done
  tail -n 20 "${REGISTRY_LOG}" >&2
  die "the registry did not answer on ${REGISTRY_ADDR}"
}
