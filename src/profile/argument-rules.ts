/**
 * The argument rules of a generated profile. Pure: recorded values and the tracing filter's
 * conditional rules in, rules out. Driven by syscalls/argument-table.ts (read its comment for how
 * runc and crun combine the conditions of a rule: never two conditions on one index here).
 *
 * Per allowed syscall name, the first that applies:
 * 1. its arguments were recorded (argument-table.ts): one ALLOW rule per value/combination seen
 *    (clone/unshare: one MASKED_EQ rule, namespace bits never seen must be 0; ioctl: plus the
 *    documented terminal queries). Recorded values came through the tracing filter, so they are
 *    within it.
 * 2. the recorder's bounded set for it overflowed, or its arguments were not recorded, and the
 *    tracing filter allowed it only under conditions: those conditions, carried over (never
 *    looser than the filter it was traced under);
 * 3. otherwise it stays in the profile's unconditional allow list.
 * Then: clone3 → ERRNO(ENOSYS) whenever clone is filtered (seccomp cannot read clone3's flags;
 * glibc falls back to clone on ENOSYS); the filter's conditional answers other than ALLOW are
 * carried over for identical replay (podman: socket(AF_NETLINK, *, NETLINK_AUDIT) → EINVAL).
 */
import type { ConditionalRule } from '../oci/replay.js';
import {
  AF_NETLINK,
  MAX_RECORDED_VALUES,
  SOCKETCALL_NOTE,
  SOCK_TYPE_MASK,
  TERMINAL_QUERIES,
  argumentSyscall,
  flagNames,
  CLONE_NAMESPACES,
  type ArgumentSyscall,
} from '../syscalls/argument-table.js';
import type { Rule } from './schema.js';

const ENOSYS = 38;
const LOW32 = 0xffffffff;

/** What the recorder kept for one syscall name (over every arch): value tuples, or a full set. */
export type RecordedArgs = readonly (readonly number[])[] | 'overflow';
export type ArgumentRecording = ReadonlyMap<string, RecordedArgs>;

type Arg = NonNullable<Rule['args']>[number];

export interface ArgumentInput {
  /** Names the profile allows (recorded, plus the runtime's allowance). */
  allowed: ReadonlySet<string>;
  /** Recorded argument values; undefined when the recording has none (older program, `record`). */
  recorded?: ArgumentRecording;
  /** The tracing filter's conditional rules (oci/bundle.ts conditionalRulesOf). */
  conditional: readonly ConditionalRule[];
  /** The profile's default errno: answers equal to it need no rule. */
  defaultErrnoRet: number;
  /** The profile's arches (socketcall is said when ia32 is among them). */
  architectures: readonly string[];
  /** A names-only profile: no argument filter on what it allows (config argumentFilters: false). */
  namesOnly?: boolean;
  /** The tracing filter allowed clone with any arguments (oci/replay.ts ReplayAnswers.cloneAllowed). */
  cloneAllowed?: boolean;
}

export interface ArgumentRules {
  /** Names that left the unconditional allow list: their rules are in `rules`. */
  conditional: Set<string>;
  /** ALLOW rules with conditions, clone3's ENOSYS, the carried conditional answers. */
  rules: Rule[];
}

/** One condition comparing a 32-bit argument the way the kernel will see it. */
export function equals(index: number, value: number, int32: boolean): Arg {
  const v = int32 ? value >>> 0 : value;
  return int32 && v >= 0x80000000 ? { index, value: LOW32, valueTwo: v, op: 'SCMP_CMP_MASKED_EQ' } : { index, value: v, op: 'SCMP_CMP_EQ' };
}

const allow = (name: string, args: Arg[], comment?: string): Rule => ({ names: [name], action: 'SCMP_ACT_ALLOW', args, ...(comment ? { comment } : {}) });

const unique = (tuples: readonly (readonly number[])[]) => {
  const seen = new Map<string, readonly number[]>();
  for (const t of tuples) seen.set(t.join(','), t);
  return [...seen.values()].sort((a, b) => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? -1) !== (b[i] ?? -1)) return (a[i] ?? -1) - (b[i] ?? -1);
    return 0;
  });
};

/**
 * The ALLOW rules for what was recorded of one table syscall; undefined when nothing needs a
 * condition (clone/unshare that used every namespace bit).
 */
export function emitRecorded(entry: ArgumentSyscall, tuples: readonly (readonly number[])[], architectures: readonly string[] = []): Rule[] | undefined {
  const index = entry.index.SCMP_ARCH_X86_64 ?? 0;
  switch (entry.kind) {
    case 'namespace-bits': {
      const mask = entry.mask!;
      let seen = 0;
      for (const t of tuples) seen = (seen | ((t[0] ?? 0) & mask)) >>> 0;
      const refused = (mask & ~seen) >>> 0;
      if (refused === 0) return undefined;
      const used = flagNames(seen, CLONE_NAMESPACES);
      return [allow(entry.name, [{ index, value: refused, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }], `namespaces never created while traced are refused${used ? `; allowed: ${used}` : ''}`)];
    }
    case 'socket': {
      const combos = unique(tuples.map(([family = 0, type = 0, protocol = 0]) => {
        const t = (type & SOCK_TYPE_MASK) >>> 0;
        return family === AF_NETLINK ? [family, t, protocol] : [family, t];
      }));
      const rules = combos.map(([family, type, protocol]) => {
        const args: Arg[] = [equals(0, family!, true), { index: 1, value: SOCK_TYPE_MASK, valueTwo: type!, op: 'SCMP_CMP_MASKED_EQ' }];
        if (protocol !== undefined) args.push(equals(2, protocol, true));
        return allow(entry.name, args);
      });
      if (entry.name === 'socket' && architectures.includes('SCMP_ARCH_X86') && rules[0]) rules[0].comment = SOCKETCALL_NOTE;
      return rules;
    }
    case 'values': {
      const values = new Set(tuples.map((t) => (entry.int32 ? (t[0] ?? 0) >>> 0 : (t[0] ?? 0))));
      const rules = [...values].sort((a, b) => a - b).map((v) => allow(entry.name, [equals(index, v, entry.int32)]));
      if (entry.name === 'ioctl') {
        const extra = TERMINAL_QUERIES.filter((q) => !values.has(q));
        if (extra.length) {
          rules.push({
            names: ['ioctl'],
            action: 'SCMP_ACT_ALLOW',
            args: [equals(index, extra[0]!, true)],
            comment: 'terminal queries (TCGETS, TIOCGWINSZ, TIOCGPGRP, TIOCGSID, FIONREAD) allowed so the workload also runs with -t; TIOCSTI and TIOCLINUX stay refused',
          });
          for (const q of extra.slice(1)) rules.push(allow('ioctl', [equals(index, q, true)]));
        }
      }
      return rules;
    }
  }
}

/** The filter's conditional ALLOW rules, as rules of our own (one name each), by name. */
function carriedByName(conditional: readonly ConditionalRule[]): Map<string, Rule[]> {
  const byName = new Map<string, Rule[]>();
  for (const r of conditional) {
    if (r.action !== 'SCMP_ACT_ALLOW') continue;
    for (const name of new Set(r.names)) {
      const rules = byName.get(name) ?? [];
      rules.push(allow(name, r.args.map((a) => ({ ...a, op: a.op as Arg['op'] }))));
      byName.set(name, rules);
    }
  }
  return byName;
}

export function argumentRules(input: ArgumentInput): ArgumentRules {
  const conditional = new Set<string>();
  const rules: Rule[] = [];
  const carried = carriedByName(input.conditional);
  for (const name of [...input.allowed].sort()) {
    if (input.namesOnly) break;
    const entry = argumentSyscall(name);
    const recorded = input.recorded?.get(name);
    if (entry && recorded !== undefined && recorded !== 'overflow') {
      const own = emitRecorded(entry, recorded, input.architectures);
      if (own) {
        rules.push(...own);
        conditional.add(name);
      }
      continue;
    }
    const why =
      recorded === 'overflow'
        ? `more than ${MAX_RECORDED_VALUES} distinct argument values while traced: allowed as the tracing filter allowed it`
        : 'allowed under the conditions of the filter it was traced under';
    const fromFilter = carried.get(name);
    if (fromFilter) {
      rules.push({ ...fromFilter[0]!, comment: why }, ...fromFilter.slice(1));
      conditional.add(name);
    } else if (recorded === 'overflow') {
      // The filter allowed it with any arguments: so does the profile, and says why.
      rules.push({ names: [name], action: 'SCMP_ACT_ALLOW', comment: `more than ${MAX_RECORDED_VALUES} distinct argument values while traced: allowed with any arguments, as the tracing filter allowed it` });
      conditional.add(name);
    }
  }
  // A workload that called clone3 and never clone (glibc's threads): allowed as recorded, clone3
  // could make any namespace. Where the tracing filter allowed clone, offer clone without new
  // namespaces instead, and answer clone3 ENOSYS below: glibc falls back to clone, as it does
  // under Docker's default profile (tested by the replay suite).
  const cloneEntry = argumentSyscall('clone');
  if (!input.namesOnly && input.cloneAllowed && cloneEntry?.mask !== undefined && input.allowed.has('clone3') && !input.allowed.has('clone')) {
    const index = cloneEntry.index.SCMP_ARCH_X86_64 ?? 0;
    rules.push(allow('clone', [{ index, value: cloneEntry.mask, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }], 'clone3 was called while traced: clone is offered instead, without new namespaces (clone3 answers ENOSYS, glibc falls back)'));
    conditional.add('clone');
  }
  // clone3's flags are behind a pointer: with clone filtered it would be a way around.
  if (conditional.has('clone')) {
    conditional.add('clone3');
    rules.push({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS, comment: 'clone is filtered and clone3\'s flags cannot be: ENOSYS makes glibc fall back to clone' });
  }
  for (const r of input.conditional) {
    if (r.action === 'SCMP_ACT_ALLOW') continue;
    if (r.action === 'SCMP_ACT_ERRNO' && (r.errnoRet ?? 1) === input.defaultErrnoRet) continue;
    const rule: Rule = { names: [...r.names], action: r.action as Rule['action'], args: r.args.map((a) => ({ ...a, op: a.op as Arg['op'] })), comment: 'answered so while traced: kept for identical replay' };
    if (r.errnoRet !== undefined) rule.errnoRet = r.errnoRet;
    rules.push(rule);
  }
  return { conditional, rules };
}
