/**
 * Turning a target's recording into its profile file: what poststop does when a container stops,
 * and what gc does for a container that died without a poststop. The of: path is checked again
 * here (rules and allow-list): it may have changed since prestart. A recording whose profile
 * cannot be put there is kept in /run/seccomp-gen/unwritten/ (state/unwritten.ts), never lost.
 */
import { SeccompGenError } from '../errors.js';
import type { RecordedTarget } from '../kernel/target-codec.js';
import { allowedCount } from '../profile/build.js';
import { checkOutputAllowed } from '../profile/output-policy.js';
import { formatJson, writeFileAtomic } from '../profile/write.js';
import { keepUnwritten } from '../state/unwritten.js';
import type { TargetRecord } from '../state/targets.js';
import { describeUnknown } from '../syscalls/resolve.js';
import { libseccompTable } from '../syscalls/table.js';
import { collectProfile, unfilteredNoteOf } from './collect.js';

export interface Finished {
  output: string;
  syscalls: number;
  warnings: string[];
}

export function writeProfileOf(record: TargetRecord, recorded: RecordedTarget, outputDirs: readonly string[] | undefined): Finished {
  const { profile, unknown } = collectProfile(record, recorded, libseccompTable());
  const warnings: string[] = [];
  if (!record.replay.filtered) warnings.push(unfilteredNoteOf(record));
  if (unknown.size) warnings.push(`syscalls with no name known to libseccomp (not in the profile, listed in its comment): ${describeUnknown(unknown)}`);
  const text = formatJson(profile);
  try {
    checkOutputAllowed(record.output, outputDirs);
    writeFileAtomic(record.output, text, record.owner ?? {});
  } catch (e) {
    // Do not lose a recording we cannot put back: keep it where root can find it, with the reason.
    const why = (e as Error).message;
    const kept = keepUnwritten(record, recorded, why);
    throw new SeccompGenError('PATH', `${why}; the recording was kept in ${kept} (seccomp-gen gc writes it once the path works)`);
  }
  return { output: record.output, syscalls: allowedCount(profile), warnings };
}
