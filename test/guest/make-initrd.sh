#!/usr/bin/env bash
# A tiny initrd for a fetched Debian kernel (fetch-kernel.sh): busybox, the kernel's own modules
# for a virtio-9p root (taken from its .deb, dependencies from modules.dep, decompressed) and
# overlayfs, and an /init (initrd-init.sh) that mounts the host's filesystem read-only with a
# tmpfs over it and hands over to a second stage on it. Rebuilt only when an input changed.
#
#   test/guest/make-initrd.sh KERNEL_DIR        prints the initrd's path (KERNEL_DIR/initrd.cpio.gz)
#
# GUEST_BUSYBOX: a static busybox of the kernel's arch (default the host's /bin/busybox).
set -euo pipefail
kdir=$(cd "${1:?usage: make-initrd.sh KERNEL_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
release=$(cat "$kdir/release")
out=$kdir/initrd.cpio.gz
# What the initrd needs: a 9p root over virtio-pci, overlayfs over it (and for podman's storage).
MODULES=(virtio_pci 9pnet_virtio 9p overlay)
busybox=${GUEST_BUSYBOX:-/bin/busybox}
stamp=$( (sha256sum "$busybox" "$here/initrd-init.sh" "$0"; echo "${MODULES[*]}") | sha256sum | cut -c1-16)
if [ -s "$out" ] && [ "$(cat "$kdir/initrd.stamp" 2>/dev/null)" = "$stamp" ]; then echo "$out"; exit 0; fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,lower,upper,newroot,modules}
cp "$busybox" "$root/bin/busybox"
cp "$here/initrd-init.sh" "$root/init"
chmod 755 "$root/init"
# Dependencies first, each module once, in the order modprobe would insert them.
: > "$root/modules/order"
for m in "${MODULES[@]}"; do
  modprobe -d "$kdir" -S "$release" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
  name=$(basename "$ko")
  case "$name" in
    *.ko.xz) xz -dc "$ko" > "$root/modules/${name%.xz}"; name=${name%.xz} ;;
    *.ko.zst) zstd -qdc "$ko" > "$root/modules/${name%.zst}"; name=${name%.zst} ;;
    *) cp "$ko" "$root/modules/$name" ;;
  esac
  echo "$name" >> "$root/modules/order"
done
(cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null) | gzip -1 > "$out.new"
mv "$out.new" "$out"
echo "$stamp" > "$kdir/initrd.stamp"
echo "$out"
