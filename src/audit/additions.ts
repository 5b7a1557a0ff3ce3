/**
 * Seccomp audit events → the profile additions they call for: every syscall a filter logged or
 * refused, allowed. Meant to be merged into the profile that was in force (`seccomp-gen merge`);
 * its default answer is that profile's when given (--base), so the merge needs no
 * --default-action. Pure, with a syscall table passed in.
 */
import type { Profile, Rule } from '../profile/schema.js';
import type { ScmpArch } from '../syscalls/arches.js';
import { resolveSyscalls, unnamedComment } from '../syscalls/resolve.js';
import type { SyscallTable } from '../syscalls/table.js';
import type { SeccompEvent } from './parse.js';

export interface Additions {
  profile: Profile;
  /** Distinct (arch, syscall) pairs seen, per action, for the summary. */
  byAction: Map<string, number>;
  /** Numbers libseccomp cannot name, per arch: reported, and listed in the rule's comment. */
  unknown: Map<ScmpArch, number[]>;
  /** AUDIT_ARCH values no seccomp arch is known for (reported, not added). */
  unknownArches: number[];
  /** How many events were used (after filtering). */
  events: number;
}

export interface AdditionOptions {
  /** The profile in force: its default answer (and arches) are taken over. */
  base?: Pick<Profile, 'defaultAction' | 'defaultErrnoRet' | 'architectures'>;
}

export function additionsFrom(events: readonly SeccompEvent[], table: SyscallTable, options: AdditionOptions = {}): Additions {
  const numbers = new Map<ScmpArch, Set<number>>();
  const byAction = new Map<string, Set<string>>();
  const unknownArches = new Set<number>();
  let used = 0;
  for (const e of events) {
    if (e.action === 'SCMP_ACT_ALLOW') continue; // logged only with SECCOMP_FILTER_FLAG_LOG: nothing to add
    used++;
    if (!e.arch) {
      unknownArches.add(e.auditArch);
      continue;
    }
    const set = numbers.get(e.arch) ?? new Set<number>();
    set.add(e.syscall);
    numbers.set(e.arch, set);
    const seen = byAction.get(e.action) ?? new Set<string>();
    seen.add(`${e.arch}:${e.syscall}`);
    byAction.set(e.action, seen);
  }
  const resolved = resolveSyscalls(new Map([...numbers].map(([a, s]) => [a, [...s].sort((x, y) => x - y)])), table);
  const names = new Set<string>();
  for (const list of resolved.names.values()) for (const n of list) names.add(n);
  const syscalls: Rule[] = [];
  if (names.size) {
    const rule: Rule = { names: [...names].sort(), action: 'SCMP_ACT_ALLOW', comment: 'seen in the kernel\'s seccomp audit records (seccomp-gen audit)' };
    if (resolved.unknown.size) {
      rule.comment += `; ${unnamedComment(resolved.unknown, 'also')}`;
    }
    syscalls.push(rule);
  }
  const native = table.nativeArch();
  const arches = new Set<string>(options.base?.architectures ?? [native]);
  for (const a of [...resolved.names.keys(), ...resolved.unknown.keys()]) arches.add(a);
  const profile: Profile = {
    defaultAction: options.base?.defaultAction ?? 'SCMP_ACT_ERRNO',
    ...(options.base ? (options.base.defaultErrnoRet !== undefined ? { defaultErrnoRet: options.base.defaultErrnoRet } : {}) : { defaultErrnoRet: 1 }),
    architectures: [...arches],
    syscalls,
  };
  return {
    profile,
    byAction: new Map([...byAction].map(([a, s]) => [a, s.size])),
    unknown: resolved.unknown,
    unknownArches: [...unknownArches],
    events: used,
  };
}
