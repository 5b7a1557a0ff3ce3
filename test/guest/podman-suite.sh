#!/bin/sh
# Functions for a guest of another arch (boot.sh with GUEST_ROOT, make-rootfs.sh's root): the test
# (test/e2e/arm64.test.ts) writes a script that sources this file, calls `setup`, then `run` for
# each container; every run leaves NAME.stdout, NAME.stderr, NAME.status and NAME.ms in /out.
#
#   setup                             koffi's native part for this arch, seccomp-gen check, the
#                                     images (podman import of the root's /srv/images/*.tar), hooks
#   run NAME RUNTIME PODMAN-RUN-OPTIONS… IMAGE CMD…
set -u
repo=$(cd "$(dirname "$0")/../.." 2>/dev/null && pwd)
[ -f "$repo/dist/cli/main.js" ] || repo=${SG_REPO:?SG_REPO: the checkout, when this file is sourced}
hooks=/tmp/hooks.d
cli() { node "$repo/dist/cli/main.js" "$@"; }

setup() {
  # node_modules is the host's (x64): koffi finds its arm64 binary beside it (make-rootfs.sh's npm pack).
  mkdir -p "$repo/node_modules/@koromix"
  cp -r /srv/npm/koffi/. "$repo/node_modules/@koromix/koffi-linux-$(node -p process.arch)"
  cli check --json > /out/check.json 2> /out/check.stderr
  for tar in /srv/images/*.tar; do
    podman import -q "$tar" "localhost/$(basename "$tar" .tar)" >> /out/import.log 2>&1 || { cat /out/import.log; return 1; }
  done
  # The hooks run under TCG here, many times slower than on a host: a generous timeout.
  cli install --hooks-dir "$hooks" --timeout 240 > /out/install.log 2>&1 || { cat /out/install.log; return 1; }
}

run() {
  name=$1 runtime=$2
  shift 2
  t0=$(date +%s%N)
  podman --hooks-dir "$hooks" --runtime "$runtime" run --rm "$@" > "/out/$name.stdout" 2> "/out/$name.stderr"
  echo $? > "/out/$name.status"
  echo $(( ($(date +%s%N) - t0) / 1000000 )) > "/out/$name.ms"
}
