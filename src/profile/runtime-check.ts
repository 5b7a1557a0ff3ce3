/**
 * Which runtimes a profile lets start the container, from what it allows (show, validate
 * --runtime): works on any profile, hand-written or older ones with no runtimes' rule.
 */
import type { CanonicalProfile } from './normalize.js';
import { behaviours, defaultVerdict } from './effective.js';
import { KNOWN_RUNTIMES, runtimeSet, type RuntimeName } from './runtime-sets.js';

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
