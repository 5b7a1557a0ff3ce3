/**
 * What a rule answers — its action and, for SCMP_ACT_ERRNO/TRACE, the number — and how answers
 * compare. Merge needs a total order: "less restrictive" decides between action kinds, and a
 * fixed tie-break decides the rest, so that picking the max (union) or min (intersect) of any set
 * of answers gives the same result in whatever order or grouping the inputs come.
 */
import { SeccompGenError } from '../errors.js';
import { errnoNumber } from '../profile/errno.js';
import { ACTIONS, type Action } from '../profile/schema.js';

export interface Verdict {
  action: Action;
  /** Only for SCMP_ACT_ERRNO (the errno) and SCMP_ACT_TRACE (the tracer's message). */
  errnoRet?: number;
}

/**
 * How permissive an action is, most restrictive first (as the Security Profiles Operator's
 * merger): KILL_PROCESS < KILL = KILL_THREAD < TRAP < ERRNO < TRACE = NOTIFY < LOG < ALLOW.
 */
export const PERMISSIVENESS: Record<Action, number> = {
  SCMP_ACT_KILL_PROCESS: 0,
  SCMP_ACT_KILL: 1,
  SCMP_ACT_KILL_THREAD: 1,
  SCMP_ACT_TRAP: 2,
  SCMP_ACT_ERRNO: 3,
  SCMP_ACT_TRACE: 4,
  SCMP_ACT_NOTIFY: 4,
  SCMP_ACT_LOG: 5,
  SCMP_ACT_ALLOW: 6,
};

/** Actions that carry a number in errnoRet; for the others it means nothing and is dropped. */
export function takesErrno(action: Action): boolean {
  return action === 'SCMP_ACT_ERRNO' || action === 'SCMP_ACT_TRACE';
}

/**
 * Total order on verdicts, least permissive first. Equal permissiveness (KILL vs KILL_THREAD,
 * two errnos) is neither more nor less restrictive: the tie-break (action name, then number) only
 * makes the choice deterministic. Union keeps the larger errno, which happens to prefer ENOSYS
 * (38, glibc falls back on it) over EPERM (1).
 */
export function compareVerdicts(a: Verdict, b: Verdict): number {
  return (
    PERMISSIVENESS[a.action] - PERMISSIVENESS[b.action] ||
    (a.action < b.action ? -1 : a.action > b.action ? 1 : 0) ||
    (a.errnoRet ?? -1) - (b.errnoRet ?? -1)
  );
}

export function sameVerdict(a: Verdict, b: Verdict): boolean {
  return compareVerdicts(a, b) === 0;
}

/** "SCMP_ACT_ERRNO(38)", "SCMP_ACT_ALLOW": how messages and diffs show a verdict. */
export function formatVerdict(v: Verdict): string {
  return v.errnoRet !== undefined && takesErrno(v.action) ? `${v.action}(${v.errnoRet})` : v.action;
}

/**
 * A verdict as a user types it on the command line: `SCMP_ACT_ERRNO`, `errno`, `ERRNO(38)`,
 * `SCMP_ACT_ERRNO(ENOSYS)`. The SCMP_ACT_ prefix and case are optional.
 */
export function parseVerdict(text: string): Verdict {
  const m = /^\s*([A-Za-z_]+)\s*(?:\(\s*([A-Za-z0-9]+)\s*\))?\s*$/.exec(text);
  const upper = m?.[1]?.toUpperCase() ?? '';
  const action = (upper.startsWith('SCMP_ACT_') ? upper : `SCMP_ACT_${upper}`) as Action;
  if (!m || !ACTIONS.includes(action)) {
    throw new SeccompGenError('USAGE', `unknown action "${text}" (one of ${ACTIONS.join(', ')}; e.g. SCMP_ACT_ERRNO(38))`);
  }
  if (m[2] === undefined) return action === 'SCMP_ACT_ERRNO' ? { action, errnoRet: 1 } : { action };
  if (!takesErrno(action)) throw new SeccompGenError('USAGE', `${action} takes no number ("${text}")`);
  const errnoRet = /^\d+$/.test(m[2]) ? Number(m[2]) : errnoNumber(m[2]);
  if (errnoRet === undefined || errnoRet > 4095) throw new SeccompGenError('USAGE', `unknown errno "${m[2]}" in "${text}"`);
  return { action, errnoRet };
}
