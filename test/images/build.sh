#!/usr/bin/env bash
# Builds the local test images (no registry is reachable): a busybox-static rootfs plus our
# static test programs, imported with `podman import`. Rebuilt only when an input changed.
set -euo pipefail
cd "$(dirname "$0")/../.."

IMAGE=localhost/seccomp-gen/busybox:test
inputs_hash=$( (sha256sum /bin/busybox test/fixtures/programs/*.c test/images/build.sh) | sha256sum | cut -c1-16)
if [ "$(podman image inspect "$IMAGE" --format '{{index .Labels "inputs"}}' 2>/dev/null || true)" = "$inputs_hash" ]; then
  echo "image $IMAGE is up to date"
  exit 0
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,tmp,etc,proc,sys,dev,root}
chmod 1777 "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
echo 'root:x:0:' > "$root/etc/group"
for src in test/fixtures/programs/*.c; do
  case "$src" in
    *.i386.c) gcc -m32 -static -O2 -o "$root/bin/$(basename "$src" .i386.c)" "$src" ;;  # gcc-multilib
    *) gcc -static -O2 -pthread -o "$root/bin/$(basename "$src" .c)" "$src" ;;
  esac
done
tar -C "$root" -c . | podman import --quiet \
  --change 'ENV PATH=/bin' --change "LABEL inputs=$inputs_hash" - "$IMAGE" >/dev/null
echo "built $IMAGE"
