import { describe, expect, it } from 'vitest';
import { argumentRules, emitRecorded, equals, type ArgumentRecording } from '../../src/profile/argument-rules.js';
import { buildProfile, type Recording } from '../../src/profile/build.js';
import type { ConditionalRule, ReplayAnswers } from '../../src/oci/replay.js';
import { ProfileSchema } from '../../src/profile/schema.js';
import { argumentSyscall, CLONE_NS_MASK, SOCK_TYPE_MASK, SOCKETCALL_NOTE } from '../../src/syscalls/argument-table.js';
import type { ScmpArch } from '../../src/syscalls/arches.js';

const X86_64: ScmpArch = 'SCMP_ARCH_X86_64';
const entry = (name: string) => argumentSyscall(name)!;
const argsOf = (rules: { args?: unknown }[] | undefined) => (rules ?? []).map((r) => r.args);

describe('emission per syscall', () => {
  it('socket: one rule per (family, type) seen, SOCK_NONBLOCK/SOCK_CLOEXEC masked off the type', () => {
    const rules = emitRecorded(entry('socket'), [[2, 1 | 0x80000, 0], [1, 1, 0], [2, 1, 6]]);
    expect(argsOf(rules)).toEqual([
      [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 1, value: SOCK_TYPE_MASK, valueTwo: 1, op: 'SCMP_CMP_MASKED_EQ' }],
      [{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }, { index: 1, value: SOCK_TYPE_MASK, valueTwo: 1, op: 'SCMP_CMP_MASKED_EQ' }],
    ]);
    expect(SOCK_TYPE_MASK).toBe(0xfff7f7ff);
  });

  it('socket: AF_NETLINK also names its protocol, each its own rule', () => {
    const rules = emitRecorded(entry('socket'), [[16, 3, 0], [16, 3, 12]]);
    expect(argsOf(rules)).toEqual([
      [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }, { index: 1, value: SOCK_TYPE_MASK, valueTwo: 3, op: 'SCMP_CMP_MASKED_EQ' }, { index: 2, value: 0, op: 'SCMP_CMP_EQ' }],
      [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }, { index: 1, value: SOCK_TYPE_MASK, valueTwo: 3, op: 'SCMP_CMP_MASKED_EQ' }, { index: 2, value: 12, op: 'SCMP_CMP_EQ' }],
    ]);
  });

  it('socket on a profile with ia32 says socketcall is unfiltered', () => {
    const rules = emitRecorded(entry('socket'), [[2, 1, 0]], ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
    expect(rules?.[0]?.comment).toBe(SOCKETCALL_NOTE);
  });

  it('no rule has two conditions on one argument index (runc and crun would OR them all)', () => {
    for (const [name, tuples] of [['socket', [[16, 3, 9], [2, 2, 0]]], ['clone', [[0x11]]], ['ioctl', [[0x5401]]], ['prctl', [[15]]]] as const) {
      for (const r of emitRecorded(entry(name), tuples) ?? []) {
        const indices = (r.args ?? []).map((a) => a.index);
        expect(new Set(indices).size).toBe(indices.length);
      }
    }
  });

  it('clone: one MASKED_EQ rule, the namespace bits never seen must be 0', () => {
    const rules = emitRecorded(entry('clone'), [[0x01200011], [0x10000000 | 0x11]]);
    expect(rules).toHaveLength(1);
    expect(rules![0]!.args).toEqual([{ index: 0, value: CLONE_NS_MASK & ~0x10000000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]);
    expect(rules![0]!.comment).toContain('CLONE_NEWUSER');
  });

  it('clone with no namespace ever: moby\'s own mask', () => {
    expect(emitRecorded(entry('clone'), [[0x11]])![0]!.args).toEqual([{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]);
  });

  it('unshare also refuses CLONE_NEWTIME, which clone cannot take', () => {
    expect(emitRecorded(entry('unshare'), [[0]])![0]!.args![0]!.value).toBe(CLONE_NS_MASK | 0x80);
  });

  it('a clone that used every namespace bit needs no condition', () => {
    expect(emitRecorded(entry('clone'), [[CLONE_NS_MASK]])).toBeUndefined();
  });

  it('personality, prctl, setns: one EQ rule per value', () => {
    expect(argsOf(emitRecorded(entry('personality'), [[8], [0], [8]]))).toEqual([[{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }], [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }]]);
    expect(argsOf(emitRecorded(entry('prctl'), [[15]]))).toEqual([[{ index: 0, value: 15, op: 'SCMP_CMP_EQ' }]]);
    expect(argsOf(emitRecorded(entry('setns'), [[0x40000000]]))).toEqual([[{ index: 1, value: 0x40000000, op: 'SCMP_CMP_EQ' }]]);
  });

  it('a 32-bit argument at or above 0x80000000 is compared on its low 32 bits (the kernel\'s view of a sign-extended int)', () => {
    expect(equals(1, 0x80045430, true)).toEqual({ index: 1, value: 0xffffffff, valueTwo: 0x80045430, op: 'SCMP_CMP_MASKED_EQ' });
    expect(equals(1, -2147199952 /* (int)0x80045430 */, true)).toEqual({ index: 1, value: 0xffffffff, valueTwo: 0x80045430, op: 'SCMP_CMP_MASKED_EQ' });
    expect(equals(0, 0xffffffff, true)).toEqual({ index: 0, value: 0xffffffff, valueTwo: 0xffffffff, op: 'SCMP_CMP_MASKED_EQ' });
    expect(equals(1, 0x5401, true)).toEqual({ index: 1, value: 0x5401, op: 'SCMP_CMP_EQ' });
  });

  it('ioctl: the requests seen plus the terminal queries; TIOCSTI and TIOCLINUX never', () => {
    const rules = emitRecorded(entry('ioctl'), [[0x80045430]])!;
    const requests = rules.map((r) => r.args![0]!.valueTwo ?? r.args![0]!.value);
    expect(requests).toContain(0x80045430); // TIOCGPTN, seen
    expect(requests).toContain(0x5401); // TCGETS: traced without -t, run with -t
    expect(requests).toContain(0x5413); // TIOCGWINSZ
    expect(requests).not.toContain(0x5412); // TIOCSTI
    expect(requests).not.toContain(0x541c); // TIOCLINUX
    expect(rules.some((r) => r.comment?.includes('-t'))).toBe(true);
  });
});

const answers = (conditional: ConditionalRule[] = []) => ({ conditional, defaultErrnoRet: 1, architectures: ['SCMP_ARCH_X86_64'] });

describe('argumentRules', () => {
  const recorded: ArgumentRecording = new Map<string, readonly (readonly number[])[] | 'overflow'>([
    ['socket', [[2, 1, 0]]],
    ['clone', [[0x11]]],
    ['personality', [[0xffffffff]]],
  ]);

  it('filters what was recorded, takes those names out of the plain allow list, and refuses clone3 with ENOSYS', () => {
    const out = argumentRules({ allowed: new Set(['read', 'socket', 'clone', 'clone3', 'personality']), recorded, ...answers() });
    expect([...out.conditional].sort()).toEqual(['clone', 'clone3', 'personality', 'socket']);
    expect(out.rules.find((r) => r.names?.[0] === 'clone3')).toMatchObject({ action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
    expect(out.rules.every((r) => !r.names?.includes('read'))).toBe(true);
  });

  it('clone3 without clone (glibc threads): clone is offered without new namespaces and clone3 answers ENOSYS, where the filter allowed clone', () => {
    const out = argumentRules({ allowed: new Set(['read', 'clone3']), recorded: new Map(), ...answers(), cloneAllowed: true });
    expect(out.rules.find((r) => r.names?.[0] === 'clone')).toMatchObject({ action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] });
    expect(out.rules.find((r) => r.names?.[0] === 'clone3')).toMatchObject({ action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
    // A filter that did not allow clone: nothing offered, clone3 stays as recorded (never looser than the filter).
    const refused = argumentRules({ allowed: new Set(['read', 'clone3']), recorded: new Map(), ...answers(), cloneAllowed: false });
    expect(refused.rules.some((r) => r.names?.includes('clone') || r.names?.includes('clone3'))).toBe(false);
    expect(argumentRules({ allowed: new Set(['clone3']), recorded: new Map(), ...answers(), cloneAllowed: true, namesOnly: true }).rules).toEqual([]);
  });

  it('an overflowed set falls back to the tracing filter\'s conditions, and says so', () => {
    const filter: ConditionalRule[] = [{ names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] }];
    const out = argumentRules({ allowed: new Set(['personality']), recorded: new Map([['personality', 'overflow']]), ...answers(filter) });
    expect(out.rules).toEqual([{ names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }], comment: expect.stringContaining('more than 16') }]);
  });

  it('an overflowed set with a filter that allowed any arguments: allowed with any, said in a comment', () => {
    const out = argumentRules({ allowed: new Set(['ioctl']), recorded: new Map([['ioctl', 'overflow']]), ...answers() });
    expect(out.rules).toEqual([{ names: ['ioctl'], action: 'SCMP_ACT_ALLOW', comment: expect.stringContaining('any arguments') }]);
  });

  it('never looser than the filter: a name whose arguments are not recorded keeps the filter\'s conditions', () => {
    const filter: ConditionalRule[] = [{ names: ['mmap'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: 4, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] }];
    const out = argumentRules({ allowed: new Set(['mmap', 'read']), ...answers(filter) });
    expect([...out.conditional]).toEqual(['mmap']);
    expect(out.rules[0]).toMatchObject({ names: ['mmap'], args: filter[0]!.args });
  });

  it('carries the filter\'s conditional errno answers, whether or not the name is allowed', () => {
    const audit: ConditionalRule = { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }, { index: 2, value: 9, op: 'SCMP_CMP_EQ' }] };
    for (const allowed of [new Set<string>(), new Set(['socket'])]) {
      const out = argumentRules({ allowed, ...answers([audit]) });
      expect(out.rules).toContainEqual(expect.objectContaining({ names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: audit.args }));
    }
  });

  it('names-only: no condition on what it allows, the filter\'s errno answers still carried', () => {
    const audit: ConditionalRule = { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }] };
    const allowP: ConditionalRule = { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] };
    const out = argumentRules({ allowed: new Set(['socket', 'personality', 'clone']), recorded, ...answers([audit, allowP]), namesOnly: true });
    expect(out.conditional.size).toBe(0);
    expect(out.rules).toEqual([expect.objectContaining({ names: ['socket'], errnoRet: 22 })]);
  });
});

function recording(names: string[], args?: ArgumentRecording): Recording {
  return { names: new Map([[X86_64, names]]), unknown: new Map(), ...(args ? { arguments: args } : {}) };
}

/** What podman 4.3's default filter is without CAP_AUDIT_WRITE, as the bundle carries it. */
const PODMAN_SOCKET: ConditionalRule[] = [
  { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }, { index: 2, value: 9, op: 'SCMP_CMP_EQ' }] },
  { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: 9, op: 'SCMP_CMP_NE' }] },
  { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 16, op: 'SCMP_CMP_NE' }] },
  ...[0, 8, 0x20000, 0x20008, 0xffffffff].map((value) => ({ names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value, op: 'SCMP_CMP_EQ' }] })),
];
const PODMAN: ReplayAnswers = { filtered: true, defaultErrnoRet: 38, errnoRules: [], conditionalRules: PODMAN_SOCKET };

describe('buildProfile with argument rules', () => {
  it('traced under podman with no argument recording: the filter\'s socket and personality conditions and its audit EINVAL', () => {
    const profile = buildProfile(recording(['read', 'socket', 'personality']), X86_64, PODMAN, undefined, undefined, []);
    expect(ProfileSchema.safeParse(profile).success).toBe(true);
    expect(profile.syscalls?.[0]).toEqual({ names: ['read'], action: 'SCMP_ACT_ALLOW' });
    const socket = profile.syscalls?.filter((r) => r.names?.[0] === 'socket');
    expect(socket?.map((r) => [r.action, r.errnoRet])).toEqual([['SCMP_ACT_ALLOW', undefined], ['SCMP_ACT_ALLOW', undefined], ['SCMP_ACT_ERRNO', 22]]);
    expect(profile.syscalls?.filter((r) => r.names?.[0] === 'personality')).toHaveLength(5);
  });

  it('with recorded values: only them, plus the carried audit answer', () => {
    const profile = buildProfile(recording(['read', 'socket'], new Map([['socket', [[2, 1, 0]]]])), X86_64, PODMAN, undefined, undefined, []);
    expect(profile.syscalls?.map((r) => [r.names, r.action, r.args?.map((a) => a.value)])).toEqual([
      [['read'], 'SCMP_ACT_ALLOW', undefined],
      [['socket'], 'SCMP_ACT_ALLOW', [2, SOCK_TYPE_MASK]],
      [['socket'], 'SCMP_ACT_ERRNO', [16, 9]],
    ]);
  });

  it('docker\'s clone3 ENOSYS is said once when clone is filtered', () => {
    const docker: ReplayAnswers = { filtered: true, defaultErrnoRet: 1, errnoRules: [{ names: ['clone3'], errnoRet: 38 }] };
    const profile = buildProfile(recording(['clone', 'read'], new Map([['clone', [[0x11]]]])), X86_64, docker);
    expect(profile.syscalls?.filter((r) => r.names?.includes('clone3'))).toHaveLength(1);
  });

  it('the runtimes\' prctl options are allowed beside the workload\'s, and prctl leaves the runtimes\' plain rule', () => {
    const profile = buildProfile(recording(['read', 'prctl'], new Map([['prctl', [[15]]]])), X86_64, PODMAN);
    const prctl = profile.syscalls?.filter((r) => r.names?.includes('prctl')) ?? [];
    expect(prctl.every((r) => r.args?.length === 1)).toBe(true);
    expect(prctl.map((r) => r.args![0]!.value).sort((a, b) => a - b)).toEqual([8, 15, 24, 47]);
    const runtimeRule = profile.syscalls?.find((r) => r.comment?.startsWith('for the OCI runtime'));
    expect(runtimeRule?.names).not.toContain('prctl');
    expect(runtimeRule?.names).toContain('capset');
  });

  it('argumentFilters off: a names-only profile', () => {
    const profile = buildProfile(recording(['read', 'socket', 'personality'], new Map([['socket', [[2, 1, 0]]]])), X86_64, PODMAN, undefined, undefined, [], false);
    expect(profile.syscalls?.[0]).toEqual({ names: ['personality', 'read', 'socket'], action: 'SCMP_ACT_ALLOW' });
    expect(profile.syscalls?.filter((r) => r.args)).toEqual([expect.objectContaining({ errnoRet: 22 })]);
  });
});
