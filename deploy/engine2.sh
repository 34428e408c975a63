#!/usr/bin/env bash
# A second Docker Engine for the build farm's tests: same unpacked engine as
# `npm run engine` (containerd image store), with its own data root, exec root,
# pidfile, socket and Linux bridge, no iptables, and the given images copied from
# the main engine. Never touches the main dockerd.
#
# Why a bridge of its own rather than --bridge=none: Engine API builds (POST /build)
# run with the "default" network, which dockerd's BuildKit maps to the network named
# bridge; without one every build fails with "network bridge not found". The bridge
# gets an address from 198.18.0.0/15 (benchmarking range) and no NAT, so build
# containers have no outside network, as on the main engine.
#
#   bash deploy/engine2.sh start [IMAGE...]   # prints the socket path on stdout
#   bash deploy/engine2.sh stop               # the daemon only
#   bash deploy/engine2.sh down               # the daemon and its bridge
#
# Env: SCRATCHKIT_ENGINE2_NAME (farm12): the directories are named after it.
set -euo pipefail
DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/lib.sh
. "${DEPLOY_DIR}/lib.sh"

NAME="${SCRATCHKIT_ENGINE2_NAME:-farm12}"
RUN_DIR="/var/run/scratchkit-engine2-${NAME}"
DATA_DIR="${SCRATCHKIT_PREFIX}/${NAME}/engine2"
SOCK="${RUN_DIR}/docker.sock"
PIDFILE="${RUN_DIR}/docker.pid"
LOG="${DATA_DIR}/dockerd.log"
BRIDGE="sk-${NAME:0:8}-br"
BRIDGE_CIDR="${SCRATCHKIT_ENGINE2_CIDR:-198.18.12.1/24}"
MAIN_CLI="${SCRATCHKIT_DOCKER:-${ENGINE_CLI}}"

alive() { local pid; pid="$(cat "${PIDFILE}" 2>/dev/null || true)"; [[ -n "${pid}" && "$(cat "/proc/${pid}/comm" 2>/dev/null)" == dockerd ]]; }

start() {
  [[ -x "${ENGINE_ROOT}/usr/sbin/dockerd" ]] || die "no engine in ${ENGINE_ROOT}: run npm run engine first"
  if ! alive; then
    rm -f "${SOCK}" "${PIDFILE}"
    mkdir -p "${RUN_DIR}" "${DATA_DIR}/data"
    printf '%s\n' '{"features": {"containerd-snapshotter": true}}' >"${DATA_DIR}/daemon.json"
    if ! ip link show "${BRIDGE}" >/dev/null 2>&1; then
      ip link add "${BRIDGE}" type bridge
      ip addr add "${BRIDGE_CIDR}" dev "${BRIDGE}"
      ip link set "${BRIDGE}" up
    fi
    PATH="${ENGINE_ROOT}/usr/sbin:${ENGINE_ROOT}/usr/bin:${PATH}" setsid nohup \
      "${ENGINE_ROOT}/usr/sbin/dockerd" \
      --host="unix://${SOCK}" --pidfile="${PIDFILE}" \
      --data-root="${DATA_DIR}/data" --exec-root="${RUN_DIR}/exec" \
      --bridge="${BRIDGE}" --iptables=false --ip6tables=false --ip-masq=false \
      --config-file="${DATA_DIR}/daemon.json" \
      </dev/null >>"${LOG}" 2>&1 &
    local i
    for ((i = 0; i < 120; i++)); do
      "${MAIN_CLI}" -H "unix://${SOCK}" info >/dev/null 2>&1 && break
      sleep 0.5
    done
    "${MAIN_CLI}" -H "unix://${SOCK}" info >/dev/null 2>&1 || { tail -n 30 "${LOG}" >&2; die "second dockerd did not answer on ${SOCK}"; }
    log "second engine up on ${SOCK} (log ${LOG})"
  fi
  local img
  for img in "$@"; do
    "${MAIN_CLI}" -H "unix://${SOCK}" image inspect "${img}" >/dev/null 2>&1 && continue
    log "copying ${img} to the second engine"
    "${MAIN_CLI}" save "${img}" | "${MAIN_CLI}" -H "unix://${SOCK}" load -q >/dev/null
  done
  echo "${SOCK}"
}

stop() {
  alive || return 0
  local pid i
  pid="$(cat "${PIDFILE}")"
  kill "${pid}"
  for ((i = 0; i < 60; i++)); do
    alive || { log "second engine stopped"; return 0; }
    sleep 0.5
  done
  kill -9 "${pid}" 2>/dev/null || true
}

# The bridge goes with the daemon (stop), not when only the daemon is stopped in a test.
remove_bridge() {
  ip link show "${BRIDGE}" >/dev/null 2>&1 && ip link del "${BRIDGE}"
  return 0
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  down) stop; remove_bridge ;;
  *) echo "usage: $0 start [IMAGE...] | stop | down" >&2; exit 2 ;;
esac
