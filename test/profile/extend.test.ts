import { describe, expect, it } from 'vitest';
import { extendProfile } from '../../src/profile/extend.js';
import type { Profile, Rule } from '../../src/profile/schema.js';

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

  it('does not re-add a name a base rule without conditions decides, whatever its action (blocked stays blocked)', () => {
    const base: Profile = {
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [
        { name: 'mkdir', action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
        { names: ['clone3'], action: 'SCMP_ACT_ALLOW' },
      ],
    };
    const result = extendProfile(base, generated);
    expect(result.syscalls).toEqual([
      ...(base.syscalls ?? []),
      // mkdir stays as the base says; the clone3 ENOSYS rule is gone entirely
      { names: ['getpid', 'read', 'write'], action: 'SCMP_ACT_ALLOW', comment: 'recorded' },
    ]);
  });

  it('a base allowing a syscall only under conditions: a recording that holds no argument values for it (write) adds it with any', () => {
    const base: Profile = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['write'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] }] };
    expect(extendProfile(base, generated).syscalls).toEqual([
      base.syscalls![0],
      { names: ['getpid', 'mkdir', 'read'], action: 'SCMP_ACT_ALLOW', comment: 'recorded' },
      // the same answer as the base's rule: a union, which libseccomp builds in any order
      { names: ['write'], action: 'SCMP_ACT_ALLOW', comment: 'recorded' },
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
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

/** A socket rule as the builder writes it: family, and type with SOCK_NONBLOCK|SOCK_CLOEXEC masked off. */
const socketRule = (family: number, type: number, protocol?: number): Rule => ({
  names: ['socket'],
  action: 'SCMP_ACT_ALLOW',
  args: [
    { index: 0, value: family, op: 'SCMP_CMP_EQ' },
    { index: 1, value: 0xfff7f7ff, valueTwo: type, op: 'SCMP_CMP_MASKED_EQ' },
    ...(protocol !== undefined ? [{ index: 2, value: protocol, op: 'SCMP_CMP_EQ' as const }] : []),
  ],
});
const profileOf = (...syscalls: Rule[]): Profile => ({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, syscalls });
const AUDIT_EINVAL: Rule = {
  names: ['socket'],
  action: 'SCMP_ACT_ERRNO',
  errnoRet: 22,
  args: [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }, { index: 2, value: 9, op: 'SCMP_CMP_EQ' }],
  comment: 'answered so while traced: kept for identical replay',
};

describe('extendProfile: a base rule decides only the calls it matches', () => {
  it('the issue\'s flow: a base carrying socket(AF_NETLINK, *, NETLINK_AUDIT) → EINVAL still gets the recorded raw AF_INET socket', () => {
    const base = profileOf(AUDIT_EINVAL);
    const result = extendProfile(base, profileOf(socketRule(2, 3)));
    expect(result.syscalls).toEqual([AUDIT_EINVAL, socketRule(2, 3)]);
  });

  it('a recorded rule inside a base block is not added, also when its conditions are the block\'s own (libseccomp would refuse the pair: EEXIST)', () => {
    const block = { ...socketRule(2, 2), action: 'SCMP_ACT_ERRNO' as const, errnoRet: 13 };
    const wholeFamily: Rule = { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }] };
    expect(extendProfile(profileOf(block), profileOf(socketRule(2, 2), socketRule(10, 1))).syscalls).toEqual([block, socketRule(10, 1)]);
    expect(extendProfile(profileOf(wholeFamily), profileOf(socketRule(2, 2), socketRule(10, 1))).syscalls).toEqual([wholeFamily, socketRule(10, 1)]);
  });

  it('a recorded rule partly inside a base rule of another answer is cut to the calls outside it', () => {
    // the recording allowed AF_NETLINK raw sockets of any protocol (e.g. its values overflowed);
    // the base answers the audit protocol EINVAL: that stays, the rest is added
    const anyNetlinkRaw: Rule = { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: socketRule(16, 3).args!, comment: 'recorded' };
    const result = extendProfile(profileOf(AUDIT_EINVAL), profileOf(anyNetlinkRaw));
    expect(result.syscalls).toEqual([
      AUDIT_EINVAL,
      { ...anyNetlinkRaw, args: [...anyNetlinkRaw.args!, { index: 2, value: 9, op: 'SCMP_CMP_NE' }], comment: "recorded; outside the base's own rules for socket" },
    ]);
  });

  it('a syscall the recording allows with any arguments is allowed outside the base\'s blocks only', () => {
    const noPer32: Rule = { names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] };
    const result = extendProfile(profileOf(noPer32), profileOf({ names: ['personality', 'read'], action: 'SCMP_ACT_ALLOW' }));
    expect(result.syscalls).toEqual([
      noPer32,
      { names: ['read'], action: 'SCMP_ACT_ALLOW' },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_NE' }], comment: "outside the base's own rules for personality" },
    ]);
  });

  it('a masked block is cut bit by bit: the calls left have some namespace bit the block refuses', () => {
    // base: clone ERRNO when CLONE_NEWUSER (0x10000000) is set; the recording allows clone with any flags
    const noUserns: Rule = { names: ['clone'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, value: 0x10000000, valueTwo: 0x10000000, op: 'SCMP_CMP_MASKED_EQ' }] };
    const result = extendProfile(profileOf(noUserns), profileOf({ names: ['clone'], action: 'SCMP_ACT_ALLOW' }));
    expect(result.syscalls?.[1]).toEqual({
      names: ['clone'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: 0x10000000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
      comment: "outside the base's own rules for clone",
    });
  });

  it('rules of the same answer are not cut, and a string errno is the same answer as its number', () => {
    const eperm: Rule = { names: ['socket'], action: 'SCMP_ACT_ERRNO', errno: 'EPERM', args: [{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }] };
    const recordedEperm: Rule = { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 };
    expect(extendProfile(profileOf(eperm), profileOf(recordedEperm)).syscalls).toEqual([eperm, recordedEperm]);
  });

  it('a base rule whose conditions repeat an index is read as the runtimes read it: each condition a rule of its own', () => {
    // runc and crun make this "arg0 == 2 OR arg0 == 10": both families are the base's
    const either: Rule = { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }, { index: 0, value: 10, op: 'SCMP_CMP_EQ' }] };
    expect(extendProfile(profileOf(either), profileOf(socketRule(2, 1), socketRule(10, 1), socketRule(1, 1))).syscalls).toEqual([either, socketRule(1, 1)]);
  });

  it('what cannot be written as one rule is left out (refused, never allowed), and the comment says so', () => {
    const from10: Rule = { names: ['prctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 10, op: 'SCMP_CMP_GE' }] };
    // 10 <= option < 20 needs two conditions on one index, which the runtimes would OR
    const from20: Rule = { names: ['prctl'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, value: 20, op: 'SCMP_CMP_GE' }] };
    expect(extendProfile(profileOf(from20), profileOf(from10)).syscalls).toEqual([from20]);
    const from20zero: Rule = { ...from20, args: [...from20.args!, { index: 1, value: 0, op: 'SCMP_CMP_EQ' }] };
    expect(extendProfile(profileOf(from20zero), profileOf(from10)).syscalls).toEqual([
      from20zero,
      {
        names: ['prctl'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value: 10, op: 'SCMP_CMP_GE' }, { index: 1, value: 0, op: 'SCMP_CMP_NE' }],
        comment: "outside the base's own rules for prctl; some of those calls could not be written as rules and are refused",
      },
    ]);
  });
});
