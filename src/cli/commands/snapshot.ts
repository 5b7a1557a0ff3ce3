/**
 * snapshot: the profile so far of a container that is still running (a long-lived service never
 * reaches poststop). Reads the target's bitmap without removing it; tracing goes on.
 */
import type { Command } from '../command.js';
import { parse } from '../args.js';
import { resolveContainer } from '../containers.js';
import { SeccompGenError } from '../../errors.js';
import { Recorder } from '../../kernel/recorder.js';
import { formatJson, writeFileAtomic } from '../../io/write-file.js';
import { loadTarget } from '../../state/targets.js';
import { unnamedWarning } from '../../syscalls/resolve.js';
import { libseccompTable } from '../../syscalls/table.js';
import { collectProfile } from '../../write/collect.js';
import { allowedCount } from '../../profile/build.js';

export const snapshot: Command = {
  name: 'snapshot',
  usage: `Usage: seccomp-gen snapshot <container id or name> [-o out.json]

Writes the profile of what a traced, still running container has called so far, without
stopping it or its tracing. Without -o the profile goes to stdout.

Options:
  -o, --output FILE  write there (atomically); default: stdout
`,
  run(args) {
    const { values, positionals } = parse(args, { output: { type: 'string', short: 'o' } });
    if (positionals.length !== 1) throw new SeccompGenError('USAGE', 'give one container id or name (see --help)');
    const id = resolveContainer(positionals[0]!);
    const record = loadTarget(id);
    if (!record) throw new SeccompGenError('TARGET', `container ${id} is not being traced`);
    const recorder = Recorder.open();
    if (!recorder) throw new SeccompGenError('TARGET', 'the recorder is not attached: nothing is being traced');
    let recorded;
    try {
      recorded = recorder.read(record.key);
    } finally {
      recorder.close();
    }
    if (!recorded) throw new SeccompGenError('TARGET', `container ${id} stopped meanwhile: its profile is in ${record.output}`);
    const { profile, unknown } = collectProfile(record, recorded, libseccompTable());
    if (unknown.size) process.stderr.write(`seccomp-gen snapshot: warning: ${unnamedWarning(unknown)}\n`);
    const text = formatJson(profile);
    if (values.output === undefined) {
      process.stdout.write(text);
    } else {
      writeFileAtomic(values.output, text);
      process.stderr.write(`seccomp-gen snapshot: ${allowedCount(profile)} syscalls so far, written to ${values.output}\n`);
    }
    return 0;
  },
};
