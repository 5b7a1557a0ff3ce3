#!/usr/bin/env bash
# Builds localhost/seccomp-gen/debian:test, a Debian bookworm minbase rootfs (debootstrap) with the
# realistic workloads of the replay suite: python3, nginx, redis, curl, and strace for the
# cross-check, plus static busybox and the test programs (so those run under strace too). The
# mirror is the one this machine's apt already uses. Rebuilt only when an input changes.
set -euo pipefail
cd "$(dirname "$0")/../.."

IMAGE=localhost/seccomp-gen/debian:test
PACKAGES=python3,curl,strace,nginx-light,redis-server
inputs_hash=$( (sha256sum /bin/busybox test/fixtures/programs/*.c test/images/build-debian.sh) | sha256sum | cut -c1-16)
if [ "$(podman image inspect "$IMAGE" --format '{{index .Labels "inputs"}}' 2>/dev/null || true)" = "$inputs_hash" ]; then
  echo "image $IMAGE is up to date"
  exit 0
fi

# The first Debian mirror in the apt sources (deb822 "URIs:" or one-line "deb URL bookworm").
mirror=$( { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' || true;
           grep -hsE '^deb +[a-z]+://' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}' || true; } \
         | grep -i debian | grep -v security | head -1 || true)
[ -n "$mirror" ] || { echo "build-debian.sh: no Debian mirror found in /etc/apt/sources*" >&2; exit 1; }

root=$(mktemp -d /var/tmp/seccomp-gen-debian.XXXXXX)
trap 'umount -R "$root/proc" 2>/dev/null || true; rm -rf "$root"' EXIT
echo "debootstrap bookworm from $mirror"
debootstrap --variant=minbase bookworm "$root" "$mirror" >/dev/null
# Packages whose scripts would start services: forbid that inside the chroot.
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$root/etc/resolv.conf"
chroot "$root" sh -c "apt-get -qq update && DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends $(echo $PACKAGES | tr , ' ') >/dev/null && apt-get clean"
rm -f "$root/usr/sbin/policy-rc.d" "$root/etc/resolv.conf"
cp /bin/busybox "$root/usr/local/bin/busybox"
for src in test/fixtures/programs/*.c; do
  case "$src" in
    *.i386.c) gcc -m32 -static -O2 -o "$root/usr/local/bin/$(basename "$src" .i386.c)" "$src" ;;
    *) gcc -static -O2 -pthread -o "$root/usr/local/bin/$(basename "$src" .c)" "$src" ;;
  esac
done
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*
tar -C "$root" -c . | podman import --quiet \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "LABEL inputs=$inputs_hash" - "$IMAGE" >/dev/null
echo "built $IMAGE"
