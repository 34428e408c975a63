#!/usr/bin/env bash
# A second Debian docker-registry with htpasswd (bcrypt) auth, for the farm's push-with-
# credentials test: plain HTTP on 127.0.0.1 (dockerd treats 127.0.0.0/8 as insecure), its own
# storage and pidfile under a directory named after the branch. The bcrypt entry is made by
# Python's crypt module (libcrypt's $2b$), which Debian's python3 ships: no extra package.
#
#   SCRATCHKIT_AUTH_REGISTRY_PASSWORD=... bash deploy/registry-auth.sh start USER   # prints ADDR
#   bash deploy/registry-auth.sh stop
#
# Env: SCRATCHKIT_AUTH_REGISTRY_ADDR (127.0.0.1:5012), SCRATCHKIT_AUTH_REGISTRY_NAME (farm12).
set -euo pipefail
# shellcheck source=deploy/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ADDR="${SCRATCHKIT_AUTH_REGISTRY_ADDR:-127.0.0.1:5012}"
ROOT="${SCRATCHKIT_PREFIX}/${SCRATCHKIT_AUTH_REGISTRY_NAME:-farm12}/registry-auth"
PIDFILE="${ROOT}/registry.pid"

alive() { local pid; pid="$(cat "${PIDFILE}" 2>/dev/null || true)"; [[ -n "${pid}" ]] && kill -0 "${pid}" 2>/dev/null; }

start() {
  local user="${1:?usage: registry-auth.sh start USER (password in SCRATCHKIT_AUTH_REGISTRY_PASSWORD)}"
  [[ -n "${SCRATCHKIT_AUTH_REGISTRY_PASSWORD:-}" ]] || die "set SCRATCHKIT_AUTH_REGISTRY_PASSWORD"
  command -v docker-registry >/dev/null 2>&1 || system_apt_install docker-registry
  stop
  mkdir -p "${ROOT}/data"
  # The password goes through the environment, never a command line.
  REG_USER="${user}" python3 -c '
import crypt, os, sys
sys.stdout.write("%s:%s\n" % (os.environ["REG_USER"], crypt.crypt(os.environ["SCRATCHKIT_AUTH_REGISTRY_PASSWORD"], crypt.mksalt(crypt.METHOD_BLOWFISH))))
' 2>/dev/null >"${ROOT}/htpasswd"
  cat >"${ROOT}/config.yml" <<EOC
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: ${ROOT}/data
auth:
  htpasswd:
    realm: scratchkit-farm
    path: ${ROOT}/htpasswd
http:
  addr: ${ADDR}
EOC
  setsid nohup docker-registry serve "${ROOT}/config.yml" </dev/null >>"${ROOT}/registry.log" 2>&1 &
  echo $! >"${PIDFILE}"
  local i code
  for ((i = 0; i < 60; i++)); do
    code="$(curl -s -o /dev/null -w '%{http_code}' "http://${ADDR}/v2/" || true)"
    [[ "${code}" == 401 ]] && { log "registry with htpasswd auth on ${ADDR}"; echo "${ADDR}"; return 0; }
    sleep 0.25
  done
  tail -n 20 "${ROOT}/registry.log" >&2
  die "the auth registry did not answer 401 on ${ADDR}"
}

stop() {
  alive || return 0
  kill "$(cat "${PIDFILE}")"
  rm -f "${PIDFILE}"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  *) echo "usage: $0 start USER | stop" >&2; exit 2 ;;
esac
