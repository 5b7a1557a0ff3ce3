/** show: a readable summary of a profile, compared with Docker's default. */
import type { Command } from '../command.js';
import { parse } from '../args.js';
import { renderSummary, summarize } from '../../toolkit/show.js';
import { TARGET_OPTIONS, TARGET_USAGE, loadAll, needFiles, targetFrom } from '../profile-io.js';

export const show: Command = {
  name: 'show',
  usage: `Usage: seccomp-gen show x.json|image:NAME [more…]

Says what a profile (any format merge reads) allows, what else it answers, and against Docker's
default profile as a container gets it here: which of its syscalls Docker blocks, and how many
of Docker's it drops. image:NAME reads the io.containers.seccomp.profile label of the local
image NAME (podman image inspect), the profile podman run --seccomp-policy=image applies.

Options:
${TARGET_USAGE}
`,
  run(args) {
    const { values, positionals } = parse(args, TARGET_OPTIONS);
    needFiles(positionals, 1);
    const target = targetFrom(values);
    const loaded = loadAll(positionals, 'show');
    loaded.forEach((l, i) => {
      if (i > 0) process.stdout.write('\n');
      process.stdout.write(renderSummary(summarize(l.profile, target), positionals[i]!, l.format, target));
    });
    return 0;
  },
};
