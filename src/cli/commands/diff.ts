/** diff: what changed between two profiles, per syscall. */
import type { Command } from '../command.js';
import { parse } from '../args.js';
import { diffProfiles, isEmptyDiff, renderDiff } from '../../toolkit/diff.js';
import { formatJson } from '../../io/write-file.js';
import { loadAll, needFiles } from '../profile-io.js';

export const diff: Command = {
  name: 'diff',
  usage: `Usage: seccomp-gen diff a.json b.json [--json] [--exit-code]
       seccomp-gen diff a.json image:NAME [--exit-code]

Compares what two profiles (any format merge reads) answer: the default action, the arches and
flags, and per syscall its action with its conditions. Rule order, grouping and comments are no
difference.
  + name   only b.json has a rule for it     - name   only a.json has
  ~ name   both have, answering differently
Either side may be image:NAME: the io.containers.seccomp.profile label of the local image NAME
(podman image inspect), e.g. to check in CI that an image carries the profile just recorded.

Options:
  --json        the diff as JSON: {defaultAction, architectures, flags, added, removed, changed}
  --exit-code   exit 1 when the profiles differ, 0 when not (as git diff --exit-code)
`,
  run(args) {
    const { values, positionals } = parse(args, { json: { type: 'boolean' }, 'exit-code': { type: 'boolean' } });
    needFiles(positionals, 2, 2);
    const [a, b] = loadAll(positionals, 'diff');
    const d = diffProfiles(a!.profile, b!.profile);
    process.stdout.write(values.json ? formatJson(d) : renderDiff(d, positionals[0]!, positionals[1]!));
    return values['exit-code'] && !isEmptyDiff(d) ? 1 : 0;
  },
};
