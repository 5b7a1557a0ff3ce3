#!/usr/bin/env bash
# A Debian root filesystem of a foreign architecture for a guest (boot.sh): what the guest runs
# seccomp-gen with (podman, runc, crun, conmon, libbpf1, libseccomp2; Node 20 and koffi's native
# binary from npm, Debian 12's nodejs is 18), made by mmdebstrap under qemu-user (binfmt_misc),
# from this machine's Debian mirror. Rebuilt only when this script changes.
#
#   test/guest/make-rootfs.sh ARCH SERIES [CACHE]      e.g. arm64 bookworm
#
# Prints the root's directory. It also holds what tests run inside it, built from the guest's own
# packages (no image registry): /srv/images/busybox.tar (busybox-static's binary and its links)
# and /srv/images/python.tar (python3.11-minimal with the libraries it needs), to `podman import`;
# /srv/armhf/busybox (Debian's armhf busybox-static, a 32-bit ARM program, on arm64 only); and
# /srv/npm/ (Node's and koffi's packages for ARCH, unpacked).
set -euo pipefail
arch=${1:?usage: make-rootfs.sh ARCH SERIES [CACHE]}
series=${2:?usage: make-rootfs.sh ARCH SERIES [CACHE]}
here=$(cd "$(dirname "$0")" && pwd)
cache=${3:-$(cd "$here/../.." && pwd)/.cache/guest}
repo=$(cd "$here/../.." && pwd)
out=$cache/rootfs/$arch-$series
case "$arch" in
  arm64) qemu_user=aarch64 node_arch=arm64 ;;
  *) echo "make-rootfs.sh: no settings for $arch yet" >&2; exit 2 ;;
esac
koffi=$(node -p "require('$repo/node_modules/koffi/package.json').version")
node_version=20
stamp=$( (sha256sum < "$0"; echo "$arch $series koffi $koffi node $node_version") | sha256sum | cut -c1-16)
mkdir -p "$(dirname "$out")"
# One maker at a time (test/run.sh starts one early, in the background; the test then waits here).
exec 9> "$out.lock"
flock 9
if [ -d "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$stamp" ]; then echo "$out"; exit 0; fi

# qemu-user runs the root's maintainer scripts: register its binfmt handler if nobody has.
[ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
for name in "$qemu_user" arm; do
  [ -e "/proc/sys/fs/binfmt_misc/qemu-$name" ] || grep -v '^#' "/usr/lib/binfmt.d/qemu-$name.conf" > /proc/sys/fs/binfmt_misc/register
done

mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' | grep -E '/debian/?$' | head -1 || true)
[ -n "$mirror" ] || mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' | grep -E '/debian/?$' | head -1 || true)
[ -n "$mirror" ] || { echo "make-rootfs.sh: no Debian mirror in /etc/apt/sources.list*" >&2; exit 1; }
mirror=${mirror%/}

# What the guest needs to run podman with the hooks, and the workloads. No kernel: boot.sh takes
# the kernel and its modules from fetch-kernel.sh (installing one runs mkinitramfs under qemu-user: minutes).
PACKAGES=podman,runc,crun,conmon,libbpf1,libseccomp2,busybox-static,catatonit,mount,iproute2,kmod,python3.11-minimal,ca-certificates
# The Debian part alone is kept as $out.debian (the slow part: ~3.5 min cold, downloads included),
# made again only when the package list changes; the rest is added to a copy of it.
base=$out.debian
base_stamp=$(echo "$arch $series $PACKAGES" | sha256sum | cut -c1-16)
if [ "$(cat "$base.stamp" 2>/dev/null)" != "$base_stamp" ]; then
  rm -rf "$base" "$base.new"
  mkdir -p "$(dirname "$out")"
  mmdebstrap --quiet --arch="$arch" --variant=apt --include="$PACKAGES" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    "$series" "$base.new" "deb $mirror $series main" "deb $mirror $series-updates main" >&2
  mv "$base.new" "$base"
  echo "$base_stamp" > "$base.stamp"
fi
rm -rf "$out.new" "$out"
cp -a "$base" "$out.new"
# Where stage2.sh mounts fresh tmpfs (podman's storage must not be the overlay of the root).
mkdir -p "$out.new/var/lib/containers" "$out.new/var/tmp" "$out.new/root"

# Node and koffi's native part for $arch, from npm (published there per platform).
npm_dir=$out.new/srv/npm
mkdir -p "$npm_dir"
(cd "$npm_dir" && npm pack --silent "node-linux-$node_arch@$node_version" "@koromix/koffi-linux-$node_arch@$koffi" > packed.txt)
for t in "$npm_dir"/*.tgz; do
  name=$(basename "$t" .tgz)
  mkdir -p "$npm_dir/$name" && tar -xzf "$t" -C "$npm_dir/$name" --strip-components=1 && rm "$t"
done
cp "$npm_dir"/node-linux-"$node_arch"-*/bin/node "$out.new/usr/local/bin/node"
ln -s "$(cd "$npm_dir" && ls -d ./*koffi-linux-"$node_arch"-*)" "$npm_dir/koffi"

# The workloads' images, as trees of the guest's own files (podman import in the guest).
images=$out.new/srv/images
mkdir -p "$images"
tree=$(mktemp -d)
mkdir -p "$tree/bin" "$tree/tmp" "$tree/etc"
cp "$out.new/bin/busybox" "$tree/bin/busybox"
for applet in $(chroot "$out.new" /bin/busybox --list); do [ "$applet" = busybox ] || ln -s busybox "$tree/bin/$applet"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$tree/etc/passwd"
tar -C "$tree" -cf "$images/busybox.tar" .
rm -rf "$tree"
# python3.11-minimal and what its binary links, by the packages' own file lists (merged /usr:
# their /lib paths are usr/lib's; no directories, which a symlink such as lib would duplicate).
lists=()
for p in python3.11-minimal libpython3.11-minimal libc6 zlib1g libexpat1 libssl3 libgcc-s1; do
  for l in "$out.new/var/lib/dpkg/info/$p:$arch.list" "$out.new/var/lib/dpkg/info/$p.list"; do [ -e "$l" ] && lists+=("$l"); done
done
(cd "$out.new" && cat "${lists[@]}" | sed -E 's|^/||; s#^(bin|sbin|lib)/#usr/\1/#' | while read -r f; do if [ ! -d "$f" ] && { [ -f "$f" ] || [ -L "$f" ]; }; then echo "$f"; fi; done | sort -u > /tmp/python-files.$$)
(cd "$out.new" && tar -cf "$images/python.tar" bin lib sbin etc/passwd etc/group tmp -T /tmp/python-files.$$ 2>/dev/null) || true
rm -f /tmp/python-files.$$
[ -s "$images/python.tar" ] || { echo "make-rootfs.sh: could not make the python image" >&2; exit 1; }

# A 32-bit ARM program (the arm64 kernel's compat mode): Debian armhf's static busybox.
if [ "$arch" = arm64 ]; then
  debs=$(mktemp -d)
  state=$cache/apt/armhf-$series
  mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
  echo "deb [arch=armhf signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $series main" > "$state/sources.list"
  apt_opts=(-o "Dir::Etc::sourcelist=$state/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$state/lists"
            -o "Dir::Cache=$state/cache" -o "APT::Architecture=armhf" -o "APT::Architectures::=armhf" -o Debug::NoLocking=1)
  apt-get "${apt_opts[@]}" -qq update >&2
  (cd "$debs" && apt-get "${apt_opts[@]}" -qq download busybox-static >&2)
  dpkg-deb -x "$debs"/busybox-static_*.deb "$debs/x"
  mkdir -p "$out.new/srv/armhf"
  cp "$debs/x/bin/busybox" "$out.new/srv/armhf/busybox"
  rm -rf "$debs"
fi
mv "$out.new" "$out"
echo "$stamp" > "$out.stamp"
echo "$out"
