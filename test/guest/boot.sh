#!/usr/bin/env bash
# Boot a fetched kernel (fetch-kernel.sh) under qemu with its initrd (make-initrd.sh) on the
# host's own filesystem, run OUT_DIR/cmd in it as root, and return when the guest powers off.
#
#   test/guest/boot.sh ARCH KERNEL_DIR OUT_DIR
#
# OUT_DIR (read-write, /out in the guest) must hold `cmd`, a shell script; afterwards it holds
# stdout, stderr, status (cmd's exit code) and console.log (the serial console). Anything cmd
# writes under /out is there too. The exit code is cmd's, or 124 if the guest did not finish
# within GUEST_TIMEOUT seconds (default 600), or 125 if it stopped without a status.
# GUEST_MEM (MiB, default 2048) and GUEST_CPUS (default 2) size the guest. GUEST_ROOT (default /,
# the host's own) is the guest's root filesystem: another arch's is a tree of make-rootfs.sh; then
# GUEST_REPO (a directory of the host, e.g. this checkout) is there too, at the same path, with a
# tmpfs over it as over the root.
set -euo pipefail
arch=${1:?usage: boot.sh ARCH KERNEL_DIR OUT_DIR}
kdir=$(cd "${2:?usage: boot.sh ARCH KERNEL_DIR OUT_DIR}" && pwd)
out=$(cd "${3:?usage: boot.sh ARCH KERNEL_DIR OUT_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
[ -f "$out/cmd" ] || { echo "boot.sh: $out/cmd is missing" >&2; exit 2; }
release=$(cat "$kdir/release")
root=${GUEST_ROOT:-/}
# The initrd's busybox is the guest root's own (the host's for the host's root: same arch).
busybox=$root/bin/busybox
[ "$root" = / ] || busybox=$root/usr/bin/busybox
[ -e "$busybox" ] || busybox=$root/bin/busybox
initrd=$(GUEST_BUSYBOX=$busybox bash "$here/make-initrd.sh" "$kdir")
rm -f "$out/status" "$out/stdout" "$out/stderr"
case "$arch" in
  # No KVM on these machines: TCG, several threads, the newest CPU it can emulate.
  # tsc=reliable: TCG's TSC is steady, and with it as clocksource the vDSO answers clock_gettime
  # as on a real machine (else each call is a syscall, which a traced profile would show).
  amd64) qemu=(qemu-system-x86_64 -M q35 -cpu max -accel tcg,thread=multi); console=ttyS0; clock="clocksource=tsc tsc=reliable" ;;
  # No firmware: -kernel boots the kernel's Image directly. pauth-impdef: QEMU's own pointer
  # authentication algorithm, much cheaper to emulate than the architected one.
  arm64) qemu=(qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on -accel tcg,thread=multi); console=ttyAMA0; clock="" ;;
  *) echo "boot.sh: no qemu settings for $arch yet" >&2; exit 2 ;;
esac
extra=()
if [ -n "${GUEST_REPO:-}" ]; then repo=$(cd "$GUEST_REPO" && pwd); extra=(sg.repo="$repo"); fi
share() { echo "-fsdev" "local,id=$1,path=$2,security_model=none,multidevs=remap$3" "-device" "virtio-9p-pci,fsdev=$1,mount_tag=$1"; }
# shellcheck disable=SC2046
timeout "${GUEST_TIMEOUT:-600}" "${qemu[@]}" -smp "${GUEST_CPUS:-2}" -m "${GUEST_MEM:-2048}" \
  -nographic -no-reboot -nic none \
  -kernel "$kdir/boot/vmlinuz-$release" -initrd "$initrd" \
  -append "console=$console panic=-1 quiet loglevel=4 $clock sg.stage2=$here/stage2.sh ${extra[*]}" \
  $(share root "$root" ,readonly=on) $(share out "$out" "") ${repo:+$(share repo "$repo" ,readonly=on)} \
  < /dev/null > "$out/console.log" 2>&1 || rc=$?
if [ "${rc:-0}" = 124 ]; then echo "boot.sh: the guest ($release) did not finish in ${GUEST_TIMEOUT:-600} s" >&2; exit 124; fi
[ -s "$out/status" ] || { echo "boot.sh: the guest ($release) stopped without a status: see $out/console.log" >&2; tail -5 "$out/console.log" >&2; exit 125; }
exit "$(cat "$out/status")"
