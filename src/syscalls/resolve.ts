/**
 * Recorded syscall numbers → names. A number the table cannot name is kept and reported,
 * never dropped: a newer kernel may have syscalls an older libseccomp has not heard of.
 */
import type { SyscallTable } from './table.js';
import type { ScmpArch } from './arches.js';

export interface ResolvedSyscalls {
  /** Names per arch, sorted. Only arches with at least one syscall appear. */
  names: Map<ScmpArch, string[]>;
  /** Numbers the table could not name, per arch. */
  unknown: Map<ScmpArch, number[]>;
}

export function resolveSyscalls(numbers: Map<ScmpArch, number[]>, table: SyscallTable): ResolvedSyscalls {
  const names = new Map<ScmpArch, string[]>();
  const unknown = new Map<ScmpArch, number[]>();
  for (const [arch, nrs] of numbers) {
    const known = new Set<string>();
    const missing: number[] = [];
    for (const nr of nrs) {
      const name = table.name(arch, nr);
      if (name === undefined) missing.push(nr);
      else known.add(name);
    }
    if (known.size) names.set(arch, [...known].sort());
    if (missing.length) unknown.set(arch, missing.sort((a, b) => a - b));
  }
  return { names, unknown };
}

/** "SCMP_ARCH_X86_64 #471, #472": what the user is told about unnamed numbers. */
export function describeUnknown(unknown: Map<ScmpArch, number[]>): string {
  return [...unknown].map(([arch, nrs]) => `${arch} ${nrs.map((n) => `#${n}`).join(', ')}`).join('; ');
}

/**
 * The words for numbers libseccomp cannot name, in a profile's comment: `lead` says what they
 * are next to the rest of the comment ("also called", "also").
 */
export function unnamedComment(unknown: Map<ScmpArch, number[]>, lead: string): string {
  return `${lead}, with no name known to libseccomp: ${describeUnknown(unknown)}`;
}

/** The warning for numbers libseccomp cannot name, when the profile written lists them in its comment. */
export function unnamedWarning(unknown: Map<ScmpArch, number[]>): string {
  return `syscalls with no name known to libseccomp (not in the profile, listed in its comment): ${describeUnknown(unknown)}`;
}
