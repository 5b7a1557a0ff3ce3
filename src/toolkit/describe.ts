/** Verdicts and conditions as short text, for diff and show: `ALLOW if arg0 == 39`, `ERRNO(38)`. */
import { formatVerdict, type Verdict } from './actions.js';
import type { Answer, Behaviour, Condition } from './effective.js';
import { describeArgs } from './describe-args.js';
import type { Filter } from './model.js';

export { describeArg } from './describe-args.js';

function describeFilter(f: Filter, negate: boolean): string[] {
  const out: string[] = [];
  if (f.caps) out.push(`${negate ? 'without' : 'with'} ${f.caps.join(negate ? '/' : '+')}`);
  if (f.arches) out.push(`${negate ? 'not on' : 'on'} ${f.arches.join('/')}`);
  if (f.minKernel) out.push(`kernel ${negate ? '<' : '>='} ${f.minKernel}`);
  return out;
}

/** `arg0 == 39, with CAP_SYS_ADMIN, not on s390/s390x`: all must hold. Values named for `syscall`. */
export function describeCondition(c: Condition, syscall?: string): string {
  const parts: string[] = [];
  if (c.args?.length) parts.push(describeArgs(syscall, c.args));
  if (c.includes) parts.push(...describeFilter(c.includes, false));
  if (c.excludes) parts.push(...describeFilter(c.excludes, true));
  return parts.join(', ');
}

export function describeVerdict(v: Verdict): string {
  return formatVerdict(v).replace(/^SCMP_ACT_/, '');
}

/** All a name's answers on one line: `ERRNO(1) (default); ALLOW [arg0 == 39]`. */
export function describeBehaviour(b: Behaviour | undefined, fallback: Answer, syscall?: string): string {
  const parts = [describeVerdict((b?.otherwise ?? fallback).verdict) + (b && !b.explicit ? ' (default)' : '')];
  for (const { condition, answer } of b?.conditional.values() ?? []) parts.push(`${describeVerdict(answer.verdict)} [${describeCondition(condition, syscall)}]`);
  return parts.join('; ');
}
