/**
 * What a profile answers, per syscall name, in a form that can be compared and combined (merge,
 * diff, show): `otherwise`, the answer when no condition matches — the name's unconditional
 * rule, or the default action when it has none — and the answers under conditions (argument
 * filters and moby's includes/excludes, compared as written: they are not solved).
 *
 * A profile that gives one name two answers under the same condition contradicts itself; the
 * most restrictive one is taken, which is the safe reading.
 */
import { compareVerdicts, sameVerdict, type Verdict } from './actions.js';
import type { CanonicalArg, CanonicalProfile, CanonicalRule, Filter } from './model.js';

/** Comments of answers combined by merge are joined with this, and split on it when read back. */
const COMMENT_SEPARATOR = ' | ';

export interface Condition {
  args?: CanonicalArg[];
  includes?: Filter;
  excludes?: Filter;
}

export interface Answer {
  verdict: Verdict;
  /** Sorted, unique. */
  comments: string[];
}

export interface Behaviour {
  otherwise: Answer;
  /** True when `otherwise` comes from a rule rather than from the default action. */
  explicit: boolean;
  /** By conditionKey. */
  conditional: Map<string, { condition: Condition; answer: Answer }>;
}

export function verdictOf(rule: { action: CanonicalRule['action']; errnoRet?: number }): Verdict {
  return rule.errnoRet !== undefined ? { action: rule.action, errnoRet: rule.errnoRet } : { action: rule.action };
}

export function defaultVerdict(profile: CanonicalProfile): Verdict {
  return profile.defaultErrnoRet !== undefined ? { action: profile.defaultAction, errnoRet: profile.defaultErrnoRet } : { action: profile.defaultAction };
}

function conditionOf(rule: CanonicalRule): Condition {
  const c: Condition = {};
  if (rule.args?.length) c.args = rule.args;
  if (rule.includes) c.includes = rule.includes;
  if (rule.excludes) c.excludes = rule.excludes;
  return c;
}

/** A stable text for a condition; "" for none. Canonical rules have sorted args and filters. */
export function conditionKey(c: Condition): string {
  if (!c.args && !c.includes && !c.excludes) return '';
  const filter = (f?: Filter) => (f ? [f.caps ?? [], f.arches ?? [], f.minKernel ?? ''] : null);
  return JSON.stringify([(c.args ?? []).map((a) => [a.index, a.op, a.value, a.valueTwo ?? 0]), filter(c.includes), filter(c.excludes)]);
}

function splitComment(comment: string | undefined): string[] {
  return comment ? comment.split(COMMENT_SEPARATOR).filter((s) => s !== '') : [];
}

export function joinComments(comments: readonly string[]): string | undefined {
  return comments.length ? comments.join(COMMENT_SEPARATOR) : undefined;
}

const sortedUnique = (xs: Iterable<string>) => [...new Set(xs)].sort();

/**
 * Pick one answer with `pick` (-1: the least permissive, 1: the most); the comments of every
 * answer that gives the same verdict are kept together.
 */
export function pickAnswer(answers: readonly Answer[], pick: 1 | -1): Answer {
  let best = answers[0]!.verdict;
  for (const a of answers) if (compareVerdicts(a.verdict, best) * pick > 0) best = a.verdict;
  return { verdict: best, comments: sortedUnique(answers.filter((a) => sameVerdict(a.verdict, best)).flatMap((a) => a.comments)) };
}

export function behaviours(profile: CanonicalProfile): Map<string, Behaviour> {
  const unconditional = new Map<string, Answer[]>();
  const conditional = new Map<string, Map<string, { condition: Condition; answers: Answer[] }>>();
  for (const rule of profile.syscalls) {
    const answer: Answer = { verdict: verdictOf(rule), comments: splitComment(rule.comment) };
    const condition = conditionOf(rule);
    const key = conditionKey(condition);
    for (const name of rule.names) {
      if (key === '') {
        unconditional.set(name, [...(unconditional.get(name) ?? []), answer]);
      } else {
        const byKey = conditional.get(name) ?? new Map<string, { condition: Condition; answers: Answer[] }>();
        const entry = byKey.get(key) ?? { condition, answers: [] };
        entry.answers.push(answer);
        byKey.set(key, entry);
        conditional.set(name, byKey);
      }
    }
  }
  const fallback: Answer = { verdict: defaultVerdict(profile), comments: [] };
  const result = new Map<string, Behaviour>();
  for (const name of new Set([...unconditional.keys(), ...conditional.keys()])) {
    const own = unconditional.get(name);
    const conds = new Map<string, { condition: Condition; answer: Answer }>();
    for (const [key, { condition, answers }] of conditional.get(name) ?? []) conds.set(key, { condition, answer: pickAnswer(answers, -1) });
    result.set(name, { otherwise: own ? pickAnswer(own, -1) : fallback, explicit: own !== undefined, conditional: conds });
  }
  return result;
}

/**
 * Names a profile allows with no condition at all: what the reports count. (With a default of
 * SCMP_ACT_ALLOW every unnamed syscall is allowed too; only named ones are listed.)
 */
export function allowedNames(profile: CanonicalProfile): Set<string> {
  const out = new Set<string>();
  for (const [name, b] of behaviours(profile)) if (b.otherwise.verdict.action === 'SCMP_ACT_ALLOW') out.add(name);
  return out;
}
