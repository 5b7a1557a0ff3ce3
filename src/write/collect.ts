/**
 * A recorded target → its profile: bitmap slots → (arch, number) → names → profile. Shared by
 * the poststop hook and anything else that reads a target (a running container's snapshot).
 */
import type { RecordedTarget } from '../kernel/target-codec.js';
import { COMMAND_NOTE, UNFILTERED_NOTE, buildProfile } from '../profile/build.js';
import { KNOWN_RUNTIMES, checkRuntimeNames } from '../profile/runtime-sets.js';
import type { Profile } from '../profile/schema.js';
import { ARCH_SLOTS, SLOT_ARCHES, callNumber, type ScmpArch } from '../syscalls/arches.js';
import { resolveSyscalls } from '../syscalls/resolve.js';
import type { SyscallTable } from '../syscalls/table.js';
import type { TargetRecord } from '../state/targets.js';
import type { ReplayAnswers } from '../oci/replay.js';
import { SeccompGenError } from '../errors.js';

export interface Collected {
  profile: Profile;
  /** Numbers no name is known for, per arch: the caller reports them. */
  unknown: Map<ScmpArch, number[]>;
}

/** Recorded numbers per seccomp arch (an arch's private calls back at their own numbers), dropping empty slots. */
export function numbersByArch(recorded: RecordedTarget, native: ScmpArch): Map<ScmpArch, number[]> {
  const slots = SLOT_ARCHES[native];
  if (!slots) throw new SeccompGenError('BPF', `recording on ${native} is not supported`);
  const out = new Map<ScmpArch, number[]>();
  for (const slot of ARCH_SLOTS) {
    const nrs = recorded.syscalls[slot];
    const arch = slots[slot];
    if (nrs.length && arch) out.set(arch, nrs.map((nr) => callNumber(arch, nr)));
  }
  return out;
}

/**
 * The tracing-time filter's errno answers, keeping only names that exist on one of `arches`:
 * podman's filter lists names of every arch (bdflush, vm86…), which in our profile would only be
 * noise that answers nothing.
 */
export function answersOnArches(replay: ReplayAnswers, arches: ScmpArch[], table: SyscallTable): ReplayAnswers {
  const known = (name: string) => arches.some((a) => table.has(a, name));
  const answers: ReplayAnswers = {
    ...replay,
    errnoRules: replay.errnoRules.map((r) => ({ ...r, names: r.names.filter(known) })).filter((r) => r.names.length > 0),
  };
  if (replay.conditionalRules) answers.conditionalRules = replay.conditionalRules.map((r) => ({ ...r, names: r.names.filter(known) })).filter((r) => r.names.length > 0);
  return answers;
}

/** What the profile says about a recording made with no filter: a container's, or a host command's. */
export function unfilteredNoteOf(record: TargetRecord): string {
  return record.command ? COMMAND_NOTE : UNFILTERED_NOTE;
}

/** `argumentFilters: false` (config) writes a names-only profile. */
export function collectProfile(record: TargetRecord, recorded: RecordedTarget, table: SyscallTable, argumentFilters = true): Collected {
  const native = table.nativeArch();
  const numbers = numbersByArch(recorded, native);
  const replay = answersOnArches(record.replay, [native, ...numbers.keys()], table);
  // Every known runtime's set unless the target was told otherwise (config `runtimes`, record
  // --runtimes): whichever runtime traced it, the profile may be deployed under another.
  const runtimes = record.runtimes ? checkRuntimeNames(record.runtimes, 'runtimes', 'TARGET') : KNOWN_RUNTIMES;
  const resolved = resolveSyscalls(numbers, table);
  const recording = { ...resolved, ...(recorded.arguments ? { arguments: recorded.arguments } : {}) };
  return { profile: buildProfile(recording, native, replay, record.base, unfilteredNoteOf(record), runtimes, argumentFilters), unknown: resolved.unknown };
}
