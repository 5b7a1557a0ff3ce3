#!/bin/busybox sh
# A stand-in for a project's test suite: what the CI example records. Static busybox, so the
# profile does not depend on the machine's libc. WORKLOAD_EXTRA=1 plays a code change that makes
# the program call something new (a symlink), which the profile check must catch.
set -eu
d=$(busybox mktemp -d)
busybox echo hello > "$d/a"
busybox cp "$d/a" "$d/b"
busybox cat "$d/b"
if [ -n "${WORKLOAD_EXTRA:-}" ]; then busybox ln -s a "$d/link"; fi
busybox rm -rf "$d"
