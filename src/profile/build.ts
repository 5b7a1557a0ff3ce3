/**
 * Recorded syscalls → a seccomp profile. Pure: names in, profile out.
 *
 * The profile denies by default and allows exactly what was recorded. Its errno answers are
 * those of the filter the container ran under while traced (see oci/replay.ts): the default
 * errno, and the names that filter answered with another errno, so a workload that saw ENOSYS
 * and fell back at tracing time sees ENOSYS again under the profile.
 *
 * What the OCI runtimes call under the filter before they exec the workload (runtime-sets.ts) is
 * a rule of its own, after the workload's, with a comment naming the runtimes: the workload's
 * rule then holds what the workload needs beyond that, the same whichever runtime traced it, and
 * a profile starts under each runtime named. A name in both (close, execve…) is the runtimes':
 * the recording cannot tell who made it, and the runtimes' rule allows it either way.
 */
import { EPERM, type ReplayAnswers } from '../oci/replay.js';
import type { ScmpArch } from '../syscalls/arches.js';
import { unnamedComment } from '../syscalls/resolve.js';
import { argumentRules, type ArgumentRecording } from './argument-rules.js';
import { errnoNumber } from './errno.js';
import { extendProfile } from './extend.js';
import { ruleNames } from './names.js';
import { KNOWN_RUNTIMES, runtimeRuleComment, runtimeUnion, withRuntimeArguments, type RuntimeName } from './runtime-sets.js';
import type { Profile, Rule } from './schema.js';

/** Said in the profile when there was no filter to tell the workload from the runtime's setup. */
export const UNFILTERED_NOTE =
  'traced without a seccomp filter (seccomp=unconfined or --privileged): with no mark of where the runtime would install one, this allows all the container ran from the prestart hook on, the runtime\'s remaining setup calls too; trace under a filter for the tight profile';

/**
 * Said in the profile of a host command (seccomp-gen record): it ran with no filter either, and
 * its recording starts a few calls before its exec (see host-command/launch.ts).
 */
export const COMMAND_NOTE =
  'recorded from a host command (seccomp-gen record), which runs without a seccomp filter: this allows every syscall its processes made, from the launcher\'s last calls before it execs the command on (fcntl, dup2, close, execve)';

export interface Recording {
  /** Syscall names seen, per arch. */
  names: Map<ScmpArch, string[]>;
  /** Numbers seen that no name is known for, per arch (reported, never dropped silently). */
  unknown: Map<ScmpArch, number[]>;
  /** Argument values recorded for the syscalls of syscalls/argument-table.ts, when there are any. */
  arguments?: ArgumentRecording;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Architectures of the profile: the native one first, then the others recorded. */
function architectures(native: ScmpArch, recording: Recording): ScmpArch[] {
  const others = [...recording.names.keys(), ...recording.unknown.keys()].filter((a) => a !== native);
  return [native, ...new Set(others.sort(byName))];
}

/** The carried-over errno rules, for names the profile does not allow, one rule per errno. */
export function replayRules(replay: ReplayAnswers, allowed: Set<string>, defaultErrnoRet: number): Rule[] {
  const byErrno = new Map<number, Set<string>>();
  for (const rule of replay.errnoRules) {
    if (rule.errnoRet === defaultErrnoRet) continue;
    for (const name of rule.names) {
      if (allowed.has(name)) continue;
      const set = byErrno.get(rule.errnoRet) ?? new Set<string>();
      set.add(name);
      byErrno.set(rule.errnoRet, set);
    }
  }
  return [...byErrno]
    .sort(([a], [b]) => a - b)
    .map(([errnoRet, names]) => ({
      names: [...names].sort(byName),
      action: 'SCMP_ACT_ERRNO' as const,
      errnoRet,
      comment: 'answered so while traced: kept for identical replay',
    }));
}

/**
 * The profile for a recording. With a base (if:), the base's default answer is the one the
 * profile will give, so the carried-over rules are those that differ from it.
 */
export function buildProfile(
  recording: Recording,
  native: ScmpArch,
  replay: ReplayAnswers,
  base?: Profile,
  unfilteredNote = UNFILTERED_NOTE,
  runtimes: readonly RuntimeName[] = KNOWN_RUNTIMES,
  argumentFilters = true,
): Profile {
  const forRuntimes = runtimeUnion(runtimes);
  const allowed = new Set<string>(forRuntimes);
  const workload = new Set<string>();
  for (const names of recording.names.values()) for (const n of names) allowed.add(n);
  for (const n of allowed) if (!forRuntimes.includes(n)) workload.add(n);
  const defaultErrnoRet = base
    ? base.defaultAction === 'SCMP_ACT_ERRNO'
      ? (base.defaultErrnoRet ?? (base.defaultErrno !== undefined ? errnoNumber(base.defaultErrno) : undefined) ?? EPERM)
      : -1 // the base's default is no errno: every carried errno differs from it
    : (replay.defaultErrnoRet ?? EPERM);

  const arches = architectures(native, recording);
  // Argument filters (argument-rules.ts), with the values the runtimes' own calls need: names
  // allowed only under conditions leave both plain lists.
  const recorded = recording.arguments ? withRuntimeArguments(recording.arguments, runtimes) : undefined;
  const args = argumentRules({
    allowed,
    ...(recorded ? { recorded } : {}),
    conditional: replay.conditionalRules ?? [],
    ...(replay.cloneAllowed !== undefined ? { cloneAllowed: replay.cloneAllowed } : {}),
    defaultErrnoRet,
    architectures: arches,
    namesOnly: !argumentFilters,
  });
  for (const name of args.conditional) {
    allowed.delete(name);
    workload.delete(name);
  }
  const runtimeNames = forRuntimes.filter((n) => !args.conditional.has(n));
  const allowRule: Rule = { names: [...workload].sort(byName), action: 'SCMP_ACT_ALLOW' };
  const notes: string[] = [];
  if (!replay.filtered) notes.push(unfilteredNote);
  if (recording.unknown.size) notes.push(unnamedComment(recording.unknown, 'also called'));
  if (notes.length) allowRule.comment = notes.join('; ');
  const syscalls: Rule[] = workload.size ? [allowRule] : [];
  if (runtimeNames.length) {
    // With no name of the workload's own, the notes go with the rule that is there.
    const comment = [runtimeRuleComment(runtimes), ...(workload.size ? [] : notes)].join('; ');
    syscalls.push({ names: runtimeNames, action: 'SCMP_ACT_ALLOW', comment });
  }
  const answers = replayRules(replay, allowed, defaultErrnoRet);
  const answered = new Set(answers.flatMap((r) => r.names ?? []));
  // clone3's ENOSYS may come from both the filter's answers and argument-rules: say it once.
  syscalls.push(...args.rules.filter((r) => r.args?.length || r.action === 'SCMP_ACT_ALLOW' || !(r.names ?? []).every((n) => answered.has(n))));
  syscalls.push(...answers);

  const generated: Profile = {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet,
    architectures: arches,
    syscalls,
  };
  return base ? extendProfile(base, generated) : generated;
}

/** How many syscalls a profile allows unconditionally (what the reports count). */
export function allowedCount(profile: Profile): number {
  const names = new Set<string>();
  for (const r of profile.syscalls ?? []) {
    if (r.action === 'SCMP_ACT_ALLOW') for (const n of ruleNames(r)) names.add(n);
  }
  return names.size;
}
