# shellcheck shell=sh
# Source me: `. deploy/env.sh` (after deploy/engine.sh has run).
# Puts scratchkit's unpacked Docker CLI (with the buildx plugin) first on PATH
# and exports SCRATCHKIT_DOCKER, the CLI path the tests use.
_sk_prefix="${SCRATCHKIT_PREFIX:-/opt/scratchkit}"
_sk_engine="${_sk_prefix}/engine"
case ":${PATH}:" in
  *":${_sk_engine}/usr/bin:"*) ;;
  *) PATH="${_sk_engine}/usr/bin:${_sk_engine}/usr/sbin:${PATH}" ;;
esac
export PATH
if [ -s "${_sk_prefix}/docker-cli-path" ]; then
  # engine.sh records the CLI it verified (ours, or a reused working one).
  SCRATCHKIT_DOCKER="$(head -n 1 "${_sk_prefix}/docker-cli-path")"
elif [ -x "${_sk_engine}/usr/bin/docker" ]; then
  SCRATCHKIT_DOCKER="${_sk_engine}/usr/bin/docker"
else
  SCRATCHKIT_DOCKER="docker"
fi
export SCRATCHKIT_DOCKER
unset _sk_prefix _sk_engine
