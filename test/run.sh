#!/usr/bin/env bash
# Sets up this machine (test/setup.sh) and runs every test: unit tests, then the end-to-end
# tests that load the real BPF program and run real podman containers (root needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash test/setup.sh
exec npx vitest run
