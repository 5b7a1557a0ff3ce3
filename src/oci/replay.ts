/**
 * What the tracing-time filter answered, carried into the profile so that replay behaves the
 * same. The kernel runs seccomp before the sys_enter tracepoint, so a syscall the filter denied
 * is never recorded; if the workload got ENOSYS and fell back (glibc's clone3 → clone), our
 * profile must answer ENOSYS too, not EPERM.
 */
import { integer, object, optionalInteger, stringArray, ShapeError } from '../io/shape.js';

export interface ReplayAnswers {
  /** The container ran under a seccomp filter (linux.seccomp was set). */
  filtered: boolean;
  /** The errno of the filter's default action, when that action is SCMP_ACT_ERRNO. */
  defaultErrnoRet?: number;
  /** Unconditional SCMP_ACT_ERRNO rules of the filter. */
  errnoRules: { names: string[]; errnoRet: number }[];
}

/**
 * What SCMP_ACT_ERRNO answers when a rule or the default action gives no errnoRet: EPERM (1), as
 * runc, crun, moby and containers/common do. The one place this number is written.
 */
export const EPERM = 1;

export const UNFILTERED: ReplayAnswers = { filtered: false, errnoRules: [] };

/** Check a ReplayAnswers read back from a target record. */
export function checkReplayAnswers(v: unknown, path: string): ReplayAnswers {
  const o = object(v, path);
  if (typeof o.filtered !== 'boolean') throw new ShapeError(`${path}.filtered`, 'expected a boolean');
  if (!Array.isArray(o.errnoRules)) throw new ShapeError(`${path}.errnoRules`, 'expected an array');
  const answers: ReplayAnswers = {
    filtered: o.filtered,
    errnoRules: o.errnoRules.map((r, i) => {
      const rule = object(r, `${path}.errnoRules[${i}]`);
      return { names: stringArray(rule.names, `${path}.errnoRules[${i}].names`), errnoRet: integer(rule.errnoRet, `${path}.errnoRules[${i}].errnoRet`) };
    }),
  };
  const d = optionalInteger(o.defaultErrnoRet, `${path}.defaultErrnoRet`);
  if (d !== undefined) answers.defaultErrnoRet = d;
  return answers;
}
