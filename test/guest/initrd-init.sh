#!/bin/busybox sh
# The guest's first stage (the initrd's /init, see make-initrd.sh). It loads the kernel's own
# modules, mounts the host's root (virtio-9p tag "root", read-only) with a tmpfs over it
# (overlayfs), mounts the results share (tag "out") at /out, and runs the second stage named on
# the kernel command line (sg.stage2=/abs/path, a file of the host's filesystem) as PID 1.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
fail() { echo "initrd: $*"; echo "initrd: $*" > /dev/kmsg; poweroff -f; }
for m in $(cat /modules/order); do insmod "/modules/$m" || fail "cannot load module $m"; done
stage2= repo=
for word in $(cat /proc/cmdline); do
  case "$word" in
    sg.stage2=*) stage2=${word#sg.stage2=} ;;
    sg.repo=*) repo=${word#sg.repo=} ;;
  esac
done
[ -n "$stage2" ] || fail "no sg.stage2= on the kernel command line"
opts=trans=virtio,version=9p2000.L,msize=512000
mount -t 9p -o "$opts,ro,cache=loose" root /lower || fail "cannot mount the host's root over 9p"
mount -t tmpfs -o size=75% tmpfs /upper
mkdir -p /upper/data /upper/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work /newroot || fail "cannot mount the overlay"
mkdir -p /newroot/out
# A root of another arch (boot.sh GUEST_ROOT) gets the host's checkout at its own path, writable
# through a tmpfs over it (sg.repo=PATH, tag "repo").
if [ -n "$repo" ]; then
  mkdir -p /repo/lower /repo/upper "/newroot$repo"
  mount -t 9p -o "$opts,ro,cache=loose" repo /repo/lower || fail "cannot mount the checkout over 9p"
  mount -t tmpfs tmpfs /repo/upper
  mkdir -p /repo/upper/data /repo/upper/work
  mount -t overlay overlay -o lowerdir=/repo/lower,upperdir=/repo/upper/data,workdir=/repo/upper/work "/newroot$repo" || fail "cannot mount the checkout's overlay"
fi
mount -t 9p -o "$opts" out /newroot/out || fail "cannot mount the results share"
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /bin/sh "$stage2"
