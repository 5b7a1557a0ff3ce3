#!/usr/bin/env bash
# Sets up this machine (test/setup.sh) and runs every test: unit tests, then the end-to-end
# tests that load the real BPF program and run real podman containers (root needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash test/setup.sh
report=$(mktemp --suffix=.json)
trap 'rm -f "$report"' EXIT
status=0
# The arm64 guest's root (test/e2e/arm64.test.ts) takes ~4 min to make on a fresh machine, mostly
# downloads and dpkg under qemu-user: made in the background while the tests before it run (the
# test waits for it, make-rootfs.sh holds a lock; a failure here is the test's to report).
bash test/guest/make-rootfs.sh arm64 bookworm > /tmp/seccomp-gen-rootfs-arm64.log 2>&1 &
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" || status=$?
# The closing line any reader understands, whatever the test runner.
node -e 'const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")); console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`)' "$report" || true
exit $status
