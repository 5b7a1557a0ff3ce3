/**
 * Turning a target's recording into its profile file: what poststop does when a container stops,
 * and what gc does for a container that died without a poststop. The of: path is checked again
 * here, on the same directory handle as the write and with the starter's rights
 * (policy/output-file.ts): it may have changed since prestart. A profile that cannot be put
 * there is kept in /run/seccomp-gen/unwritten/<id>.json, never lost.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SeccompGenError } from '../errors.js';
import type { RecordedTarget } from '../kernel/target-codec.js';
import { allowedCount } from '../profile/build.js';
import { formatJson, writeFileAtomic } from '../io/write-file.js';
import { writeOutput } from '../policy/output-file.js';
import { outputPolicy, type OutputPolicy } from '../policy/output-policy.js';
import { runDir } from '../state/paths.js';
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
  const warnings: string[] = [];
  if (!record.replay.filtered) warnings.push(unfilteredNoteOf(record));
  if (unknown.size) warnings.push(unnamedWarning(unknown));
  const text = formatJson(profile);
  try {
    writeOutput(options.policy ?? outputPolicy({ starter: record.owner, kubernetesNamespace: record.kubernetesNamespace, outputDirs }), record.output, text);
  } catch (e) {
    // Do not lose a recording we cannot put back: keep the profile where root can find it.
    const keep = options.keepDir ?? join(runDir(), 'unwritten');
    mkdirSync(keep, { recursive: true, mode: 0o700 });
    writeFileAtomic(join(keep, `${record.id}.json`), text, { mode: 0o600 });
    throw new SeccompGenError('PATH', `${(e as Error).message}; the profile was kept in ${join(keep, `${record.id}.json`)}`);
  }
  return { output: record.output, syscalls: allowedCount(profile), warnings };
}
