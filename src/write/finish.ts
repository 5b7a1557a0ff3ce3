/**
 * Turning a target's recording into its profile file: what poststop does when a container stops,
 * and what gc does for a container that died without a poststop. The of: path is checked again
 * here, on the same directory handle as the write and with the starter's rights
 * (policy/output-file.ts): it may have changed since prestart. A recording whose profile cannot be
 * put there is kept in /run/seccomp-gen/unwritten/ (state/unwritten.ts), never lost; a rootless
 * hook keeps the profile in the user's own directory instead (options.keepDir).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SeccompGenError } from '../errors.js';
import type { RecordedTarget } from '../kernel/target-codec.js';
import { allowedCount } from '../profile/build.js';
import { formatJson, writeFileAtomic } from '../io/write-file.js';
import { writeOutput } from '../policy/output-file.js';
import { outputPolicy, type OutputPolicy } from '../policy/output-policy.js';
import { setAside } from '../state/unwritten.js';
import type { TargetRecord } from '../state/targets.js';
import { unnamedWarning } from '../syscalls/resolve.js';
import { libseccompTable } from '../syscalls/table.js';
import { collectProfile, unfilteredNoteOf } from './collect.js';

export interface Finished {
  output: string;
  syscalls: number;
  warnings: string[];
}

/** A rootless hook's own policy, and a place of the user's where an unwritable profile is kept. */
export interface FinishOptions {
  policy?: OutputPolicy;
  keepDir?: string;
  /** false: a names-only profile (config argumentFilters). */
  argumentFilters?: boolean;
}

export function writeProfileOf(record: TargetRecord, recorded: RecordedTarget, outputDirs: readonly string[] | undefined, options: FinishOptions = {}): Finished {
  const { profile, unknown } = collectProfile(record, recorded, libseccompTable(), options.argumentFilters ?? true);
  const policy = options.policy ?? outputPolicy({ starter: record.owner, kubernetesNamespace: record.kubernetesNamespace, outputDirs });
  const warnings: string[] = [];
  if (!record.replay.filtered) warnings.push(unfilteredNoteOf(record));
  if (unknown.size) warnings.push(unnamedWarning(unknown));
  try {
    writeOutput(policy, record.output, formatJson(profile));
  } catch (e) {
    const why = (e as Error).message;
    if (options.keepDir !== undefined) {
      // A rootless hook: the user's own place; root's unwritten store is not theirs to write.
      const kept = join(options.keepDir, `${record.id}.json`);
      mkdirSync(options.keepDir, { recursive: true, mode: 0o700 });
      writeFileAtomic(kept, formatJson(profile), { mode: 0o600 });
      throw new SeccompGenError('PATH', `${why}; the profile was kept in ${kept}`);
    }
    // Do not lose a recording we cannot put back: keep it where root can find it, with the reason.
    const kept = setAside(record, recorded, why);
    throw new SeccompGenError('PATH', `${why}; the recording was kept in ${kept} (seccomp-gen gc writes it once the path works)`);
  }
  return { output: record.output, syscalls: allowedCount(profile), warnings };
}

/** What a poststop (root's or rootless) did: a profile written, or nothing to write and why. */
export interface PoststopResult extends Finished {
  /** Nothing to write this time, and why: one line in the log. */
  note?: { event: string; detail: string };
}

/** The second poststop of a container whose first took the recording out (root's and rootless). */
export function ranAgain(output: string): PoststopResult {
  return { output, syscalls: 0, warnings: [], note: { event: 'again', detail: `poststop ran again for this container (podman rm -f runs it twice): its first poststop took the recording out and writes the profile to ${output}` } };
}

/** A poststop with no target for a container that asked to be traced (root's and rootless). */
export function notTraced(id: string): SeccompGenError {
  return new SeccompGenError('TARGET', `container ${id} was not traced: the prestart hook did not run (is seccomp-gen installed for the prestart stage?)`);
}
