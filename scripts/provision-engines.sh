#!/usr/bin/env bash
# Installs and starts the container engines the test suite runs against (podman with runc, and Docker Engine),
# then builds the sandbox test image for each engine from Debian packages when it is missing.
# Debian/Ubuntu, as root. Idempotent: every step is skipped when its result is already there.
#
#   IMAGE=localhost/codexec-python:bookworm   the tag to build
#   SKIP_DOCKER=1                             podman only
set -euo pipefail

IMAGE="${IMAGE:-localhost/codexec-python:bookworm}"
SUITE="${SUITE:-bookworm}"
log() { printf '[provision] %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
  log "must run as root (it installs packages and starts dockerd)"; exit 1
fi

need=()
command -v podman >/dev/null || need+=(podman)
command -v runc >/dev/null || need+=(runc)
command -v newuidmap >/dev/null || need+=(uidmap)
command -v slirp4netns >/dev/null || need+=(slirp4netns)
command -v debootstrap >/dev/null || need+=(debootstrap)
if [ -z "${SKIP_DOCKER:-}" ] && ! command -v dockerd >/dev/null; then need+=(docker.io); fi
if [ ${#need[@]} -gt 0 ]; then
  log "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" fuse-overlayfs >/dev/null
fi

# crun cannot run on hosts with cgroups v1 in hybrid mode; runc can. Make runc podman's default here so that
# plain `podman run` works too; the product itself selects the OCI runtime per run (MCP_BRIDGE_OCI_RUNTIME).
mkdir -p /etc/containers
if ! grep -qs '^runtime *= *"runc"' /etc/containers/containers.conf; then
  log "selecting runc as podman's OCI runtime"
  printf '[engine]\nruntime = "runc"\n' >>/etc/containers/containers.conf
fi

if [ -z "${SKIP_DOCKER:-}" ]; then
  if ! docker info >/dev/null 2>&1; then
    log "starting dockerd"
    nohup dockerd >/tmp/dockerd.log 2>&1 &
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || { log "dockerd did not come up:"; tail -20 /tmp/dockerd.log >&2; exit 1; }
  fi
fi

have_podman_image() { podman image exists "$IMAGE"; }
have_docker_image() { [ -n "${SKIP_DOCKER:-}" ] || docker image inspect "$IMAGE" >/dev/null 2>&1; }

if ! have_podman_image || ! have_docker_image; then
  rootfs_tar="${ROOTFS_TAR:-/var/cache/codexec/rootfs-$SUITE.tar}"
  if [ ! -s "$rootfs_tar" ]; then
    mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    [ -n "$mirror" ] || { log "cannot find the machine's Debian mirror"; exit 1; }
    rootfs=$(mktemp -d /tmp/codexec-rootfs.XXXXXX)
    log "building a $SUITE root filesystem with python3 (about a minute)"
    debootstrap --variant=minbase --include=python3 "$SUITE" "$rootfs" "$mirror" >/tmp/debootstrap.log 2>&1 \
      || { tail -20 /tmp/debootstrap.log >&2; exit 1; }
    # Keep the image small: documentation, apt lists and caches are not needed to run Python.
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/usr/share/doc/* \
      "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
    mkdir -p "$(dirname "$rootfs_tar")" /tmp
    tar -C "$rootfs" -cf "$rootfs_tar" .
    rm -rf "$rootfs"
  fi
  if ! have_podman_image; then
    log "importing $IMAGE into podman"
    podman import -q --change 'CMD ["python3"]' "$rootfs_tar" "$IMAGE" >/dev/null
  fi
  if ! have_docker_image; then
    log "importing $IMAGE into docker"
    docker import --change 'CMD ["python3"]' "$rootfs_tar" "$IMAGE" >/dev/null
  fi
fi

log "podman $(podman --version | awk '{print $3}'), image $IMAGE ready"
[ -n "${SKIP_DOCKER:-}" ] || log "docker $(docker version --format '{{.Server.Version}}'), image $IMAGE ready"
