import { describe, expect, it } from 'vitest';
import { describeUnknown, resolveSyscalls } from '../../src/syscalls/resolve.js';
import type { SyscallTable } from '../../src/syscalls/table.js';
import type { ScmpArch } from '../../src/syscalls/arches.js';

const X86_64: ScmpArch = 'SCMP_ARCH_X86_64';
const X86: ScmpArch = 'SCMP_ARCH_X86';

/** A table that knows a handful of numbers, and counts its lookups. */
function fakeTable(known: Record<string, Record<number, string>>): SyscallTable & { lookups: number } {
  const table = {
    lookups: 0,
    nativeArch: () => X86_64,
    name(arch: ScmpArch, nr: number) {
      table.lookups++;
      return known[arch]?.[nr];
    },
    has: (arch: ScmpArch, name: string) => Object.values(known[arch] ?? {}).includes(name),
    describe: () => 'fake',
  };
  return table;
}

const table = fakeTable({
  [X86_64]: { 0: 'read', 1: 'write', 59: 'execve', 231: 'exit_group' },
  [X86]: { 3: 'read', 4: 'write', 102: 'socketcall' },
});

describe('resolveSyscalls', () => {
  it('names each number per arch, sorted by name', () => {
    const { names, unknown } = resolveSyscalls(new Map([[X86_64, [231, 59, 1, 0]]]), table);
    expect(names).toEqual(new Map([[X86_64, ['execve', 'exit_group', 'read', 'write']]]));
    expect(unknown.size).toBe(0);
  });

  it('resolves each arch with its own numbers', () => {
    // 4 is write on x86 (ia32), not stat as on x86_64: never the native names
    const { names } = resolveSyscalls(new Map([[X86_64, [0]], [X86, [4, 102]]]), table);
    expect(names.get(X86)).toEqual(['socketcall', 'write']);
    expect(names.get(X86_64)).toEqual(['read']);
  });

  it('keeps numbers it cannot name, sorted numerically, never dropped', () => {
    const { names, unknown } = resolveSyscalls(new Map([[X86_64, [472, 0, 1000, 471, 9]]]), table);
    expect(names.get(X86_64)).toEqual(['read']);
    expect(unknown).toEqual(new Map([[X86_64, [9, 471, 472, 1000]]]));
  });

  it('an arch with only unknown numbers appears only in unknown; an empty arch in neither', () => {
    const { names, unknown } = resolveSyscalls(new Map([[X86, [999]], ['SCMP_ARCH_X32' as ScmpArch, []]]), table);
    expect(names.size).toBe(0);
    expect(unknown).toEqual(new Map([[X86, [999]]]));
  });

  it('asks the table once per number', () => {
    const t = fakeTable({ [X86_64]: { 0: 'read' } });
    resolveSyscalls(new Map([[X86_64, [0, 5, 7]]]), t);
    expect(t.lookups).toBe(3);
  });
});

describe('describeUnknown', () => {
  it('lists numbers per arch', () => {
    expect(describeUnknown(new Map([[X86_64, [471, 472]], [X86, [999]]]))).toBe('SCMP_ARCH_X86_64 #471, #472; SCMP_ARCH_X86 #999');
    expect(describeUnknown(new Map())).toBe('');
  });
});
