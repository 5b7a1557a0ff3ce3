/**
 * What changed from one profile to another: the default action, the arches and flags, and per
 * syscall name its answers (effective.ts: a name no rule mentions gets the default). A name is
 * "added" when only the second profile has a rule for it, "removed" when only the first has,
 * "changed" when both have and they answer differently. Comments and rule grouping are not
 * changes: two profiles that answer every call alike have no diff. Pure.
 */
import chalk from 'chalk';
import { sameVerdict } from './actions.js';
import { behaviours, defaultVerdict, type Answer, type Behaviour } from './effective.js';
import { describeBehaviour, describeCondition, describeVerdict } from './describe.js';
import type { CanonicalProfile } from './model.js';

export interface NameChange {
  name: string;
  /** The answers, as text (describe.ts); absent on the side with no rule. */
  from?: string;
  to?: string;
  /**
   * When only argument conditions changed (the answer otherwise is the same): each condition
   * added (`+ AF_NETLINK/SOCK_RAW`), removed (`- …`) or answered differently (`~ …`). An ALLOW
   * is shown by its condition alone, another answer in front of it.
   */
  conditions?: string[];
}

export interface ProfileDiff {
  defaultAction?: { from: string; to: string };
  architectures: { added: string[]; removed: string[] };
  flags: { added: string[]; removed: string[] };
  added: NameChange[];
  removed: NameChange[];
  changed: NameChange[];
}

function arches(p: CanonicalProfile): string[] {
  return p.architectures ?? (p.archMap ?? []).flatMap((e) => [e.architecture, ...e.subArchitectures]);
}

function setDiff(a: readonly string[], b: readonly string[]) {
  const sa = new Set(a);
  const sb = new Set(b);
  return { added: [...sb].filter((x) => !sa.has(x)).sort(), removed: [...sa].filter((x) => !sb.has(x)).sort() };
}

function sameBehaviour(a: Behaviour, b: Behaviour): boolean {
  if (!sameVerdict(a.otherwise.verdict, b.otherwise.verdict) || a.conditional.size !== b.conditional.size) return false;
  for (const [key, { answer }] of a.conditional) {
    const other = b.conditional.get(key);
    if (!other || !sameVerdict(answer.verdict, other.answer.verdict)) return false;
  }
  return true;
}

/** The argument conditions of one name that differ between two profiles, in words. */
function conditionChanges(x: Behaviour, y: Behaviour, name: string): string[] {
  const words = (c: { condition: Parameters<typeof describeCondition>[0]; answer: Answer }) => {
    const cond = describeCondition(c.condition, name);
    return c.answer.verdict.action === 'SCMP_ACT_ALLOW' ? cond : `${describeVerdict(c.answer.verdict)} [${cond}]`;
  };
  const out: string[] = [];
  for (const [key, c] of y.conditional) {
    const before = x.conditional.get(key);
    if (!before) out.push(`+ ${words(c)}`);
    else if (!sameVerdict(before.answer.verdict, c.answer.verdict)) out.push(`~ ${describeCondition(c.condition, name)}: ${describeVerdict(before.answer.verdict)} → ${describeVerdict(c.answer.verdict)}`);
  }
  for (const [key, c] of x.conditional) if (!y.conditional.has(key)) out.push(`- ${words(c)}`);
  return out;
}

export function diffProfiles(a: CanonicalProfile, b: CanonicalProfile): ProfileDiff {
  const da = defaultVerdict(a);
  const db = defaultVerdict(b);
  const fa: Answer = { verdict: da, comments: [] };
  const fb: Answer = { verdict: db, comments: [] };
  const ba = behaviours(a);
  const bb = behaviours(b);
  const out: ProfileDiff = { architectures: setDiff(arches(a), arches(b)), flags: setDiff(a.flags ?? [], b.flags ?? []), added: [], removed: [], changed: [] };
  if (!sameVerdict(da, db)) out.defaultAction = { from: describeVerdict(da), to: describeVerdict(db) };
  const names = [...new Set([...ba.keys(), ...bb.keys()])].sort();
  for (const name of names) {
    const x = ba.get(name);
    const y = bb.get(name);
    // A rule that only says what the default says is no change.
    const implicit = (f: Answer): Behaviour => ({ otherwise: f, explicit: false, conditional: new Map() });
    if (sameBehaviour(x ?? implicit(fa), y ?? implicit(fb))) continue;
    if (x && !y) out.removed.push({ name, from: describeBehaviour(x, fa, name) });
    else if (!x && y) out.added.push({ name, to: describeBehaviour(y, fb, name) });
    else if (x && y && !sameBehaviour(x, y)) {
      const change: NameChange = { name, from: describeBehaviour(x, fa, name), to: describeBehaviour(y, fb, name) };
      if (sameVerdict(x.otherwise.verdict, y.otherwise.verdict)) change.conditions = conditionChanges(x, y, name);
      out.changed.push(change);
    }
  }
  return out;
}

export function isEmptyDiff(d: ProfileDiff): boolean {
  return (
    !d.defaultAction &&
    !d.architectures.added.length &&
    !d.architectures.removed.length &&
    !d.flags.added.length &&
    !d.flags.removed.length &&
    !d.added.length &&
    !d.removed.length &&
    !d.changed.length
  );
}

/** The diff as text: `+ name  answer`, `- name  answer`, `~ name  from → to`; colour when chalk has it. */
export function renderDiff(d: ProfileDiff, a: string, b: string): string {
  const lines = [chalk.bold(`--- ${a}`), chalk.bold(`+++ ${b}`)];
  if (d.defaultAction) lines.push(chalk.yellow(`~ defaultAction  ${d.defaultAction.from} → ${d.defaultAction.to}`));
  for (const [what, s] of [['architectures', d.architectures], ['flags', d.flags]] as const) {
    for (const x of s.added) lines.push(chalk.green(`+ ${what}  ${x}`));
    for (const x of s.removed) lines.push(chalk.red(`- ${what}  ${x}`));
  }
  const width = Math.max(0, ...[...d.added, ...d.removed, ...d.changed].map((c) => c.name.length));
  const rows = [
    ...d.added.map((c) => ({ name: c.name, text: chalk.green(`+ ${c.name.padEnd(width)}  ${c.to}`) })),
    ...d.removed.map((c) => ({ name: c.name, text: chalk.red(`- ${c.name.padEnd(width)}  ${c.from}`) })),
    ...d.changed.map((c) => ({ name: c.name, text: chalk.yellow(`~ ${c.name.padEnd(width)}  ${c.conditions?.length ? c.conditions.join(', ') : `${c.from} → ${c.to}`}`) })),
  ].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  lines.push(...rows.map((r) => r.text));
  const summary = `${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed`;
  lines.push(isEmptyDiff(d) ? 'no differences' : summary);
  return lines.join('\n') + '\n';
}
