# shellcheck shell=bash
# qemu-user-static's binfmt handlers, so the engine builds and runs foreign
# platforms (linux/arm64, arm/v7, riscv64, ppc64le, s390x) under emulation.
# Sourced by engine.sh; `register_binfmt` is idempotent.
#
# Debian's package ships systemd-binfmt files (/usr/lib/binfmt.d/qemu-*.conf)
# but registers nothing without systemd, so each line goes to the kernel's
# register file here. Their F flag makes the kernel open the interpreter now,
# so it also works inside containers whose rootfs has no qemu.
# shellcheck source=deploy/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BINFMT_DIR="/proc/sys/fs/binfmt_misc"
BINFMT_CONFS="/usr/lib/binfmt.d"
BINFMT_WANTED=(aarch64 arm riscv64 ppc64le s390x)

register_binfmt() {
  [[ -d "${BINFMT_CONFS}" && -f "${BINFMT_CONFS}/qemu-aarch64.conf" ]] || system_apt_install qemu-user-static
  if [[ ! -f "${BINFMT_DIR}/register" ]]; then
    mount -t binfmt_misc binfmt_misc "${BINFMT_DIR}" ||
      die "cannot mount binfmt_misc on ${BINFMT_DIR}: this machine forbids foreign-platform emulation"
  fi
  local arch conf line
  for arch in "${BINFMT_WANTED[@]}"; do
    [[ -e "${BINFMT_DIR}/qemu-${arch}" ]] && continue
    conf="${BINFMT_CONFS}/qemu-${arch}.conf"
    [[ -f "${conf}" ]] || die "qemu-user-static has no ${conf}"
    line="$(grep -v '^#' "${conf}" | head -n1)"
    printf '%s' "${line}" >"${BINFMT_DIR}/register" || die "registering qemu-${arch} failed"
    log "registered qemu-${arch}"
  done
}
