#!/usr/bin/env bash
# Fetch a Debian kernel by package name: the newest linux-image-<flavour> of one Debian series, for
# one architecture, from this machine's own Debian mirror (read from /etc/apt/sources.list*). The
# .deb is unpacked under the cache directory (git-ignored), so a second run costs nothing.
#
#   test/guest/fetch-kernel.sh ARCH SERIES [CACHE]     e.g. amd64 bookworm
#
# Prints the unpacked directory: it holds boot/vmlinuz-<release> and lib/modules/<release>/, a file
# `release` with the kernel's release string. A private apt state per (arch, series) keeps the
# machine's own apt lists and sources untouched.
set -euo pipefail
arch=${1:?usage: fetch-kernel.sh ARCH SERIES [CACHE]}
series=${2:?usage: fetch-kernel.sh ARCH SERIES [CACHE]}
cache=${3:-$(cd "$(dirname "$0")/../.." && pwd)/.cache/guest}
case "$series" in
  bullseye | bookworm | trixie) ;;
  *) echo "fetch-kernel.sh: unknown Debian series $series (bullseye, bookworm, trixie)" >&2; exit 2 ;;
esac

# The Debian mirror this machine uses: the first URI of a deb822 or one-line source naming /debian.
mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' | grep -E '/debian/?$' | head -1 || true)
[ -n "$mirror" ] || mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' | grep -E '/debian/?$' | head -1 || true)
[ -n "$mirror" ] || { echo "fetch-kernel.sh: no Debian mirror in /etc/apt/sources.list*" >&2; exit 1; }
mirror=${mirror%/}
security=${mirror%/debian}/debian-security
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

state=$cache/apt/$arch-$series
out=$cache/kernels/$arch-$series
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$out"
{
  echo "deb [arch=$arch signed-by=$keyring] $mirror $series main"
  echo "deb [arch=$arch signed-by=$keyring] $mirror $series-updates main"
  echo "deb [arch=$arch signed-by=$keyring] $security $series-security main"
} > "$state/sources.list"
apt_opts=(-o "Dir::Etc::sourcelist=$state/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$state/lists"
          -o "Dir::Cache=$state/cache" -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch" -o Debug::NoLocking=1)

# Lists are refreshed once a day: a kernel that was newest this morning is good enough today.
if [ -z "$(find "$state/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
  apt-get "${apt_opts[@]}" -qq update >&2
fi
# linux-image-<arch> (the metapackage) depends on the series' current kernel, e.g. linux-image-6.1.0-41-amd64.
pkg=$(apt-cache "${apt_opts[@]}" depends "linux-image-$arch" | awk '/Depends: linux-image-/ { print $2; exit }')
[ -n "$pkg" ] || { echo "fetch-kernel.sh: no linux-image-$arch in $series on $mirror" >&2; exit 1; }
version=$(apt-cache "${apt_opts[@]}" policy "$pkg" | awk '/Candidate:/ { print $2 }')
stamp="$pkg=$version"
if [ "$(cat "$out/package" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$out.new" && mkdir -p "$out.new"
  (cd "$state/cache/archives" && apt-get "${apt_opts[@]}" -qq download "$pkg=$version" >&2)
  dpkg-deb -x "$state/cache/archives/$(ls "$state/cache/archives" | grep -F "${pkg}_" | sort -V | tail -1)" "$out.new"
  # Debian 13 ships modules under /usr/lib (merged /usr): give both layouts one place.
  [ -d "$out.new/lib/modules" ] || { mkdir -p "$out.new/lib" && ln -s ../usr/lib/modules "$out.new/lib/modules"; }
  release=$(ls "$out.new/lib/modules/" | head -1)
  echo "$release" > "$out.new/release"
  # The .deb ships no modules.dep (depmod runs at install): make it, for modprobe --show-depends.
  depmod -b "$out.new" "$release"
  echo "$stamp" > "$out.new/package"
  rm -rf "$out" && mv "$out.new" "$out"
  # Only the unpacked tree is needed from now on.
  rm -f "$state/cache/archives/"*.deb
fi
echo "$out"
