/**
 * record: the profile of a plain host command and every process it starts, no container — how a
 * CI job makes the profile of a program it has just built. The command's exit code is ours.
 */
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { parse } from '../args.js';
import { warn } from '../profile-io.js';
import { SeccompGenError } from '../../errors.js';
import { allowedCount } from '../../profile/build.js';
import { formatJson, checkOutputPath } from '../../io/write-file.js';
import { traceHostCommand } from '../../host-command/run.js';
import { unnamedWarning } from '../../syscalls/resolve.js';
import { parseRuntimeList } from '../../profile/runtime-sets.js';
import { libseccompTable } from '../../syscalls/table.js';
import { collectProfile, unfilteredNoteOf } from '../../write/collect.js';
import { writeProfileOf } from '../../write/finish.js';

const OPTIONS = {
  output: { type: 'string', short: 'o' },
  if: { type: 'string' },
  runtimes: { type: 'string' },
} as const;
const TAKES_VALUE = new Set(['-o', '--output', '--if', '--runtimes']);

/** Our options, then the command: after `--`, or from the first word that is not an option. */
export function splitCommand(args: readonly string[]): { own: string[]; command: string[] } {
  const dashes = args.indexOf('--');
  if (dashes >= 0) return { own: args.slice(0, dashes), command: args.slice(dashes + 1) };
  let i = 0;
  while (i < args.length && args[i]!.startsWith('-')) i += TAKES_VALUE.has(args[i]!) ? 2 : 1;
  return { own: args.slice(0, i), command: args.slice(i) };
}

export const record: Command = {
  name: 'record',
  usage: `Usage: seccomp-gen record [-o out.json] [--if base.json] [--runtimes LIST] -- CMD [ARGS…]

Runs CMD on this host (no container), records every syscall it and all the processes it starts
make, and writes the seccomp profile, as the hook does for a container. stdin, stdout and stderr
are CMD's; seccomp-gen exits with CMD's exit code (128 + N when signal N ended it), or 1 when the
profile could not be made. Needs root (it loads the BPF recorder).

CMD runs in a mount namespace of its own (nothing it can see changes: mounts propagate as
before), which is how the recorder tells its processes from the rest of the host. A host command
runs under no seccomp filter, so the profile allows all it called from just before its exec
(the launcher's fcntl, dup2, close and execve included), and says so in its comment. Processes
that enter another mount namespace (containers it starts) are not followed; the recording ends
when CMD exits.

Options:
  -o, --output FILE  write the profile there (atomically); default: stdout, after CMD's output
  --if FILE          start from this base profile: its decisions are kept, recorded syscalls
                     it does not mention are added (as the hook's if:)
  --runtimes LIST    the OCI runtimes the profile must start a container under, e.g. crun
                     or runc,crun (default: every known one), or none: their calls under the
                     filter before the exec go in a rule of their own

Example (CI): record, then fail when the profile drifts from the one in git:
  seccomp-gen record -o /tmp/now.json -- ./build/my-tests
  seccomp-gen diff --exit-code profiles/my-tests.json /tmp/now.json
`,
  async run(args) {
    const { own, command } = splitCommand(args);
    const { values, positionals } = parse(own, OPTIONS, false);
    if (positionals.length) throw new SeccompGenError('USAGE', `unexpected ${positionals[0]} (the command goes after --)`);
    if (command.length === 0) throw new SeccompGenError('USAGE', 'no command given: seccomp-gen record [-o out.json] -- CMD [ARGS…]');
    const runtimes = values.runtimes !== undefined ? parseRuntimeList(values.runtimes, '--runtimes') : undefined;
    const output = values.output !== undefined ? resolve(values.output) : undefined;
    if (output !== undefined) checkOutputPath(output); // refuse before the command runs
    let base;
    const input = values.if !== undefined ? resolve(values.if) : undefined;
    if (input !== undefined) {
      const { readProfileFile } = await import('../../profile/read.js');
      try {
        base = readProfileFile(input);
      } catch (e) {
        throw new SeccompGenError('PROFILE', `--if: ${(e as Error).message}`);
      }
    }

    // No progress line (cli/progress.ts) while CMD runs, however long: the terminal is CMD's,
    // and a line of ours drawn over its output would garble it.
    const recording = await traceHostCommand({ command, ...(output !== undefined ? { output } : {}), ...(input !== undefined ? { input, base } : {}) });
    const result = runtimes !== undefined ? { ...recording, record: { ...recording.record, runtimes } } : recording;
    const code = ` (command exited ${result.exitCode})`;
    if (!result.recorded) {
      process.stderr.write(`seccomp-gen record: the profile was written to ${result.collectedTo} by seccomp-gen gc${code}\n`);
      return result.exitCode;
    }
    if (output === undefined) {
      const { profile, unknown } = collectProfile(result.record, result.recorded, libseccompTable());
      const warnings: string[] = [];
      if (unknown.size) warnings.push(unnamedWarning(unknown));
      warn('record', warnings);
      process.stdout.write(formatJson(profile));
      process.stderr.write(`seccomp-gen record: ${allowedCount(profile)} syscalls${code}\n`);
    } else {
      const finished = writeProfileOf(result.record, result.recorded, undefined);
      // The note on how it was recorded is in the profile and in --help: not a warning each run.
      const note = unfilteredNoteOf(result.record);
      warn('record', finished.warnings.filter((w) => w !== note));
      process.stderr.write(`seccomp-gen record: ${finished.syscalls} syscalls, written to ${finished.output}${code}\n`);
    }
    return result.exitCode;
  },
};
