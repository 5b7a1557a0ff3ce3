import { describe, expect, it } from 'vitest';
import { extendProfile } from '../../src/profile/extend.js';
import type { Profile } from '../../src/profile/schema.js';

const generated: Profile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 38,
  architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
  syscalls: [
    { names: ['getpid', 'mkdir', 'read', 'write'], action: 'SCMP_ACT_ALLOW', comment: 'recorded' },
    { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
  ],
};

describe('extendProfile', () => {
  it('keeps the base default, its rules in order, and unknown fields', () => {
    const base = {
      defaultAction: 'SCMP_ACT_KILL_PROCESS',
      architectures: ['SCMP_ARCH_X86_64'],
      flags: ['SECCOMP_FILTER_FLAG_LOG'],
      vendorField: { x: 1 },
      syscalls: [{ names: ['exit_group'], action: 'SCMP_ACT_ALLOW' }],
    } as Profile;
    const result = extendProfile(base, generated);
    expect(result.defaultAction).toBe('SCMP_ACT_KILL_PROCESS');
    expect(result).not.toHaveProperty('defaultErrnoRet');
    expect(result.flags).toEqual(['SECCOMP_FILTER_FLAG_LOG']);
    expect((result as Record<string, unknown>).vendorField).toEqual({ x: 1 });
    expect(result.syscalls).toEqual([
      { names: ['exit_group'], action: 'SCMP_ACT_ALLOW' },
      { names: ['getpid', 'mkdir', 'read', 'write'], action: 'SCMP_ACT_ALLOW', comment: 'recorded' },
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
    ]);
  });

  it('does not re-add a name the base mentions, with whatever action (blocked stays blocked)', () => {
    const base: Profile = {
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [
        { name: 'mkdir', action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
        { names: ['clone3'], action: 'SCMP_ACT_ALLOW' },
        { names: ['write'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
      ],
    };
    const result = extendProfile(base, generated);
    expect(result.syscalls).toEqual([
      ...(base.syscalls ?? []),
      // mkdir and write stay as the base says; the clone3 ENOSYS rule is gone entirely
      { names: ['getpid', 'read'], action: 'SCMP_ACT_ALLOW', comment: 'recorded' },
    ]);
  });

  it('writes added rules with names, never name', () => {
    const gen: Profile = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ name: 'read', action: 'SCMP_ACT_ALLOW' }] };
    const result = extendProfile({ defaultAction: 'SCMP_ACT_ERRNO' }, gen);
    expect(result.syscalls).toEqual([{ names: ['read'], action: 'SCMP_ACT_ALLOW' }]);
  });

  it('does not change the base object it was given', () => {
    const base: Profile = { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], syscalls: [] };
    const copy = structuredClone(base);
    extendProfile(base, generated);
    expect(base).toEqual(copy);
  });

  it('a base with no syscalls or architectures gets the generated ones', () => {
    const result = extendProfile({ defaultAction: 'SCMP_ACT_ERRNO' }, generated);
    expect(result.syscalls).toEqual(generated.syscalls);
    expect(result.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
  });

  it('appends missing arches to architectures, keeping the base order', () => {
    const result = extendProfile(
      { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_AARCH64'] },
      generated,
    );
    expect(result.architectures).toEqual(['SCMP_ARCH_X86', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_X86_64']);
    expect(result).not.toHaveProperty('archMap');
  });

  it('with an archMap: arches already covered (as architecture or subArchitecture) are not added', () => {
    const base = {
      defaultAction: 'SCMP_ACT_ERRNO',
      archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] }],
    } as Profile;
    const result = extendProfile(base, generated);
    expect(result.archMap).toEqual(base.archMap);
    // never both forms at once
    expect(result).not.toHaveProperty('architectures');
  });

  it('with an archMap: a missing arch gets its own entry', () => {
    const base = {
      defaultAction: 'SCMP_ACT_ERRNO',
      archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: null }],
    } as Profile;
    const result = extendProfile(base, generated);
    expect(result.archMap).toEqual([
      { architecture: 'SCMP_ARCH_X86_64', subArchitectures: null },
      { architecture: 'SCMP_ARCH_X86', subArchitectures: [] },
    ]);
    expect(result).not.toHaveProperty('architectures');
  });

  it('an empty archMap falls back to architectures', () => {
    const base = { defaultAction: 'SCMP_ACT_ERRNO', archMap: [], architectures: ['SCMP_ARCH_X86_64'] } as Profile;
    const result = extendProfile(base, generated);
    expect(result.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
  });
});
