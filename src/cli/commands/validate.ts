/** validate: schema and syscall names of profiles; exit 0 when all are valid, 1 otherwise. */
import chalk from 'chalk';
import type { Command } from '../command.js';
import { parse } from '../args.js';
import { validateFile } from '../../toolkit/validate.js';
import { libseccompTable, type SyscallTable } from '../../syscalls/table.js';
import { needFiles } from '../profile-io.js';
import { runtimeWarnings } from '../../toolkit/runtime-check.js';
import { checkRuntimeNames, type RuntimeName } from '../../profile/runtime-sets.js';
import { withProgress } from '../progress.js';

export function runValidate(paths: readonly string[], table: SyscallTable, runtimes: readonly RuntimeName[] = []): number {
  let invalid = 0;
  withProgress((progress) => {
    for (const [i, path] of paths.entries()) {
      if (paths.length > 1) progress.update({ what: 'checking profiles', unit: 'items', done: i, total: paths.length, detail: path });
      const v = validateFile(path, table);
      progress.clear(); // this file's lines go where the progress line was
      for (const e of v.errors) process.stderr.write(`${chalk.red(e)}\n`);
      const warnings = v.loaded ? [...v.warnings, ...runtimeWarnings(v.loaded.profile, runtimes, path)] : v.warnings;
      for (const w of warnings) process.stderr.write(`${chalk.yellow(`warning: ${w}`)}\n`);
      if (v.valid && v.loaded) {
        const names = new Set(v.loaded.profile.syscalls.flatMap((r) => r.names)).size;
        process.stdout.write(`${path}: ${chalk.green('valid')} (${v.loaded.format} format, ${v.loaded.profile.syscalls.length} rules naming ${names} syscalls)\n`);
      } else {
        invalid++;
        process.stdout.write(`${path}: ${chalk.red('invalid')} (${v.errors.length} problem${v.errors.length === 1 ? '' : 's'})\n`);
      }
    }
  });
  return invalid ? 1 : 0;
}

export const validate: Command = {
  name: 'validate',
  usage: `Usage: seccomp-gen validate x.json [more…]

Checks each profile (any format merge reads): its shape, and that every syscall name is known
to libseccomp on one of the profile's architectures. Problems point at their place and suggest
a fix, e.g.  x.json: syscalls[3].names[1]: unknown syscall "opnat" (did you mean "openat"?)
Names newer than this libseccomp, or only valid on arches the profile does not list, are
warnings. Exit status: 0 when every file is valid, 1 otherwise.

Options:
  --runtime R  warn when the profile cannot start the container under OCI runtime R (runc,
               crun): it does not allow what R calls under the filter before the exec
               (repeat for several; convert --runtimes adds those calls)
`,
  run(args) {
    const { values, positionals } = parse(args, { runtime: { type: 'string', multiple: true } });
    needFiles(positionals, 1);
    return runValidate(positionals, libseccompTable(), checkRuntimeNames(values.runtime ?? [], '--runtime'));
  },
};
