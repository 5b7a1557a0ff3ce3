#!/usr/bin/env bash
# Builds localhost/seccomp-gen/probes:test, the programs that measure runtimes rather than
# workloads: exit0 (one syscall, for scripts/measure-runtime-sets.sh) and spin (a CPU-bound,
# multi-goroutine Go program, static, built with Debian's Go toolchain: golang-go), on a
# busybox-static base. Rebuilt only when an input changed.
set -euo pipefail
cd "$(dirname "$0")/../.."

IMAGE=localhost/seccomp-gen/probes:test
inputs_hash=$( (sha256sum /bin/busybox test/fixtures/probes/* test/images/build-probes.sh; go version) | sha256sum | cut -c1-16)
if [ "$(podman image inspect "$IMAGE" --format '{{index .Labels "inputs"}}' 2>/dev/null || true)" = "$inputs_hash" ]; then
  echo "image $IMAGE is up to date"
  exit 0
fi

root=$(mktemp -d)
gocache=$(mktemp -d)
trap 'rm -rf "$root" "$gocache"' EXIT
mkdir -p "$root"/{bin,tmp,etc,proc,sys,dev}
chmod 1777 "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for applet in sh ls cat true; do ln -s busybox "$root/bin/$applet"; done
gcc -static -nostdlib -O2 -o "$root/bin/exit0" test/fixtures/probes/exit0.c
CGO_ENABLED=0 GOCACHE="$gocache" GO111MODULE=off go build -trimpath -ldflags '-s -w' -o "$root/bin/spin" test/fixtures/probes/spin.go
tar -C "$root" -c . | podman import --quiet \
  --change 'ENV PATH=/bin' --change "LABEL inputs=$inputs_hash" - "$IMAGE" >/dev/null
echo "built $IMAGE"
