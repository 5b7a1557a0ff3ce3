/**
 * if:base.json — the generated profile grafted onto a base the user keeps. The base stays as it
 * is (its default action, rules, comments and fields we do not know, in its order); the recorded
 * rules are added where the base does not decide:
 *
 * - a base rule decides the calls its conditions match, whatever its action: what it blocks stays
 *   blocked, what it allows stays allowed (a rule without conditions decides the whole syscall);
 * - a recorded rule is added for the calls no base rule of that syscall matches, and only those;
 * - a call that neither matches gets the base's default: a base that allows a syscall only for
 *   some arguments keeps that limit for every call the recording did not make.
 *
 * Why the added rules are cut to the calls outside the base's rules, rather than put beside
 * them: libseccomp (2.5.4, which runc and crun both build their filters with, rule by rule in the
 * file's order; read in its src/db.c db_rule_add and _db_tree_add, and tried) has no precedence
 * between overlapping rules of different actions that a profile could rely on. A rule without
 * conditions wipes every conditional rule of its syscall, before or after it; a second rule
 * without conditions is dropped; of two rules where one's conditions are a prefix of the
 * other's, the later is dropped silently in one order and fails the whole filter with EEXIST
 * (the container does not start) in the other, as do two rules with the same conditions; and
 * partial overlaps go to whichever condition its tree tests first. So no added rule overlaps a
 * base rule of another action: every call then matches rules of one answer only, and runc and
 * crun give the same answer whatever the order. Rules of the same answer may overlap (an added
 * ALLOW next to a base ALLOW): that is a union, which libseccomp builds for any order.
 *
 * A base rule whose action is the base's default is skipped by runc and crun when they load the
 * filter; it still decides here (its calls keep the default, which is its own answer).
 */
import type { ScmpArch } from '../syscalls/arches.js';
import { conjunctionsOf, outside, type Comparison, type Conjunction } from './conditions.js';
import { errnoNumber } from './errno.js';
import { ruleNames } from './names.js';
import type { Profile, Rule } from './schema.js';

/** A base's rules for one syscall name. */
interface Decided {
  /** Some rule of the base names it with no condition: it decides every call. */
  whole: boolean;
  /** The conditional rules: what each matches, with its answer. */
  parts: { matches: Conjunction; rule: Rule }[];
}

function decisionsOf(base: Profile): Map<string, Decided> {
  const byName = new Map<string, Decided>();
  for (const rule of base.syscalls ?? []) {
    for (const name of ruleNames(rule)) {
      const d = byName.get(name) ?? { whole: false, parts: [] };
      if (!rule.args?.length) d.whole = true;
      else for (const matches of conjunctionsOf(rule.args)) d.parts.push({ matches, rule });
      byName.set(name, d);
    }
  }
  return byName;
}

/** The errno (or trace message) a rule answers with, for comparing answers. */
function returned(rule: Rule): number | undefined {
  if (rule.errnoRet !== undefined) return rule.errnoRet;
  return rule.errno !== undefined ? errnoNumber(rule.errno) : undefined;
}

const sameAnswer = (a: Rule, b: Rule) => a.action === b.action && returned(a) === returned(b);

function withoutNames(rule: Rule, names: string[]): Rule {
  const { name: _name, ...rest } = rule;
  return { ...rest, names };
}

/**
 * `rule` (from the recording) for `name`, cut to the calls no base rule of another answer
 * matches: the rule itself when none of them meets it, else one rule per part that remains.
 */
function outsideBase(rule: Rule, name: string, decided: Decided): Rule[] {
  const others = decided.parts.filter((p) => !sameAnswer(p.rule, rule));
  let pieces = conjunctionsOf(rule.args);
  let exact = true;
  let cut = false;
  for (const { matches } of others) {
    pieces = pieces.flatMap((piece) => {
      const left = outside(piece, matches);
      if (left.rest.length !== 1 || left.rest[0] !== piece) cut = true;
      exact &&= left.exact;
      return left.rest;
    });
  }
  if (!cut) return [withoutNames(rule, [name])];
  const { name: _n, names: _ns, args: _a, comment, ...answer } = rule;
  const note = `outside the base's own rules for ${name}${exact ? '' : '; some of those calls could not be written as rules and are refused'}`;
  return pieces.map((args, i) => ({
    names: [name],
    ...answer,
    ...(args.length ? { args: args.map((a: Comparison) => ({ ...a })) } : {}),
    ...(i === 0 ? { comment: comment ? `${comment}; ${note}` : note } : {}),
  }));
}

/** Make sure the base's arch list covers the recorded arches, in whichever form it uses. */
function coverArches(base: Profile, arches: ScmpArch[]): Pick<Profile, 'architectures' | 'archMap'> {
  if (base.archMap?.length) {
    const covered = new Set(base.archMap.flatMap((m) => [m.architecture, ...(m.subArchitectures ?? [])]));
    const missing = arches.filter((a) => !covered.has(a));
    return { archMap: [...base.archMap, ...missing.map((a) => ({ architecture: a, subArchitectures: [] }))] };
  }
  const list = [...(base.architectures ?? [])];
  for (const a of arches) if (!list.includes(a)) list.push(a);
  return { architectures: list };
}

export function extendProfile(base: Profile, generated: Profile): Profile {
  const decided = decisionsOf(base);
  const added: Rule[] = [];
  for (const rule of generated.syscalls ?? []) {
    const free: string[] = [];
    const cut: Rule[] = [];
    for (const name of ruleNames(rule)) {
      const d = decided.get(name);
      if (!d) free.push(name);
      else if (!d.whole) cut.push(...outsideBase(rule, name, d));
    }
    if (free.length) added.push(withoutNames(rule, free));
    added.push(...cut);
  }
  const result: Profile = { ...base, syscalls: [...(base.syscalls ?? []), ...added] };
  const arches = (generated.architectures ?? []) as ScmpArch[];
  const { architectures, archMap } = coverArches(base, arches);
  if (archMap) result.archMap = archMap;
  else result.architectures = architectures;
  return result;
}
