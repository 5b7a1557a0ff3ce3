/**
 * Which runtimes a profile lets start the container, from what it allows (show, validate
 * --runtime), and adding their sets to one (convert --runtimes): works on any profile,
 * hand-written or older ones with no runtimes' rule.
 */
import type { CanonicalProfile, CanonicalRule } from './normalize.js';
import { behaviours, defaultVerdict } from './effective.js';
import { KNOWN_RUNTIMES, RUNTIME_SETS, runtimeRuleComment, runtimeSet, runtimeUnion, type RuntimeName } from '../profile/runtime-sets.js';

const STARTS = new Set(['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG']);

/**
 * Per runtime, what of its set a profile does not let it call unconditionally (an argument
 * filter is not counted: the runtime's arguments are not known): an empty list means the
 * container can start under that runtime.
 */
export function missingForRuntimes(profile: CanonicalProfile, runtimes: readonly RuntimeName[] = KNOWN_RUNTIMES): Map<RuntimeName, string[]> {
  const byName = behaviours(profile);
  const fallback = defaultVerdict(profile).action;
  const starts = (name: string) => STARTS.has(byName.get(name)?.otherwise.verdict.action ?? fallback);
  return new Map(runtimes.map((r) => [r, runtimeSet(r).filter((n) => !starts(n))]));
}

/** The runtimes a profile lets start the container. */
export function runtimesStarting(profile: CanonicalProfile): RuntimeName[] {
  return [...missingForRuntimes(profile)].filter(([, missing]) => !missing.length).map(([r]) => r);
}

/** validate --runtime: one warning per runtime the profile cannot start the container under. */
export function runtimeWarnings(profile: CanonicalProfile, runtimes: readonly RuntimeName[], source: string): string[] {
  return [...missingForRuntimes(profile, runtimes)]
    .filter(([, missing]) => missing.length)
    .map(
      ([r, missing]) =>
        `${source}: cannot start the container under ${r}: it does not allow ${missing.join(', ')}, which ${RUNTIME_SETS[r].measuredOn} may call under the filter before it execs the workload (seccomp-gen convert --runtimes ${r} adds them)`,
    );
}

/**
 * convert --runtimes: the profile with the runtimes' sets added, as the hook writes them (their
 * own rule, its comment naming them), for a profile made before the runtime sets or by hand.
 * Only names the profile does not answer at all are added: one it blocks stays blocked (said in
 * `kept`). Never removes anything: a file cannot tell a runtime's call from the workload's.
 */
export function withRuntimeRule(profile: CanonicalProfile, runtimes: readonly RuntimeName[]): { profile: CanonicalProfile; added: string[]; kept: string[] } {
  const byName = behaviours(profile);
  const fallback = defaultVerdict(profile).action;
  const added: string[] = [];
  const kept: string[] = [];
  for (const n of runtimeUnion(runtimes)) {
    const b = byName.get(n);
    const action = b?.otherwise.verdict.action ?? fallback;
    if (STARTS.has(action)) continue;
    if (b?.explicit) kept.push(n);
    else added.push(n);
  }
  if (!added.length) return { profile, added, kept };
  const rule: CanonicalRule = { names: added, action: 'SCMP_ACT_ALLOW', comment: runtimeRuleComment(runtimes) };
  return { profile: { ...profile, syscalls: [...profile.syscalls, rule] }, added, kept };
}
