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
#      SCRATCHKIT_ENGINE2_TLS=1: also listen on tcp://127.0.0.1:$SCRATCHKIT_ENGINE2_TLS_PORT
#      (23760) with --tlsverify; a CA, a server cert for 127.0.0.1 and a client cert are
#      made with openssl under <data dir>/tls (keys 0600). start then prints the tcp://
#      address and the TLS directory on a second and third line; the client files are ca.pem, cert.pem, key.pem there.
#      The unix socket stays: this script (image copies, readiness) and the tests' own
#      set-up use it without certificates, while the farm is pointed at the tcp:// one.
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
TLS="${SCRATCHKIT_ENGINE2_TLS:-}"
TLS_DIR="${DATA_DIR}/tls"
TLS_PORT="${SCRATCHKIT_ENGINE2_TLS_PORT:-23760}"

# CA, server cert (SAN IP 127.0.0.1, serverAuth) and client cert (clientAuth), once.
make_certs() {
  [[ -s "${TLS_DIR}/cert.pem" && -s "${TLS_DIR}/server-cert.pem" ]] && return 0
  command -v openssl >/dev/null || die "openssl is missing"
  mkdir -p "${TLS_DIR}"
  (
    cd "${TLS_DIR}"
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=scratchkit-${NAME}-ca" \
      -keyout ca-key.pem -out ca.pem 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server-key.pem -out server.csr 2>/dev/null
    printf '%s\n' "subjectAltName=IP:127.0.0.1" "extendedKeyUsage=serverAuth" >server.ext
    openssl x509 -req -days 30 -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
      -extfile server.ext -out server-cert.pem 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=scratchkit-${NAME}-client" -keyout key.pem -out client.csr 2>/dev/null
    printf '%s\n' "extendedKeyUsage=clientAuth" >client.ext
    openssl x509 -req -days 30 -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
      -extfile client.ext -out cert.pem 2>/dev/null
    rm -f server.csr client.csr server.ext client.ext
    chmod 0600 ca-key.pem server-key.pem key.pem
    chmod 0644 ca.pem server-cert.pem cert.pem
  ) || die "making TLS certificates in ${TLS_DIR} failed"
}

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
    local tls_args=()
    if [[ -n "${TLS}" ]]; then
      make_certs
      tls_args=(--host="tcp://127.0.0.1:${TLS_PORT}" --tlsverify --tlscacert="${TLS_DIR}/ca.pem"
        --tlscert="${TLS_DIR}/server-cert.pem" --tlskey="${TLS_DIR}/server-key.pem")
    fi
    PATH="${ENGINE_ROOT}/usr/sbin:${ENGINE_ROOT}/usr/bin:${PATH}" setsid nohup \
      "${ENGINE_ROOT}/usr/sbin/dockerd" \
      --host="unix://${SOCK}" "${tls_args[@]}" --pidfile="${PIDFILE}" \
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
  [[ -z "${TLS}" ]] || printf '%s\n' "tcp://127.0.0.1:${TLS_PORT}" "${TLS_DIR}"
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
