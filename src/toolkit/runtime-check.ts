/**
 * Which runtimes a profile lets start the container, from what it allows (show, validate
 * --runtime), and adding their sets to one (convert --runtimes): works on any profile,
 * hand-written or older ones with no runtimes' rule.
 */
import { canonicalArgs, type CanonicalArg, type CanonicalProfile, type CanonicalRule } from './model.js';
import { equals } from '../profile/argument-rules.js';
import { argumentSyscall } from '../syscalls/argument-table.js';
import { behaviours, defaultVerdict } from './effective.js';
import { KNOWN_RUNTIMES, RUNTIME_SETS, runtimeRuleComment, runtimeSet, runtimeUnion, type RuntimeName, type RuntimeSet } from '../profile/runtime-sets.js';

const STARTS = new Set(['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG']);

/** Whether one comparison holds for a call whose argument `a.index` is `v`. */
function holds(a: CanonicalArg, v: number): boolean {
  const x = BigInt(v);
  const value = BigInt(a.value);
  switch (a.op) {
    case 'SCMP_CMP_EQ': return x === value;
    case 'SCMP_CMP_NE': return x !== value;
    case 'SCMP_CMP_LT': return x < value;
    case 'SCMP_CMP_LE': return x <= value;
    case 'SCMP_CMP_GT': return x > value;
    case 'SCMP_CMP_GE': return x >= value;
    case 'SCMP_CMP_MASKED_EQ': return (x & value) === BigInt(a.valueTwo ?? 0);
  }
}

/**
 * Per runtime, what of its set a profile does not let it call: allowed with no condition, or —
 * for a syscall of the argument table whose values the runtime's set records (prctl) — every
 * one of those values allowed by a rule that tests only that argument. An empty list means the
 * container can start under that runtime.
 */
export function missingForRuntimes(profile: CanonicalProfile, runtimes: readonly RuntimeName[] = KNOWN_RUNTIMES): Map<RuntimeName, string[]> {
  const starts = startsWith(profile);
  return new Map(runtimes.map((r) => [r, runtimeSet(r).filter((n) => !starts(r, n))]));
}

/** Whether a profile lets `runtime` make its call `name` (see missingForRuntimes). */
function startsWith(profile: CanonicalProfile): (runtime: RuntimeName, name: string) => boolean {
  const byName = behaviours(profile);
  const fallback = defaultVerdict(profile).action;
  return (runtime, name) => {
    const b = byName.get(name);
    if (STARTS.has(b?.otherwise.verdict.action ?? fallback)) return true;
    const values: readonly number[] | undefined = (RUNTIME_SETS[runtime] as RuntimeSet).arguments[name];
    const index = argumentSyscall(name)?.index.SCMP_ARCH_X86_64;
    if (!b || !values || index === undefined) return false;
    const allowing = [...b.conditional.values()].filter((c) => STARTS.has(c.answer.verdict.action) && c.condition.args?.every((a) => a.index === index) && !c.condition.includes && !c.condition.excludes);
    return values.every((v) => allowing.some((c) => c.condition.args!.every((a) => holds(a, v))));
  };
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
  const added: string[] = [];
  const kept: string[] = [];
  const byValue: CanonicalRule[] = [];
  const starts = startsWith(profile);
  for (const n of runtimeUnion(runtimes)) {
    const b = byName.get(n);
    const needing = runtimes.filter((r) => runtimeSet(r).includes(n));
    // allowed already, also when only with the argument values the runtimes call it with
    if (needing.every((r) => starts(r, n))) continue;
    if (b?.explicit) {
      kept.push(n);
      continue;
    }
    // a name the profile filters by its arguments gets the runtimes' values, not any argument
    const entry = argumentSyscall(n);
    const values = needing.map((r) => (RUNTIME_SETS[r] as RuntimeSet).arguments[n]);
    if (entry && b?.conditional.size && values.every((v) => v !== undefined)) {
      const index = entry.index.SCMP_ARCH_X86_64 ?? 0;
      for (const v of [...new Set(values.flat() as number[])].sort((x, y) => x - y)) byValue.push({ names: [n], action: 'SCMP_ACT_ALLOW', args: canonicalArgs([equals(index, v, entry.int32)]) });
    } else {
      added.push(n);
    }
  }
  if (!added.length && !byValue.length) return { profile, added, kept };
  const rules: CanonicalRule[] = added.length ? [{ names: added, action: 'SCMP_ACT_ALLOW', comment: runtimeRuleComment(runtimes) }] : [];
  if (byValue[0]) byValue[0].comment = runtimeRuleComment(runtimes);
  return { profile: { ...profile, syscalls: [...profile.syscalls, ...rules, ...byValue] }, added: [...added, ...new Set(byValue.flatMap((r) => r.names))], kept };
}
