#!/usr/bin/env bash
# Local base images for scratchkit's tests. No container registry is
# reachable, so nothing can be pulled: every image is made here.
#
#   scratchkit/toolchain:bookworm  Debian bookworm minbase + gcc, libc6-dev,
#                                  musl-tools, binutils, file, ca-certificates,
#                                  ccache;
#                                  an index for linux/amd64 and linux/arm64
#                                  (mmdebstrap per architecture, arm64 through
#                                  qemu, then one multi-platform FROM scratch build)
#   scratchkit/go:bookworm         toolchain + golang-go (bookworm's Go 1.19), for
#                                  the go preset; an index like the toolchain
#   scratchkit/node:20             toolchain + the host's node 20 and npm, for
#                                  the build stage (`npm ci`, esbuild/tsc);
#                                  built FROM the toolchain, so layers are shared
#   scratchkit/node-runtime:20     only node (without its symbol table and debug
#                                  info: 12.6 MB of 99 that never run), its shared
#                                  libraries, /tmp (1777) and a minimal /etc/passwd:
#                                  runtime stage; SCRATCHKIT_NODE_RUNTIME_IMAGE
#                                  names another tag (a branch's own, to compare)
#
# Each image carries a label org.scratchkit.recipe = hash of what it was made
# from; an image is (re)made only when missing or when that hash changed.
# The mmdebstrap tarball is cached in ${CACHE_DIR}, so remaking is quick too.
#
# Sourced by engine.sh, or run alone: `bash deploy/images.sh` (engine running).
set -euo pipefail

IMAGES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/lib.sh
. "${IMAGES_DIR}/lib.sh"

TOOLCHAIN_IMAGE="scratchkit/toolchain:bookworm"
GO_IMAGE="scratchkit/go:bookworm"
GO_PACKAGES="golang-go"
NODE_IMAGE="scratchkit/node:20"
NODE_RUNTIME_IMAGE="${SCRATCHKIT_NODE_RUNTIME_IMAGE:-scratchkit/node-runtime:20}"
RECIPE_LABEL="org.scratchkit.recipe"
HOST_NODE="${SCRATCHKIT_HOST_NODE:-/usr/bin/node}"
HOST_NPM_DIR="${SCRATCHKIT_HOST_NPM_DIR:-/usr/lib/node_modules/npm}"
# Extra CAs the host trusts (this workplace's egress proxy re-signs TLS): the
# node image gets them too, or `npm ci` in a build fails with
# SELF_SIGNED_CERT_IN_CHAIN.
HOST_LOCAL_CAS="/usr/local/share/ca-certificates"
# ca-certificates: for https inside builds (npm registry, apt over https).
# ccache: the c/c++ presets compile through it when the image has it (package-manager none).
TOOLCHAIN_INCLUDE="gcc,libc6-dev,musl-tools,binutils,file,ca-certificates,ccache"
# Debian architectures of the toolchain index.
TOOLCHAIN_ARCHES=(amd64 arm64)
IMAGE_PATH_ENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Fixed timestamps: mmdebstrap and tar then give the same bytes for the same
# packages (docker import still stamps its own creation time on the image).
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-1704067200}" # 2024-01-01

sha() { sha256sum | cut -c1-16; }

# Shared libraries of a binary as ldd prints them, plus the loader.
ldd_paths() {
  ldd "$1" | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }' | sort -u
}

# What the host's node and npm are, cheaply (no hashing of 100 MB).
node_fingerprint() {
  [[ -x "${HOST_NODE}" ]] || die "no node at ${HOST_NODE}"
  [[ -f "${HOST_NPM_DIR}/package.json" ]] || die "no npm at ${HOST_NPM_DIR}"
  "${HOST_NODE}" --version
  stat -c '%s %Y' "${HOST_NODE}"
  grep -m1 '"version"' "${HOST_NPM_DIR}/package.json"
}

local_cas_fingerprint() {
  if [[ -d "${HOST_LOCAL_CAS}" ]]; then
    find "${HOST_LOCAL_CAS}" -type f -name '*.crt' -print0 | sort -z | xargs -0r cat | sha
  fi
}

image_recipe() { # $1 = image; prints its recipe label, or nothing
  "${DOCKER_CLI}" image inspect --format "{{ index .Config.Labels \"${RECIPE_LABEL}\" }}" "$1" 2>/dev/null || true
}

image_current() { # $1 = image, $2 = recipe hash
  [[ "${SCRATCHKIT_REBUILD_IMAGES:-0}" != 1 && "$(image_recipe "$1")" == "$2" ]]
}

ensure_mmdebstrap() {
  command -v mmdebstrap >/dev/null 2>&1 || system_apt_install mmdebstrap
}

# mmdebstrap_cached NAME KEY mmdebstrap-args...
# Builds ${CACHE_DIR}/NAME-KEY.tar unless it exists (removing older NAME-*.tar)
# and sets ROOTFS_TAR to its path.
ROOTFS_TAR=""
mmdebstrap_cached() {
  local name="$1" key="$2" tar
  shift 2
  tar="${CACHE_DIR}/${name}-${key}.tar"
  if [[ ! -f "${tar}" ]]; then
    ensure_mmdebstrap
    mkdir -p "${CACHE_DIR}"
    log "mmdebstrap ${name} (about a minute)"
    # The host's deb822 sources file is passed as the "mirror": the rootfs
    # uses the same mirror (bookworm, -updates, -security) and keeps it as its
    # apt sources, so `apt-get update` in a build step works with host network.
    # force-unsafe-io: no fsync per file in dpkg (about 25% faster here);
    # it stays in the image's dpkg config, which also speeds up apt in builds.
    if ! mmdebstrap --mode=root --format=tar --quiet --dpkgopt=force-unsafe-io "$@" bookworm "${tar}.tmp" "${HOST_SOURCES}" \
      >"${CACHE_DIR}/${name}.log" 2>&1; then
      tail -n 30 "${CACHE_DIR}/${name}.log" >&2
      rm -rf "${tar}.tmp"
      die "mmdebstrap ${name} failed (log: ${CACHE_DIR}/${name}.log)"
    fi
    find "${CACHE_DIR}" -maxdepth 1 -name "${name}-*.tar" -delete
    mv "${tar}.tmp" "${tar}"
  fi
  ROOTFS_TAR="${tar}"
}

import_image() { # $1 = image, $2 = recipe, $3 = tarball or "-", rest = extra --change
  local image="$1" recipe="$2" src="$3"
  shift 3
  local changes=(--change "ENV ${IMAGE_PATH_ENV}" --change "LABEL ${RECIPE_LABEL}=${recipe}")
  local c
  for c in "$@"; do changes+=(--change "${c}"); done
  "${DOCKER_CLI}" import "${changes[@]}" "${src}" "${image}" >/dev/null
  log "imported ${image} ($("${DOCKER_CLI}" image inspect --format '{{.Size}}' "${image}" | numfmt --to=iec))"
}

# One rootfs per architecture; the foreign one (arm64 on an amd64 host) runs
# its maintainer scripts through qemu-user-static, so it takes minutes.
toolchain_arch_key() { # $1 = Debian architecture
  printf '%s\n' "v3" "${TOOLCHAIN_INCLUDE}" "$(cat "${HOST_SOURCES}")" "$1" | sha
}

toolchain_rootfs() { # $1 = Debian architecture; sets ROOTFS_TAR
  mmdebstrap_cached "toolchain-${1}" "$(toolchain_arch_key "$1")" \
    --variant=minbase --architectures="$1" --include="${TOOLCHAIN_INCLUDE}"
}

# The toolchain is an image index (linux/amd64 + linux/arm64): a FROM scratch
# build per platform ADDs that platform's rootfs, and the multi-platform --load
# stores the index (containerd image store).
build_toolchain_image() {
  local recipe arch ctx platforms=()
  recipe="$(for arch in "${TOOLCHAIN_ARCHES[@]}"; do toolchain_arch_key "${arch}"; done | sha)"
  if image_current "${TOOLCHAIN_IMAGE}" "${recipe}" && image_has_platforms "${TOOLCHAIN_IMAGE}"; then
    log "${TOOLCHAIN_IMAGE} up to date"
    return 0
  fi
  ctx="$(mktemp -d)"
  for arch in "${TOOLCHAIN_ARCHES[@]}"; do
    timed "rootfs toolchain ${arch}" toolchain_rootfs "${arch}"
    # A hard link (same filesystem) or a copy: the build context needs the file.
    ln "${ROOTFS_TAR}" "${ctx}/rootfs-${arch}.tar" 2>/dev/null || cp "${ROOTFS_TAR}" "${ctx}/rootfs-${arch}.tar"
    platforms+=("linux/${arch}")
  done
  cat >"${ctx}/Dockerfile" <<'EOD'
FROM scratch
ARG TARGETARCH
ADD rootfs-${TARGETARCH}.tar /
EOD
  printf 'ENV %s\nCMD ["/bin/bash"]\n' "${IMAGE_PATH_ENV}" >>"${ctx}/Dockerfile"
  build_index "${TOOLCHAIN_IMAGE}" "${recipe}" "${ctx}" "$(IFS=,; echo "${platforms[*]}")"
  rm -rf "${ctx}"
}

# Every platform of TOOLCHAIN_ARCHES is in the image (an older single-platform
# image with the same label is remade).
image_has_platforms() { # $1 = image
  local have arch
  for arch in "${TOOLCHAIN_ARCHES[@]}"; do
    have="$("${DOCKER_CLI}" image inspect --platform "linux/${arch}" --format '{{.Architecture}}' "$1" 2>/dev/null || true)"
    [[ "${have}" == "${arch}" ]] || return 1
  done
}

# build_index IMAGE RECIPE CONTEXT PLATFORMS [build args...]: a multi-platform
# build loaded as one index, labelled with its recipe.
build_index() {
  local image="$1" recipe="$2" ctx="$3" platforms="$4"
  shift 4
  if ! "${DOCKER_CLI}" buildx build --load --quiet --provenance=false \
    --platform "${platforms}" "$@" \
    --label "${RECIPE_LABEL}=${recipe}" -t "${image}" "${ctx}" >"${ctx}/build.log" 2>&1; then
    cat "${ctx}/build.log" >&2
    rm -rf "${ctx}"
    die "building ${image} failed"
  fi
  log "built ${image} for ${platforms} ($("${DOCKER_CLI}" image inspect --format '{{.Size}}' "${image}" | numfmt --to=iec) on this platform)"
}

# go = toolchain + bookworm's golang-go, for both platforms: the go preset cross-compiles
# on the build platform and, emulated, runs the arm64 go under qemu. apt needs the host
# network (the mirror); the arm64 variant's dpkg runs under qemu (minutes).
build_go_image() {
  local recipe ctx
  recipe="$(printf '%s\n' "v1" "$(image_recipe "${TOOLCHAIN_IMAGE}")" "${GO_PACKAGES}" | sha)"
  if image_current "${GO_IMAGE}" "${recipe}"; then
    log "${GO_IMAGE} up to date"
    return 0
  fi
  ctx="$(mktemp -d)"
  cat >"${ctx}/Dockerfile" <<EOD
FROM ${TOOLCHAIN_IMAGE}
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${GO_PACKAGES} >/dev/null \\
  && rm -rf /var/lib/apt/lists/* && go version
EOD
  build_index "${GO_IMAGE}" "${recipe}" "${ctx}" "$(printf 'linux/%s,' "${TOOLCHAIN_ARCHES[@]}" | sed 's/,$//')" --network=host
  rm -rf "${ctx}"
}

# node:20 = toolchain + host node/npm, via a tiny docker build (shared base
# layers, and the RUN checks that node and npm work in the image). The host is
# bookworm too, so the toolchain already has node's libraries (libstdc++6).
build_node_image() {
  local recipe base_recipe ctx
  base_recipe="$(image_recipe "${TOOLCHAIN_IMAGE}")"
  recipe="$(printf '%s\n' "v2" "${base_recipe}" "$(node_fingerprint)" "$(local_cas_fingerprint)" | sha)"
  if image_current "${NODE_IMAGE}" "${recipe}"; then
    log "${NODE_IMAGE} up to date"
    return 0
  fi
  ctx="$(mktemp -d)"
  mkdir -p "${ctx}/rootfs/usr/local/share/ca-certificates"
  tar -C / -cf - "${HOST_NODE#/}" "${HOST_NPM_DIR#/}" | tar -C "${ctx}/rootfs" -xf -
  ln -sfn "../lib/node_modules/npm/bin/npm-cli.js" "${ctx}/rootfs/usr/bin/npm"
  ln -sfn "../lib/node_modules/npm/bin/npx-cli.js" "${ctx}/rootfs/usr/bin/npx"
  if [[ -d "${HOST_LOCAL_CAS}" ]]; then
    cp -a "${HOST_LOCAL_CAS}/." "${ctx}/rootfs/usr/local/share/ca-certificates/"
  fi
  cat >"${ctx}/Dockerfile" <<EOD
FROM ${TOOLCHAIN_IMAGE}
COPY rootfs/ /
RUN update-ca-certificates >/dev/null && node --version && npm --version
# node reads only its bundled CAs unless told otherwise.
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
EOD
  if ! "${DOCKER_CLI}" buildx build --load --quiet --network=none \
    --label "${RECIPE_LABEL}=${recipe}" -t "${NODE_IMAGE}" "${ctx}" >"${ctx}/build.log" 2>&1; then
    cat "${ctx}/build.log" >&2
    rm -rf "${ctx}"
    die "building ${NODE_IMAGE} failed"
  fi
  rm -rf "${ctx}"
  log "built ${NODE_IMAGE} ($("${DOCKER_CLI}" image inspect --format '{{.Size}}' "${NODE_IMAGE}" | numfmt --to=iec))"
}

# Minimal runtime: no shell, no package manager; only what `node app.js` needs.
build_node_runtime_image() {
  local recipe stage lib
  recipe="$(printf '%s\n' "v2" "$(node_fingerprint)" | sha)"
  if image_current "${NODE_RUNTIME_IMAGE}" "${recipe}"; then
    log "${NODE_RUNTIME_IMAGE} up to date"
    return 0
  fi
  stage="$(mktemp -d)"
  mkdir -p "${stage}/usr/bin" "${stage}/etc" "${stage}/tmp" "${stage}/app"
  chmod 1777 "${stage}/tmp" # os.tmpdir() must be writable
  # Every build starts this node: its symbols and debug info are only read by debuggers.
  command -v strip >/dev/null 2>&1 || system_apt_install binutils
  strip --strip-all -o "${stage}/usr/bin/node" "${HOST_NODE}"
  while read -r lib; do cp -L --parents "${lib}" "${stage}"; done < <(ldd_paths "${HOST_NODE}")
  printf '%s\n' 'root:x:0:0:root:/root:/usr/sbin/nologin' \
    'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin' >"${stage}/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"${stage}/etc/group"
  mkdir -p "${stage}/root"
  env -u NODE_EXTRA_CA_CERTS chroot "${stage}" /usr/bin/node -e 'require("os").tmpdir()' >/dev/null ||
    die "node does not run in the runtime rootfs"
  tar -C "${stage}" --sort=name --mtime="@${SOURCE_DATE_EPOCH}" \
    --owner=0 --group=0 --numeric-owner -cf - . |
    import_image "${NODE_RUNTIME_IMAGE}" "${recipe}" - 'CMD ["node"]'
  rm -rf "${stage}"
}

build_all_images() {
  [[ -n "${DOCKER_CLI:-}" ]] || DOCKER_CLI="$(resolve_docker_cli)"
  timed "image ${TOOLCHAIN_IMAGE}" build_toolchain_image
  timed "image ${GO_IMAGE}" build_go_image
  timed "image ${NODE_IMAGE}" build_node_image
  timed "image ${NODE_RUNTIME_IMAGE}" build_node_runtime_image
}

# Run as a script (not sourced).
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  [[ "$(id -u)" == 0 ]] || die "run as root"
  DOCKER_CLI="$(resolve_docker_cli)"
  build_all_images
  print_timings
fi
