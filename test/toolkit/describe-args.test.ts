import { describe, expect, it } from 'vitest';
import { describeArgs } from '../../src/toolkit/describe-args.js';
import { diffProfiles, renderDiff } from '../../src/toolkit/diff.js';
import type { CanonicalProfile } from '../../src/toolkit/model.js';
import { summarize } from '../../src/toolkit/show.js';
import { normalizeDocument, profileIssues } from '../../src/toolkit/normalize.js';
import { argumentWarnings } from '../../src/toolkit/validate-args.js';
import { missingForRuntimes, withRuntimeRule } from '../../src/toolkit/runtime-check.js';
import { runtimeSet } from '../../src/profile/runtime-sets.js';
import { SOCK_TYPE_MASK } from '../../src/syscalls/argument-table.js';

const profile = (syscalls: CanonicalProfile['syscalls']): CanonicalProfile => ({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, architectures: ['SCMP_ARCH_X86_64'], syscalls });
const socketRule = (family: number, type: number, protocol?: number) => ({
  names: ['socket'],
  action: 'SCMP_ACT_ALLOW' as const,
  args: [
    { index: 0, value: family, op: 'SCMP_CMP_EQ' as const },
    { index: 1, value: SOCK_TYPE_MASK, valueTwo: type, op: 'SCMP_CMP_MASKED_EQ' as const },
    ...(protocol !== undefined ? [{ index: 2, value: protocol, op: 'SCMP_CMP_EQ' as const }] : []),
  ],
});

describe('argument conditions in words', () => {
  it('socket: family/type[/netlink protocol]', () => {
    expect(describeArgs('socket', socketRule(2, 1).args)).toBe('AF_INET/SOCK_STREAM');
    expect(describeArgs('socket', socketRule(16, 3, 9).args)).toBe('AF_NETLINK/SOCK_RAW/NETLINK_AUDIT');
    expect(describeArgs('socket', [{ index: 0, value: 38, op: 'SCMP_CMP_LT' }])).toBe('arg0 < 38');
  });

  it('clone and unshare: the namespaces allowed', () => {
    expect(describeArgs('clone', [{ index: 0, value: 0x7e020000, op: 'SCMP_CMP_MASKED_EQ' }])).toBe('no new namespace');
    expect(describeArgs('unshare', [{ index: 0, value: (0x7e020080 & ~0x10000000) >>> 0, op: 'SCMP_CMP_MASKED_EQ' }])).toBe('namespaces: CLONE_NEWUSER only');
  });

  it('ioctl, prctl, personality: the value\'s name, also when compared on the low 32 bits', () => {
    expect(describeArgs('ioctl', [{ index: 1, value: 0x5412, op: 'SCMP_CMP_EQ' }])).toBe('TIOCSTI');
    expect(describeArgs('ioctl', [{ index: 1, value: 0xffffffff, valueTwo: 0x80045430, op: 'SCMP_CMP_MASKED_EQ' }])).toBe('TIOCGPTN');
    expect(describeArgs('prctl', [{ index: 0, value: 15, op: 'SCMP_CMP_EQ' }])).toBe('PR_SET_NAME');
    expect(describeArgs('personality', [{ index: 0, value: 0x400000, op: 'SCMP_CMP_EQ' }])).toBe('READ_IMPLIES_EXEC');
    expect(describeArgs('mmap', [{ index: 2, value: 4, op: 'SCMP_CMP_EQ' }])).toBe('arg2 == 4');
  });
});

describe('diff and show with argument rules', () => {
  it('diff shows the argument changes: socket: + AF_NETLINK/SOCK_RAW', () => {
    const a = profile([socketRule(2, 1)]);
    const b = profile([socketRule(2, 1), socketRule(16, 3, 0)]);
    const d = diffProfiles(a, b);
    expect(d.changed).toEqual([expect.objectContaining({ name: 'socket', conditions: ['+ AF_NETLINK/SOCK_RAW/NETLINK_ROUTE'] })]);
    expect(renderDiff(d, 'a', 'b')).toContain('~ socket  + AF_NETLINK/SOCK_RAW/NETLINK_ROUTE');
    expect(diffProfiles(b, a).changed[0]!.conditions).toEqual(['- AF_NETLINK/SOCK_RAW/NETLINK_ROUTE']);
  });

  it('show names the values', () => {
    const p = profile([socketRule(1, 1), { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] }]);
    const s = summarize(p, { arch: 'amd64', kernel: '6.18.0', caps: [] });
    expect(s.argumentFilters).toEqual([{ name: 'clone', text: 'no new namespace' }, { name: 'socket', text: 'AF_UNIX/SOCK_STREAM' }]);
  });
});

describe('validate: argument conditions', () => {
  const load = (args: unknown[]) => normalizeDocument({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ALLOW', args }] }, 'p');

  it('warns about several conditions on one index (runc and crun OR them all)', () => {
    const w = argumentWarnings(load([{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }, { index: 0, value: 10, op: 'SCMP_CMP_EQ' }, { index: 1, value: 1, op: 'SCMP_CMP_EQ' }]), 'p');
    expect(w).toEqual(['p: syscalls[0].args: several conditions on argument 0: runc and crun then apply each condition of this rule on its own (ORed, not ANDed); write one rule per value']);
  });

  it('a MASKED_EQ datum outside its mask never matches; valueTwo elsewhere is ignored', () => {
    expect(argumentWarnings(load([{ index: 1, value: 0xff, valueTwo: 0x100, op: 'SCMP_CMP_MASKED_EQ' }]), 'p')[0]).toContain('never matches');
    expect(argumentWarnings(load([{ index: 1, value: 0xff, valueTwo: 0x1, op: 'SCMP_CMP_MASKED_EQ' }]), 'p')).toEqual([]);
    expect(argumentWarnings(load([{ index: 1, value: 1, valueTwo: 3, op: 'SCMP_CMP_EQ' }]), 'p')[0]).toContain('ignores it');
  });

  it('indices beyond 5 and unknown operators are errors of the shape', () => {
    expect(profileIssues({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] }, 'p')[0]).toContain('syscalls[0].args[0].index');
    expect(profileIssues({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQUAL' }] }] }, 'p')[0]).toContain('unknown operator "SCMP_CMP_EQUAL"');
  });

  it('what the hook writes raises no warning', () => {
    expect(argumentWarnings(load([...socketRule(16, 3, 9).args]), 'p')).toEqual([]);
  });
});

describe('runtimes and argument rules (toolkit/runtime-check.ts)', () => {
  const prctlFor = (values: number[]) => values.map((v) => ({ names: ['prctl'], action: 'SCMP_ACT_ALLOW' as const, args: [{ index: 0, value: v, op: 'SCMP_CMP_EQ' as const }] }));
  const runtimeNames = (r: 'runc' | 'crun') => runtimeSet(r).filter((n) => n !== 'prctl');

  it('a runtime starts when its prctl options are allowed by argument rules', () => {
    const p = profile([{ names: runtimeNames('crun'), action: 'SCMP_ACT_ALLOW' }, ...prctlFor([8, 15, 24, 47])]);
    expect(missingForRuntimes(p, ['crun']).get('crun')).toEqual([]);
    expect(missingForRuntimes(profile([{ names: runtimeNames('crun'), action: 'SCMP_ACT_ALLOW' }, ...prctlFor([15])]), ['crun']).get('crun')).toEqual(['prctl']);
  });

  it('convert --runtimes adds a filtered prctl\'s runtime values, not prctl with any argument', () => {
    const { profile: out, added } = withRuntimeRule(profile([{ names: ['read'], action: 'SCMP_ACT_ALLOW' }, ...prctlFor([15])]), ['crun']);
    expect(added).toContain('prctl');
    const prctl = out.syscalls.filter((r) => r.names.includes('prctl'));
    expect(prctl.every((r) => r.args?.length === 1)).toBe(true);
    expect(prctl.map((r) => r.args![0]!.value).sort((a, b) => a - b)).toEqual([8, 15, 24, 47]);
  });
});
