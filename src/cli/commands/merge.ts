/** merge: one profile from several (union by default, --intersect for the common part). */
import type { Command } from '../command.js';
import { parse } from '../args.js';
import { parseVerdict } from '../../toolkit/actions.js';
import { convertProfile, OUTPUT_FORMATS, type OutputFormat } from '../../toolkit/convert.js';
import { mergeProfiles } from '../../toolkit/merge.js';
import { SeccompGenError } from '../../errors.js';
import { TARGET_OPTIONS, TARGET_USAGE, emit, loadAll, needFiles, targetFrom, warn } from '../profile-io.js';

export const merge: Command = {
  name: 'merge',
  usage: `Usage: seccomp-gen merge a.json b.json [more…] [-o out.json] [--intersect] [--default-action A]

Combines profiles of any format (Docker, Podman, OCI config.json, Kubernetes SeccompProfile).
Per syscall the less restrictive answer wins (KILL_PROCESS < KILL/KILL_THREAD < TRAP < ERRNO <
TRACE/NOTIFY < LOG < ALLOW), and a rule with no argument filter beats one with; --intersect
keeps the more restrictive instead. Architectures and flags are unioned. The output is sorted,
so merging in any order gives the same file.

Options:
  -o, --output FILE       write there (replaced only once all succeeded); default: stdout
  --intersect             keep what every input allows, not what any input allows
  --default-action A      the output's default when the inputs' differ, e.g. SCMP_ACT_ERRNO,
                          ERRNO(38), SCMP_ACT_ERRNO(ENOSYS), KILL_PROCESS
  --to FORMAT             ${OUTPUT_FORMATS.join('|')} (default: docker, which Podman reads too)
With --to oci or crd, which cannot say includes/excludes or archMap, they are resolved for:
${TARGET_USAGE}
`,
  run(args) {
    const { values, positionals } = parse(args, {
      output: { type: 'string', short: 'o' },
      intersect: { type: 'boolean' },
      'default-action': { type: 'string' },
      to: { type: 'string' },
      ...TARGET_OPTIONS,
    });
    needFiles(positionals, 1);
    const to = (values.to ?? 'docker') as OutputFormat;
    if (!OUTPUT_FORMATS.includes(to)) throw new SeccompGenError('USAGE', `--to: unknown format "${values.to}" (one of ${OUTPUT_FORMATS.join(', ')})`);
    const defaultVerdict = values['default-action'] !== undefined ? parseVerdict(values['default-action']) : undefined;
    const loaded = loadAll(positionals, 'merge');
    const approximated = new Set<string>();
    const merged = mergeProfiles(
      loaded.map((l) => l.profile),
      { mode: values.intersect ? 'intersect' : 'union', sources: positionals, approximated, ...(defaultVerdict ? { defaultVerdict } : {}) },
    );
    const { text, warnings } = convertProfile(merged, { to, target: targetFrom(values), name: values.output ?? 'merged', json: values.output?.endsWith('.json') ?? false });
    if (approximated.size) {
      const how = values.intersect ? 'refused where either input refuses part of them' : 'allowed where either input allows part of them';
      warnings.unshift(`argument conditions that overlap without being the same cannot be merged exactly: ${[...approximated].sort().join(', ')} ${how}`);
    }
    warn('merge', warnings);
    emit(text, values.output);
    return 0;
  },
};
