#!/bin/sh
# Inside a guest (boot.sh): trace a podman container with the project's own hooks, then prove the
# profile there — the same command replays under it with the same output and exit code, and a
# syscall it never made is refused. Results go to /out for the host's test (test/e2e/kernels.test.ts).
#
#   PROBE="CMD ARGS" podman-trace.sh IMAGE_ARCHIVE IMAGE -- CMD…    (PROBE: plain words, run under the profile)
set -u
archive=$1 image=$2
shift 3
repo=$(cd "$(dirname "$0")/../.." && pwd)
hooks=/tmp/hooks.d
p() { podman --hooks-dir "$hooks" "$@"; }
run() { # NAME, podman run options…, then the command: stdout, stderr and status into /out
  name=$1; shift
  p run --rm "$@" > "/out/$name.stdout" 2> "/out/$name.stderr"
  echo $? > "/out/$name.status"
}
podman load -q -i "$archive" > /out/load.log 2>&1 || { cat /out/load.log; exit 1; }
# The hooks run under TCG here, several times slower than on a host: a generous timeout.
node "$repo/dist/cli/main.js" install --hooks-dir "$hooks" --timeout 120 > /out/install.log 2>&1 || { cat /out/install.log; exit 1; }
# The untraced run and the probe without a profile are the host's (the same image and command):
# each podman run costs seconds here.
t0=$(date +%s%N)
run traced --annotation "io.containers.trace-syscall=of:/out/profile.json" "$image" "$@"
t1=$(date +%s%N)
run replay --security-opt seccomp=/out/profile.json "$image" "$@"
run probe --security-opt seccomp=/out/profile.json "$image" $PROBE
echo "{\"tracedMs\": $(( (t1 - t0) / 1000000 ))}" > /out/times.json
node "$repo/dist/cli/main.js" status > /out/status.txt 2>&1
exit 0
