#!/usr/bin/env bash
# Installs and starts the container engines the test suite runs against (podman with runc, and Docker Engine),
# then builds the sandbox test image for each engine from Debian packages when it is missing.
# Debian/Ubuntu, as root. Idempotent and safe to run twice or concurrently: every step is skipped when its result
# is already there, and a lock keeps two runs from doing the same work at once. As another user it only checks.
#
#   IMAGE=localhost/codexec-python:bookworm   the tag to build (default: $CODEXEC_TEST_IMAGE, else this)
#   SUITE=bookworm                            the Debian release the image is built from
#   MIRROR=http://…/debian                    Debian mirror for debootstrap (default: the machine's own)
#   ROOTFS_TAR=/var/cache/codexec/rootfs-…    where the built root filesystem is cached
#   SKIP_DOCKER=1                             podman only
#   ROOTLESS_USER=codexec-rootless            the unprivileged user whose rootless podman the tests also use
#                                             (scripts/podman-rootless); SKIP_ROOTLESS=1 leaves it out
#   SKIP_REMOTE=1                             no remote engines: by default a second podman API service with its
#                                             own storage (unix:///run/codexec-remote/podman.sock, holding also
#                                             localhost/codexec-remote-only:bookworm) and dockerd listening on
#                                             tcp://127.0.0.1:2375 as well, for the remote-engine tests
set -euo pipefail

IMAGE="${IMAGE:-${CODEXEC_TEST_IMAGE:-localhost/codexec-python:bookworm}}"
SUITE="${SUITE:-bookworm}"
ROOTFS_TAR="${ROOTFS_TAR:-/var/cache/codexec/rootfs-$SUITE.tar}"
DOCKERD_LOG="${DOCKERD_LOG:-/tmp/dockerd.log}"
# Explicit rlimits: rootful podman's defaults can exceed the host's hard limits (the container then cannot start).
RLIMITS=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

log() { printf '[provision] %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}
trap 'log "ERROR: failed at line $LINENO: $BASH_COMMAND"' ERR

ROOTLESS_USER="${ROOTLESS_USER:-${CODEXEC_ROOTLESS_USER:-codexec-rootless}}"
REMOTE_ROOT=/var/lib/codexec-remote
REMOTE_RUN=/run/codexec-remote
REMOTE_PODMAN_URL="unix://$REMOTE_RUN/podman.sock"
REMOTE_DOCKER_HOST=tcp://127.0.0.1:2375
REMOTE_ONLY_IMAGE=localhost/codexec-remote-only:bookworm
want_remote() { [ -z "${SKIP_REMOTE:-}" ]; }
remote_podman() { podman --root "$REMOTE_ROOT/storage" --runroot "$REMOTE_RUN/run" "$@"; }
remote_podman_answers() { CONTAINER_HOST="$REMOTE_PODMAN_URL" timeout 20 podman info >/dev/null 2>&1; }
docker_tcp_answers() { ! want_remote || DOCKER_HOST="$REMOTE_DOCKER_HOST" timeout 20 docker info >/dev/null 2>&1; }
want_docker() { [ -z "${SKIP_DOCKER:-}" ]; }
want_rootless() { [ -z "${SKIP_ROOTLESS:-}" ]; }
as_rootless() { "$(dirname "$0")/podman-rootless" "$@"; }
have_podman_image() { podman image exists "$IMAGE" 2>/dev/null; }
have_docker_image() { ! want_docker || docker image inspect "$IMAGE" >/dev/null 2>&1; }
docker_answers() { timeout 20 docker info >/dev/null 2>&1; }

# What is missing for this user, or nothing (the check for people without root whose machine is set up).
not_ready() {
  if ! command -v podman >/dev/null; then echo "podman is not installed"; return; fi
  if ! timeout 30 podman info >/dev/null 2>&1; then echo "podman does not answer for $(id -un)"; return; fi
  if ! have_podman_image; then echo "podman has no $IMAGE"; return; fi
  want_docker || return 0
  if ! command -v docker >/dev/null; then echo "docker is not installed"; return; fi
  if ! docker_answers; then echo "docker does not answer for $(id -un)"; return; fi
  if ! have_docker_image; then echo "docker has no $IMAGE"; fi
}

if [ "$(id -u)" != 0 ]; then
  missing=$(not_ready)
  [ -n "$missing" ] || { log "engines ready with $IMAGE (not root: checked only)"; exit 0; }
  die "$missing, and setting it up needs root: run this script as root (sudo)"
fi

# One provisioning at a time (two test runs starting together must not both start dockerd or build the image).
mkdir -p /var/lock
exec 9>/var/lock/codexec-provision.lock
if ! flock -n 9; then
  log "another provisioning is running; waiting for it (up to 15 min)"
  flock -w 900 9 || die "gave up waiting for /var/lock/codexec-provision.lock"
fi

# --- packages ---------------------------------------------------------------------------------------------------
need=()
command -v podman >/dev/null || need+=(podman)
command -v runc >/dev/null || need+=(runc)
command -v newuidmap >/dev/null || need+=(uidmap)
command -v slirp4netns >/dev/null || need+=(slirp4netns)
command -v debootstrap >/dev/null || need+=(debootstrap)
if want_docker && { ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; }; then need+=(docker.io); fi
# The console's test opens it in a real headless browser.
command -v chromium >/dev/null || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || die "missing ${need[*]}, and there is no apt-get to install them: install them by hand"
  log "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_opts=(-o DPkg::Lock::Timeout=300 -o Acquire::Retries=3)
  for attempt in 1 2 3; do
    if apt-get "${apt_opts[@]}" update -qq && apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends \
      "${need[@]}" fuse-overlayfs >/tmp/codexec-apt.log 2>&1; then
      break
    fi
    [ "$attempt" = 3 ] && { tail -20 /tmp/codexec-apt.log >&2; die "apt-get could not install ${need[*]}"; }
    log "apt-get failed (attempt $attempt); retrying in 10 s"
    sleep 10
  done
fi

# --- podman: use runc ------------------------------------------------------------------------------------------
# crun (podman's default on Debian) cannot run on hosts with cgroups v1 in hybrid mode; runc can. Make runc podman's
# default so that plain `podman run` works too; the product itself selects the OCI runtime per run
# (MCP_BRIDGE_OCI_RUNTIME). A drop-in file leaves containers.conf alone; podman releases without drop-in support
# get the setting in the [engine] table of containers.conf instead (appending a second [engine] table would make
# the file invalid TOML).
podman_runtime() { podman info --format '{{.Host.OCIRuntime.Name}}' 2>/dev/null || true; }
if [ "$(podman_runtime)" != runc ]; then
  log "selecting runc as podman's OCI runtime"
  mkdir -p /etc/containers/containers.conf.d
  printf '# Written by provision-engines.sh: crun fails on cgroups v1 hybrid hosts.\n[engine]\nruntime = "runc"\n' \
    >/etc/containers/containers.conf.d/50-codexec-runc.conf
  if [ "$(podman_runtime)" != runc ]; then
    rm -f /etc/containers/containers.conf.d/50-codexec-runc.conf
    conf=/etc/containers/containers.conf
    touch "$conf"
    if grep -qs '^\[engine\]' "$conf"; then
      # Replace a runtime line inside [engine], or add one right after its header.
      awk '
        /^\[/ { in_engine = ($0 == "[engine]") }
        in_engine && /^[[:space:]]*runtime[[:space:]]*=/ { if (!done) print "runtime = \"runc\""; done = 1; next }
        { print }
        $0 == "[engine]" && !done { print "runtime = \"runc\""; done = 1 }
      ' "$conf" >"$conf.codexec-tmp" && mv "$conf.codexec-tmp" "$conf"
    else
      printf '\n[engine]\nruntime = "runc"\n' >>"$conf"
    fi
  fi
  [ "$(podman_runtime)" = runc ] || die "could not make podman use runc; podman info says: $(podman info 2>&1 | tail -3)"
fi

# --- docker: start the daemon ----------------------------------------------------------------------------------
# It listens on its usual socket and, for the remote-engine tests, on loopback TCP too (no TLS: loopback only).
dockerd_args=(-H unix:///var/run/docker.sock)
want_remote && dockerd_args+=(-H "$REMOTE_DOCKER_HOST")
if want_docker && docker_answers && ! docker_tcp_answers; then
  if [ -f /var/run/docker.pid ] && ! systemctl is-active --quiet docker 2>/dev/null; then
    log "restarting dockerd to listen on $REMOTE_DOCKER_HOST as well"
    pid=$(cat /var/run/docker.pid)
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  else
    log "WARNING: dockerd runs under systemd without $REMOTE_DOCKER_HOST: add \`-H $REMOTE_DOCKER_HOST\` to its service for the remote-engine tests"
  fi
fi
if want_docker && ! docker_answers; then
  if pgrep -x dockerd >/dev/null; then
    log "dockerd is running but not answering yet; waiting for it"
  elif [ "$(systemctl is-system-running 2>/dev/null || true)" = running ] ||
    [ "$(systemctl is-system-running 2>/dev/null || true)" = degraded ]; then
    log "starting docker (systemd)"
    systemctl start docker || true
  else
    log "starting dockerd (log: $DOCKERD_LOG)"
    # A pid file left by a dockerd that died makes the next one refuse to start.
    if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then rm -f /var/run/docker.pid; fi
    # 9>&-: the daemon outlives this script and must not inherit the provisioning lock, or every later run waits.
    nohup dockerd "${dockerd_args[@]}" >"$DOCKERD_LOG" 2>&1 9>&- &
  fi
  for _ in $(seq 1 60); do
    docker_answers && break
    sleep 1
  done
  if ! docker_answers; then
    [ -f "$DOCKERD_LOG" ] && tail -20 "$DOCKERD_LOG" >&2
    die "dockerd did not answer within 60 s (see above, or $DOCKERD_LOG)"
  fi
fi

# --- the test image, built offline from Debian packages ---------------------------------------------------------
if ! have_podman_image || ! have_docker_image; then
  if [ ! -s "$ROOTFS_TAR" ]; then
    mirror="${MIRROR:-}"
    [ -n "$mirror" ] || mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    [ -n "$mirror" ] || die "cannot find the machine's Debian mirror: set MIRROR=http://…/debian"
    rootfs=$(mktemp -d /tmp/codexec-rootfs.XXXXXX)
    trap 'rm -rf "$rootfs"' EXIT
    log "building a $SUITE root filesystem with python3 (about a minute)"
    debootstrap --variant=minbase --include=python3 "$SUITE" "$rootfs" "$mirror" >/tmp/debootstrap.log 2>&1 ||
      { tail -20 /tmp/debootstrap.log >&2; die "debootstrap failed (log: /tmp/debootstrap.log)"; }
    # Keep the image small: documentation, apt lists and caches are not needed to run Python.
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/usr/share/doc/* \
      "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
    mkdir -p "$(dirname "$ROOTFS_TAR")"
    # Write beside the target and rename, so an interrupted run never leaves a truncated cache behind.
    tar -C "$rootfs" -cf "$ROOTFS_TAR.partial" .
    mv "$ROOTFS_TAR.partial" "$ROOTFS_TAR"
    rm -rf "$rootfs"
    trap - EXIT
  fi
  if ! have_podman_image; then
    log "importing $IMAGE into podman"
    podman import -q --change 'CMD ["python3"]' "$ROOTFS_TAR" "$IMAGE" >/dev/null
  fi
  if ! have_docker_image; then
    log "importing $IMAGE into docker"
    docker import --change 'CMD ["python3"]' "$ROOTFS_TAR" "$IMAGE" >/dev/null
  fi
fi

# --- rootless podman: an unprivileged user with its own storage and a copy of the image -------------------------
# What a user without root gets: a user namespace from /etc/subuid and /etc/subgid, native overlay storage (vfs, the
# fallback, takes seconds a run; fuse-overlayfs needs /dev/fuse, which may be root-only), and, on cgroups v1, no
# cgroup limits at all (the sandbox's runtime then holds memory and processes with rlimits).
if want_rootless; then
  export CODEXEC_ROOTLESS_USER="$ROOTLESS_USER"
  if ! id -u "$ROOTLESS_USER" >/dev/null 2>&1; then
    log "creating the unprivileged user $ROOTLESS_USER for rootless podman"
    useradd --create-home --shell /bin/sh "$ROOTLESS_USER"
  fi
  home=$(getent passwd "$ROOTLESS_USER" | cut -d: -f6)
  for ids in /etc/subuid /etc/subgid; do
    if ! grep -qs "^$ROOTLESS_USER:" "$ids"; then
      # useradd adds a range when login.defs has SUB_UID_*; add one past every range already there otherwise.
      start=$(awk -F: 'BEGIN { max = 100000 } { if ($2 + $3 > max) max = $2 + $3 } END { print max }' "$ids" 2>/dev/null || echo 100000)
      echo "$ROOTLESS_USER:$start:65536" >>"$ids"
    fi
  done
  conf="$home/.config/containers/storage.conf"
  if [ ! -s "$conf" ]; then
    mkdir -p "$(dirname "$conf")"
    printf '# Written by provision-engines.sh: native overlay in the user namespace.\n[storage]\ndriver = "overlay"\n' >"$conf"
    chown -R "$ROOTLESS_USER:" "$home/.config"
  fi
  if ! as_rootless image exists "$IMAGE" 2>/dev/null; then
    log "copying $IMAGE into the rootless storage of $ROOTLESS_USER"
    podman save "$IMAGE" 2>/dev/null | as_rootless load -q >/dev/null 2>/tmp/codexec-rootless-load.log ||
      { tail -5 /tmp/codexec-rootless-load.log >&2; die "could not copy $IMAGE to $ROOTLESS_USER's podman"; }
  fi
fi

# --- remote engines: a second podman API service with storage of its own, and docker over TCP ------------------
# What a team's engine on another machine looks like to the CLI: podman as a client of an API service (an image only
# that service holds proves a run went there), and the docker CLI talking to its daemon over TCP.
if want_remote; then
  mkdir -p "$REMOTE_ROOT" "$REMOTE_RUN"
  if ! remote_podman image exists "$REMOTE_ONLY_IMAGE" 2>/dev/null; then
    log "copying $IMAGE into the storage of the second podman service"
    podman save "$IMAGE" 2>/dev/null | remote_podman load -q >/dev/null 2>/tmp/codexec-remote-load.log ||
      { tail -5 /tmp/codexec-remote-load.log >&2; die "could not copy $IMAGE to the second podman's storage"; }
    remote_podman tag "$IMAGE" "$REMOTE_ONLY_IMAGE"
  fi
  if ! remote_podman_answers; then
    log "starting a second podman API service at $REMOTE_PODMAN_URL (log: /tmp/codexec-remote-podman.log)"
    rm -f "$REMOTE_RUN/podman.sock"
    # From its own directory: conmon writes a file named `oom` into the service's working directory when the memory
    # limit kills a container, which must not be the checkout this script runs from.
    (cd "$REMOTE_RUN" && exec nohup podman --root "$REMOTE_ROOT/storage" --runroot "$REMOTE_RUN/run" system service \
      --time=0 "$REMOTE_PODMAN_URL") >/tmp/codexec-remote-podman.log 2>&1 9>&- &
    for _ in $(seq 1 30); do
      remote_podman_answers && break
      sleep 1
    done
    remote_podman_answers || { tail -20 /tmp/codexec-remote-podman.log >&2; die "the second podman service did not answer"; }
  fi
fi

# --- check that the engines really run the image ----------------------------------------------------------------
out=$(podman run --rm --network none "${RLIMITS[@]}" "$IMAGE" python3 -c 'print("ok")' 2>&1) ||
  die "podman cannot run $IMAGE: $out"
[ "$out" = ok ] || die "podman ran $IMAGE but printed: $out"
log "podman $(podman --version | awk '{print $3}') ($(podman_runtime)), image $IMAGE runs"
if want_rootless; then
  out=$(as_rootless run --rm --network none "${RLIMITS[@]}" "$IMAGE" python3 -c 'print("ok")' 2>&1 | grep -v 'not a shared mount') ||
    die "rootless podman of $ROOTLESS_USER cannot run $IMAGE: $out"
  [ "$out" = ok ] || die "rootless podman of $ROOTLESS_USER ran $IMAGE but printed: $out"
  log "rootless podman of $ROOTLESS_USER runs $IMAGE"
fi
if want_docker; then
  out=$(docker run --rm --network none "$IMAGE" python3 -c 'print("ok")' 2>&1) || die "docker cannot run $IMAGE: $out"
  [ "$out" = ok ] || die "docker ran $IMAGE but printed: $out"
  log "docker $(docker version --format '{{.Server.Version}}'), image $IMAGE runs"
fi
if want_remote; then
  out=$(CONTAINER_HOST="$REMOTE_PODMAN_URL" podman run --rm --network none "${RLIMITS[@]}" "$REMOTE_ONLY_IMAGE" \
    python3 -c 'print("ok")' 2>&1) || die "podman at $REMOTE_PODMAN_URL cannot run $REMOTE_ONLY_IMAGE: $out"
  [ "$out" = ok ] || die "podman at $REMOTE_PODMAN_URL ran $REMOTE_ONLY_IMAGE but printed: $out"
  log "the second podman service at $REMOTE_PODMAN_URL runs $REMOTE_ONLY_IMAGE (an image only it holds)"
  if want_docker; then
    out=$(DOCKER_HOST="$REMOTE_DOCKER_HOST" docker run --rm --network none "$IMAGE" python3 -c 'print("ok")' 2>&1) ||
      die "docker at $REMOTE_DOCKER_HOST cannot run $IMAGE: $out"
    [ "$out" = ok ] || die "docker at $REMOTE_DOCKER_HOST ran $IMAGE but printed: $out"
    log "docker at $REMOTE_DOCKER_HOST runs $IMAGE"
  fi
fi
