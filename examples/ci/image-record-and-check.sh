#!/usr/bin/env bash
# CI step: record what an image's workload calls, fail when that drifts from the profile kept in
# git, then ship the profile inside the image: build it with the io.containers.seccomp.profile
# label, check the label holds exactly the committed profile, run the image the way production
# will (podman run --seccomp-policy=image) and see that it does the same, and that what the
# workload never did is refused.
#
#   sudo examples/ci/image-record-and-check.sh profiles/app.json localhost/app:ci [CONTEXT]
#
# CONTEXT (default: .) is the build context; its Containerfile (or $CONTAINERFILE) builds the image
# and its CMD is the workload. The hooks must be installed (sudo seccomp-gen install).
# Exit 0: all of the above held; the image IMAGE carries the profile.
# Exit 1: the profile drifted (the diff is printed and the new profile left where it says), or the
#         labelled image did not replay, or did not refuse REFUSED_CMD.
# Otherwise: the failing step's exit code (a failing workload fails the job either way).
# Environment: SECCOMP_GEN (default: seccomp-gen), PODMAN (default: podman), UPDATE=1 to (re)write
# the committed profile, RECORDED_PROFILE (where the new profile goes), REFUSED_CMD (a command the
# workload never runs: it must succeed under podman's default profile and fail under the label's).
set -euo pipefail

usage() { echo "usage: $0 COMMITTED_PROFILE IMAGE [CONTEXT]" >&2; exit 2; }
[ $# -ge 2 ] && [ $# -le 3 ] || usage
committed=$1 image=$2 context=${3:-.}
containerfile=${CONTAINERFILE:-$context/Containerfile}
read -r -a sg <<< "${SECCOMP_GEN:-seccomp-gen}"
read -r -a podman <<< "${PODMAN:-podman}"
read -r -a refused <<< "${REFUSED_CMD:-}"
say() { echo "image-record-and-check: $*"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The hook writes the profile on the host, so its path must be absolute.
recorded=$(realpath -m "${RECORDED_PROFILE:-$(mktemp --tmpdir "seccomp-profile.XXXXXX.json")}")

# 1. Build the image and record its workload (the hook writes the profile when it stops).
"${podman[@]}" build --quiet -t "$image" -f "$containerfile" "$context" > /dev/null
status=0
"${podman[@]}" run --rm --annotation "io.containers.trace-syscall=of:$recorded" "$image" > "$work/traced.out" 2> "$work/traced.err" || status=$?
cat "$work/traced.out"; cat "$work/traced.err" >&2
if [ "$status" -ne 0 ]; then
  say "the workload failed (exit $status); profile not checked" >&2
  exit "$status"
fi

# 2. Fail on drift.
if [ "${UPDATE:-}" = 1 ]; then
  cp "$recorded" "$committed"
  say "wrote $committed: review and commit it"
elif [ ! -e "$committed" ]; then
  say "$committed does not exist: run once with UPDATE=1 and commit it" >&2
  exit 1
elif "${sg[@]}" diff --exit-code "$committed" "$recorded" > "$work/drift"; then
  say "$committed is up to date"
else
  cat "$work/drift"
  say "the workload's syscalls changed; new profile in $recorded" >&2
  say "if intended: cp $recorded $committed (or rerun with UPDATE=1) and commit" >&2
  exit 1
fi

# 3. Build it again with the committed profile in its label: the Containerfile plus one line.
cp "$containerfile" "$work/Containerfile"
[ -z "$(tail -c 1 "$work/Containerfile")" ] || echo >> "$work/Containerfile" # a last line of its own
"${sg[@]}" convert "$committed" --to containerfile-label >> "$work/Containerfile"
"${podman[@]}" build --quiet -t "$image" -f "$work/Containerfile" "$context" > /dev/null
if ! "${sg[@]}" diff --exit-code "$committed" "image:$image" > "$work/label-diff"; then
  cat "$work/label-diff"
  say "$image does not carry $committed in its io.containers.seccomp.profile label" >&2
  exit 1
fi
say "$image carries $committed in its io.containers.seccomp.profile label"

# 4. Run it as production will: under the label's profile, it must do what it did when traced.
status=0
"${podman[@]}" run --rm --seccomp-policy=image "$image" > "$work/replay.out" 2> "$work/replay.err" || status=$?
if ! cmp -s "$work/traced.out" "$work/replay.out" || ! cmp -s "$work/traced.err" "$work/replay.err" || [ "$status" -ne 0 ]; then
  say "under --seccomp-policy=image the workload did not do what it did when traced (exit $status):" >&2
  cat "$work/replay.err" >&2
  exit 1
fi
say "podman run --seccomp-policy=image $image: same output, exit 0"

# 5. And what it never did is refused (while podman's default profile allows it).
if [ ${#refused[@]} -gt 0 ]; then
  if ! "${podman[@]}" run --rm "$image" "${refused[@]}" > /dev/null 2>&1; then
    say "REFUSED_CMD (${refused[*]}) fails even under podman's default profile: choose one that only the label's profile refuses" >&2
    exit 1
  fi
  status=0
  "${podman[@]}" run --rm --seccomp-policy=image "$image" "${refused[@]}" > /dev/null 2> "$work/refused.err" || status=$?
  if [ "$status" -eq 0 ]; then
    say "under --seccomp-policy=image, ${refused[*]} was allowed: the label's profile is not in force" >&2
    exit 1
  fi
  say "refused under the label's profile, as it should be (exit $status): $(head -n 1 "$work/refused.err")"
fi
