#!/usr/bin/env bash
# Sets up a fresh Debian machine (as root) for seccomp-gen's demo and tests. Idempotent: every
# step checks before it acts, so running it again costs seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m== %s\033[0m\n' "$*"; }

[ "$(id -u)" = 0 ] || { echo "test/setup.sh: run as root (the hooks load BPF and podman runs rootful)" >&2; exit 1; }

# Build tools (clang, bpftool for the BPF object), run-time libraries (libbpf1, libseccomp2),
# podman with runc and crun (profiles must start under both), what the test images are made of
# (golang-go builds the Go probe), Debian's Docker for the test that applies profiles under a real
# Docker daemon (it starts a private one itself), bindfs, a small FUSE filesystem whose daemon
# the tests stop to make an output directory that hangs, and catatonit, the init of Podman pods'
# infra containers (podman pod create, podman kube play) and of --init.
PACKAGES=(clang llvm libbpf-dev libbpf1 libseccomp2 bpftool make gcc libc6-dev
          gcc-multilib podman runc crun conmon busybox-static debootstrap strace docker.io
          groff-base man-db golang-go bindfs catatonit)
# The kernel matrix (test/e2e/kernels.test.ts) boots Debian's own kernels under qemu (TCG: these
# machines have no KVM); kmod's depmod and modprobe resolve a kernel's modules for its initrd.
PACKAGES+=(qemu-system-x86 kmod)
# The arm64 guest (test/e2e/arm64.test.ts): qemu-system-aarch64, and an arm64 Debian root built by
# mmdebstrap, whose maintainer scripts run under qemu-user through binfmt_misc (arch-test: its
# check that this machine can run the arch).
PACKAGES+=(qemu-system-arm qemu-user-static mmdebstrap arch-test)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -qq
  # No service a package brings may start (docker.io's daemon would add a bridge and iptables
  # rules): the tests start what they need, privately. policy-rc.d is Debian's switch for that.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

say "node dependencies and build"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund 2>&1 | grep -v 'Unknown user config' || true
fi
npm run build 2>&1 | grep -v 'Unknown user config'

say "bpffs"
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

say "test users"
# Two ordinary users sharing a group, for the tests of what the root hook may write for whom.
getent group sg-shared >/dev/null || groupadd sg-shared
for u in sg-alice sg-bob; do
  id "$u" >/dev/null 2>&1 || useradd --create-home --user-group --groups sg-shared --shell /bin/sh "$u"
done

say "test images"
bash test/images/build.sh
bash test/images/build-debian.sh
bash test/images/build-probes.sh

# Some machines cannot run podman's defaults (e.g. no CAP_SYS_RESOURCE for the default nofile
# ulimit, or crun on a hybrid cgroup setup). Only when a probe container fails, add a drop-in
# that avoids those two — never touching the user's own containers.conf.
say "podman"
DROPIN=/etc/containers/containers.conf.d/90-seccomp-gen-test.conf
if ! podman run --rm localhost/seccomp-gen/busybox:test true 2>/tmp/seccomp-gen-probe.err; then
  echo "podman probe failed: $(tail -1 /tmp/seccomp-gen-probe.err)"
  mkdir -p "$(dirname "$DROPIN")"
  printf '# written by seccomp-gen test/setup.sh: this machine needs it\n[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\n' > "$DROPIN"
  echo "wrote $DROPIN"
  podman run --rm localhost/seccomp-gen/busybox:test true
fi
# Rootless Podman (issue 17): a user of their own, with subordinate ids (uidmap's newuidmap), a
# runtime dir for XDG_RUNTIME_DIR (no systemd-logind here to make it), and the test images loaded
# into their storage. Their storage falls back to vfs by itself (/dev/fuse is 0600) and their
# containers run with --network none (/dev/net/tun is 0600): both are test-run choices, not config.
say "rootless podman user"
# systemd: systemd-analyze checks the broker's units, systemd-socket-activate starts it as socket
# activation would (the tests have no running systemd).
ROOTLESS_PACKAGES=(uidmap slirp4netns fuse-overlayfs systemd)
missing=()
for p in "${ROOTLESS_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Two rootless users: one traces, the other owns containers the first must not reach.
for u in sg-rootless sg-rootless2; do
  id "$u" >/dev/null 2>&1 || useradd --create-home --user-group --shell /bin/sh "$u"
  # useradd gives ranges when /etc/login.defs sets SUB_UID_COUNT (Debian's does); else add one
  # far above any other, derived from the uid so that two users never overlap.
  base=$(( 2000000000 + 65536 * ($(id -u "$u") % 30000) ))
  grep -q "^$u:" /etc/subuid || usermod --add-subuids "$base-$(( base + 65535 ))" "$u"
  grep -q "^$u:" /etc/subgid || usermod --add-subgids "$base-$(( base + 65535 ))" "$u"
  uid=$(id -u "$u")
  install -d -m 0700 -o "$u" -g "$u" "/run/user/$uid"
done
as_rootless() { runuser -u sg-rootless -- env XDG_RUNTIME_DIR="/run/user/$(id -u sg-rootless)" HOME=/home/sg-rootless "$@"; }
for image in localhost/seccomp-gen/busybox:test localhost/seccomp-gen/debian:test; do
  want=$(podman image inspect "$image" --format '{{.Id}}')
  have=$(cd / && as_rootless podman image inspect "$image" --format '{{.Id}}' 2>/dev/null || true)
  if [ "$want" != "$have" ]; then
    echo "loading $image into sg-rootless's storage"
    podman save --format oci-archive "$image" | (cd / && as_rootless podman load -q) >/dev/null
  fi
done

say "ready"
