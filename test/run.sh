#!/usr/bin/env bash
# Sets up this machine (test/setup.sh) and runs every test: unit tests, then the end-to-end
# tests that load the real BPF program and run real podman containers (root needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash test/setup.sh
report=$(mktemp --suffix=.json)
trap 'rm -f "$report"' EXIT
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" || status=$?
# The closing line any reader understands, whatever the test runner.
node -e 'const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")); console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`)' "$report" || true
exit $status
