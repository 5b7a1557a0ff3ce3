#!/usr/bin/env bash
# Sets up a fresh Debian machine (as root) for seccomp-gen's demo and tests. Idempotent: every
# step checks before it acts, so running it again costs seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m== %s\033[0m\n' "$*"; }

[ "$(id -u)" = 0 ] || { echo "test/setup.sh: run as root (the hooks load BPF and podman runs rootful)" >&2; exit 1; }

# Build tools (clang, bpftool for the BPF object), run-time libraries (libbpf1, libseccomp2),
# podman with runc, what the test images are made of, and Debian's Docker for the test that
# applies profiles under a real Docker daemon (it starts a private one itself); bindfs, a small
# FUSE filesystem whose daemon the tests stop to make an output directory that hangs.
PACKAGES=(clang llvm libbpf-dev libbpf1 libseccomp2 bpftool make gcc libc6-dev
          gcc-multilib podman runc conmon busybox-static debootstrap strace docker.io
          groff-base man-db bindfs)
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

say "test images"
bash test/images/build.sh
bash test/images/build-debian.sh

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
say "ready"
