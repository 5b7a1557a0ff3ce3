#!/usr/bin/env bash
# npm run bench's host figure on Debian's own kernels, each in a guest (boot.sh): an untraced
# syscall loop on the guest's host side with nothing attached, with the recorder attached (one
# container traced), and with an empty raw_tp/sys_enter program (the floor). Under TCG absolute
# times mean little: compare the ratios. Not part of CI (about a minute and a half per kernel).
#
#   bash test/guest/bench-kernels.sh [SERIES…]     default: bullseye bookworm trixie
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
npm run --silent build:ts >/dev/null 2>&1 || npm run build:ts
npx tsc -p test/bench/tsconfig.json
id=$(podman image inspect localhost/seccomp-gen/busybox:test --format '{{.Id}}' | cut -c1-16)
archive=$root/.cache/guest/images/busybox-$id.tar
[ -f "$archive" ] || { mkdir -p "$(dirname "$archive")"; podman save -q -o "$archive" localhost/seccomp-gen/busybox:test; }
printf '%-28s %-16s %10s %10s %10s %8s %8s\n' kernel build untraced traced floor traced/u floor/u
for series in "${@:-bullseye bookworm trixie}"; do
  for s in $series; do
    kdir=$(bash test/guest/fetch-kernel.sh amd64 "$s")
    out=$(mktemp -d /tmp/sg-bench-XXXX)
    cat > "$out/cmd" <<CMD
podman load -q -i $archive >/dev/null
node $root/dist/cli/main.js check --json > /out/check.json
node $root/dist/bench/bench.js --only host,floor --counts 1 --runs 5 --pairs 200000 --out /out/bench.json > /out/bench.txt 2>&1
CMD
    GUEST_TIMEOUT=900 bash test/guest/boot.sh amd64 "$kdir" "$out" || { echo "$s: the guest failed, see $out" >&2; continue; }
    node -e '
      const fs = require("node:fs");
      const [out, release] = process.argv.slice(1);
      const b = JSON.parse(fs.readFileSync(out + "/bench.json", "utf8"));
      const build = JSON.parse(fs.readFileSync(out + "/check.json", "utf8")).checks.find((c) => c.check === "features").detail.split("build ")[1];
      const h = b.host["1"], f = b.floor, ms = (x) => (x / 1e6).toFixed(0) + " ms";
      console.log([release.padEnd(28), build.padEnd(16), ms(h.untraced).padStart(10), ms(h.traced).padStart(10), ms(f.traced).padStart(10), h.ratio.toFixed(3).padStart(8), f.ratio.toFixed(3).padStart(8)].join(" "));
    ' "$out" "$(cat "$kdir/release")"
  done
done
