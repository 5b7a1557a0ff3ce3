/**
 * Argument conditions in words, with the symbolic names of syscalls/argument-table.ts:
 * `AF_NETLINK/SOCK_RAW/NETLINK_AUDIT`, `namespaces: CLONE_NEWUSER only`, `arg1 == TIOCSTI`,
 * `arg0 == PR_SET_NAME`. Anything the table cannot name is shown as the comparison itself.
 */
import {
  ADDRESS_FAMILIES,
  AF_NETLINK,
  CLONE_NAMESPACES,
  NETLINK_PROTOCOLS,
  SOCKET_TYPES,
  SOCK_TYPE_MASK,
  argumentSyscall,
  flagNames,
} from '../syscalls/argument-table.js';
import type { CanonicalArg } from './model.js';

const OP_TEXT: Record<CanonicalArg['op'], string> = {
  SCMP_CMP_NE: '!=',
  SCMP_CMP_LT: '<',
  SCMP_CMP_LE: '<=',
  SCMP_CMP_EQ: '==',
  SCMP_CMP_GE: '>=',
  SCMP_CMP_GT: '>',
  SCMP_CMP_MASKED_EQ: '&',
};

const hex = (n: number) => `0x${n.toString(16)}`;

/** One comparison as written: `arg0 == 39`, `arg0 & 0x7e020000 == 0x0`. */
export function describeArg(a: CanonicalArg): string {
  if (a.op === 'SCMP_CMP_MASKED_EQ') return `arg${a.index} & ${hex(a.value)} == ${hex(a.valueTwo ?? 0)}`;
  return `arg${a.index} ${OP_TEXT[a.op]} ${a.value}`;
}

/** The value an EQ, or a low-32-bit MASKED_EQ (argument-rules.ts `equals`), compares with. */
function equalTo(a: CanonicalArg): number | undefined {
  if (a.op === 'SCMP_CMP_EQ') return a.value;
  if (a.op === 'SCMP_CMP_MASKED_EQ' && a.value === 0xffffffff) return a.valueTwo ?? 0;
  return undefined;
}

function socketWords(args: readonly CanonicalArg[]): string | undefined {
  const byIndex = new Map(args.map((a) => [a.index, a]));
  if (byIndex.size !== args.length) return undefined;
  const parts: string[] = [];
  const family = byIndex.get(0);
  const type = byIndex.get(1);
  const protocol = byIndex.get(2);
  if (args.some((a) => a.index > 2)) return undefined;
  const f = family && equalTo(family);
  if (family) {
    if (f === undefined) return undefined;
    parts.push(ADDRESS_FAMILIES.get(f) ?? `family ${f}`);
  }
  if (type) {
    const t = type.op === 'SCMP_CMP_MASKED_EQ' && type.value === SOCK_TYPE_MASK ? (type.valueTwo ?? 0) : equalTo(type);
    if (t === undefined) return undefined;
    parts.push(SOCKET_TYPES.get(t) ?? `type ${t}`);
  }
  if (protocol) {
    const p = equalTo(protocol);
    if (p === undefined) return undefined;
    parts.push(f === AF_NETLINK ? (NETLINK_PROTOCOLS.get(p) ?? `protocol ${p}`) : `protocol ${p}`);
  }
  return parts.join('/');
}

/** A condition's comparisons for `syscall`, named where the table can. */
export function describeArgs(syscall: string | undefined, args: readonly CanonicalArg[]): string {
  const entry = syscall ? argumentSyscall(syscall) : undefined;
  if (entry?.kind === 'socket') {
    const words = socketWords(args);
    if (words) return words;
  }
  return args
    .map((a) => {
      if (!entry || a.index !== (entry.index.SCMP_ARCH_X86_64 ?? 0)) return describeArg(a);
      if (entry.kind === 'namespace-bits' && a.op === 'SCMP_CMP_MASKED_EQ' && !a.valueTwo && entry.mask !== undefined && (a.value & ~entry.mask) === 0) {
        const allowed = (entry.mask & ~a.value) >>> 0;
        return allowed ? `namespaces: ${flagNames(allowed, CLONE_NAMESPACES) ?? hex(allowed)} only` : 'no new namespace';
      }
      const v = equalTo(a);
      const name = v !== undefined ? entry.names?.get(v >>> 0) : undefined;
      return name ?? describeArg(a);
    })
    .join(' && ');
}
