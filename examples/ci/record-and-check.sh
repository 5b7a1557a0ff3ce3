#!/usr/bin/env bash
# CI step: record a workload's seccomp profile and fail when it drifts from the one kept in git.
#
#   sudo examples/ci/record-and-check.sh profiles/tests.json -- ./build/run-tests
#
# Exit 0: the workload succeeded and called exactly what the committed profile allows.
# Exit 1: the profile drifted; the diff is printed (+ new syscalls, - ones no longer called) and
#         the new profile is left where it says, to review and commit.
# Otherwise: the workload's own exit code (a failing test run is a failing job either way).
# Environment: SECCOMP_GEN (default: seccomp-gen), UPDATE=1 to (re)write the committed profile.
set -euo pipefail

usage() { echo "usage: $0 COMMITTED_PROFILE -- CMD [ARGS...]" >&2; exit 2; }
[ $# -ge 3 ] || usage
committed=$1; shift
[ "$1" = -- ] || usage; shift
read -r -a sg <<< "${SECCOMP_GEN:-seccomp-gen}"

recorded=${RECORDED_PROFILE:-$(mktemp --tmpdir "seccomp-profile.XXXXXX.json")}
status=0
"${sg[@]}" record -o "$recorded" -- "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "record-and-check: the workload failed (exit $status); profile not checked" >&2
  exit "$status"
fi

if [ "${UPDATE:-}" = 1 ]; then
  cp "$recorded" "$committed"
  echo "record-and-check: wrote $committed: review and commit it"
  exit 0
fi
if [ ! -e "$committed" ]; then
  echo "record-and-check: $committed does not exist: run once with UPDATE=1 and commit it" >&2
  exit 1
fi

if "${sg[@]}" diff --exit-code "$committed" "$recorded"; then
  echo "record-and-check: $committed is up to date"
else
  echo "record-and-check: the workload's syscalls changed; new profile in $recorded" >&2
  echo "record-and-check: if intended: cp $recorded $committed (or rerun with UPDATE=1) and commit" >&2
  exit 1
fi
