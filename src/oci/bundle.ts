/**
 * The container's bundle config.json, for the one thing we need from it: the seccomp filter
 * the container runs under while we trace it (`linux.seccomp`).
 */
import { join } from 'node:path';
import { SeccompGenError } from '../errors.js';
import { parseJson, readRegularFile } from '../io/json-file.js';
import { ShapeError, object, optionalInteger, string, stringArray } from '../io/shape.js';
import { EPERM, UNFILTERED, checkConditionalRule, type ConditionalRule, type ReplayAnswers } from './replay.js';

/** The part of an OCI `linux.seccomp` object that decides errno answers. */
export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  syscalls?: { names: string[]; action: string; errnoRet?: number; args?: unknown[] | null }[] | null;
}

/** The answers of an OCI `linux.seccomp` filter that a generated profile must keep. */
export function replayAnswersOf(seccomp: OciSeccomp | null | undefined): ReplayAnswers {
  if (!seccomp) return UNFILTERED;
  const errno = (ret: number | undefined) => ret ?? EPERM;
  const answers: ReplayAnswers = {
    filtered: true,
    errnoRules: (seccomp.syscalls ?? [])
      // A rule with argument filters answers only some calls: its errno cannot stand for the name.
      .filter((r) => r.action === 'SCMP_ACT_ERRNO' && !(r.args && r.args.length))
      .map((r) => ({ names: r.names, errnoRet: errno(r.errnoRet) })),
  };
  if (seccomp.defaultAction === 'SCMP_ACT_ERRNO') answers.defaultErrnoRet = errno(seccomp.defaultErrnoRet);
  const conditional = conditionalRulesOf(seccomp);
  if (conditional.length) answers.conditionalRules = conditional;
  const allows = (a: string) => a === 'SCMP_ACT_ALLOW' || a === 'SCMP_ACT_LOG';
  answers.cloneAllowed = allows(seccomp.defaultAction)
    ? !(seccomp.syscalls ?? []).some((r) => r.names.includes('clone') && !allows(r.action))
    : (seccomp.syscalls ?? []).some((r) => r.names.includes('clone') && allows(r.action) && !(r.args && r.args.length));
  return answers;
}

/**
 * The filter's conditional rules a profile must keep to stay within it: every conditional answer
 * other than ALLOW, and the conditional ALLOW rules of the names it does not also allow
 * unconditionally (for those, the conditions are what the filter allowed). With an ALLOW default,
 * conditional ALLOWs say nothing and are not kept.
 */
export function conditionalRulesOf(seccomp: OciSeccomp): ConditionalRule[] {
  const rules = seccomp.syscalls ?? [];
  const always = new Set(rules.filter((r) => r.action === 'SCMP_ACT_ALLOW' && !(r.args && r.args.length)).flatMap((r) => r.names));
  const out: ConditionalRule[] = [];
  rules.forEach((r, i) => {
    if (!(r.args && r.args.length)) return;
    const rule = checkConditionalRule(r, `linux.seccomp.syscalls[${i}]`);
    if (rule.action === 'SCMP_ACT_ALLOW') {
      if (seccomp.defaultAction === 'SCMP_ACT_ALLOW') return;
      rule.names = rule.names.filter((n) => !always.has(n));
      if (!rule.names.length) return;
    } else if (rule.action === 'SCMP_ACT_ERRNO' && rule.errnoRet === undefined) {
      rule.errnoRet = EPERM;
    }
    out.push(rule);
  });
  return out;
}

/** linux.seccomp of a parsed config.json, checked field by field (null when there is none). */
function ociSeccompOf(config: unknown): OciSeccomp | null {
  const linux = object(config, 'config').linux;
  if (linux === undefined || linux === null) return null;
  const s = object(linux, 'linux').seccomp;
  if (s === undefined || s === null) return null;
  const seccomp = object(s, 'linux.seccomp');
  const rules = seccomp.syscalls;
  const out: OciSeccomp = { defaultAction: string(seccomp.defaultAction, 'linux.seccomp.defaultAction') };
  const d = optionalInteger(seccomp.defaultErrnoRet, 'linux.seccomp.defaultErrnoRet');
  if (d !== undefined) out.defaultErrnoRet = d;
  if (rules !== undefined && rules !== null) {
    if (!Array.isArray(rules)) throw new ShapeError('linux.seccomp.syscalls', 'expected an array');
    out.syscalls = rules.map((r, i) => {
      const where = `linux.seccomp.syscalls[${i}]`;
      const rule = object(r, where);
      const parsed: NonNullable<OciSeccomp['syscalls']>[number] = {
        names: stringArray(rule.names, `${where}.names`),
        action: string(rule.action, `${where}.action`),
      };
      const e = optionalInteger(rule.errnoRet, `${where}.errnoRet`);
      if (e !== undefined) parsed.errnoRet = e;
      if (Array.isArray(rule.args)) parsed.args = rule.args;
      else if (rule.args !== undefined && rule.args !== null) throw new ShapeError(`${where}.args`, 'expected an array');
      return parsed;
    });
  }
  return out;
}

export function readReplayAnswers(bundle: string): ReplayAnswers {
  const path = join(bundle, 'config.json');
  const config = parseJson(readRegularFile(path, 64 * 1024 * 1024), path);
  try {
    return replayAnswersOf(ociSeccompOf(config));
  } catch (e) {
    if (e instanceof ShapeError) throw new SeccompGenError('STATE', `${path}: not an OCI runtime config (${e.message})`);
    throw e;
  }
}
