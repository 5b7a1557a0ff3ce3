/**
 * Merging profiles (as the Security Profiles Operator's merger, with its semantics made exact).
 *
 * Every input is read per syscall name (effective.ts): what it answers under each condition and
 * otherwise, a name no rule mentions getting the input's default answer. Then, per name:
 * - union: the less restrictive answer wins (KILL_PROCESS < KILL/KILL_THREAD < TRAP < ERRNO <
 *   TRACE/NOTIFY < LOG < ALLOW), separately for "otherwise" and under each condition. A
 *   conditional answer equal to the name's "otherwise" answer is dropped: so an entry with no
 *   argument filter beats one with (ALLOW beats "ALLOW if arg0 == 1").
 * - intersect: the more restrictive answer wins, likewise.
 * Where an input has no rule for a condition another input names, but has rules for conditions
 * that partly overlap it, its answer there is approximated (answerUnder): union never loses a
 * (syscall, arguments) combination an input allows, intersect never allows one an input refuses;
 * the names concerned are reported (options.approximated). An input's rule that restates the
 * default action is kept: it carries intent (used as if:, it keeps a traced call out), although
 * runc and crun skip such a rule when they load the filter.
 * An answer equal to the output's default action is left to it (unless it has a comment). Since a verdict order is total
 * (actions.ts), the result does not depend on the order or grouping of the inputs: merge(a, a)
 * is merge(a), union and intersect are commutative and associative, and every syscall an input
 * allows with no condition stays allowed under union.
 *
 * Comments are carried, not merged on: a name's answer keeps the comments of every input that
 * gave that same answer (joined with " | "). A rule that a merge makes redundant goes with its
 * comment, so comments are carried best-effort: the rules are associative, their comments and
 * so the grouping of names into rules may differ with the grouping of the inputs.
 *
 * Architectures and flags are unioned (in both modes: an arch missing from the filter kills any
 * process that calls in it, which is no "intersection" of rules). archMap is kept when every
 * input has one; otherwise the arches are listed flat. Differing default actions are an error
 * unless the caller settles the default.
 *
 * The output is sorted: rules without conditions first, the most permissive first, names
 * alphabetical. Pure: profiles in, profile out.
 */
import { SeccompGenError } from '../errors.js';
import { PERMISSIVENESS, formatVerdict, sameVerdict, takesErrno, type Verdict } from './actions.js';
import { mayOverlap } from '../profile/conditions.js';
import {
  behaviours,
  conditionKey,
  defaultVerdict,
  joinComments,
  pickAnswer,
  type Answer,
  type Behaviour,
  type Condition,
} from './effective.js';
import type { ArchMapEntry, CanonicalProfile, CanonicalRule } from './model.js';

export type MergeMode = 'union' | 'intersect';

export interface MergeOptions {
  mode?: MergeMode;
  /** The output's default action; required when the inputs' differ. */
  defaultVerdict?: Verdict;
  /** Names of the inputs, for messages (file names). */
  sources?: readonly string[];
  /**
   * Filled with the names whose conditions overlapped without being the same, so their answers
   * could only be approximated (union towards allowing, intersect towards refusing): the caller
   * says so.
   */
  approximated?: Set<string>;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sortedUnique = (xs: Iterable<string>) => [...new Set(xs)].sort(byText);

function settleDefault(inputs: readonly CanonicalProfile[], options: MergeOptions): Verdict {
  if (options.defaultVerdict) return options.defaultVerdict;
  const first = defaultVerdict(inputs[0]!);
  const other = inputs.findIndex((p) => !sameVerdict(defaultVerdict(p), first));
  if (other >= 0) {
    const name = (i: number) => options.sources?.[i] ?? `input ${i + 1}`;
    throw new SeccompGenError(
      'USAGE',
      `default actions differ: ${name(0)} has ${formatVerdict(first)}, ${name(other)} has ${formatVerdict(defaultVerdict(inputs[other]!))}; choose one with --default-action`,
    );
  }
  return first;
}

function settleSame(inputs: readonly CanonicalProfile[], field: 'listenerPath' | 'listenerMetadata'): string | undefined {
  const values = sortedUnique(inputs.map((p) => p[field]).filter((v): v is string => v !== undefined));
  if (values.length > 1) throw new SeccompGenError('USAGE', `the inputs name different ${field}s (${values.map((v) => JSON.stringify(v)).join(', ')}): merge cannot choose`);
  return values[0];
}

function mergeArches(inputs: readonly CanonicalProfile[]): Pick<CanonicalProfile, 'architectures' | 'archMap'> {
  if (inputs.every((p) => p.archMap?.length)) {
    const map = new Map<string, Set<string>>();
    for (const p of inputs) {
      for (const e of p.archMap!) {
        const subs = map.get(e.architecture) ?? new Set<string>();
        for (const s of e.subArchitectures) subs.add(s);
        map.set(e.architecture, subs);
      }
    }
    const archMap: ArchMapEntry[] = [...map].sort(([a], [b]) => byText(a, b)).map(([architecture, subs]) => ({ architecture, subArchitectures: sortedUnique(subs) }));
    return { archMap };
  }
  const all = sortedUnique(inputs.flatMap((p) => p.architectures ?? (p.archMap ?? []).flatMap((e) => [e.architecture, ...e.subArchitectures])));
  return all.length ? { architectures: all } : {};
}

interface Group {
  verdict: Verdict;
  condition: Condition;
  key: string;
  comment?: string;
  names: string[];
}

/**
 * An input's answer under a condition. When the input has no rule for that very condition, its
 * rules for overlapping conditions (profile/conditions.ts) may answer part of those calls: union
 * takes the most permissive of them and "otherwise" (every combination the input allows stays
 * allowed), intersect the most restrictive (never allow what the input refuses). Where the
 * overlap is partial this errs: towards allowing for union, towards refusing for intersect.
 */
function answerUnder(b: Behaviour | undefined, key: string, condition: Condition, fallback: Answer, pick: 1 | -1): Answer {
  if (!b) return fallback;
  const exact = b.conditional.get(key);
  if (exact) return exact.answer;
  const overlapping = [...b.conditional.values()].filter((c) => mayOverlap(c.condition, condition)).map((c) => c.answer);
  return overlapping.length ? pickAnswer([b.otherwise, ...overlapping], pick) : b.otherwise;
}

/** True when some input has no rule for this condition but one for a condition that partly overlaps it. */
function approximated(of: readonly (Behaviour | undefined)[], key: string, condition: Condition): boolean {
  return of.some((b) => b && !b.conditional.has(key) && [...b.conditional].some(([k, c]) => k !== key && mayOverlap(c.condition, condition)));
}

function ruleOf(g: Group): CanonicalRule {
  const rule: CanonicalRule = { names: g.names.sort(byText), action: g.verdict.action };
  if (g.verdict.errnoRet !== undefined && takesErrno(g.verdict.action)) rule.errnoRet = g.verdict.errnoRet;
  if (g.condition.args) rule.args = g.condition.args;
  if (g.condition.includes) rule.includes = g.condition.includes;
  if (g.condition.excludes) rule.excludes = g.condition.excludes;
  if (g.comment !== undefined) rule.comment = g.comment;
  return rule;
}

function compareGroups(a: Group, b: Group): number {
  return (
    (a.key === '' ? 0 : 1) - (b.key === '' ? 0 : 1) ||
    PERMISSIVENESS[b.verdict.action] - PERMISSIVENESS[a.verdict.action] ||
    byText(a.verdict.action, b.verdict.action) ||
    (a.verdict.errnoRet ?? -1) - (b.verdict.errnoRet ?? -1) ||
    byText(a.key, b.key) ||
    byText(a.comment ?? '', b.comment ?? '') ||
    byText(a.names[0] ?? '', b.names[0] ?? '')
  );
}

export function mergeProfiles(inputs: readonly CanonicalProfile[], options: MergeOptions = {}): CanonicalProfile {
  if (inputs.length === 0) throw new SeccompGenError('USAGE', 'nothing to merge');
  const pick = (options.mode ?? 'union') === 'union' ? 1 : -1;
  const outDefault = settleDefault(inputs, options);
  const views = inputs.map((p) => ({ fallback: { verdict: defaultVerdict(p), comments: [] } as Answer, byName: behaviours(p) }));

  const groups = new Map<string, Group>();
  const add = (name: string, answer: Answer, condition: Condition, key: string) => {
    const comment = joinComments(answer.comments);
    const id = JSON.stringify([answer.verdict.action, answer.verdict.errnoRet ?? null, key, comment ?? null]);
    const g = groups.get(id) ?? { verdict: answer.verdict, condition, key, ...(comment !== undefined ? { comment } : {}), names: [] };
    g.names.push(name);
    groups.set(id, g);
  };

  const names = sortedUnique(views.flatMap((v) => [...v.byName.keys()]));
  for (const name of names) {
    const of = views.map((v) => v.byName.get(name));
    const otherwise = pickAnswer(
      of.map((b: Behaviour | undefined, i) => b?.otherwise ?? views[i]!.fallback),
      pick,
    );
    // Say the name's "otherwise" answer when it differs from the output default (also when it
    // came from an input's default that differs from the output's: --default-action), or when
    // it carries a comment, or when an input said it in a rule of its own: a rule someone wrote
    // to say the default still carries intent (used as if:, it keeps a traced call out).
    const explicit = of.some((b) => b?.explicit && sameVerdict(b.otherwise.verdict, otherwise.verdict));
    if (!sameVerdict(otherwise.verdict, outDefault) || otherwise.comments.length || explicit) add(name, otherwise, {}, '');
    const conditions = new Map<string, Condition>();
    for (const b of of) for (const [key, { condition }] of b?.conditional ?? []) conditions.set(key, condition);
    const answered = [...conditions]
      .sort(([a], [b]) => byText(a, b))
      .map(([key, condition]) => ({ key, condition, answer: pickAnswer(of.map((b, i) => answerUnder(b, key, condition, views[i]!.fallback, pick)), pick) }));
    for (const { key, condition, answer } of answered) {
      // An answer equal to "otherwise" is left to it — unless it covers part of a condition
      // answered otherwise: an argument rule takes precedence over a rule that has only
      // includes/excludes (those are resolved into plain rules), so dropping it changes answers.
      const overlaps = answered.filter((o) => o.key !== key && !sameVerdict(o.answer.verdict, answer.verdict) && mayOverlap(o.condition, condition));
      if (!sameVerdict(answer.verdict, otherwise.verdict) || overlaps.length) add(name, answer, condition, conditionKey(condition));
      if (approximated(of, key, condition)) options.approximated?.add(name);
    }
  }

  // Keys in the order the runtimes' own profiles use, so diffs of the output stay readable.
  const head: Omit<CanonicalProfile, 'syscalls'> = { defaultAction: outDefault.action };
  if (outDefault.errnoRet !== undefined && takesErrno(outDefault.action)) head.defaultErrnoRet = outDefault.errnoRet;
  Object.assign(head, mergeArches(inputs));
  const flags = sortedUnique(inputs.flatMap((p) => p.flags ?? []));
  if (flags.length) head.flags = flags;
  const listenerPath = settleSame(inputs, 'listenerPath');
  const listenerMetadata = settleSame(inputs, 'listenerMetadata');
  if (listenerPath !== undefined) head.listenerPath = listenerPath;
  if (listenerMetadata !== undefined) head.listenerMetadata = listenerMetadata;
  return { ...head, syscalls: [...groups.values()].sort(compareGroups).map(ruleOf) };
}
