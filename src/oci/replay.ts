/**
 * What the tracing-time filter answered, carried into the profile so that replay behaves the
 * same. The kernel runs seccomp before the sys_enter tracepoint, so a syscall the filter denied
 * is never recorded; if the workload got ENOSYS and fell back (glibc's clone3 → clone), our
 * profile must answer ENOSYS too, not EPERM.
 */
import { integer, object, optionalInteger, string, stringArray, ShapeError } from '../io/shape.js';

export interface ReplayAnswers {
  /** The container ran under a seccomp filter (linux.seccomp was set). */
  filtered: boolean;
  /** The errno of the filter's default action, when that action is SCMP_ACT_ERRNO. */
  defaultErrnoRet?: number;
  /** Unconditional SCMP_ACT_ERRNO rules of the filter. */
  errnoRules: { names: string[]; errnoRet: number }[];
  /**
   * The filter's rules with argument conditions that a profile must keep (argument-rules.ts):
   * every conditional answer other than ALLOW (podman's socket(AF_NETLINK, *, NETLINK_AUDIT) →
   * EINVAL), and the conditional ALLOW rules of names the filter allows ONLY under conditions
   * (Docker's personality, socket, clone). Absent in target records written before it existed.
   */
  conditionalRules?: ConditionalRule[];
  /**
   * The filter allowed clone with any arguments (an ALLOW rule without conditions, or an ALLOW
   * default): a profile may then offer clone, without new namespaces, to a workload that called
   * only clone3 (argument-rules.ts). Absent: not known (older records), so nothing is offered.
   */
  cloneAllowed?: boolean;
}

/** One condition as the OCI runtime-spec writes it (value = mask and valueTwo = datum for MASKED_EQ). */
export interface ArgCondition {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

export interface ConditionalRule {
  names: string[];
  action: string;
  errnoRet?: number;
  args: ArgCondition[];
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
  if (o.cloneAllowed !== undefined) {
    if (typeof o.cloneAllowed !== 'boolean') throw new ShapeError(`${path}.cloneAllowed`, 'expected a boolean');
    answers.cloneAllowed = o.cloneAllowed;
  }
  if (o.conditionalRules !== undefined) {
    if (!Array.isArray(o.conditionalRules)) throw new ShapeError(`${path}.conditionalRules`, 'expected an array');
    answers.conditionalRules = o.conditionalRules.map((r, i) => checkConditionalRule(r, `${path}.conditionalRules[${i}]`));
  }
  return answers;
}

/** Check one conditional rule (from a target record or a bundle's linux.seccomp). */
export function checkConditionalRule(v: unknown, path: string): ConditionalRule {
  const rule = object(v, path);
  if (!Array.isArray(rule.args)) throw new ShapeError(`${path}.args`, 'expected an array');
  const out: ConditionalRule = {
    names: stringArray(rule.names, `${path}.names`),
    action: string(rule.action, `${path}.action`),
    args: rule.args.map((a, j) => {
      const arg = object(a, `${path}.args[${j}]`);
      const c: ArgCondition = {
        index: integer(arg.index, `${path}.args[${j}].index`, 0),
        value: integer(arg.value, `${path}.args[${j}].value`, 0),
        op: string(arg.op, `${path}.args[${j}].op`),
      };
      const two = optionalInteger(arg.valueTwo, `${path}.args[${j}].valueTwo`, 0);
      if (two) c.valueTwo = two;
      return c;
    }),
  };
  const e = optionalInteger(rule.errnoRet, `${path}.errnoRet`);
  if (e !== undefined) out.errnoRet = e;
  return out;
}
