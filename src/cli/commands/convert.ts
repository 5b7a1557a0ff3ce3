/** convert: a profile from one format to another. */
import type { Command } from '../command.js';
import { parse } from '../args.js';
import { convertProfile, OUTPUT_FORMATS, type OutputFormat } from '../../toolkit/convert.js';
import { namesOnly } from '../../toolkit/names-only.js';
import { SeccompGenError } from '../../errors.js';
import { withRuntimeRule } from '../../toolkit/runtime-check.js';
import { parseRuntimeList } from '../../profile/runtime-sets.js';
import { TARGET_OPTIONS, TARGET_USAGE, emit, loadAll, needFiles, targetFrom, warn } from '../profile-io.js';

export const convert: Command = {
  name: 'convert',
  usage: `Usage: seccomp-gen convert x.json --to podman|docker|oci|crd|log|label|containerfile-label [-o out] [--runtimes LIST]

Reads a Docker, Podman, OCI (config.json or its linux.seccomp) or Kubernetes Security Profiles
Operator SeccompProfile (YAML or JSON) profile and writes it as:
  docker   moby's format: archMap, includes/excludes kept as they are
  podman   containers/common's: the same, with errno names beside the numbers
  oci      the object for linux.seccomp in a bundle's config.json
  crd      a SeccompProfile (YAML; JSON when -o ends in .json)
  log      complain mode (Docker format): the same rules, but what they do not allow runs and
           is logged by the kernel (SCMP_ACT_LOG) instead of refused; collect those records
           with seccomp-gen audit and merge them. Explicit errno rules keep their answer.
  label    the value of Podman's io.containers.seccomp.profile image label, which
           podman run --seccomp-policy=image applies: podman's format as compact ASCII JSON
  containerfile-label
           the Containerfile line that sets that label, quoted so that no builder expands or
           unescapes anything in it:
             seccomp-gen convert app.json --to containerfile-label >> Containerfile
oci and crd cannot say includes/excludes or archMap: they are resolved for one target, as
Docker does when it starts a container. What a format cannot say is reported on stderr.

Options:
  --to FORMAT       the output format (required)
  -o, --output FILE write there (replaced only once all succeeded); default: stdout
  --name NAME       metadata.name of a crd (default: from the output or input file name)
  --names-only      drop argument filters: a name allowed under some condition is allowed with
                    any arguments (conditional errno answers stay)
  --runtimes LIST   add what OCI runtimes (runc, crun; comma-separated) call under the filter
                    before the exec, in a rule of its own, as the hook writes it: for a profile
                    made by hand or before seccomp-gen knew the runtimes' sets. Names the profile
                    blocks stay blocked (warned); nothing is removed (a file cannot tell a
                    runtime's call from the workload's: narrow when tracing, config runtimes)
${TARGET_USAGE}
`,
  run(args) {
    const { values, positionals } = parse(args, {
      to: { type: 'string' },
      output: { type: 'string', short: 'o' },
      name: { type: 'string' },
      'names-only': { type: 'boolean' },
      runtimes: { type: 'string' },
      ...TARGET_OPTIONS,
    });
    needFiles(positionals, 1, 1);
    if (values.to === undefined) throw new SeccompGenError('USAGE', `--to is required (one of ${OUTPUT_FORMATS.join(', ')})`);
    const to = values.to as OutputFormat;
    if (!OUTPUT_FORMATS.includes(to)) throw new SeccompGenError('USAGE', `--to: unknown format "${values.to}" (one of ${OUTPUT_FORMATS.join(', ')})`);
    const [loaded] = loadAll(positionals, 'convert');
    const name = values.name ?? loaded!.name ?? values.output ?? positionals[0]!;
    const runtimes = values.runtimes !== undefined ? parseRuntimeList(values.runtimes, '--runtimes') : [];
    const withRuntimes = withRuntimeRule(loaded!.profile, runtimes);
    const { kept } = withRuntimes;
    if (kept.length) warn('convert', [`${positionals[0]} blocks ${kept.join(', ')}, which ${runtimes.join(' or ')} may call before the exec: kept blocked, so the container may not start there`]);
    const profile = values['names-only'] ? namesOnly(withRuntimes.profile) : withRuntimes.profile;
    const { text, warnings } = convertProfile(profile, { to, target: targetFrom(values), name, json: values.output?.endsWith('.json') ?? false });
    warn('convert', warnings);
    emit(text, values.output);
    return 0;
  },
};
