#!/usr/bin/env bash
# Measures what each OCI runtime calls under the container's seccomp filter before it execs the
# workload: the sets in src/profile/runtime-sets.ts. For each runtime it traces, RUNS times, a
# container whose workload is test/fixtures/probes/exit0.c (exit_group and nothing else) with our
# own hooks and a config of `"runtimes": []` (so no set is added to what was seen); the recorder
# records only while a task runs under a seccomp filter, so what it saw besides exit_group is the
# runtime's. Prints, per runtime and version, the names seen in every run and those seen in some.
#
#   sudo bash scripts/measure-runtime-sets.sh [RUNS]      (default 20; after npm run build and
#                                                         test/setup.sh, which builds the image)
# crun on a machine whose cgroups it refuses runs through test/e2e/runtimes/crun (see there).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-20}
IMAGE=localhost/seccomp-gen/probes:test
[ "$(id -u)" = 0 ] || { echo "measure-runtime-sets.sh: run as root" >&2; exit 1; }
[ -f dist/cli/main.js ] || { echo "measure-runtime-sets.sh: npm run build first" >&2; exit 1; }
podman image exists "$IMAGE" || bash test/images/build-probes.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '{"runtimes": []}\n' > "$work/config.json"
chmod 644 "$work/config.json"
envs=(--env "SECCOMP_GEN_CONFIG=$work/config.json")
for k in SECCOMP_GEN_PIN_DIR SECCOMP_GEN_RUN_DIR SECCOMP_GEN_LOG; do
  [ -z "${!k:-}" ] || envs+=(--env "$k=${!k}")
done
node dist/cli/main.js install --hooks-dir "$work/hooks.d" "${envs[@]}" >/dev/null

runtime_args() {
  case "$1" in
    runc) echo "--runtime runc" ;;
    crun)
      if podman --runtime crun run --rm "$IMAGE" /bin/true >/dev/null 2>&1; then echo "--runtime crun"
      else echo "--runtime $PWD/test/e2e/runtimes/crun"; fi ;;
  esac
}

for runtime in runc crun; do
  command -v "$runtime" >/dev/null || { echo "$runtime: not installed, skipped"; continue; }
  args=$(runtime_args "$runtime")
  run_args=(run --rm)
  mkdir -p "$work/$runtime"
  for i in $(seq "$RUNS"); do
    # shellcheck disable=SC2086 # $args is two words on purpose
    (cd "$work" && podman --hooks-dir "$work/hooks.d" $args "${run_args[@]}" \
      --annotation "io.containers.trace-syscall=of:$work/$runtime/$i.json" "$IMAGE" /bin/exit0)
  done
  version=$("$runtime" --version | head -1 | sed 's/ version / /')
  node -e '
    const fs = require("fs");
    const [dir, version] = process.argv.slice(1);
    const runs = fs.readdirSync(dir).map((f) => JSON.parse(fs.readFileSync(`${dir}/${f}`, "utf8")));
    const seen = runs.map((p) => new Set(p.syscalls.filter((r) => r.action === "SCMP_ACT_ALLOW").flatMap((r) => r.names)));
    const all = [...new Set(seen.flatMap((s) => [...s]))].filter((n) => n !== "exit_group").sort();
    const every = all.filter((n) => seen.every((s) => s.has(n)));
    const some = all.filter((n) => !every.includes(n)).map((n) => `${n} (${seen.filter((s) => s.has(n)).length}/${runs.length})`);
    console.log(`${version}: in every run: ${JSON.stringify(every)}`);
    console.log(`${version}: in some runs: ${some.length ? some.join(", ") : "none"}`);
  ' "$work/$runtime" "$version"
done
