#!/usr/bin/env bash
# The main job, from a fresh machine: set it up, install the hooks where Podman looks, trace a
# demo container, print the profile it got, and replay the container under that profile.
set -euo pipefail
cd "$(dirname "$0")/.."
bash test/setup.sh

IMAGE=localhost/seccomp-gen/busybox:test
OUT=${1:-/tmp/seccomp-gen-demo.json}
CMD=(sh -c 'ls / && echo hello > /tmp/greeting && cat /tmp/greeting')

node dist/cli/main.js install
# The hook writes the profile with the rights of whoever started the container (sudo keeps your
# login uid), and replaces only that person's own file: start from no file.
rm -f "$OUT"

echo "== tracing: podman run --annotation io.containers.trace-syscall=of:$OUT $IMAGE ${CMD[*]}"
podman run --rm --annotation "io.containers.trace-syscall=of:$OUT" "$IMAGE" "${CMD[@]}" > /tmp/seccomp-gen-demo.traced
cat "$OUT"
echo "== $(node -e 'const p=require(process.argv[1]); console.log(p.syscalls.filter(r=>r.action==="SCMP_ACT_ALLOW").flatMap(r=>r.names).length)' "$OUT") syscalls allowed; written to $OUT"

echo "== replaying under it: podman run --security-opt seccomp=$OUT $IMAGE ${CMD[*]}"
podman run --rm --security-opt "seccomp=$OUT" "$IMAGE" "${CMD[@]}" > /tmp/seccomp-gen-demo.replayed
if cmp -s /tmp/seccomp-gen-demo.traced /tmp/seccomp-gen-demo.replayed; then
  echo "== replay: same output, exit code 0"
else
  echo "== replay differs:"; diff /tmp/seccomp-gen-demo.traced /tmp/seccomp-gen-demo.replayed; exit 1
fi
echo "== and it keeps out what the workload never did: mkdir under the profile"
podman run --rm --security-opt "seccomp=$OUT" "$IMAGE" mkdir /tmp/x && exit 1 || echo "== refused, as it should be"
